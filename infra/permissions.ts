/**
 * Turns the catalog's symbolic PermissionSpecs into IAM statements with real ARNs, and says why every wildcard in
 * them is there (the reasons become the cdk-nag acknowledgements next to each function's role).
 *
 * `*` as a resource is accepted only for actions listed in NON_SCOPABLE_ACTIONS: AWS does not support resource-level
 * permissions for them. Any other action on `*` fails synth with UnscopedPermissionError.
 */
import {
  type Conditions,
  conditionsFor,
  type FunctionSpec,
  type PermissionSpec,
  type ResourceRef,
} from '../shared/app/functions';
import type { AppConfig } from '../shared/config/schema';
import { KEEP_TAG, POOL_TAG } from '../shared/sweeper/model';

/**
 * Actions AWS does not scope to a resource (Service Authorization Reference: the action's "Resource types" column is
 * empty), so `Resource: "*"` is the only possible value. A trailing `*` covers every action with that prefix.
 */
export const NON_SCOPABLE_ACTIONS: Readonly<Record<string, string>> = {
  'ec2:Describe*': 'EC2 Describe* actions do not support resource-level permissions',
  'eks:ListClusters': 'eks:ListClusters does not support resource-level permissions',
  'eks:DescribeAddonVersions': 'eks:DescribeAddonVersions does not support resource-level permissions',
  'eks:DescribeAddonConfiguration':
    'eks:DescribeAddonConfiguration does not support resource-level permissions',
  'pricing:GetProducts': 'the Pricing API has no resources to scope to',
  'pricing:DescribeServices': 'the Pricing API has no resources to scope to',
  'pricing:GetAttributeValues': 'the Pricing API has no resources to scope to',
  'cloudwatch:PutMetricData':
    'cloudwatch:PutMetricData does not support resource-level permissions (use the cloudwatch:namespace condition)',
  'route53:ListHostedZones': 'route53:ListHostedZones does not support resource-level permissions',
  'route53:ListHostedZonesByName':
    'route53:ListHostedZonesByName does not support resource-level permissions',
  'servicequotas:GetServiceQuota': 'reading a quota value is granted on all quotas',
  'servicequotas:GetAWSDefaultServiceQuota': 'reading a quota value is granted on all quotas',
  'tag:GetResources': 'the Resource Groups Tagging API does not support resource-level permissions',
  'tiros:*': 'AWS Tiros (run by VPC Reachability Analyzer) defines no resource types',
};

/** Why a symbolic resource maps to an ARN with a wildcard (the wildcard is the narrowest ARN possible). */
export const WILDCARD_RESOURCE_REASONS: Readonly<Partial<Record<ResourceRef, string>>> = {
  'table-indexes':
    "the table's own global secondary indexes (GSI1): DynamoDB index ARNs are <table-arn>/index/<name>",
  'elastic-ip':
    "Elastic IPs are chosen at runtime (pool members by tag, orphans by idleness); scoped to this account and region's elastic-ip resource type",
  'network-interface':
    "pod ENIs are created and deleted by the VPC CNI at runtime; scoped to this account and region's network-interface resource type",
  'eks-cluster': "clusters are discovered at runtime; scoped to this account and region's EKS clusters",
  'eks-nodegroup':
    "node groups are discovered at runtime; scoped to this account and region's EKS node groups",
  'eks-addon': "add-ons (vpc-cni) are discovered at runtime; scoped to this account and region's EKS add-ons",
  'iam-role':
    "the cluster roles to inspect are read from DescribeCluster at runtime; scoped to this account's roles",
  'hosted-zone':
    'hosted zones holding records that point at an EIP are found at runtime; Route 53 zone ARNs have no region or account',
  'network-insights-path':
    "Reachability Analyzer paths are created at runtime, one per pool subnet; scoped to this account and region's network-insights-path resource type",
  'network-insights-analysis':
    "Reachability Analyzer analyses are created at runtime; scoped to this account and region's network-insights-analysis resource type",
  'internet-gateway':
    "the internet gateway of each pool's VPC is found at runtime; scoped to this account and region's internet-gateway resource type",
};

/** The concrete ARNs (tokens allowed) the stack provides for each symbolic resource. */
export type ResourceArns = Readonly<Record<Exclude<ResourceRef, '*' | 'pool-clusters'>, string>>;

/** The ARNs of resources that are not part of the stack, built from partition, region and account. */
export function externalResourceArns(partition: string, region: string, account: string) {
  return {
    'elastic-ip': `arn:${partition}:ec2:${region}:${account}:elastic-ip/*`,
    'network-interface': `arn:${partition}:ec2:${region}:${account}:network-interface/*`,
    'eks-cluster': `arn:${partition}:eks:${region}:${account}:cluster/*`,
    'eks-nodegroup': `arn:${partition}:eks:${region}:${account}:nodegroup/*/*/*`,
    'eks-addon': `arn:${partition}:eks:${region}:${account}:addon/*/*/*`,
    'iam-role': `arn:${partition}:iam::${account}:role/*`,
    'hosted-zone': `arn:${partition}:route53:::hostedzone/*`,
    'network-insights-path': `arn:${partition}:ec2:${region}:${account}:network-insights-path/*`,
    'network-insights-analysis': `arn:${partition}:ec2:${region}:${account}:network-insights-analysis/*`,
    'internet-gateway': `arn:${partition}:ec2:${region}:${account}:internet-gateway/*`,
    'event-bus': `arn:${partition}:events:${region}:${account}:event-bus/default`,
    // Findings an account imports itself go to its `default` product; GetFindings is authorized on the hub.
    'securityhub-product': `arn:${partition}:securityhub:${region}:${account}:product/${account}/default`,
    'securityhub-hub': `arn:${partition}:securityhub:${region}:${account}:hub/default`,
  } as const;
}

/** A PermissionSpec asks for `*` on an action that AWS lets us scope. */
export class UnscopedPermissionError extends Error {
  override readonly name = 'UnscopedPermissionError';
  constructor(
    readonly functionId: string,
    readonly sid: string,
    readonly actions: string[],
  ) {
    super(
      `${functionId}.${sid}: resource "*" is only allowed for actions AWS does not scope (NON_SCOPABLE_ACTIONS in infra/permissions.ts); not for ${actions.join(', ')}`,
    );
  }
}

/** An action with a wildcard that is not a known non-scopable family (e.g. `dynamodb:*`). */
export class WildcardActionError extends Error {
  override readonly name = 'WildcardActionError';
  constructor(
    readonly functionId: string,
    readonly sid: string,
    readonly action: string,
  ) {
    super(`${functionId}.${sid}: wildcard action ${action} is not allowed; list the actions explicitly`);
  }
}

/** The reason `action` may use resource `*`, or undefined when it may not. */
export function nonScopableReason(action: string): string | undefined {
  for (const [pattern, reason] of Object.entries(NON_SCOPABLE_ACTIONS)) {
    if (pattern === action) return reason;
    if (pattern.endsWith('*') && !action.endsWith('*') && action.startsWith(pattern.slice(0, -1)))
      return reason;
  }
  return undefined;
}

export interface ResolvedStatement {
  sid: string;
  actions: string[];
  resources: string[];
  conditions?: Conditions;
}

/** A VPC's ARN in this account and region, from the network-interface ARN pattern (same partition/region/account). */
export function vpcArnFrom(arns: ResourceArns, vpcId: string): string {
  return arns['network-interface'].replace(/network-interface\/\*$/, `vpc/${vpcId}`);
}

/** Why each wildcard (as the resolved resource string or action) in a function's statements is acceptable. */
export interface WildcardReason {
  kind: 'resource' | 'action';
  /** The resource ARN (possibly with tokens) or the action, exactly as it appears in the statement. */
  value: string;
  reason: string;
}

/**
 * Resolves one function's PermissionSpecs. Throws UnscopedPermissionError for `*` on scopable actions and
 * WildcardActionError for wildcard actions outside NON_SCOPABLE_ACTIONS.
 */
export function resolvePermissions(
  functionId: string,
  permissions: readonly PermissionSpec[],
  arns: ResourceArns,
  config: AppConfig,
): { statements: ResolvedStatement[]; wildcards: WildcardReason[] } {
  const statements: ResolvedStatement[] = [];
  const wildcards: WildcardReason[] = [];
  for (const spec of permissions) {
    for (const action of spec.actions) {
      if (action.includes('*')) {
        const reason = nonScopableReason(action);
        if (!reason) throw new WildcardActionError(functionId, spec.sid, action);
        wildcards.push({ kind: 'action', value: action, reason: `${reason} (${spec.sid}: ${spec.why})` });
      }
    }
    const resources: string[] = [];
    for (const ref of spec.resources) {
      if (ref === '*') {
        const scopable = spec.actions.filter((a) => !nonScopableReason(a));
        if (scopable.length > 0) throw new UnscopedPermissionError(functionId, spec.sid, scopable);
        const reasons = [...new Set(spec.actions.map((a) => nonScopableReason(a) as string))];
        wildcards.push({
          kind: 'resource',
          value: '*',
          reason: `${reasons.join('; ')} (${spec.sid}: ${spec.why})`,
        });
        resources.push('*');
        continue;
      }
      if (ref === 'pool-clusters') {
        // Named by the configuration: each pool's cluster, no wildcard.
        const clusterArn = (name: string) => arns['eks-cluster'].replace(/cluster\/\*$/, `cluster/${name}`);
        resources.push(...config.pools.map((p) => clusterArn(p.cluster)));
        continue;
      }
      const arn = arns[ref];
      resources.push(arn);
      const why = WILDCARD_RESOURCE_REASONS[ref];
      if (why) wildcards.push({ kind: 'resource', value: arn, reason: `${why} (${spec.sid}: ${spec.why})` });
    }
    const conditions = conditionsFor(spec, config, { vpc: (id) => vpcArnFrom(arns, id) });
    statements.push({
      sid: spec.sid,
      actions: [...spec.actions],
      resources: [...new Set(resources)],
      ...(conditions ? { conditions } : {}),
    });
  }
  return { statements, wildcards };
}

const RELEASE_ACTION = 'ec2:ReleaseAddress';

/** DynamoDB actions that only read items: any role may read what it needs, whoever owns it. */
const TABLE_READ_ACTIONS = new Set([
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
]);

/** The sid of the catalog's table statement (`tableAccess`), split by `confineTableWrites`. */
const TABLE_SID = 'TableReadWrite';

/**
 * The table statement as two: reads as the catalog has them, and writes confined to the items whose partition key
 * starts with one of `prefixes` (`dynamodb:LeadingKeys` is the partition key of each item written: PutItem,
 * UpdateItem, DeleteItem, and each item of a transaction). So a compromised role cannot rewrite another capability's
 * state — the sweeper's tracks, the keeper's claims, the inventory's history. (Every item-level write carries its
 * key, so the `ForAllValues` test never sees an empty set here.)
 */
export function confineTableWrites(spec: PermissionSpec, prefixes: readonly string[]): PermissionSpec[] {
  const reads = spec.actions.filter((a) => TABLE_READ_ACTIONS.has(a));
  const writes = spec.actions.filter((a) => !TABLE_READ_ACTIONS.has(a));
  const owned = prefixes.map((p) => `${p}*`);
  const out: PermissionSpec[] = [];
  if (reads.length > 0) out.push({ ...spec, sid: 'TableRead', actions: reads, why: `reads: ${spec.why}` });
  if (writes.length > 0) {
    out.push({
      sid: 'TableWriteOwnItems',
      actions: writes,
      resources: ['table'],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': owned } },
      why: `writes only its own items (${owned.join(', ')}): ${spec.why}`,
    });
  }
  return out;
}

/**
 * The PermissionSpecs of `spec` that `config` needs: a statement whose `when` is false is not deployed, and the
 * table statement of a function that names its own key prefixes is split into reads and confined writes.
 */
export function permissionsFor(spec: FunctionSpec, config: AppConfig): PermissionSpec[] {
  const deployed = spec.permissions.filter((p) => p.when?.(config) ?? true);
  const prefixes = spec.ownKeyPrefixes;
  if (!prefixes || prefixes.length === 0) return deployed;
  return deployed.flatMap((p) => (p.sid === TABLE_SID ? confineTableWrites(p, prefixes) : [p]));
}

/** True when the catalog may ever grant `spec` ec2:ReleaseAddress (whatever the configuration). */
export function mayReleaseAddresses(spec: FunctionSpec): boolean {
  return spec.permissions.some((p) => p.actions.includes(RELEASE_ACTION));
}

/** Tag keys (any value) that make an address unreleasable: pool member, keep, and `sweeper.exemptTagKeys`. */
export function protectedTagKeys(config: AppConfig): string[] {
  return [...new Set([POOL_TAG, KEEP_TAG, ...config.sweeper.exemptTagKeys])];
}

export interface DenyStatement {
  sid: string;
  actions: string[];
  resources: string[];
  conditions: NonNullable<PermissionSpec['conditions']>;
}

/**
 * One explicit Deny of ec2:ReleaseAddress per protected tag key (one each: keys of one Null block are ANDed, and any
 * one tag must protect). An explicit Deny wins over every Allow, including a broader policy someone attaches to the
 * role later, so a pool member, a keep-tagged or an exempt address cannot be released through this role, bug or not.
 */
export function releaseGuardStatements(config: AppConfig, elasticIpArn: string): DenyStatement[] {
  const named: Record<string, string> = {
    [POOL_TAG]: 'DenyReleasePoolMembers',
    [KEEP_TAG]: 'DenyReleaseKeepTagged',
  };
  let exempt = 0;
  return protectedTagKeys(config).map((key) => ({
    sid: named[key] ?? `DenyReleaseExempt${++exempt}`,
    actions: [RELEASE_ACTION],
    resources: [elasticIpArn],
    conditions: { Null: { [`aws:ResourceTag/${key}`]: 'false' } },
  }));
}
