/**
 * Where a function's code comes from. From this repository, NodejsFunction bundles the TypeScript handler with the
 * local esbuild at synth. From the built package (`npm run build:lib`), every handler is already bundled beside the
 * library (`dist/lib/functions/<name>/index.mjs`, with the same options), and the function takes that folder as its
 * asset: a CDK app that installs the package needs neither the TypeScript sources nor esbuild.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { FunctionSpec } from '../../shared/app/functions';
import { packageRoot } from '../../shared/runtime/package-root';
import { kebabCase } from '../constructs/event-function';

/** The folder of the pre-bundled handlers, relative to the library module. */
export const BUNDLED_FUNCTIONS_DIR = 'functions';
/** Written by the build beside the handlers: its presence says the library runs from the built package. */
export const BUNDLED_FUNCTIONS_MANIFEST = 'manifest.json';
/** The file of each pre-bundled handler (an ES module exporting `handler`). */
export const BUNDLED_HANDLER_FILE = 'index.mjs';

/** The folder a built package keeps `spec`'s handler in, under the library folder `libDir`. */
export function bundledFunctionDir(libDir: string, spec: Pick<FunctionSpec, 'id'>): string {
  return join(libDir, BUNDLED_FUNCTIONS_DIR, kebabCase(spec.id));
}

/** The pre-bundled handlers of a catalog function are missing from a built package. */
export class MissingFunctionBundleError extends Error {
  override readonly name = 'MissingFunctionBundleError';
  constructor(readonly path: string) {
    super(`eip-keeper: the package has no bundled handler at ${path}; rebuild it with npm run build:lib`);
  }
}

/**
 * The pre-bundled code of `spec` when this module runs from the built package (`libDir` holds the manifest), else
 * undefined: the function is bundled from its TypeScript entry.
 */
export function bundledFunctionCode(
  spec: Pick<FunctionSpec, 'id'>,
  libDir: string = dirname(fileURLToPath(import.meta.url)),
): lambda.Code | undefined {
  if (!existsSync(join(libDir, BUNDLED_FUNCTIONS_DIR, BUNDLED_FUNCTIONS_MANIFEST))) return undefined;
  const dir = bundledFunctionDir(libDir, spec);
  if (!existsSync(join(dir, BUNDLED_HANDLER_FILE))) throw new MissingFunctionBundleError(dir);
  return lambda.Code.fromAsset(dir);
}

/**
 * Where a function's code comes from: `codeFor` (tests), else the package's pre-bundled handler, else esbuild from
 * the TypeScript entry under `projectRoot` (only bundling from source reads it).
 */
export function functionCodeSource(
  spec: FunctionSpec,
  opts: { codeFor?: (spec: FunctionSpec) => lambda.Code; projectRoot?: string },
): { code: lambda.Code | undefined; projectRoot: string } {
  const code = opts.codeFor?.(spec) ?? bundledFunctionCode(spec);
  return { code, projectRoot: code ? '' : (opts.projectRoot ?? `${packageRoot()}/`) };
}
