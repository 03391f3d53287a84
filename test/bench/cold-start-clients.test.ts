import { describe, expect, it } from 'vitest';
import { runtimeSdkClientsOf } from '../../bench/cold-start';

describe("the runtime's SDK packages a handler loads", () => {
  it('are those its own sources pass to importRuntimeSdk, one line or several', () => {
    const sourcesByPath = {
      'shared/notify/topic.ts': [
        "const [sdk, adapter] = await Promise.all([importRuntimeSdk('@aws-sdk/client-sns'), import('./adapters/sns')]);",
        'const { SecurityHubClient, BatchImportFindingsCommand } = await importRuntimeSdk(',
        "  '@aws-sdk/client-securityhub',",
        ');',
      ].join('\n'),
      // A dependency's file: not the handler's own code, whatever it calls.
      'node_modules/some-lib/index.js': "await importRuntimeSdk('@aws-sdk/client-iam');",
      // Every bundle carries this map of the packages: a name in it is no call.
      'shared/aws/runtime-sdk.ts': [
        "const EVERY_RUNTIME_SDK_PACKAGE = { '@aws-sdk/client-eks': true, '@aws-sdk/client-pricing': true };",
        'export async function importRuntimeSdk(name) { return await import(name); }',
      ].join('\n'),
    };
    expect(runtimeSdkClientsOf(sourcesByPath)).toEqual([
      '@aws-sdk/client-securityhub',
      '@aws-sdk/client-sns',
    ]);
  });

  it('are none when no own source calls it', () => {
    expect(
      runtimeSdkClientsOf({ 'functions/keeper.ts': "import { EC2Client } from '@aws-sdk/client-ec2';" }),
    ).toEqual([]);
  });
});
