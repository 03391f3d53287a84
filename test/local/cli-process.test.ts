/** The CLI as a process: it never hangs, never leaves a DynamoDB Local behind, and ends quietly when its reader goes. */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, leftovers } from './support/process';

const SCENARIO = 'local/scenarios/demo-inventory.json';

describe.skipIf(!existsSync('/proc'))('the CLI process', () => {
  it('exits 1 with one line saying what to install when java is not on PATH', async () => {
    // A PATH with node only.
    const bin = await mkdtemp(join(tmpdir(), 'no-java-'));
    await symlink(process.execPath, join(bin, 'node'));
    try {
      const run = cli(['simulate', SCENARIO], { PATH: bin });
      const { code, err } = await run.done;

      expect(code).toBe(1);
      expect(err.trim().split('\n')).toEqual([
        expect.stringMatching(/`java` is not on PATH: run `apt-get install/),
      ]);
      expect(await leftovers(run.marker)).toEqual([]);
    } finally {
      await rm(bin, { recursive: true, force: true });
    }
  });

  it('gives up on a DynamoDB Local that does not answer in time, stops it and says why', async () => {
    const run = cli(['simulate', SCENARIO], { EIP_KEEPER_DYNAMODB_START_TIMEOUT: '0.05' });
    const { code, err } = await run.done;

    expect(code).toBe(1);
    expect(err).toMatch(/DynamoDB Local did not answer on http:\/\/127\.0\.0\.1:\d+ within 0\.05 s/);
    expect(err).not.toMatch(/\n\s+at /);
    expect(await leftovers(run.marker)).toEqual([]);
  });

  it('ends quietly, with status 0 and no DynamoDB Local left, when its reader closes the pipe', async () => {
    const run = cli(['demo']);
    await new Promise<void>((resolve) => run.child.stdout?.once('data', () => resolve()));
    // `| head -1`: the reader has what it wanted and goes.
    run.child.stdout?.destroy();
    const { code, err } = await run.done;

    expect(code).toBe(0);
    expect(err).not.toMatch(/EPIPE|\n\s+at /);
    expect(await leftovers(run.marker)).toEqual([]);
  });

  it('runs two simulations at once without their ports or tables colliding', async () => {
    const runs = [cli(['simulate', SCENARIO, '--json']), cli(['simulate', SCENARIO, '--json'])];
    const results = await Promise.all(runs.map((r) => r.done));

    for (const { code, out, err } of results) {
      expect(code, err).toBe(0);
      expect(JSON.parse(out).invocations.InventoryRecorder).toEqual({ ok: 5, error: 0 });
    }
    for (const r of runs) expect(await leftovers(r.marker)).toEqual([]);
  });
});
