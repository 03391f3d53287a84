/**
 * The commands of the README and the docs work as written, in order, without losing settings: the deploy and
 * turn-release-on sequences run through `cdk synth` (placeholder code) with the configuration file as the docs
 * have the user write and edit it (`<!-- eip-keeper.yaml -->` before a block: the file; `<!-- eip-keeper.yaml:
 * merge -->`: an edit), and every `npx eip-keeper …` line names a command and options that exist.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { parseOptions } from '../../bin/args';
import { COMMAND_SPECS } from '../../bin/commands/catalog';
import { validateCommand } from '../../bin/commands/validate';
import { CONFIG_FILE_KEY, isConfigKey } from '../../infra/context';
import { REPO_ROOT } from '../../infra/stack';
import type { AppConfig } from '../../shared/config/schema';
import { captureOutput } from '../support/cli';
import { removeAssemblies, synth } from './helpers';

afterAll(removeAssemblies);

interface Block {
  lang: string;
  body: string;
  /** The HTML comment right before the fence, if any. */
  mark?: string;
}

/** Fenced code blocks in order (indented ones too), each with the comment line just before it. */
function fencedBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\w*)/.exec(lines[i] as string);
    if (!open) continue;
    const indent = open[1] as string;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !(lines[j] as string).trim().startsWith('```'); j++)
      body.push((lines[j] as string).slice(indent.length));
    let k = i - 1;
    while (k >= 0 && (lines[k] as string).trim() === '') k--;
    const mark = /<!--\s*(.*?)\s*-->/.exec(lines[k] ?? '')?.[1];
    blocks.push({ lang: open[2] as string, body: body.join('\n'), ...(mark ? { mark } : {}) });
    i = j;
  }
  return blocks;
}

/** Shell words of one command line: quotes removed, a `# comment` dropped. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote: string | undefined;
  let has = false;
  for (const c of line) {
    if (quote) {
      if (c === quote) quote = undefined;
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      has = true;
    } else if (c === '#' && !has && word === '') break;
    else if (/\s/.test(c)) {
      if (has || word) words.push(word);
      word = '';
      has = false;
    } else {
      word += c;
      has = true;
    }
  }
  if (has || word) words.push(word);
  return words;
}

/** The commands of a shell block: continuation lines joined, `&&` and `;` split, `$ ` prompts dropped. */
function commandsOf(body: string): string[][] {
  return body
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .flatMap((l) => l.replace(/^\s*\$ /, '').split(/&&|;/))
    .map(shellWords)
    .filter((w) => w.length > 0);
}

const deepMerge = (a: unknown, b: unknown): unknown => {
  if (!a || !b || typeof a !== 'object' || typeof b !== 'object' || Array.isArray(a) || Array.isArray(b))
    return b;
  const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
  for (const [k, v] of Object.entries(b)) out[k] = deepMerge(out[k], v);
  return out;
};

/** `file` without the keys a `-c` flag overrides (those may differ, by design). */
function withoutOverridden(
  file: Record<string, unknown>,
  overridden: readonly string[],
): Record<string, unknown> {
  let out = structuredClone(file);
  for (const key of overridden) {
    const path = key.split('.');
    const parent = path
      .slice(0, -1)
      .reduce<Record<string, unknown> | undefined>(
        (o, k) => (o?.[k] as Record<string, unknown> | undefined) ?? undefined,
        out,
      );
    if (parent) delete parent[path[path.length - 1] as string];
    if (path.length === 1) out = { ...out, [key]: undefined };
  }
  return JSON.parse(JSON.stringify(out));
}

interface Run {
  command: string;
  config?: AppConfig;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'docs-commands-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * Plays a document's blocks in order: file contents and edits, then each `npx cdk deploy|synth` (synthesized with
 * the file and its `-c` flags) and `npx eip-keeper validate` (run on the file). Checks after every synth that every
 * setting of the file is deployed, but for the keys the command's flags override.
 */
async function play(doc: string): Promise<Run[]> {
  let file = YAML.parse(readFileSync(`${REPO_ROOT}eip-keeper.yaml`, 'utf8')) ?? {};
  const runs: Run[] = [];
  for (const block of fencedBlocks(readFileSync(`${REPO_ROOT}${doc}`, 'utf8'))) {
    if (block.lang === 'yaml' && block.mark === 'eip-keeper.yaml') file = YAML.parse(block.body);
    else if (block.lang === 'yaml' && block.mark === 'eip-keeper.yaml: merge')
      file = deepMerge(file, YAML.parse(block.body));
    if (!['bash', 'sh'].includes(block.lang)) continue;
    for (const words of commandsOf(block.body)) {
      const cmd = words.filter((w) => !/^[A-Z_]+=/.test(w));
      const command = cmd.join(' ');
      if (cmd[0] === 'npx' && cmd[1] === 'cdk' && (cmd[2] === 'deploy' || cmd[2] === 'synth')) {
        const flags: Record<string, string> = { [CONFIG_FILE_KEY]: 'eip-keeper.yaml' };
        for (let i = 3; i < cmd.length; i++)
          if (cmd[i] === '-c') {
            const [key = '', ...value] = (cmd[++i] as string).split('=');
            flags[key] = value.join('=');
          }
        const files = { [flags[CONFIG_FILE_KEY] as string]: YAML.stringify(file) };
        const { config } = synth(flags, {}, undefined, { nag: false, files });
        const overridden = Object.keys(flags).filter(isConfigKey);
        expect(config, `${doc}: ${command}`).toMatchObject(withoutOverridden(file, overridden));
        runs.push({ command, config });
      } else if (cmd[0] === 'npx' && cmd[1] === 'eip-keeper' && cmd[2] === 'validate') {
        const path = join(dir, 'eip-keeper.yaml');
        await writeFile(path, YAML.stringify(file));
        const { code, out } = await captureOutput(() => validateCommand.run([path]));
        expect(code, `${doc}: ${command}`).toBe(0);
        expect(out).toContain(': valid.');
        runs.push({ command });
      } else runs.push({ command });
    }
  }
  return runs;
}

describe('the README, run as written', () => {
  let runs: Run[];
  beforeAll(async () => {
    runs = await play('README.md');
  }, 120_000);

  it('deploys the pools and the e-mail of the file, then turns release on keeping both', () => {
    const deploys = runs.filter((r) => r.config);
    const [first, ...later] = deploys;

    expect(deploys.length).toBeGreaterThanOrEqual(3);
    expect(first?.config?.pools.map((p) => p.name)).toEqual(['partner-a']);
    expect(first?.config?.alerts.email).toBe('security@example.com');
    expect(first?.config?.sweeper.release.enabled).toBe(false);
    for (const r of later) {
      expect(
        r.config?.pools.map((p) => p.name),
        r.command,
      ).toEqual(['partner-a']);
      expect(r.config?.alerts.email, r.command).toBe('security@example.com');
      expect(r.config?.sweeper.release.enabled, r.command).toBe(true);
    }
    expect(later.at(-1)?.config?.sweeper.release.maxPerRun).toBe(1);
  });

  it('validates the file before deploying it', () => {
    expect(runs.filter((r) => r.command === 'npx eip-keeper validate').length).toBeGreaterThanOrEqual(2);
  });
});

describe('docs/deploy.md, run as written', () => {
  it("synthesizes every deploy it shows, and the release step keeps the file's pools and e-mail", async () => {
    const runs = await play('docs/deploy.md');
    const deploys = runs.filter((r) => r.config);
    const released = deploys.filter((r) => r.config?.sweeper.release.enabled);

    expect(deploys.length).toBeGreaterThanOrEqual(5);
    expect(released.length).toBeGreaterThanOrEqual(1);
    for (const r of released) {
      expect(r.config?.pools.map((p) => p.name)).toEqual(['partner-a']);
      expect(r.config?.alerts.email).toBe('security@example.com');
    }
  }, 120_000);
});

describe('every eip-keeper command line in the docs', () => {
  const docs = [
    'README.md',
    ...readdirSync(`${REPO_ROOT}docs`)
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];
  const lines = docs.flatMap((doc) =>
    fencedBlocks(readFileSync(`${REPO_ROOT}${doc}`, 'utf8')).flatMap((b) =>
      commandsOf(b.body)
        .filter((w) => w[0] === 'npx' && w[1] === 'eip-keeper' && !w.some((x) => x.startsWith('[')))
        .map((w) => ({ doc, words: w.slice(2) })),
    ),
  );

  it('finds them', () => {
    expect(lines.length).toBeGreaterThan(20);
  });

  it.each(lines.map((l) => [l.doc, l.words.join(' '), l.words] as const))(
    '%s: eip-keeper %s names a command and options that exist',
    (_doc, _text, words) => {
      const [name, ...args] = words;
      const spec = COMMAND_SPECS.find((c) => c.name === name);
      expect(spec, `no command ${name}`).toBeDefined();
      expect(() =>
        parseOptions(
          args.filter((a) => a !== '|'),
          spec?.options ?? {},
        ),
      ).not.toThrow();
    },
  );
});
