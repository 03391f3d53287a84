import { describe, expect, it } from 'vitest';
import {
  configFromContext,
  deepMerge,
  isConfigKey,
  mergeContextLayers,
  parseContextValue,
  setPath,
} from '../../infra/context';
import { DEFAULT_CONFIG, InvalidConfigError } from '../../shared/config/schema';

const noFiles = (path: string): string => {
  throw new Error(`ENOENT: no such file or directory, open '${path}'`);
};
const files =
  (contents: Record<string, string>) =>
  (path: string): string => {
    const text = contents[path];
    if (text === undefined) return noFiles(path);
    return text;
  };

const pool = (name: string) => ({
  name,
  cluster: 'prod',
  vpcId: 'vpc-0123456789abcdef0',
  // One approved address per pool (an address may be listed in one pool only).
  members: [`eipalloc-0${Buffer.from(name).toString('hex').padEnd(16, '0').slice(0, 16)}`],
  selector: { securityGroupIds: ['sg-0123456789abcdef0'] },
});

function errorOf(fn: () => unknown): InvalidConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidConfigError) return err;
    throw err;
  }
  throw new Error('expected InvalidConfigError');
}

describe('configFromContext', () => {
  it('gives the safe defaults when the context holds no configuration', () => {
    const { config } = configFromContext({}, noFiles);

    expect(config).toEqual(DEFAULT_CONFIG);
    expect(config.pools).toEqual([]);
    expect(config.sweeper.release.enabled).toBe(false);
  });

  it('ignores cdk context and feature flags that are not configuration', () => {
    const { config, ignoredKeys } = configFromContext(
      {
        '@aws-cdk/aws-iam:minimizePolicies': true,
        'aws:cdk:enable-path-metadata': true,
        'availability-zones:account=123456789012:region=eu-west-1': ['eu-west-1a'],
        'acknowledged-issue-numbers': [12345],
      },
      noFiles,
    );

    expect(config).toEqual(DEFAULT_CONFIG);
    expect(ignoredKeys).toEqual([]);
  });

  it('reads the eipKeeper object from cdk.json', () => {
    const { config } = configFromContext(
      { eipKeeper: { pools: [pool('partner-a')], history: { retentionDays: 30 } } },
      noFiles,
    );

    expect(config.pools.map((p) => p.name)).toEqual(['partner-a']);
    expect(config.history.retentionDays).toBe(30);
  });

  it('reads eipKeeper given as a JSON string with -c', () => {
    const { config } = configFromContext(
      { eipKeeper: JSON.stringify({ reconcile: { scheduleMinutes: 2 } }) },
      noFiles,
    );

    expect(config.reconcile.scheduleMinutes).toBe(2);
  });

  it('merges a -c config=file.json file over the cdk.json object, key by key', () => {
    const context = {
      eipKeeper: { sweeper: { graceHours: 48, release: { maxPerRun: 3 } } },
      config: 'prod.json',
    };
    const read = files({ 'prod.json': JSON.stringify({ sweeper: { release: { enabled: true } } }) });

    const { config } = configFromContext(context, read);

    expect(config.sweeper.graceHours).toBe(48);
    expect(config.sweeper.release).toEqual({ enabled: true, maxPerRun: 3, noticeHours: 24 });
  });

  it('applies dotted overrides last, parsing JSON values and keeping other strings', () => {
    const context = {
      eipKeeper: { sweeper: { release: { enabled: false } } },
      config: 'prod.json',
      'sweeper.release.enabled': 'true',
      'sweeper.release.maxPerRun': '7',
      'alerts.email': 'sec@example.com',
    };
    const read = files({ 'prod.json': JSON.stringify({ sweeper: { release: { maxPerRun: 1 } } }) });

    const { config } = configFromContext(context, read);

    expect(config.sweeper.release).toEqual({ enabled: true, maxPerRun: 7, noticeHours: 24 });
    expect(config.alerts.email).toBe('sec@example.com');
  });

  it('replaces the pools with a -c pools= JSON array', () => {
    const context = {
      eipKeeper: { pools: [pool('old')] },
      pools: JSON.stringify([pool('new-a'), pool('new-b')]),
    };

    const { config } = configFromContext(context, noFiles);

    expect(config.pools.map((p) => p.name)).toEqual(['new-a', 'new-b']);
  });

  it('applies a whole-section override before a deeper one, whatever the flag order', () => {
    const context = {
      'sweeper.graceHours': '72',
      sweeper: JSON.stringify({ graceHours: 12, scheduleMinutes: 30 }),
    };

    const { config } = configFromContext(context, noFiles);

    expect(config.sweeper.graceHours).toBe(72);
    expect(config.sweeper.scheduleMinutes).toBe(30);
  });

  it('indexes into an array with a numeric path segment', () => {
    const context = { eipKeeper: { pools: [pool('a'), pool('b')] }, 'pools.1.allocateOnExhaustion': 'true' };

    const { config } = configFromContext(context, noFiles);

    expect(config.pools[0]?.allocateOnExhaustion).toBe(false);
    expect(config.pools[1]?.allocateOnExhaustion).toBe(true);
  });

  it('reports dotted keys outside the configuration as probable typos', () => {
    const { ignoredKeys } = configFromContext({ 'sweepr.release.enabled': 'true' }, noFiles);

    expect(ignoredKeys).toEqual(['sweepr.release.enabled']);
  });

  it('names the key when a value is out of range', () => {
    const err = errorOf(() => configFromContext({ 'sweeper.release.maxPerRun': '1000' }, noFiles));

    expect(err.source).toBe('cdk context');
    expect(err.problems).toEqual([expect.stringMatching(/^sweeper\.release\.maxPerRun: Too big/)]);
    expect(err.message).toContain('sweeper.release.maxPerRun');
  });

  it('names the section when a dotted key does not exist in it', () => {
    const err = errorOf(() => configFromContext({ 'sweeper.relase.enabled': 'true' }, noFiles));

    expect(err.problems.join('\n')).toMatch(/sweeper.*relase/);
  });

  it('names the key when a string is given where a number belongs', () => {
    const err = errorOf(() => configFromContext({ 'reconcile.scheduleMinutes': 'often' }, noFiles));

    expect(err.problems).toEqual([expect.stringMatching(/^reconcile\.scheduleMinutes: /)]);
  });

  it('names the config key when the file cannot be read', () => {
    const err = errorOf(() => configFromContext({ config: 'missing.json' }, noFiles));

    expect(err.problems).toEqual([expect.stringMatching(/^config: cannot read missing\.json/)]);
  });

  it('names the config key when the file is not JSON', () => {
    const err = errorOf(() => configFromContext({ config: 'bad.json' }, files({ 'bad.json': '{ pools: ' })));

    expect(err.problems).toEqual([expect.stringMatching(/^config: bad\.json is not valid JSON/)]);
  });

  it('names eipKeeper when it is not an object', () => {
    const err = errorOf(() => configFromContext({ eipKeeper: '[1, 2]' }, noFiles));

    expect(err.problems).toEqual([expect.stringMatching(/^eipKeeper: must be a JSON object/)]);
  });
});

describe('context helpers', () => {
  it('parses JSON strings and keeps everything else as it was', () => {
    expect(parseContextValue('true')).toBe(true);
    expect(parseContextValue('12')).toBe(12);
    expect(parseContextValue('[1]')).toEqual([1]);
    expect(parseContextValue('sec@example.com')).toBe('sec@example.com');
    expect(parseContextValue(false)).toBe(false);
  });

  it('treats only AppConfig keys and dotted paths under them as configuration', () => {
    expect(isConfigKey('pools')).toBe(true);
    expect(isConfigKey('sweeper.release.enabled')).toBe(true);
    expect(isConfigKey('config')).toBe(false);
    expect(isConfigKey('eipKeeper')).toBe(false);
    expect(isConfigKey('@aws-cdk/core:newStyleStackSynthesis')).toBe(false);
    expect(isConfigKey('sweeper..enabled')).toBe(false);
  });

  it('merges and sets paths without mutating its inputs', () => {
    const base = { sweeper: { release: { enabled: false } }, pools: [{ name: 'a' }] };
    const snapshot = structuredClone(base);

    const merged = deepMerge(base, { sweeper: { graceHours: 1 } });
    const set = setPath(base, 'pools.0.name', 'b');

    expect(base).toEqual(snapshot);
    expect(merged).toEqual({
      sweeper: { release: { enabled: false }, graceHours: 1 },
      pools: [{ name: 'a' }],
    });
    expect(set).toEqual({ sweeper: { release: { enabled: false } }, pools: [{ name: 'b' }] });
  });

  it('returns the merged raw layers before validation', () => {
    const raw = mergeContextLayers(
      { eipKeeper: { alerts: { subjectPrefix: '[x]' } }, 'alerts.email': 'a@example.com' },
      noFiles,
    );

    expect(raw).toEqual({ alerts: { subjectPrefix: '[x]', email: 'a@example.com' } });
  });
});
