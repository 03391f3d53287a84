/**
 * The repository (package) root: the nearest folder above a module with eip-keeper's package.json. Found by walking
 * up, so it is the same from the TypeScript sources and from a bundled build folder (dist/cli).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageRoot(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'eip-keeper') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no eip-keeper package.json above ${from}`);
    dir = up;
  }
}
