/**
 * The configuration the simulated region gives its functions, and a shell running handlers against the live region:
 * the text and SHA-256 the stack writes (inlineConfigEnvironment), so a cold start there takes it by its digest as a
 * deployed function does, not by the full validation a text without one gets.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { liveEnvironment } from '../../local/live';
import { SimulatedRegion } from '../../local/region';
import {
  configDigest,
  ENV,
  inlineConfigEnvironment,
  loadAppConfig,
  parseRuntimeEnv,
} from '../../shared/config/environment';

const noParameter = async (name: string): Promise<string> => {
  throw new Error(`read SSM parameter ${name}: the configuration is inline`);
};

describe('the configuration the simulated region gives its functions', () => {
  let region: SimulatedRegion;
  beforeAll(async () => {
    region = await SimulatedRegion.start({ dynamoEndpoint: inject('dynamoEndpoint'), functions: [] });
  });
  afterAll(async () => {
    await region.stop();
  });

  function stackEnvironment() {
    const inline = inlineConfigEnvironment(region.config);
    return { configJson: inline[ENV.configJson], configDigest: inline[ENV.configDigest] };
  }

  it("is the stack's text and digest, in the functions' RuntimeEnv and in the live environment alike", () => {
    expect(region.runtimeEnv()).toMatchObject(stackEnvironment());
    expect(parseRuntimeEnv(liveEnvironment(region))).toMatchObject(stackEnvironment());
  });

  it('is taken by its digest: the configuration the region runs', async () => {
    const env = parseRuntimeEnv(liveEnvironment(region));
    expect(env.configDigest).toBe(configDigest(env.configJson ?? ''));
    expect(await loadAppConfig(env, noParameter)).toEqual(region.config);
  });

  it('follows a redeploy', async () => {
    const before = region.runtimeEnv().configDigest;
    await region.redeploy({ sweeper: { release: { enabled: true } } });
    expect(region.runtimeEnv().configDigest).not.toBe(before);
    expect(region.runtimeEnv()).toMatchObject(stackEnvironment());
    expect(parseRuntimeEnv(liveEnvironment(region))).toMatchObject(stackEnvironment());
  });
});
