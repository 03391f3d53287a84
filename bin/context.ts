/**
 * What the operational commands (`sweep`, `audit`, `pools`, `report`) build the same way: the region, then the
 * deployment. Flags win, then the variables the stack gives the functions (EIP_KEEPER_TABLE, EIP_KEEPER_CONFIG, …),
 * then what the stack published about itself in SSM (`/eip-keeper/<stack>/config`: configuration, table, topic,
 * account), read at most once and only when something is still missing. The SDK clients honour AWS_ENDPOINT_URL_*
 * themselves (e.g. a simulated region).
 */
import { readFile } from 'node:fs/promises';
import type { AwsConnection } from '../shared/aws/clients';
import {
  DEFAULT_STACK_NAME,
  deploymentParameterName,
  type PublishedDeployment,
  parseDeploymentDocument,
} from '../shared/config/deployment';
import { ENV, loadAppConfig, type RuntimeEnv } from '../shared/config/environment';
import { parseConfigFile } from '../shared/config/file';
import { type AppConfig, DEFAULT_CONFIG } from '../shared/config/schema';
import { type Log, type RuntimeContext, systemClock } from '../shared/runtime/context';
import { UsageError } from './commands/types';
import { cliTarget, NoConfigurationError } from './errors';

export { CONTEXT_OPTIONS } from './commands/catalog';

type Env = Record<string, string | undefined>;

/** The variable naming the stack whose deployment the CLI reads. */
export const STACK_ENV = 'EIP_KEEPER_STACK';

export interface ContextFlags {
  region?: string;
  table?: string;
  topic?: string;
  config?: string;
  account?: string;
  stack?: string;
}

/** Reads one SSM parameter; undefined when it does not exist. */
export type ReadParameter = (region: string, name: string) => Promise<string | undefined>;

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

/** The region the SDK resolves without one given (AWS_REGION, the profile); throws "Region is missing". */
async function sdkRegion(): Promise<string> {
  const { loadConfig, NODE_REGION_CONFIG_FILE_OPTIONS, NODE_REGION_CONFIG_OPTIONS } = await import(
    '@smithy/core/config'
  );
  return loadConfig(NODE_REGION_CONFIG_OPTIONS, NODE_REGION_CONFIG_FILE_OPTIONS)();
}

/**
 * The connection of a command: its region (given, or the SDK's own lookup: a profile's region) and the STS endpoint
 * override, which no SDK client carries for the EKS token's presigned URL.
 */
export async function cliConnection(flags: ContextFlags, opts: { env?: Env } = {}): Promise<AwsConnection> {
  const env = opts.env ?? process.env;
  const region = regionOf(flags, env) ?? (await sdkRegion());
  cliTarget.region = region;
  const sts = env.AWS_ENDPOINT_URL_STS ?? env.AWS_ENDPOINT_URL;
  return { region, ...(sts ? { endpoints: { sts } } : {}) };
}

/** GetParameter through the SDK (loaded only when a deployment is looked up). */
export const ssmReadParameter: ReadParameter = async (region, name) => {
  const { SSMClient, GetParameterCommand, ParameterNotFound } = await import('@aws-sdk/client-ssm');
  const ssm = new SSMClient({ region });
  try {
    const out = await ssm.send(new GetParameterCommand({ Name: name }));
    return out.Parameter?.Value ?? '';
  } catch (err) {
    if (err instanceof ParameterNotFound || (err as Error).name === 'ParameterNotFound') return undefined;
    throw err;
  } finally {
    ssm.destroy();
  }
};

/** The published deployment of one stack in one region, read at most once. */
export class DeploymentLookup {
  readonly stack: string;
  readonly parameter: string;
  private read?: Promise<PublishedDeployment | undefined>;

  constructor(
    readonly region: string,
    flags: ContextFlags,
    env: Env = process.env,
    private readonly readParameter: ReadParameter = ssmReadParameter,
  ) {
    this.stack = flags.stack ?? env[STACK_ENV] ?? DEFAULT_STACK_NAME;
    this.parameter = deploymentParameterName(this.stack);
  }

  /** The deployment, or undefined when the stack published none in this region. */
  get(): Promise<PublishedDeployment | undefined> {
    this.read ??= this.readParameter(this.region, this.parameter).then((text) =>
      text === undefined
        ? undefined
        : parseDeploymentDocument(text, `SSM parameter ${this.parameter} (${this.region})`),
    );
    return this.read;
  }

  /** The deployment, or undefined when it cannot be read for any reason (for what is only nice to have). */
  async tryGet(): Promise<PublishedDeployment | undefined> {
    try {
      return await this.get();
    } catch {
      return undefined;
    }
  }

  /** Where it was looked for, for messages. */
  describe(): string {
    return `${this.parameter} in ${this.region}`;
  }
}

export interface ResolvedConfig {
  config: AppConfig;
  /** Where it came from, for messages. */
  source: string;
  /** No configuration was found: these are the defaults. */
  defaults: boolean;
}

/**
 * The app configuration: `--config <file>` (YAML or JSON), else EIP_KEEPER_CONFIG / EIP_KEEPER_CONFIG_PARAMETER,
 * else the deployment's, else the defaults (`defaults: true`; said on stderr).
 */
export async function cliConfig(
  flags: ContextFlags,
  deployment: DeploymentLookup,
  env: Env = process.env,
): Promise<ResolvedConfig> {
  if (flags.config) {
    let text: string;
    try {
      text = await readFile(flags.config, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read ${flags.config}: ${(err as Error).message}`);
    }
    return { config: parseConfigFile(text, flags.config), source: flags.config, defaults: false };
  }
  if (env[ENV.configJson] || env[ENV.configParameter]) {
    const config = await loadAppConfig(
      { configJson: env[ENV.configJson], configParameter: env[ENV.configParameter] },
      async (name) => {
        const text = await ssmReadParameter(deployment.region, name);
        if (text !== undefined) return text;
        throw new NoConfigurationError(
          `eip-keeper: ${ENV.configParameter} names SSM parameter ${name}, which does not exist in ${deployment.region}`,
        );
      },
    );
    return { config, source: env[ENV.configJson] ? ENV.configJson : ENV.configParameter, defaults: false };
  }
  const published = await deployment.get();
  if (published) return { config: published.config, source: deployment.describe(), defaults: false };
  process.stderr.write(
    `note: no deployment found (${deployment.describe()}): using the default configuration; pass --config <file> or --stack <name>\n`,
  );
  return { config: DEFAULT_CONFIG, source: 'the defaults', defaults: true };
}

/** `--table`, EIP_KEEPER_TABLE, else the deployment's table; undefined when none of them says. */
export async function cliTable(
  flags: ContextFlags,
  deployment: DeploymentLookup,
  env: Env = process.env,
  { required = true }: { required?: boolean } = {},
): Promise<string | undefined> {
  const given = flags.table ?? env[ENV.tableName];
  const table =
    given ?? (required ? await deployment.get() : await deployment.tryGet())?.deployment?.tableName;
  if (table) cliTarget.table = table;
  else if (required)
    throw new UsageError(
      `no table: pass --table or set ${ENV.tableName} (the stack output TableName); no deployment at ${deployment.describe()}`,
    );
  return table;
}

/** `--account`, EIP_KEEPER_ACCOUNT_ID, else the deployment's (best effort: undefined when unknown). */
export async function cliAccount(
  flags: ContextFlags,
  deployment: DeploymentLookup,
  env: Env = process.env,
): Promise<string | undefined> {
  return flags.account ?? env[ENV.accountId] ?? (await deployment.tryGet())?.deployment?.account;
}

export interface CliContext {
  ctx: RuntimeContext;
  configSource: ResolvedConfig;
}

/** The RuntimeContext of a command that runs a capability as its Lambda function does. */
export async function cliContext(
  flags: ContextFlags,
  opts: { needTopic: boolean; env?: Env; readParameter?: ReadParameter },
): Promise<CliContext> {
  const env = opts.env ?? process.env;
  const aws = await cliConnection(flags, { env });
  const deployment = new DeploymentLookup(aws.region, flags, env, opts.readParameter);
  const tableName = (await cliTable(flags, deployment, env)) as string;
  const topicArn =
    flags.topic ??
    env[ENV.topicArn] ??
    (opts.needTopic ? (await deployment.get())?.deployment?.alertTopicArn : undefined);
  if (opts.needTopic && !topicArn) {
    throw new UsageError(
      `no alert topic: pass --topic or set ${ENV.topicArn} (the stack output AlertTopicArn), or use --dry-run`,
    );
  }
  const runtimeEnv: RuntimeEnv = {
    tableName,
    topicArn: topicArn ?? `arn:aws:sns:${aws.region}:000000000000:dry-run`,
    accountId: (await cliAccount(flags, deployment, env)) ?? 'this account',
    region: aws.region,
    eventBusName: 'default',
  };
  const configSource = await cliConfig(flags, deployment, env);
  return {
    ctx: {
      env: runtimeEnv,
      config: configSource.config,
      aws,
      clock: systemClock,
      log: stderrLog,
      metrics: { add() {}, flush() {} },
    },
    configSource,
  };
}
