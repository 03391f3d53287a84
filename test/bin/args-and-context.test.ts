/** The CLI's option parsing and the context every operational command builds (no AWS call is made here). */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { noPositionals, parseOptions } from '../../bin/args';
import { main } from '../../bin/cli';
import { UsageError } from '../../bin/commands/types';
import { cliConfig, cliConnection, cliContext } from '../../bin/context';

const OPTIONS = { table: { type: 'string' }, json: { type: 'boolean' } } as const;

describe('command options', () => {
  it('reads values given as --name value and --name=value, and switches', () => {
    const { values, positionals } = parseOptions(['--table', 't1', '--json', 'file.json'], OPTIONS);
    expect(values).toEqual({ table: 't1', json: true });
    expect(positionals).toEqual(['file.json']);
    expect(parseOptions(['--table=t2'], OPTIONS).values).toEqual({ table: 't2' });
  });

  it.each([
    [['--bogus'], 'unknown option --bogus'],
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
    let err = '';
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
      err += String(s);
      return true;
    });
    try {
      expect(await main(['report', '--bogus'])).toBe(2);
    } finally {
      spy.mockRestore();
    }
    expect(err).toMatch(/^eip-keeper report: unknown option --bogus\nusage: eip-keeper report /);
  });
});

describe('the CLI context', () => {
  let dir: string;
  let configFile: string;
  const quiet = () => vi.spyOn(process.stderr, 'write').mockImplementation(() => true);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'eip-keeper-cli-'));
    configFile = join(dir, 'config.json');
    await writeFile(configFile, JSON.stringify({ audit: { clusters: ['from-file'] } }));
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
    await expect(cliConnection({}, { env: {} })).rejects.toThrow(
      new UsageError('no region: set AWS_REGION or pass --region'),
    );
  });

  it('points the EKS token at the STS endpoint override, as the SDK clients follow theirs', async () => {
    const env = { AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:1' };
    expect((await cliConnection({}, { env })).endpoints).toEqual({ sts: 'http://127.0.0.1:1' });
    expect(
      (await cliConnection({}, { env: { ...env, AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:2' } })).endpoints,
    ).toEqual({ sts: 'http://127.0.0.1:2' });
    expect((await cliConnection({}, { env: { AWS_REGION: 'eu-west-1' } })).endpoints).toBeUndefined();
  });

  it('reads the configuration from --config, then EIP_KEEPER_CONFIG, else uses the default and says so', async () => {
    const env = { EIP_KEEPER_CONFIG: JSON.stringify({ audit: { clusters: ['from-env'] } }) };
    expect((await cliConfig({ config: configFile }, 'eu-west-1', env)).audit.clusters).toEqual(['from-file']);
    expect((await cliConfig({}, 'eu-west-1', env)).audit.clusters).toEqual(['from-env']);
    const stderr = quiet();
    try {
      expect((await cliConfig({}, 'eu-west-1', {})).audit.clusters).toEqual([]);
      expect(String(stderr.mock.calls[0]?.[0])).toMatch(/^note: using the default configuration/);
    } finally {
      stderr.mockRestore();
    }
    await expect(cliConfig({ config: join(dir, 'missing.json') }, 'eu-west-1', {})).rejects.toThrow(
      /^cannot read .*missing\.json/,
    );
  });

  it('needs a table, and a topic unless told otherwise, naming the stack outputs', async () => {
    const env = { AWS_REGION: 'eu-west-1', EIP_KEEPER_CONFIG: '{}' };
    await expect(cliContext({}, { needTopic: false, env })).rejects.toThrow(
      /^no table: pass --table or set EIP_KEEPER_TABLE/,
    );
    await expect(cliContext({ table: 't' }, { needTopic: true, env })).rejects.toThrow(
      /^no alert topic: pass --topic/,
    );
    const ctx = await cliContext({ table: 't', account: '111122223333' }, { needTopic: false, env });
    expect(ctx.env).toMatchObject({
      tableName: 't',
      region: 'eu-west-1',
      accountId: '111122223333',
      topicArn: 'arn:aws:sns:eu-west-1:000000000000:dry-run',
    });
  });
});
