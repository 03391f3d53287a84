/**
 * Which ENIs belong to a pool, and which of their private IPs get a pool EIP. Pure: no AWS import.
 *
 * A selector's criteria AND together: the ENI carries ALL the security groups (the
 * SecurityGroupPolicy's), sits in one of the subnets, has every tag key with one of the accepted values (an empty
 * list accepts any value), and its description starts with the prefix. `cluster` additionally requires the EKS
 * cluster tag. ENIs that can never be a pod's are excluded whatever the selector says: trunk ENIs and ENIs that AWS
 * services create for themselves (requester-managed).
 */
import type { EniSelector, PoolConfig } from '../config/schema';
import type { EniView, Target } from './model';

export type MatchResult = { match: true } | { match: false; reason: string };

const CLUSTER_TAGS = (cluster: string) =>
  [
    [`kubernetes.io/cluster/${cluster}`, undefined],
    ['cluster.k8s.amazonaws.com/name', cluster],
  ] as const;

/** Whether the ENI belongs to the pool's workload, and if not, the first criterion it fails. */
export function matchPool(pool: PoolConfig, eni: EniView): MatchResult {
  if (eni.requesterManaged)
    return { match: false, reason: 'requester-managed ENI (owned by an AWS service)' };
  if (eni.interfaceType === 'trunk' || eni.description.startsWith('aws-k8s-trunk-eni')) {
    return { match: false, reason: 'trunk ENI' };
  }
  const s: EniSelector = pool.selector;
  if (s.securityGroupIds) {
    const missing = s.securityGroupIds.filter((g) => !eni.securityGroupIds.includes(g));
    if (missing.length > 0) return { match: false, reason: `lacks security group ${missing.join(', ')}` };
  }
  if (s.subnetIds && !(eni.subnetId && s.subnetIds.includes(eni.subnetId))) {
    return { match: false, reason: `subnet ${eni.subnetId ?? '(unknown)'} is not selected` };
  }
  for (const [key, values] of Object.entries(s.tags ?? {})) {
    const v = eni.tags[key];
    if (v === undefined) return { match: false, reason: `lacks tag ${key}` };
    if (values.length > 0 && !values.includes(v))
      return { match: false, reason: `tag ${key}=${v} not accepted` };
  }
  if (s.descriptionPrefix !== undefined && !eni.description.startsWith(s.descriptionPrefix)) {
    return { match: false, reason: `description does not start with ${s.descriptionPrefix}` };
  }
  if (pool.cluster !== undefined) {
    const inCluster = CLUSTER_TAGS(pool.cluster).some(([key, value]) =>
      value === undefined ? eni.tags[key] !== undefined : eni.tags[key] === value,
    );
    if (!inCluster) return { match: false, reason: `not tagged for cluster ${pool.cluster}` };
  }
  return { match: true };
}

/**
 * The pool that owns the ENI: the first pool, in configuration order, that matches it. An ENI matching several
 * pools is served by the first only (one pod egresses from one address).
 */
export function owningPool(pools: readonly PoolConfig[], eni: EniView): PoolConfig | undefined {
  return pools.find((p) => matchPool(p, eni).match);
}

/** The private IPs of the ENI that the pool gives EIPs to. */
export function targetsOf(pool: PoolConfig, eni: EniView): Target[] {
  if (pool.target === 'primary-ip')
    return eni.privateIp ? [{ eniId: eni.eniId, privateIp: eni.privateIp }] : [];
  return eni.secondaryIps.map((privateIp) => ({ eniId: eni.eniId, privateIp }));
}

/** Whether `target` is (still) one the pool serves on this ENI. */
export function isTargetOf(pool: PoolConfig, eni: EniView, privateIp: string): boolean {
  return targetsOf(pool, eni).some((t) => t.privateIp === privateIp);
}

/** Canonical JSON: object keys sorted, so equal selectors give equal strings. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/**
 * Identifies "this selector" for the EIP preference: the pool and what its ENIs must match. A configuration change
 * of the selector makes a new key, so EIPs released under the old one lose their preference.
 */
export function selectorKey(pool: PoolConfig): string {
  const s = pool.selector;
  return `${pool.name}|${canonical({
    cluster: pool.cluster ?? null,
    target: pool.target,
    securityGroupIds: s.securityGroupIds ? [...s.securityGroupIds].sort() : null,
    subnetIds: s.subnetIds ? [...s.subnetIds].sort() : null,
    tags: s.tags ? Object.fromEntries(Object.entries(s.tags).map(([k, v]) => [k, [...v].sort()])) : null,
    descriptionPrefix: s.descriptionPrefix ?? null,
  })}`;
}

export interface Ec2Filter {
  Name: string;
  Values: string[];
}

/** EC2 wildcards are `*` and `?`, escaped with a backslash. */
function escapeWildcards(s: string): string {
  return s.replace(/[\\*?]/g, (c) => `\\${c}`);
}

/**
 * DescribeNetworkInterfaces filters that narrow the listing to the pool's candidates (filters AND; values OR). They
 * are a superset of `matchPool` (the cluster's two tag forms cannot be expressed as one filter); callers match the
 * result again.
 */
export function eniFilters(pool: PoolConfig): Ec2Filter[] {
  const s = pool.selector;
  const filters: Ec2Filter[] = [];
  // All of the groups: one filter per group (a filter's values would OR).
  for (const g of s.securityGroupIds ?? []) filters.push({ Name: 'group-id', Values: [g] });
  if (s.subnetIds) filters.push({ Name: 'subnet-id', Values: [...s.subnetIds] });
  for (const [key, values] of Object.entries(s.tags ?? {})) {
    filters.push(
      values.length > 0 ? { Name: `tag:${key}`, Values: [...values] } : { Name: 'tag-key', Values: [key] },
    );
  }
  if (s.descriptionPrefix !== undefined) {
    filters.push({ Name: 'description', Values: [`${escapeWildcards(s.descriptionPrefix)}*`] });
  }
  return filters;
}
