/**
 * The Lambda environment contract. The CDK stack sets exactly these variables and each handler checks them at cold
 * start.
 *
 * The configuration itself: the stack validates it at synth with the schema (schema.ts) and deploys the result,
 * defaults written out, as EIP_KEEPER_CONFIG beside its SHA-256 (EIP_KEEPER_CONFIG_SHA256). A cold start that finds
 * the text matching its digest takes it as it is: it is what the synth of this same code accepted, and the variable
 * and the code are deployed together. Any other text (a variable edited by hand, the SSM parameter a long
 * configuration lives in, the CLI's) is validated in full, the schema loaded only then: building and running zod is
 * most of what validating costs, a quarter of a cold start (docs/performance.md).
 */
import { createHash } from 'node:crypto';
import { InvalidConfigError } from './errors';
import type { AppConfig } from './schema';

export const ENV = {
  tableName: 'EIP_KEEPER_TABLE',
  topicArn: 'EIP_KEEPER_TOPIC_ARN',
  accountId: 'EIP_KEEPER_ACCOUNT_ID',
  region: 'AWS_REGION',
  configJson: 'EIP_KEEPER_CONFIG',
  /** SHA-256 (hex) of EIP_KEEPER_CONFIG as the stack wrote it. */
  configDigest: 'EIP_KEEPER_CONFIG_SHA256',
  configParameter: 'EIP_KEEPER_CONFIG_PARAMETER',
  eventBusName: 'EIP_KEEPER_EVENT_BUS',
  /** The inventory recorder's only: the keeper functions' role ARNs, comma-separated. */
  keeperRoleArns: 'EIP_KEEPER_KEEPER_ROLE_ARNS',
} as const;

/** The variables as the stack sets them (AWS_REGION is Lambda's own). */
export interface StackEnvironment {
  [ENV.tableName]: string;
  [ENV.topicArn]: string;
  [ENV.accountId]: string;
  [ENV.configJson]?: string;
  [ENV.configDigest]?: string;
  [ENV.configParameter]?: string;
  [ENV.eventBusName]?: string;
  [ENV.keeperRoleArns]?: string;
}

export interface RuntimeEnv {
  tableName: string;
  topicArn: string;
  accountId: string;
  region: string;
  eventBusName: string;
  configJson?: string;
  configDigest?: string;
  configParameter?: string;
  /** The keeper's role ARNs (for the inventory: an association by one of them proves pool membership). */
  keeperRoleArns?: string[];
}

/** Required variables and the shape each must have. */
const REQUIRED: readonly { name: string; valid: (v: string) => boolean; message: string }[] = [
  {
    name: ENV.tableName,
    valid: (v) => v.length >= 3 && v.length <= 255,
    message: 'must be a table name (3 to 255 characters)',
  },
  {
    name: ENV.topicArn,
    valid: (v) => /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/.test(v),
    message: 'must be an SNS topic ARN',
  },
  { name: ENV.accountId, valid: (v) => /^\d{12}$/.test(v), message: 'must be a 12-digit account id' },
  {
    name: ENV.region,
    valid: (v) => /^[a-z]{2}(-[a-z]+)+-\d$/.test(v),
    message: 'must be an AWS region such as eu-west-1',
  },
];

export function parseRuntimeEnv(env: Record<string, string | undefined>): RuntimeEnv {
  const problems: string[] = [];
  for (const { name, valid, message } of REQUIRED) {
    const value = env[name];
    if (value === undefined || value === '') problems.push(`${name}: missing (${message})`);
    else if (!valid(value)) problems.push(`${name}: ${message}`);
  }
  const configJson = env[ENV.configJson] || undefined;
  const configParameter = env[ENV.configParameter] || undefined;
  if (!configJson && !configParameter) {
    problems.push(
      `${ENV.configJson}: set it (JSON) or ${ENV.configParameter} (SSM parameter name holding the JSON)`,
    );
  }
  if (problems.length > 0) throw new InvalidConfigError('environment', problems);
  const keeperRoleArns = env[ENV.keeperRoleArns];
  return {
    tableName: env[ENV.tableName] as string,
    topicArn: env[ENV.topicArn] as string,
    accountId: env[ENV.accountId] as string,
    region: env[ENV.region] as string,
    eventBusName: env[ENV.eventBusName] || 'default',
    ...(configJson ? { configJson } : {}),
    ...(env[ENV.configDigest] ? { configDigest: env[ENV.configDigest] } : {}),
    ...(configParameter ? { configParameter } : {}),
    ...(keeperRoleArns ? { keeperRoleArns: keeperRoleArns.split(',').filter((a) => a !== '') } : {}),
  };
}

/** The SHA-256 of a configuration's text, as EIP_KEEPER_CONFIG_SHA256 holds it. */
export function configDigest(json: string): string {
  return createHash('sha256').update(json, 'utf8').digest('hex');
}

/** The inline configuration variables for a validated configuration (`parseAppConfig`'s result). */
export function inlineConfigEnvironment(
  config: AppConfig,
): Required<Pick<StackEnvironment, typeof ENV.configJson | typeof ENV.configDigest>> {
  const json = JSON.stringify(config);
  return { [ENV.configJson]: json, [ENV.configDigest]: configDigest(json) };
}

/**
 * Resolves the configuration: inline JSON (taken as it is when its digest matches, validated otherwise), or an SSM
 * parameter fetched with `readParameter` (the deployment the stack publishes, or a bare configuration), validated.
 */
export async function loadAppConfig(
  env: Pick<RuntimeEnv, 'configJson' | 'configDigest' | 'configParameter'>,
  readParameter: (name: string) => Promise<string>,
): Promise<AppConfig> {
  if (env.configJson) {
    if (env.configDigest !== undefined && env.configDigest === configDigest(env.configJson)) {
      return JSON.parse(env.configJson) as AppConfig;
    }
    const { parseConfigJson } = await import('./deployment');
    return parseConfigJson(env.configJson, ENV.configJson);
  }
  const name = env.configParameter as string;
  const text = await readParameter(name);
  const { parseDeploymentDocument } = await import('./deployment');
  return parseDeploymentDocument(text, `SSM parameter ${name}`).config;
}
