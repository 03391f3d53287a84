/**
 * The CLI as a process: it never hangs, never leaves a DynamoDB Local behind, and ends quietly when its reader goes.
 * Each run carries a marker in its environment, which every process it starts inherits: after it exits, no process
 * may still carry it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const CLI = join(process.cwd(), 'bin/eip-keeper.js');
const SCENARIO = 'local/scenarios/demo-inventory.json';

interface Run {
  child: ChildProcess;
  marker: string;
  done: Promise<{ code: number | null; out: string; err: string }>;
}

function cli(args: string[], env: Record<string, string> = {}): Run {
  const marker = randomUUID();
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env, EIP_KEEPER_TEST_MARKER: marker },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
    child.once('close', (code) => resolve({ code, out, err })),
  );
  return { child, marker, done };
}

/** Processes still running with the run's marker in their environment (Linux /proc). */
async function leftovers(marker: string): Promise<number[]> {
  const found: number[] = [];
  for (const pid of (await readdir('/proc')).filter((d) => /^\d+$/.test(d))) {
    const environ = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
    if (environ.includes(`EIP_KEEPER_TEST_MARKER=${marker}`)) found.push(Number(pid));
  }
  return found;
}

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
