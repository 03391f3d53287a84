/**
 * What a deployed stack publishes about itself, in one SSM parameter named after the stack
 * (`/eip-keeper/<stack>/config`): the effective configuration it deployed, and where its table and topic are. The CLI
 * finds a deployment from the stack name and region alone; a function whose configuration is too long for its
 * environment reads the configuration from here.
 */
import { InvalidConfigError } from './errors';
import { parseJsonText } from './json-position';
import { type AppConfig, parseAppConfig } from './schema';

/** The stack the CDK app deploys, and the one the CLI looks for unless told `--stack`. */
export const DEFAULT_STACK_NAME = 'EipKeeper';
/** Marks the published document (a bare configuration has no `format` key). */
export const DEPLOYMENT_FORMAT = 'eip-keeper.deployment/1';

export function deploymentParameterName(stack: string): string {
  return `/eip-keeper/${stack}/config`;
}

/** Where a deployment lives. */
export interface DeploymentInfo {
  stack: string;
  account: string;
  region: string;
  tableName: string;
  alertTopicArn: string;
}

/** The published document: the deployment and its configuration, as JSON. */
export function deploymentDocument(info: DeploymentInfo, config: AppConfig): Record<string, unknown> {
  return { format: DEPLOYMENT_FORMAT, ...info, config };
}

export interface PublishedDeployment {
  /** Absent when the text holds a bare configuration (EIP_KEEPER_CONFIG_PARAMETER set by hand). */
  deployment?: DeploymentInfo;
  config: AppConfig;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** JSON text's value; invalid JSON is an InvalidConfigError naming the source, line and column. */
export function jsonOf(text: string, source: string): unknown {
  try {
    return parseJsonText(text);
  } catch (err) {
    throw new InvalidConfigError(source, [`not valid JSON: ${(err as Error).message}`]);
  }
}

/** Reads a published document, or a bare configuration; errors name `source` and the key. */
export function parseDeploymentDocument(text: string, source: string): PublishedDeployment {
  const raw = jsonOf(text, source);
  if (!isObject(raw) || raw.format !== DEPLOYMENT_FORMAT) return { config: parseAppConfig(raw, source) };
  const info: Partial<DeploymentInfo> = {};
  const problems: string[] = [];
  for (const key of ['stack', 'account', 'region', 'tableName', 'alertTopicArn'] as const) {
    const v = raw[key];
    if (typeof v === 'string' && v.length > 0) info[key] = v;
    else problems.push(`${key}: missing from the published deployment`);
  }
  if (problems.length > 0) throw new InvalidConfigError(source, problems);
  return { deployment: info as DeploymentInfo, config: parseAppConfig(raw.config, `${source} (config)`) };
}

/** Parses the app configuration from its JSON text, naming the source (and the line and column) in every error. */
export function parseConfigJson(text: string, source: string): AppConfig {
  return parseAppConfig(jsonOf(text, source), source);
}
