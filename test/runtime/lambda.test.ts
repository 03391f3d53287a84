import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../../shared/config/schema';
import { contextFromEnvironment, lambdaHandler } from '../../shared/runtime/lambda';

const ssm = mockClient(SSMClient);

const baseEnv = {
  EIP_KEEPER_TABLE: 'eip-keeper',
  EIP_KEEPER_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111122223333:eip-keeper-alerts',
  EIP_KEEPER_ACCOUNT_ID: '111122223333',
  AWS_REGION: 'eu-west-1',
};

describe('cold start from the Lambda environment', () => {
  beforeEach(() => {
    ssm.reset();
  });

  it('builds the context from inline configuration JSON with defaults filled in', async () => {
    const ctx = await contextFromEnvironment('test', {
      ...baseEnv,
      EIP_KEEPER_CONFIG: '{"sweeper":{"graceHours":48}}',
    });
    expect(ctx.config.sweeper.graceHours).toBe(48);
    expect(ctx.config.sweeper.release.enabled).toBe(false);
    expect(ctx.env.tableName).toBe('eip-keeper');
  });

  it('fails naming the bad configuration key and why', async () => {
    const env = { ...baseEnv, EIP_KEEPER_CONFIG: '{"sweeper":{"release":{"maxPerRun":1000}}}' };
    await expect(contextFromEnvironment('test', env)).rejects.toThrow(/sweeper\.release\.maxPerRun: Too big/);
  });

  it('fails naming the missing environment variable', async () => {
    const { EIP_KEEPER_TABLE: _, ...env } = baseEnv;
    const err = await contextFromEnvironment('test', { ...env, EIP_KEEPER_CONFIG: '{}' }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InvalidConfigError);
    expect((err as Error).message).toMatch(/EIP_KEEPER_TABLE/);
  });

  it('reads the configuration from the SSM parameter when it is not inline', async () => {
    ssm
      .on(GetParameterCommand, { Name: '/eip-keeper/config' })
      .resolves({ Parameter: { Value: '{"audit":{"scheduleHours":12}}' } });
    const ctx = await contextFromEnvironment('test', {
      ...baseEnv,
      EIP_KEEPER_CONFIG_PARAMETER: '/eip-keeper/config',
    });
    expect(ctx.config.audit.scheduleHours).toBe(12);
  });

  it('names the SSM parameter when its JSON is invalid', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: '{not json' } });
    await expect(
      contextFromEnvironment('test', { ...baseEnv, EIP_KEEPER_CONFIG_PARAMETER: '/eip-keeper/config' }),
    ).rejects.toThrow(/SSM parameter \/eip-keeper\/config/);
  });

  it('retries a failed cold start on the next invocation instead of caching the failure', async () => {
    ssm
      .on(GetParameterCommand)
      .rejectsOnce(new Error('throttled'))
      .resolves({ Parameter: { Value: '{}' } });
    const saved = { ...process.env };
    Object.assign(process.env, baseEnv, { EIP_KEEPER_CONFIG_PARAMETER: '/eip-keeper/config' });
    delete process.env.EIP_KEEPER_CONFIG;
    try {
      const handler = lambdaHandler('test', (ctx) => async () => ctx.config.sweeper.graceHours);
      await expect(handler({})).rejects.toThrow('throttled');
      await expect(handler({})).resolves.toBe(24);
    } finally {
      process.env = saved;
    }
  });
});
