import { describe, expect, it } from 'vitest';
import {
  CONFIG_FILE_KEY,
  configFromContext,
  intendedContextKey,
  isCdkKey,
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

const POOLS_YAML = `
pools:
  - name: partner-a
    cluster: prod
    vpcId: vpc-0123456789abcdef0
    members: [eipalloc-0123456789abcdef0]
    selector:
      securityGroupIds: [sg-0123456789abcdef0]
  - name: partner-b
    cluster: prod
    vpcId: vpc-0123456789abcdef0
    members: [203.0.113.10]
    selector:
      securityGroupIds: [sg-0123456789abcdef1]
alerts:
  email: security@example.com
`;

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
  it('gives the safe defaults when the context names no file and overrides nothing', () => {
    const { config, file, overrides } = configFromContext({}, noFiles);

    expect(config).toEqual(DEFAULT_CONFIG);
    expect(config.sweeper.release.enabled).toBe(false);
    expect(file).toBeUndefined();
    expect(overrides).toEqual([]);
  });

  it("accepts CDK's own context keys: feature flags, its settings, cached lookups", () => {
    const { config } = configFromContext(
      {
        '@aws-cdk/aws-iam:minimizePolicies': true,
        '@aws-cdk-containers/ecs-service-extensions:enableDefaultLogDriver': true,
        'aws:cdk:enable-path-metadata': true,
        'aws-cdk:enableDiffNoFail': true,
        'cdk-default-account': '123456789012',
        'availability-zones:account=123456789012:region=eu-west-1': ['eu-west-1a'],
        'acknowledged-issue-numbers': [12345],
      },
      noFiles,
    );

    expect(config).toEqual(DEFAULT_CONFIG);
  });

  it('reads the YAML file cdk.json names', () => {
    const { config, file } = configFromContext(
      { [CONFIG_FILE_KEY]: 'eip-keeper.yaml' },
      files({ 'eip-keeper.yaml': POOLS_YAML }),
    );

    expect(file).toBe('eip-keeper.yaml');
    expect(config.pools.map((p) => p.name)).toEqual(['partner-a', 'partner-b']);
    expect(config.alerts.email).toBe('security@example.com');
  });

  it('reads a JSON file when the name ends in .json', () => {
    const { config } = configFromContext(
      { [CONFIG_FILE_KEY]: 'prod.json' },
      files({ 'prod.json': JSON.stringify({ reconcile: { scheduleMinutes: 2 } }) }),
    );

    expect(config.reconcile.scheduleMinutes).toBe(2);
  });

  it('takes an empty or comment-only file as the defaults', () => {
    const { config } = configFromContext(
      { [CONFIG_FILE_KEY]: 'eip-keeper.yaml' },
      files({ 'eip-keeper.yaml': '# nothing set yet\n' }),
    );

    expect(config).toEqual(DEFAULT_CONFIG);
  });

  it('keeps every setting of the file when a -c flag overrides one key, and says which', () => {
    const { config, overrides } = configFromContext(
      { [CONFIG_FILE_KEY]: 'eip-keeper.yaml', 'sweeper.release.enabled': 'true' },
      files({ 'eip-keeper.yaml': POOLS_YAML }),
    );

    expect(config.pools.map((p) => p.name)).toEqual(['partner-a', 'partner-b']);
    expect(config.alerts.email).toBe('security@example.com');
    expect(config.sweeper.release.enabled).toBe(true);
    expect(overrides).toEqual(['sweeper.release.enabled=true']);
  });

  it('parses JSON override values and keeps other strings', () => {
    const { config } = configFromContext(
      { 'sweeper.release.maxPerRun': '7', 'alerts.email': 'sec@example.com' },
      noFiles,
    );

    expect(config.sweeper.release).toMatchObject({ enabled: false, maxPerRun: 7, noticeHours: 24 });
    expect(config.alerts.email).toBe('sec@example.com');
  });

  it('applies a whole-section override before a deeper one, whatever the flag order', () => {
    const context = {
      'sweeper.graceHours': '72',
      sweeper: JSON.stringify({ graceHours: 12, scheduleMinutes: 30 }),
    };

    const { config, overrides } = configFromContext(context, noFiles);

    expect(config.sweeper.graceHours).toBe(72);
    expect(config.sweeper.scheduleMinutes).toBe(30);
    expect(overrides.map((o) => o.split('=')[0])).toEqual(['sweeper', 'sweeper.graceHours']);
  });

  it('indexes into an array of the file with a numeric path segment', () => {
    const { config } = configFromContext(
      { [CONFIG_FILE_KEY]: 'eip-keeper.yaml', 'pools.1.allocateOnExhaustion': 'true' },
      files({ 'eip-keeper.yaml': POOLS_YAML }),
    );

    expect(config.pools[0]?.allocateOnExhaustion).toBe(false);
    expect(config.pools[1]?.allocateOnExhaustion).toBe(true);
  });

  it.each([
    ['Config', CONFIG_FILE_KEY],
    ['config', CONFIG_FILE_KEY],
    ['eipkeeper', CONFIG_FILE_KEY],
    ['eip-keeper:configfile', CONFIG_FILE_KEY],
    ['sweepr', 'sweeper'],
    ['sweepr.release.enabled', 'sweeper.release.enabled'],
  ])('fails on the unknown context key %s, naming %s', (key, meant) => {
    const err = errorOf(() => configFromContext({ [key]: 'x' }, noFiles));

    expect(err.source).toBe('cdk context');
    expect(err.problems).toEqual([
      expect.stringContaining(`-c ${key}: unknown context key (did you mean "${meant}"?)`),
    ]);
  });

  it('fails on an unknown key it cannot place, listing the keys it knows', () => {
    const err = errorOf(() => configFromContext({ frobnicate: '1' }, noFiles));

    expect(err.problems[0]).toMatch(
      /^-c frobnicate: unknown context key; configuration keys are eip-keeper:configFile/,
    );
  });

  it('names the key when a value is out of range', () => {
    const err = errorOf(() => configFromContext({ 'sweeper.release.maxPerRun': '1000' }, noFiles));

    expect(err.problems).toEqual([expect.stringMatching(/^sweeper\.release\.maxPerRun: Too big/)]);
    expect(err.message).toContain('sweeper.release.maxPerRun');
  });

  it('names the key a mistyped one inside a section meant', () => {
    const err = errorOf(() => configFromContext({ 'sweeper.relase.enabled': 'true' }, noFiles));

    expect(err.problems).toEqual(['sweeper.relase: unknown key (did you mean "release"?)']);
  });

  it('names the file and the key of a bad value in the file', () => {
    const err = errorOf(() =>
      configFromContext(
        { [CONFIG_FILE_KEY]: 'eip-keeper.yaml' },
        files({ 'eip-keeper.yaml': 'reconcile:\n  scheduleMinutes: often\n' }),
      ),
    );

    expect(err.source).toBe('eip-keeper.yaml');
    expect(err.problems).toEqual([expect.stringMatching(/^reconcile\.scheduleMinutes: /)]);
  });

  it('says what to do when the named file cannot be read', () => {
    const err = errorOf(() => configFromContext({ [CONFIG_FILE_KEY]: 'missing.yaml' }, noFiles));

    expect(err.problems).toEqual([
      expect.stringMatching(/^eip-keeper:configFile: cannot read missing\.yaml \(ENOENT.*\); create it/),
    ]);
  });

  it('gives the line and column of a YAML syntax error', () => {
    const err = errorOf(() =>
      configFromContext(
        { [CONFIG_FILE_KEY]: 'eip-keeper.yaml' },
        files({ 'eip-keeper.yaml': 'sweeper:\n  graceHours: 48\n  graceHours: 72\n' }),
      ),
    );

    expect(err.problems).toEqual(['not valid YAML: line 3, column 3: map keys must be unique']);
  });

  it('gives the line and column of a JSON syntax error', () => {
    const err = errorOf(() =>
      configFromContext(
        { [CONFIG_FILE_KEY]: 'prod.json' },
        files({ 'prod.json': '{\n  "sweeper": {\n    "graceHours": 48,\n  }\n}\n' }),
      ),
    );

    expect(err.problems).toEqual(['not valid JSON: line 4, column 3: expected double-quoted property name']);
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

  it('treats only AppConfig keys and dotted paths under them as overrides', () => {
    expect(isConfigKey('pools')).toBe(true);
    expect(isConfigKey('sweeper.release.enabled')).toBe(true);
    expect(isConfigKey('config')).toBe(false);
    expect(isConfigKey(CONFIG_FILE_KEY)).toBe(false);
    expect(isConfigKey('sweeper..enabled')).toBe(false);
  });

  it("tells CDK's keys from everything else", () => {
    expect(isCdkKey('@aws-cdk/core:newStyleStackSynthesis')).toBe(true);
    expect(isCdkKey('aws:cdk:version-reporting')).toBe(true);
    expect(isCdkKey('sweeper')).toBe(false);
    expect(isCdkKey('aws')).toBe(false);
  });

  it('suggests nothing for a key close to no known one', () => {
    expect(intendedContextKey('zzzzzz')).toBeUndefined();
    expect(intendedContextKey('qqq.release.enabled')).toBeUndefined();
  });

  it('sets paths without mutating its input', () => {
    const base = { sweeper: { release: { enabled: false } }, pools: [{ name: 'a' }] };
    const snapshot = structuredClone(base);

    const set = setPath(base, 'pools.0.name', 'b');

    expect(base).toEqual(snapshot);
    expect(set).toEqual({ sweeper: { release: { enabled: false } }, pools: [{ name: 'b' }] });
  });

  it('returns the raw layers before validation', () => {
    const raw = mergeContextLayers(
      { [CONFIG_FILE_KEY]: 'c.yaml', 'alerts.email': 'a@example.com' },
      files({ 'c.yaml': 'alerts:\n  subjectPrefix: "[x]"\n' }),
    );

    expect(raw).toEqual({ alerts: { subjectPrefix: '[x]', email: 'a@example.com' } });
  });
});
