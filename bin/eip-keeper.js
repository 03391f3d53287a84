#!/usr/bin/env node
// Entry point of `npx eip-keeper`: runs the CLI built to JavaScript in dist/cli (built on first use, and again when a
// source changed: bin/build.js), so a command starts without compiling TypeScript. Without esbuild (a production
// install), it runs the TypeScript sources through tsx instead.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** The package installed from npm carries the CDK constructs only: the CLI runs from a clone of the repository. */
const NOT_IN_PACKAGE =
  'eip-keeper: the CLI runs from a clone of the eip-keeper repository (npm ci there, then npx eip-keeper);\n' +
  'the installed package holds the CDK constructs (import { EipKeeper } from "eip-keeper"): docs/construct.md\n';

async function loadCli() {
  let build;
  try {
    build = await import('./build.js');
  } catch (err) {
    if (err?.code !== 'ERR_MODULE_NOT_FOUND') throw err;
    process.stderr.write(NOT_IN_PACKAGE);
    process.exit(2);
  }
  if (build.isFresh()) return import(build.ENTRY);
  try {
    await import('esbuild');
  } catch {
    const { register } = await import('tsx/esm/api');
    register();
    return import('./cli.ts');
  }
  if (process.stderr.isTTY)
    process.stderr.write('eip-keeper: building the CLI (first run, or sources changed)…\n');
  await build.build();
  return import(build.ENTRY);
}

const { guardProcess, main } = await loadCli();
guardProcess();
process.exitCode = await main(process.argv.slice(2));
