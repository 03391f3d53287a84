/** help, --help and --version: answer and run nothing, for every command. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { main } from '../../bin/cli';
import { COMMAND_SPECS } from '../../bin/commands/catalog';
import { EXIT } from '../../bin/errors';
import { wrap } from '../../bin/help';
import { captureOutput } from '../support/cli';

const names = COMMAND_SPECS.map((c) => c.name);

describe('eip-keeper help', () => {
  it('lists every command with its summary, the common options and the exit codes', async () => {
    const { code, out } = await captureOutput(() => main(['help']));

    expect(code).toBe(EXIT.ok);
    for (const spec of COMMAND_SPECS)
      expect(out).toMatch(new RegExp(`^  ${spec.name} +${spec.summary.slice(0, 20)}`, 'm'));
    expect(out).toContain('--help (-h)');
    for (const code of Object.values(EXIT)) expect(out).toMatch(new RegExp(`^  ${code}  \\S`, 'm'));
  });

  it.each(names)('help %s prints the options of the command and exits 0', async (name) => {
    const { code, out } = await captureOutput(() => main(['help', name]));

    expect(code).toBe(EXIT.ok);
    expect(out).toMatch(new RegExp(`^usage: eip-keeper ${name}`));
    const spec = COMMAND_SPECS.find((c) => c.name === name);
    for (const option of Object.keys(spec?.options ?? {})) expect(out).toContain(`--${option}`);
    expect(out).toContain('-h, --help');
  });

  it.each(names)('%s --help prints the same help, runs nothing and exits 0', async (name) => {
    let loaded = false;
    const spec = COMMAND_SPECS.find((c) => c.name === name);
    const original = spec?.load;
    if (spec)
      (spec as unknown as { load: () => Promise<never> }).load = async () => {
        loaded = true;
        throw new Error('the command ran');
      };
    try {
      const [viaFlag, viaHelp] = [
        await captureOutput(() => main([name, '--help'])),
        await captureOutput(() => main(['help', name])),
      ];
      const short = await captureOutput(() => main([name, '--json', '-h']));

      expect(viaFlag).toEqual(viaHelp);
      expect(short.code).toBe(EXIT.ok);
      expect(loaded).toBe(false);
    } finally {
      if (spec && original) (spec as unknown as { load: typeof original }).load = original;
    }
  });

  it('says which command was meant for a mistyped help topic', async () => {
    const { code, err } = await captureOutput(() => main(['help', 'reprot']));

    expect(code).toBe(EXIT.usage);
    expect(err).toContain('unknown command "reprot" (did you mean "report"?)');
  });

  it('prints the version of the package for --version, -V and version', async () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
    for (const flag of ['--version', '-V', 'version']) {
      const { code, out } = await captureOutput(() => main([flag]));
      expect(code).toBe(EXIT.ok);
      expect(out).toBe(`eip-keeper ${version}\n`);
    }
  });

  it('keeps every help line within 100 characters', async () => {
    for (const args of [['help'], ...names.map((n) => ['help', n])]) {
      const { out } = await captureOutput(() => main(args));
      for (const line of out.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
    }
  });

  it('wraps words into lines under a width, each indented', () => {
    expect(wrap('one two three four', '  ', 10)).toEqual(['  one two', '  three', '  four']);
  });
});
