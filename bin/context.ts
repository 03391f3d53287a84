/**
 * What the operational commands (`sweep`, `audit`, `pools`, `report`) build the same way, flags first, then the
 * variables the stack gives the functions: region, table, topic, the app configuration (`--config` or
 * EIP_KEEPER_CONFIG / EIP_KEEPER_CONFIG_PARAMETER), and the RuntimeContext a capability's wiring takes. The SDK
 * clients honour AWS_ENDPOINT_URL_* themselves (e.g. a simulated region).
 */
import { readFile } from 'node:fs/promises';
import type { AwsConnection } from '../shared/aws/clients';
import { ENV, loadAppConfig, parseConfigJson, type RuntimeEnv } from '../shared/config/environment';
import { type AppConfig, DEFAULT_CONFIG } from '../shared/config/schema';
import { type Log, type RuntimeContext, systemClock } from '../shared/runtime/context';
import { UsageError } from './commands/types';

type Env = Record<string, string | undefined>;

/** The options every command that talks to the account declares (each command picks those it takes). */
export const CONTEXT_OPTIONS = {
  region: { type: 'string' },
  table: { type: 'string' },
  topic: { type: 'string' },
  config: { type: 'string' },
  account: { type: 'string' },
} as const;

export interface ContextFlags {
  region?: string;
  table?: string;
  topic?: string;
  config?: string;
  account?: string;
}

/** Warnings and errors on stderr, the rest silent: stdout is the command's output. */
export const stderrLog: Log = {
  debug() {},
  info() {},
  warn: (m, extra) => process.stderr.write(`warning: ${m}${extra ? ` ${JSON.stringify(extra)}` : ''}\n`),
  error: (m, extra) => process.stderr.write(`error: ${m}${extra ? ` ${JSON.stringify(extra)}` : ''}\n`),
};

/** `--region`, AWS_REGION or AWS_DEFAULT_REGION; undefined leaves it to the SDK (a profile's region). */
export function regionOf(flags: ContextFlags, env: Env = process.env): string | undefined {
  return flags.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
}

export function requireRegion(flags: ContextFlags, env: Env = process.env): string {
  const region = regionOf(flags, env);
  if (!region) throw new UsageError('no region: set AWS_REGION or pass --region');
  return region;
}

/** `--table` or EIP_KEEPER_TABLE (the stack output TableName). */
export function tableOf(flags: ContextFlags, env: Env = process.env): string | undefined {
  return flags.table ?? env[ENV.tableName];
}

export function requireTable(flags: ContextFlags, env: Env = process.env): string {
  const table = tableOf(flags, env);
  if (!table)
    throw new UsageError(`no table: pass --table or set ${ENV.tableName} (the stack output TableName)`);
  return table;
}

/** The region the SDK resolves without one given (AWS_REGION, the profile); throws "Region is missing". */
async function sdkRegion(): Promise<string> {
  const { loadConfig, NODE_REGION_CONFIG_FILE_OPTIONS, NODE_REGION_CONFIG_OPTIONS } = await import(
    '@smithy/core/config'
  );
  return loadConfig(NODE_REGION_CONFIG_OPTIONS, NODE_REGION_CONFIG_FILE_OPTIONS)();
}

/**
 * The connection of a command: its region (given, or with `sdkRegion` the SDK's own lookup) and the STS endpoint
 * override, which no SDK client carries for the EKS token's presigned URL.
 */
export async function cliConnection(
  flags: ContextFlags,
  opts: { sdkRegion?: boolean; env?: Env } = {},
): Promise<AwsConnection> {
  const env = opts.env ?? process.env;
  const region = opts.sdkRegion ? (regionOf(flags, env) ?? (await sdkRegion())) : requireRegion(flags, env);
  const sts = env.AWS_ENDPOINT_URL_STS ?? env.AWS_ENDPOINT_URL;
  return { region, ...(sts ? { endpoints: { sts } } : {}) };
}

/** The app configuration: `--config <file>`, else the one the stack deploys (inline JSON or SSM), else the default. */
export async function cliConfig(
  flags: ContextFlags,
  region: string,
  env: Env = process.env,
): Promise<AppConfig> {
  if (flags.config) {
    let text: string;
    try {
      text = await readFile(flags.config, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read ${flags.config}: ${(err as Error).message}`);
    }
    return parseConfigJson(text, flags.config);
  }
  if (env[ENV.configJson] || env[ENV.configParameter]) {
    const { SSMClient, GetParameterCommand } = await import('@aws-sdk/client-ssm');
    return loadAppConfig(
      { configJson: env[ENV.configJson], configParameter: env[ENV.configParameter] },
      async (name) => {
        const ssm = new SSMClient({ region });
        try {
          const out = await ssm.send(new GetParameterCommand({ Name: name }));
          return out.Parameter?.Value ?? '';
        } finally {
          ssm.destroy();
        }
      },
    );
  }
  process.stderr.write(
    `note: using the default configuration; pass --config <file> (the file you deploy with) or set ${ENV.configJson}\n`,
  );
  return DEFAULT_CONFIG;
}

/** The RuntimeContext of a command that runs a capability as its Lambda function does. */
export async function cliContext(
  flags: ContextFlags,
  opts: { needTopic: boolean; env?: Env },
): Promise<RuntimeContext> {
  const env = opts.env ?? process.env;
  const aws = await cliConnection(flags, { env });
  const tableName = requireTable(flags, env);
  const topicArn = flags.topic ?? env[ENV.topicArn];
  if (opts.needTopic && !topicArn) {
    throw new UsageError(
      `no alert topic: pass --topic or set ${ENV.topicArn} (the stack output AlertTopicArn), or use --dry-run`,
    );
  }
  const runtimeEnv: RuntimeEnv = {
    tableName,
    topicArn: topicArn ?? `arn:aws:sns:${aws.region}:000000000000:dry-run`,
    accountId: flags.account ?? env[ENV.accountId] ?? 'this account',
    region: aws.region,
    eventBusName: 'default',
  };
  return {
    env: runtimeEnv,
    config: await cliConfig(flags, aws.region, env),
    aws,
    clock: systemClock,
    log: stderrLog,
    metrics: { add() {}, flush() {} },
  };
}
