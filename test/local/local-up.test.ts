/**
 * `eip-keeper local up` end to end: start it as a process, run `pools`, `sweep --dry-run`, `report` and `audit` against
 * it with the environment it writes, then stop it and find nothing it started still running.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../bin/cli';
import { envLines } from '../../local/live';
import { captureOutput } from '../support/cli';
import { type CliRun, cli, leftovers } from './support/process';

const SCENARIO = 'test/local/support/fixtures/local-up.json';

/** Reads `NAME='value'` lines (single quotes, `'\''` for a quote). */
function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n').filter(Boolean)) {
    const m = /^([A-Z_]+)='(.*)'$/.exec(line);
    if (m?.[1] && m[2] !== undefined) env[m[1]] = m[2].replace(/'\\''/g, "'");
  }
  return env;
}

async function waitFor(path: string, up: CliRun): Promise<string> {
  let exited = false;
  void up.done.then(() => {
    exited = true;
  });
  while (!existsSync(path)) {
    if (exited) throw new Error(`local up exited: ${(await up.done).err}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  // Written in one go; read once it holds the last variable.
  for (;;) {
    const text = await readFile(path, 'utf8');
    if (text.includes('EIP_KEEPER_CONFIG=')) return text;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!existsSync('/proc'))('eip-keeper local up', () => {
  let dir: string;
  let up: CliRun;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'local-up-'));
    const envFile = join(dir, 'env');
    up = cli(['local', 'up', '--scenario', SCENARIO, '--write-env', envFile]);
    env = parseEnvFile(await waitFor(envFile, up));
    for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
    vi.stubEnv('AWS_PROFILE', undefined);
  }, 120_000);

  afterAll(async () => {
    vi.unstubAllEnvs();
    up.child.kill('SIGTERM');
    await up.done;
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the environment the CLI and the handlers need, pointing at the region', async () => {
    expect(Object.keys(env)).toEqual(
      expect.arrayContaining([
        'AWS_REGION',
        'AWS_ENDPOINT_URL',
        'AWS_ENDPOINT_URL_DYNAMODB',
        'EIP_KEEPER_TABLE',
        'EIP_KEEPER_TOPIC_ARN',
        'EIP_KEEPER_ACCOUNT_ID',
        'EIP_KEEPER_CONFIG',
      ]),
    );
    expect(JSON.parse(env.EIP_KEEPER_CONFIG ?? '')).toMatchObject({ pools: [{ name: 'partners' }] });
  });

  it('answers pools: the pod holds one partner EIP, the other is free', async () => {
    const { code, out } = await captureOutput(() => main(['pools', '--json']));

    expect(code).toBe(0);
    const [pool] = JSON.parse(out).pools;
    expect(pool).toMatchObject({ pool: 'partners' });
    expect(JSON.stringify(pool)).toContain('eni-');
  });

  it('answers sweep --dry-run with the forgotten address as an orphan, releasing nothing', async () => {
    const { code, out } = await captureOutput(() => main(['sweep', '--dry-run', '--json']));

    expect(code).toBe(0);
    const result = JSON.parse(out);
    expect(result.decisions.map((d: { kind: string }) => d.kind).sort()).toEqual([
      'in-use',
      'orphan',
      'pool-idle',
    ]);
    expect(result.released ?? []).toEqual([]);
  });

  it('answers report with the idle hours of the last two hours: the timeline was placed to end now', async () => {
    const { code, out } = await captureOutput(() => main(['report', '--format', 'json']));

    expect(code).toBe(0);
    const rows: { idleSince: string | null; idleHours: number }[] = JSON.parse(out).rows;
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      const hoursAgo = (Date.now() - Date.parse(r.idleSince ?? '')) / 3_600_000;
      expect(hoursAgo).toBeGreaterThan(0.5);
      expect(hoursAgo).toBeLessThan(3);
      expect(r.idleHours).toBeGreaterThan(0.5);
    }
  });

  it('answers audit for the cluster of the scenario', async () => {
    const { code, out } = await captureOutput(() => main(['audit', '--json']));

    expect([0, 4]).toContain(code);
    expect(JSON.parse(out).clusters.map((c: { cluster: string }) => c.cluster)).toEqual(['prod']);
  });

  it('stops on SIGTERM and leaves nothing it started running', async () => {
    up.child.kill('SIGTERM');
    const { code } = await up.done;

    expect(code).toBe(143);
    expect(await leftovers(up.marker)).toEqual([]);
  });
});

describe('the environment lines of local up', () => {
  it('quote every value for a POSIX shell', () => {
    expect(envLines({ A: "it's", B: '{"x":1}' }, 'export ')).toBe(`export A='it'\\''s'\nexport B='{"x":1}'`);
  });
});
