/** Running the CLI's commands in-process, with what they print captured. */
import { vi } from 'vitest';

/**
 * Runs a command with stdout and stderr captured, and restores both however it ends: its exit code and what it
 * printed. A command that throws rejects, as it would.
 */
export async function captureOutput(
  run: () => Promise<number>,
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out += String(s);
    return true;
  });
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    err += String(s);
    return true;
  });
  try {
    const code = await run();
    return { code, out, err };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}
