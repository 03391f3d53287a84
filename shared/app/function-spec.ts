/**
 * The shape of the function catalog (`functions.ts`): what a function, its rules and its IAM statements are, as plain
 * data, and the helpers the catalog's entries share. Split out so the keeper's part (`keeper-catalog.ts`) builds its
 * statements with the same helpers without importing the catalog it belongs to.
 */
import type { AppConfig } from '../config/schema';
import type { EventPattern } from '../events/patterns';
import type { HandlerFactory } from '../runtime/context';

/**
 * Symbolic IAM resources; the stack maps them to ARNs (table, topic, ...). `*` is allowed only for actions that
 * AWS does not scope to resources (e.g. ec2:Describe*), and the stack says so next to it.
 */
export type ResourceRef =
  | 'table'
  | 'table-indexes'
  | 'topic'
  | 'topic-key'
  | 'event-bus'
  | 'config-parameter'
  | 'kill-switch-parameter'
  | 'elastic-ip'
  | 'network-interface'
  | 'eks-cluster'
  /** The EKS clusters the configured pools name (`cluster/<name>` each): no statement when no pool is configured. */
  | 'pool-clusters'
  | 'eks-nodegroup'
  | 'eks-addon'
  | 'iam-role'
  | 'hosted-zone'
  | 'network-insights-path'
  | 'network-insights-analysis'
  | 'internet-gateway'
  | 'securityhub-product'
  | 'securityhub-hub'
  | '*';

/** An IAM condition block, verbatim. */
export type Conditions = Record<string, Record<string, string | string[] | boolean>>;

/** What a condition built from the configuration may name: the ARN of a VPC of this account and region. */
export interface ConditionArns {
  vpc(vpcId: string): string;
}

export interface PermissionSpec {
  /** Why this statement exists (it goes into docs/security.md). */
  sid: string;
  actions: string[];
  resources: ResourceRef[];
  /** IAM condition block, verbatim, or built from the configuration (pool names, VPCs). */
  conditions?: Conditions | ((config: AppConfig, arns: ConditionArns) => Conditions);
  why: string;
  /**
   * Deploy the statement only when the configuration can make the function call it (absent: always), so a switch
   * that is off in the config is also off in IAM; turning it on is a `cdk deploy` anyway.
   */
  when?: (config: AppConfig) => boolean;
}

export interface RuleSpec {
  /** Construct id of the rule, unique per function. */
  id: string;
  pattern: EventPattern;
}

/** A package a handler may load from beside its bundle. */
export type SidecarModule = 'yaml';

export interface FunctionSpec {
  /** Construct id and log name, e.g. `InventoryRecorder`. */
  id: string;
  /** Path from the repository root to the handler module (exports `handler` and `createHandler`). */
  entry: string;
  description: string;
  rules: RuleSpec[];
  /** Rules whose patterns are built from the configuration (content filters); see `rulesFor`. */
  configRules?: (config: AppConfig) => RuleSpec[];
  /** Minutes between scheduled invocations, from config; absent when the function has no schedule. */
  scheduleMinutes?: (config: AppConfig) => number;
  timeoutSeconds: number;
  memoryMb: number;
  /** Concurrent executions reserved (caps parallel EC2 mutations); undefined for the account pool. */
  reservedConcurrency?: number;
  permissions: PermissionSpec[];
  /**
   * The partition-key prefixes of the table items this function owns (`shared/store/keys.ts`): its table writes are
   * confined to them with `dynamodb:LeadingKeys`, so a role cannot forge another capability's state; reads are not.
   */
  ownKeyPrefixes?: readonly string[];
  /**
   * Packages the handler loads on first use from a file of their own beside its bundle, not from the bundle, so that
   * its cold start does not read them (infra/constructs/bundling.ts builds each: `SIDECAR_MODULES`).
   */
  sidecarModules?: readonly SidecarModule[];
  /** Loads the handler module (the simulated region calls the same factory Lambda runs). */
  load(): Promise<{ createHandler: HandlerFactory }>;
}

/** Every rule of a function under a configuration: what the stack deploys and the local region routes, alike. */
export function rulesFor(spec: FunctionSpec, config: AppConfig): RuleSpec[] {
  return [...spec.rules, ...(spec.configRules?.(config) ?? [])];
}

/** The conditions of a statement under a configuration (a function of it, or verbatim). */
export function conditionsFor(
  spec: PermissionSpec,
  config: AppConfig,
  arns: ConditionArns,
): Conditions | undefined {
  return typeof spec.conditions === 'function' ? spec.conditions(config, arns) : spec.conditions;
}

/**
 * The item actions one function's stores send to the one table (transactions are authorized item by item as
 * PutItem/UpdateItem/DeleteItem), and the index only for a function that queries GSI1.
 * test/infra/least-privilege.test.ts derives both from the code each handler bundles.
 */
export function tableAccess(actions: string[], queriesIndex: boolean, why: string): PermissionSpec {
  return {
    sid: 'TableReadWrite',
    actions: actions.map((a) => `dynamodb:${a}`),
    resources: queriesIndex ? ['table', 'table-indexes'] : ['table'],
    why,
  };
}
