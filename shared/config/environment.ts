/**
 * The Lambda environment contract. The CDK stack sets exactly these variables (typed against this schema) and each
 * handler validates them at cold start.
 */
import * as z from 'zod/mini';
import { parseDeploymentDocument } from './deployment';
import { parseJsonText } from './json-position';
import { type AppConfig, InvalidConfigError, parseAppConfig } from './schema';

export const ENV = {
  tableName: 'EIP_KEEPER_TABLE',
  topicArn: 'EIP_KEEPER_TOPIC_ARN',
  accountId: 'EIP_KEEPER_ACCOUNT_ID',
  region: 'AWS_REGION',
  configJson: 'EIP_KEEPER_CONFIG',
  configParameter: 'EIP_KEEPER_CONFIG_PARAMETER',
  eventBusName: 'EIP_KEEPER_EVENT_BUS',
  /** The inventory recorder's only: the keeper functions' role ARNs, comma-separated. */
  keeperRoleArns: 'EIP_KEEPER_KEEPER_ROLE_ARNS',
} as const;

const pattern = (re: RegExp, message: string) => z.string().check(z.regex(re, message));

export const RuntimeEnvSchema = z.object({
  [ENV.tableName]: z.string().check(z.minLength(3), z.maxLength(255)),
  [ENV.topicArn]: pattern(
    /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/,
    'must be an SNS topic ARN',
  ),
  [ENV.accountId]: pattern(/^\d{12}$/, 'must be a 12-digit account id'),
  [ENV.region]: pattern(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-1'),
  [ENV.configJson]: z.optional(z.string()),
  [ENV.configParameter]: z.optional(z.string()),
  [ENV.eventBusName]: z._default(z.string(), 'default'),
  [ENV.keeperRoleArns]: z.optional(z.string()),
});

export interface RuntimeEnv {
  tableName: string;
  topicArn: string;
  accountId: string;
  region: string;
  eventBusName: string;
  configJson?: string;
  configParameter?: string;
  /** The keeper's role ARNs (for the inventory: an association by one of them proves pool membership). */
  keeperRoleArns?: string[];
}

export function parseRuntimeEnv(env: Record<string, string | undefined>): RuntimeEnv {
  const result = RuntimeEnvSchema.safeParse(env);
  if (!result.success) {
    throw new InvalidConfigError(
      'environment',
      result.error.issues.map((i) => `${String(i.path[0] ?? '(env)')}: ${i.message}`),
    );
  }
  const e = result.data;
  if (!e[ENV.configJson] && !e[ENV.configParameter]) {
    throw new InvalidConfigError('environment', [
      `${ENV.configJson}: set it (JSON) or ${ENV.configParameter} (SSM parameter name holding the JSON)`,
    ]);
  }
  return {
    tableName: e[ENV.tableName],
    topicArn: e[ENV.topicArn],
    accountId: e[ENV.accountId],
    region: e[ENV.region],
    eventBusName: e[ENV.eventBusName],
    configJson: e[ENV.configJson],
    configParameter: e[ENV.configParameter],
    ...(e[ENV.keeperRoleArns]
      ? { keeperRoleArns: (e[ENV.keeperRoleArns] as string).split(',').filter((a) => a !== '') }
      : {}),
  };
}

/** Parses the app configuration from its JSON text, naming the source (and the line and column) in every error. */
export function parseConfigJson(text: string, source: string): AppConfig {
  let raw: unknown;
  try {
    raw = parseJsonText(text);
  } catch (err) {
    throw new InvalidConfigError(source, [`not valid JSON: ${(err as Error).message}`]);
  }
  return parseAppConfig(raw, source);
}

/**
 * Resolves the configuration: inline JSON, or an SSM parameter fetched with `readParameter` (the deployment the
 * stack publishes, or a bare configuration).
 */
export async function loadAppConfig(
  env: Pick<RuntimeEnv, 'configJson' | 'configParameter'>,
  readParameter: (name: string) => Promise<string>,
): Promise<AppConfig> {
  if (env.configJson) return parseConfigJson(env.configJson, ENV.configJson);
  const name = env.configParameter as string;
  return parseDeploymentDocument(await readParameter(name), `SSM parameter ${name}`).config;
}
