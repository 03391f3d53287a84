/**
 * What each function bundle carries. The IAM evaluator of the simulated region (`@cloud-copilot/iam-simulate`, AGPL-3.0) is a development dependency:
 * no function bundle may contain it, nor anything of the simulated region. Each handler is bundled as the stack
 * bundles it (handlerBuildOptions, from LAMBDA_BUNDLING: every package bundled in) and its inputs are read from esbuild's metafile. The SDK
 * clients a handler builds on first use come from the Lambda runtime's SDK (shared/aws/runtime-sdk.ts): a bundle
 * carries only those its cold start constructs.
 */
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { eagerInputsOf } from '../../bench/cold-start';
import { handlerBuildOptions, SIDECAR_MODULES } from '../../infra/constructs/bundling';
import { REPO_ROOT } from '../../infra/stack';
import pkg from '../../package.json' with { type: 'json' };
import { FUNCTIONS } from '../../shared/app/functions';
import { RUNTIME_SDK_PACKAGES } from '../../shared/aws/runtime-sdk';

/** Runtime-SDK packages a function builds a client of at cold start, so bundles: the rest it must not carry. */
const BUILT_AT_COLD_START: Record<string, string[]> = {
  Sweeper: ['@aws-sdk/client-ssm'],
  Auditor: ['@aws-sdk/client-eks'],
};

/** One handler's build: its metafile and the bundle's text. */
interface HandlerBundle {
  metafile: Metafile;
  code: string;
}

/** Builds are memoized per entry: each is a full minified, source-mapped build, shared by all of a function's tests. */
const builds = new Map<string, Promise<HandlerBundle>>();

function bundle(entry: string): Promise<HandlerBundle> {
  let built = builds.get(entry);
  if (!built) {
    built = buildHandler(entry);
    builds.set(entry, built);
  }
  return built;
}

async function buildHandler(entry: string): Promise<HandlerBundle> {
  const outfile = join(REPO_ROOT, 'cdk.out', 'bundle-test.mjs');
  const result = await build({
    ...handlerBuildOptions(join(REPO_ROOT, entry), outfile),
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const code = result.outputFiles.find((f) => f.path === outfile)?.text;
  if (code === undefined) throw new Error(`${entry}: esbuild wrote no ${outfile}`);
  return { metafile: result.metafile, code };
}

async function bundledInputs(entry: string): Promise<string[]> {
  return Object.keys((await bundle(entry)).metafile.inputs);
}

describe('function bundles', () => {
  it('keep the IAM evaluator a development dependency', () => {
    expect(Object.keys(pkg.devDependencies)).toContain('@cloud-copilot/iam-simulate');
    expect(Object.keys(pkg.dependencies)).not.toContain('@cloud-copilot/iam-simulate');
  });

  for (const spec of FUNCTIONS) {
    it(`${spec.id}: bundles neither the IAM evaluator nor the simulated region`, async () => {
      const inputs = await bundledInputs(spec.entry);
      expect(inputs.some((f) => f.startsWith('node_modules/@aws-sdk/'))).toBe(true);
      expect(inputs.filter((f) => f.includes('@cloud-copilot/') || f.startsWith('local/'))).toEqual([]);
    });

    it(`${spec.id}: evaluates no zod at cold start (the deployed configuration is taken by its digest)`, async () => {
      const eager = [...eagerInputsOf((await bundle(spec.entry)).metafile)];
      expect(eager.some((f) => f.startsWith('shared/config/environment'))).toBe(true);
      expect(eager.filter((f) => f.includes('node_modules/zod/'))).toEqual([]);
    });

    it(`${spec.id}: carries none of the packages loaded from beside its bundle`, async () => {
      const { metafile, code } = await bundle(spec.entry);
      // A sidecar's name is its package's: no file of the package, whichever of its entries an import resolves to.
      const sidecarPackages = Object.keys(SIDECAR_MODULES).map((name) => `node_modules/${name}/`);
      expect(
        Object.keys(metafile.inputs).filter((f) => sidecarPackages.some((p) => f.startsWith(p))),
      ).toEqual([]);
      // Each sidecar the function lists is loaded from its file beside the bundle, by the name bundling gave it.
      for (const name of spec.sidecarModules ?? []) {
        expect(code).toContain(JSON.stringify(`./${SIDECAR_MODULES[name].file}`));
      }
    });

    it(`${spec.id}: carries no SDK client it builds on first use`, async () => {
      const inputs = await bundledInputs(spec.entry);
      const carried = RUNTIME_SDK_PACKAGES.filter((p) =>
        inputs.some((f) => f.startsWith(`node_modules/${p}/`)),
      );
      expect(carried).toEqual(BUILT_AT_COLD_START[spec.id] ?? []);
    });
  }
});
