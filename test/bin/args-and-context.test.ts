/** The CLI's option parsing and the context every operational command builds (no AWS call is made here). */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { noPositionals, parseOptions } from '../../bin/args';
import { main } from '../../bin/cli';
import { UsageError } from '../../bin/commands/types';
import {
  cliConfig,
  cliConnection,
  cliContext,
  cliTable,
  DeploymentLookup,
  type ReadParameter,
} from '../../bin/context';
import { deploymentDocument } from '../../shared/config/deployment';
import { parseAppConfig } from '../../shared/config/schema';
import { captureOutput } from '../support/cli';

const OPTIONS = { table: { type: 'string' }, json: { type: 'boolean' } } as const;

const DEPLOYED = {
  stack: 'EipKeeper',
  account: '111122223333',
  region: 'eu-west-1',
  tableName: 'EipKeeper-Table-1',
  alertTopicArn: 'arn:aws:sns:eu-west-1:111122223333:EipKeeper-AlertTopic',
};

/** An SSM with the given parameters; counts the reads. */
function ssm(parameters: Record<string, string>): ReadParameter & { reads: string[] } {
  const reads: string[] = [];
  const read = async (_region: string, name: string) => {
    reads.push(name);
    return parameters[name];
  };
  return Object.assign(read, { reads });
}

const published = (config: unknown, stack = 'EipKeeper') =>
  JSON.stringify(deploymentDocument({ ...DEPLOYED, stack }, parseAppConfig(config, 'test')));

describe('command options', () => {
  it('reads values given as --name value and --name=value, and switches', () => {
    const { values, positionals } = parseOptions(['--table', 't1', '--json', 'file.json'], OPTIONS);
    expect(values).toEqual({ table: 't1', json: true });
    expect(positionals).toEqual(['file.json']);
    expect(parseOptions(['--table=t2'], OPTIONS).values).toEqual({ table: 't2' });
  });

  it.each([
    [['--bogus'], 'unknown option --bogus'],
    [['--tabel'], 'unknown option --tabel (did you mean "--table"?)'],
    [['--table'], '--table needs a value'],
    [['--table', '--json'], '--table needs a value'],
    [['--json=yes'], '--json takes no value'],
  ])('refuses %j as a usage error: %s', (args, message) => {
    expect(() => parseOptions(args, OPTIONS)).toThrow(new UsageError(message));
  });

  it('refuses a positional argument where a command takes none', () => {
    expect(() => noPositionals(['extra'])).toThrow(new UsageError('unexpected argument extra'));
  });

  it('exits 2 with the command usage for an unknown option', async () => {
    const { code, err } = await captureOutput(() => main(['report', '--bogus']));

    expect(code).toBe(2);
    expect(err).toMatch(
      /^eip-keeper report: unknown option --bogus\nusage: eip-keeper report \[--month YYYY-MM\]/,
    );
  });
});

describe('the CLI context', () => {
  let dir: string;
  let configFile: string;
  const quiet = () => vi.spyOn(process.stderr, 'write').mockImplementation(() => true);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'eip-keeper-cli-'));
    configFile = join(dir, 'eip-keeper.yaml');
    await writeFile(configFile, 'audit:\n  clusters: [from-file]\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('takes the region from --region, then AWS_REGION, then AWS_DEFAULT_REGION', async () => {
    expect((await cliConnection({ region: 'eu-west-3' }, { env: { AWS_REGION: 'eu-west-1' } })).region).toBe(
      'eu-west-3',
    );
    expect((await cliConnection({}, { env: { AWS_REGION: 'eu-west-1' } })).region).toBe('eu-west-1');
    expect((await cliConnection({}, { env: { AWS_DEFAULT_REGION: 'us-east-2' } })).region).toBe('us-east-2');
  });

  it('points the EKS token at the STS endpoint override, as the SDK clients follow theirs', async () => {
    const env = { AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:1' };
    expect((await cliConnection({}, { env })).endpoints).toEqual({ sts: 'http://127.0.0.1:1' });
    expect(
      (await cliConnection({}, { env: { ...env, AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:2' } })).endpoints,
    ).toEqual({ sts: 'http://127.0.0.1:2' });
    expect((await cliConnection({}, { env: { AWS_REGION: 'eu-west-1' } })).endpoints).toBeUndefined();
  });

  it('reads the configuration from --config (YAML), then EIP_KEEPER_CONFIG, then the deployment', async () => {
    const read = ssm({ '/eip-keeper/EipKeeper/config': published({ audit: { clusters: ['deployed'] } }) });
    const lookup = () => new DeploymentLookup('eu-west-1', {}, {}, read);
    const env = { EIP_KEEPER_CONFIG: JSON.stringify({ audit: { clusters: ['from-env'] } }) };

    expect((await cliConfig({ config: configFile }, lookup(), env)).config.audit.clusters).toEqual([
      'from-file',
    ]);
    expect((await cliConfig({}, lookup(), env)).config.audit.clusters).toEqual(['from-env']);
    const deployed = await cliConfig({}, lookup(), {});
    expect(deployed).toMatchObject({
      source: '/eip-keeper/EipKeeper/config in eu-west-1',
      defaults: false,
      config: { audit: { clusters: ['deployed'] } },
    });
    expect(read.reads).toEqual(['/eip-keeper/EipKeeper/config']);
  });

  it('looks up the deployment of another stack with --stack or EIP_KEEPER_STACK', async () => {
    const read = ssm({
      '/eip-keeper/Staging/config': published({ history: { retentionDays: 9 } }, 'Staging'),
    });

    const byFlag = await cliConfig(
      { stack: 'Staging' },
      new DeploymentLookup('eu-west-1', { stack: 'Staging' }, {}, read),
      {},
    );
    const byEnv = new DeploymentLookup('eu-west-1', {}, { EIP_KEEPER_STACK: 'Staging' }, read);

    expect(byFlag.config.history.retentionDays).toBe(9);
    expect(byEnv.parameter).toBe('/eip-keeper/Staging/config');
  });

  it('falls back to the defaults, says so, and marks them, when nothing is deployed', async () => {
    const stderr = quiet();
    try {
      const resolved = await cliConfig({}, new DeploymentLookup('eu-west-1', {}, {}, ssm({})), {});

      expect(resolved.defaults).toBe(true);
      expect(resolved.config.audit.clusters).toEqual([]);
      expect(String(stderr.mock.calls[0]?.[0])).toMatch(
        /^note: no deployment found \(\/eip-keeper\/EipKeeper\/config in eu-west-1\): using the default configuration/,
      );
    } finally {
      stderr.mockRestore();
    }
  });

  it('refuses a --config file that cannot be read, or is not a valid configuration', async () => {
    const lookup = new DeploymentLookup('eu-west-1', {}, {}, ssm({}));
    await expect(cliConfig({ config: join(dir, 'missing.yaml') }, lookup, {})).rejects.toThrow(
      /^cannot read .*missing\.yaml/,
    );
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'sweeper:\n  gracehours: 2\n');
    await expect(cliConfig({ config: bad }, lookup, {})).rejects.toThrow(/did you mean "graceHours"/);
  });

  it('takes the table from --table, EIP_KEEPER_TABLE, then the deployment, and names where it looked', async () => {
    const read = ssm({ '/eip-keeper/EipKeeper/config': published({}) });
    const lookup = () => new DeploymentLookup('eu-west-1', {}, {}, read);

    expect(await cliTable({ table: 'flag' }, lookup(), { EIP_KEEPER_TABLE: 'env' })).toBe('flag');
    expect(await cliTable({}, lookup(), { EIP_KEEPER_TABLE: 'env' })).toBe('env');
    expect(await cliTable({}, lookup(), {})).toBe('EipKeeper-Table-1');
    await expect(cliTable({}, new DeploymentLookup('eu-west-1', {}, {}, ssm({})), {})).rejects.toThrow(
      /^no table: pass --table or set EIP_KEEPER_TABLE \(the stack output TableName\); no deployment at \/eip-keeper\/EipKeeper\/config in eu-west-1/,
    );
  });

  it('builds a sweep context from the deployment alone: table, topic, account and configuration', async () => {
    const read = ssm({ '/eip-keeper/EipKeeper/config': published({ sweeper: { graceHours: 48 } }) });

    const { ctx, configSource } = await cliContext(
      {},
      { needTopic: true, env: { AWS_REGION: 'eu-west-1' }, readParameter: read },
    );

    expect(ctx.env).toMatchObject({
      tableName: DEPLOYED.tableName,
      topicArn: DEPLOYED.alertTopicArn,
      accountId: DEPLOYED.account,
      region: 'eu-west-1',
    });
    expect(ctx.config.sweeper.graceHours).toBe(48);
    expect(configSource.defaults).toBe(false);
    expect(read.reads).toHaveLength(1);
  });

  it('needs a topic for a real sweep, naming the stack output', async () => {
    const env = { AWS_REGION: 'eu-west-1', EIP_KEEPER_CONFIG: '{}' };
    await expect(
      cliContext({ table: 't' }, { needTopic: true, env, readParameter: ssm({}) }),
    ).rejects.toThrow(/^no alert topic: pass --topic/);
    const { ctx } = await cliContext(
      { table: 't', account: '111122223333' },
      { needTopic: false, env, readParameter: ssm({}) },
    );
    expect(ctx.env).toMatchObject({
      tableName: 't',
      accountId: '111122223333',
      topicArn: 'arn:aws:sns:eu-west-1:000000000000:dry-run',
    });
  });
});
