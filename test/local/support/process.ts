/**
 * The CLI run as a process, marked: each run carries a marker in its environment, which every process it starts
 * inherits, so after it exits the test can check that nothing it started is still running (Linux /proc).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

const CLI = join(process.cwd(), 'bin/eip-keeper.js');

export interface CliRun {
  child: ChildProcess;
  marker: string;
  /** Resolves when the process has exited and its output is closed. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>;
}

export function cli(args: string[], env: Record<string, string> = {}): CliRun {
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
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>(
    (resolve) => child.once('close', (code, signal) => resolve({ code, signal, out, err })),
  );
  return { child, marker, done };
}

/** Processes still running with the run's marker in their environment. */
export async function leftovers(marker: string): Promise<number[]> {
  const found: number[] = [];
  for (const pid of (await readdir('/proc')).filter((d) => /^\d+$/.test(d))) {
    const environ = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
    if (environ.includes(`EIP_KEEPER_TEST_MARKER=${marker}`)) found.push(Number(pid));
  }
  return found;
}
