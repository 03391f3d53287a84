/** Where a report goes: the file `--out` names (saying so on stderr), else standard output. */
import { writeFile } from 'node:fs/promises';

export async function writeOutput(text: string, file: string | undefined): Promise<void> {
  if (file) {
    await writeFile(file, `${text}\n`);
    process.stderr.write(`wrote ${file}\n`);
  } else process.stdout.write(`${text}\n`);
}
