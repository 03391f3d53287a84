/**
 * How every handler is bundled, in one place: the NodejsFunction options the stack deploys with (LAMBDA_BUNDLING),
 * the same translated into esbuild's options for what builds handlers without NodejsFunction (the package build,
 * `npm run bench`, the bundle tests), and the sidecar modules a function loads from beside its bundle.
 *
 * ESM, minified, with a source map; every package bundled in, except the AWS SDK clients a handler builds on first
 * use, which it imports by a computed name (shared/aws/runtime-sdk.ts) from the AWS SDK v3 the nodejs22.x runtime
 * includes (https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html).
 */
import * as path from 'node:path';
import { type BundlingOptions, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';
import type { FunctionSpec, SidecarModule } from '../../shared/app/functions';
import { packageRoot } from '../../shared/runtime/package-root';

/** Defines `require` inside the ESM bundle, for CommonJS dependencies that call it. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/**
 * Packages a function loads from a file of their own beside its bundle (FunctionSpec.sidecarModules): `entry` (from
 * the project root) is bundled alone into `file`, and the handler's bundle is told its name through `define`.
 */
export const SIDECAR_MODULES: Readonly<
  Record<SidecarModule, { file: string; entry: string; define: string }>
> = {
  yaml: {
    file: 'yaml.mjs',
    entry: 'node_modules/yaml/browser/index.js',
    define: 'process.env.EIP_KEEPER_YAML_MODULE',
  },
};

export const LAMBDA_BUNDLING: BundlingOptions = {
  forceDockerBundling: false,
  format: OutputFormat.ESM,
  minify: true,
  sourceMap: true,
  sourceMapMode: SourceMapMode.DEFAULT,
  sourcesContent: false,
  target: 'node22',
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_BANNER,
  externalModules: [],
  define: Object.fromEntries(
    Object.values(SIDECAR_MODULES).map((m) => [m.define, JSON.stringify(`./${m.file}`)]),
  ),
};

/** The esbuild options of one handler, as NodejsFunction derives them from LAMBDA_BUNDLING. */
export function handlerBuildOptions(entry: string, outfile: string): BuildOptions {
  const b = LAMBDA_BUNDLING;
  return {
    absWorkingDir: packageRoot(),
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: b.target,
    format: b.format === OutputFormat.ESM ? 'esm' : 'cjs',
    minify: b.minify,
    sourcemap: b.sourceMap,
    sourcesContent: b.sourcesContent,
    mainFields: b.mainFields,
    external: b.externalModules,
    ...(b.define ? { define: b.define } : {}),
    ...(b.banner ? { banner: { js: b.banner } } : {}),
    logLevel: 'warning',
  };
}

/** The esbuild options of a sidecar module beside a handler: the package build's, and `sidecarCommand`'s flags. */
export function sidecarBuildOptions(module: SidecarModule, dir: string, root = packageRoot()): BuildOptions {
  const { entry, file } = SIDECAR_MODULES[module];
  return {
    absWorkingDir: root,
    entryPoints: [entry],
    outfile: path.join(dir, file),
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: LAMBDA_BUNDLING.target,
    minify: true,
    logLevel: 'warning',
  };
}

/** The options `sidecarCommand` turns into flags; any other would be dropped from the command without a word. */
const SIDECAR_FLAG_OPTIONS = new Set([
  'absWorkingDir',
  'entryPoints',
  'outfile',
  'bundle',
  'format',
  'platform',
  'target',
  'minify',
  'logLevel',
]);

/**
 * The command that bundles a sidecar module into a function's asset (after the handler's own bundling): the flags of
 * `sidecarBuildOptions`, so that the stack's build and the package's cannot differ.
 */
export function sidecarCommand(module: SidecarModule, projectRoot: string, outputDir: string): string {
  const o = sidecarBuildOptions(module, outputDir, projectRoot);
  const unmapped = Object.keys(o).filter((k) => !SIDECAR_FLAG_OPTIONS.has(k));
  if (unmapped.length > 0)
    throw new Error(`sidecar option(s) with no command-line flag: ${unmapped.join(', ')}`);
  const esbuild = path.join(projectRoot, 'node_modules', '.bin', 'esbuild');
  const [entry] = o.entryPoints as string[];
  return [
    `"${esbuild}"`,
    `"${path.join(projectRoot, entry as string)}"`,
    ...(o.bundle ? ['--bundle'] : []),
    `--format=${o.format}`,
    `--platform=${o.platform}`,
    `--target=${o.target}`,
    ...(o.minify ? ['--minify'] : []),
    `--log-level=${o.logLevel}`,
    `--outfile="${o.outfile}"`,
  ].join(' ');
}

/** LAMBDA_BUNDLING, plus the function's sidecar modules built beside its bundle. */
export function bundlingFor(spec: Pick<FunctionSpec, 'sidecarModules'>): BundlingOptions {
  const sidecars = spec.sidecarModules ?? [];
  if (sidecars.length === 0) return LAMBDA_BUNDLING;
  return {
    ...LAMBDA_BUNDLING,
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (inputDir, outputDir) => sidecars.map((m) => sidecarCommand(m, inputDir, outputDir)),
    },
  };
}
