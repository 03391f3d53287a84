#!/usr/bin/env node
// Entry point of `npx eip-keeper`: runs the TypeScript CLI through tsx, so it works right after `npm ci`.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { register } = await import('tsx/esm/api');
register();
const { guardProcess, main } = await import('./cli.ts');
guardProcess();
process.exitCode = await main(process.argv.slice(2));
