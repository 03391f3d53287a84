/**
 * The configuration a function finds in its environment. The stack writes the validated configuration (defaults
 * written out) with its SHA-256; a cold start takes matching text as it is, and validates anything else in full. The
 * shortcut must give exactly what validating the same text gives, for every kind of configuration, and must never
 * let through text that was changed after the synth.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configDigest, ENV, inlineConfigEnvironment, loadAppConfig } from '../../shared/config/environment';
import {
  type AppConfig,
  type AppConfigInput,
  InvalidConfigError,
  parseAppConfig,
} from '../../shared/config/schema';

const noParameter = async (): Promise<string> => {
  throw new Error('no SSM parameter in this test');
};

/** Every section set, every optional key present: what a JSON round trip could lose if any value were not JSON. */
const EVERYTHING: AppConfigInput = {
  pools: [
    {
      name: 'payments',
      cluster: 'prod',
      vpcId: 'vpc-0a1b2c3d4e5f60001',
      members: ['eipalloc-0a1b2c3d4e5f60001', '203.0.113.10'],
      selector: {
        securityGroupIds: ['sg-0a1b2c3d4e5f60001'],
        subnetIds: ['subnet-0a1b2c3d4e5f60001'],
        tags: { team: ['payments'], app: [] },
        descriptionPrefix: 'aws-k8s-branch-eni',
      },
      withoutCreationRecord: 'refuse',
      idleAlertHours: 0.5,
    },
    {
      name: 'batch',
      cluster: 'prod',
      vpcId: 'vpc-0a1b2c3d4e5f60001',
      members: ['eipalloc-0a1b2c3d4e5f60002'],
      selector: { subnetIds: ['subnet-0a1b2c3d4e5f60002'] },
      target: 'secondary-ip',
      kubernetesAccess: true,
      podSelector: { namespace: 'batch', labels: { app: 'egress' } },
      tagHolder: false,
    },
  ],
  reconcile: { scheduleMinutes: 2 },
  sweeper: {
    graceHours: 72,
    exemptTagKeys: ['owner'],
    usePricingApi: true,
    release: {
      enabled: true,
      maxPerRun: 2,
      noticeHours: 48,
      approvedFormerPoolMembers: [{ allocationId: 'eipalloc-0a1b2c3d4e5f60009', publicIp: '198.51.100.7' }],
    },
  },
  audit: { clusters: ['prod'], kubernetesAccess: ['prod'], egressProof: { enabled: true, port: 8443 } },
  alerts: { email: 'security@example.com', subjectPrefix: '[prod eu-west-1]' },
  history: { retentionDays: 30 },
  securityHub: { enabled: true },
  hub: { eventBusArn: 'arn:aws:events:eu-west-1:444455556666:event-bus/eip-keeper-hub' },
};

/** The configurations of the bundled scenarios, as their users wrote them. */
function scenarioConfigs(): Array<[string, unknown]> {
  const dirs = ['local/scenarios', 'local/scenarios/faults'];
  return dirs.flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as { config?: unknown })
      .filter((s) => s.config !== undefined)
      .map((s, i): [string, unknown] => [`${dir} #${i}`, s.config]),
  );
}

const cases: Array<[string, unknown]> = [
  ['no configuration', {}],
  ['every section', EVERYTHING],
  ...scenarioConfigs(),
];

describe('the inline configuration a cold start reads', () => {
  it('covers the bundled scenarios', () => {
    expect(cases.length).toBeGreaterThan(4);
  });

  for (const [name, input] of cases) {
    it(`${name}: is what validating the same text gives`, async () => {
      const config = parseAppConfig(input, name);
      const env = inlineConfigEnvironment(config);
      const loaded = await loadAppConfig(
        { configJson: env[ENV.configJson], configDigest: env[ENV.configDigest] },
        noParameter,
      );
      expect(loaded).toEqual(config);
      // Validating the written text again changes nothing: the shortcut skips no default and no conversion.
      expect(parseAppConfig(JSON.parse(env[ENV.configJson]), name)).toEqual(loaded);
    });
  }

  it('takes text its digest matches as it is, without validating it again', async () => {
    // Text the stack never writes (the defaults left out), so validating it would change it: only the shortcut gives
    // it back as written.
    const partial = '{"sweeper":{"graceHours":48}}';
    const taken = await loadAppConfig(
      { configJson: partial, configDigest: configDigest(partial) },
      noParameter,
    );
    expect(taken).toEqual({ sweeper: { graceHours: 48 } });
    // The same text without its digest is validated, and the defaults filled in.
    const validated = await loadAppConfig({ configJson: partial }, noParameter);
    expect(validated.sweeper.release.maxPerRun).toBe(5);
  });

  it('validates text changed after the synth, naming the bad key', async () => {
    const env = inlineConfigEnvironment(parseAppConfig({}, 'test'));
    const edited = env[ENV.configJson].replace('"maxPerRun":5', '"maxPerRun":1000');
    expect(edited).not.toBe(env[ENV.configJson]);
    const err = await loadAppConfig(
      { configJson: edited, configDigest: env[ENV.configDigest] },
      noParameter,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidConfigError);
    expect((err as Error).message).toMatch(/sweeper\.release\.maxPerRun: Too big/);
  });

  it('validates text without a digest, or with one of other text, and fills in the defaults', async () => {
    // The digest of other text: '{}' as the stack would have written it.
    for (const configDigestValue of [undefined, configDigest('{}')]) {
      const loaded: AppConfig = await loadAppConfig(
        {
          configJson: '{"sweeper":{"graceHours":48}}',
          ...(configDigestValue ? { configDigest: configDigestValue } : {}),
        },
        noParameter,
      );
      expect(loaded.sweeper.graceHours).toBe(48);
      expect(loaded.sweeper.release.maxPerRun).toBe(5);
    }
  });

  it('never takes text a digest does not match, even valid-looking JSON of another configuration', async () => {
    const env = inlineConfigEnvironment(parseAppConfig({}, 'test'));
    // The release switch turned on by hand: the digest no longer matches, so the release rules are checked again.
    const edited = env[ENV.configJson].replace(
      '"enabled":false,"maxPerRun":5,"noticeHours":24',
      '"enabled":true,"maxPerRun":5,"noticeHours":1',
    );
    expect(edited).not.toBe(env[ENV.configJson]);
    await expect(
      loadAppConfig({ configJson: edited, configDigest: env[ENV.configDigest] }, noParameter),
    ).rejects.toThrow(/noticeHours: must be at least 24 while release.enabled is true/);
  });
});
