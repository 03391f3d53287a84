/**
 * Builds the construct library into dist/lib (git-ignored), the folder the package publishes (`npm run build:lib`):
 *
 * - `index.js`: the library (infra/lib/index.ts) as one ES module; `aws-cdk-lib` and `constructs` stay imports (peer
 *   dependencies: the app's own copies, so its constructs and eip-keeper's are the same classes), everything else
 *   of the library is bundled in. The catalog's handler modules are not: they run in Lambda, from their own bundles.
 * - `functions/<name>/index.mjs` (and its source map, and its sidecar modules: the auditor's `yaml.mjs`): each
 *   handler of the catalog bundled with the options the stack's NodejsFunction uses (LAMBDA_BUNDLING), and
 *   `functions/manifest.json`, which tells the library it runs from the built package (infra/lib/function-code.ts).
 * - `types/`: the declarations, from tsc, with the relative imports spelled as Node resolves them (`./x.js`).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { FUNCTIONS } from '../../shared/app/functions';
import { hubIngest } from '../../shared/hub/function-spec';
import { packageRoot } from '../../shared/runtime/package-root';
import { handlerBuildOptions, sidecarBuildOptions } from '../constructs/bundling';
import {
  BUNDLED_FUNCTIONS_DIR,
  BUNDLED_FUNCTIONS_MANIFEST,
  BUNDLED_HANDLER_FILE,
  bundledFunctionDir,
} from './function-code';

const ROOT = packageRoot();
export const LIB_DIR = join(ROOT, 'dist', 'lib');
export const LIB_ENTRY = join(LIB_DIR, 'index.js');
export const LIB_TYPES = join(LIB_DIR, 'types', 'infra', 'lib', 'index.d.ts');
/** The peer dependencies: imported from the app, never bundled. */
const PEERS = ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs'];

/** Catalog handler modules (`functions/<name>`) that the library's catalog loads lazily: never run at synth. */
const HANDLER_MODULE = /(^|\/)functions\/[a-z-]+$/;

const handlerStubs: Plugin = {
  name: 'eip-keeper-handler-stubs',
  setup(b) {
    b.onResolve({ filter: HANDLER_MODULE }, (args) =>
      args.kind === 'dynamic-import' ? { path: args.path, namespace: 'handler-stub' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'handler-stub' }, (args) => ({
      contents: `export function createHandler() { throw new Error(${JSON.stringify(`${args.path} runs in Lambda, from its own bundle`)}); }`,
      loader: 'js',
    }));
  },
};

async function buildLibrary(): Promise<void> {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: ['infra/lib/index.ts'],
    outfile: LIB_ENTRY,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: PEERS,
    plugins: [handlerStubs],
    metafile: true,
    logLevel: 'warning',
  });
  // Synth needs no AWS SDK: one in the library means a handler module leaked into it.
  const sdk = Object.keys(result.metafile.inputs).filter((f) => f.includes('node_modules/@aws-sdk/'));
  if (sdk.length > 0) throw new Error(`the library bundles the AWS SDK (${sdk[0]}): a handler leaked in`);
}

async function buildFunctions(): Promise<void> {
  const manifest: Record<string, string> = {};
  // The member catalog and the hub's function: a hub stack built from the package needs its handler too.
  for (const spec of [...FUNCTIONS, hubIngest]) {
    const dir = bundledFunctionDir(LIB_DIR, spec);
    await build(handlerBuildOptions(spec.entry, join(dir, BUNDLED_HANDLER_FILE)));
    for (const m of spec.sidecarModules ?? []) await build(sidecarBuildOptions(m, dir));
    manifest[spec.id] = relative(LIB_DIR, dir);
  }
  writeFileSync(
    join(LIB_DIR, BUNDLED_FUNCTIONS_DIR, BUNDLED_FUNCTIONS_MANIFEST),
    `${JSON.stringify(manifest, null, 1)}\n`,
  );
}

/** `from './x'` → `from './x.js'` (or `./x/index.js`): extensionless relative imports do not resolve under Node16. */
export function withJsExtensions(declaration: string, exists: (path: string) => boolean): string {
  return declaration.replace(
    /((?:from|import\()\s*['"])(\.{1,2}\/[^'"]*)(['"])/g,
    (whole, open, spec, close) => {
      if (/\.js$/.test(spec)) return whole;
      if (exists(`${spec}.d.ts`)) return `${open}${spec}.js${close}`;
      if (exists(`${spec}/index.d.ts`)) return `${open}${spec}/index.js${close}`;
      return whole;
    },
  );
}

function buildDeclarations(): void {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.lib.json')], { stdio: 'inherit' });
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : path.endsWith('.d.ts') ? [path] : [];
    });
  for (const file of walk(join(LIB_DIR, 'types'))) {
    const exists = (spec: string) => {
      try {
        return statSync(join(dirname(file), spec)).isFile();
      } catch {
        return false;
      }
    };
    writeFileSync(file, withJsExtensions(readFileSync(file, 'utf8'), exists));
  }
}

export async function buildLib(): Promise<void> {
  rmSync(LIB_DIR, { recursive: true, force: true });
  mkdirSync(LIB_DIR, { recursive: true });
  await Promise.all([buildLibrary(), buildFunctions()]);
  buildDeclarations();
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  await buildLib();
  process.stdout.write(`built ${relative(process.cwd(), LIB_DIR)}\n`);
}
