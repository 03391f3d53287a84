/**
 * Which keeper pools apply to a cluster, and which ENIs a pool's selector matches (the config schema's semantics:
 * every given criterion must hold; `securityGroupIds` means the ENI carries all of them). Pure: no AWS import.
 */
import type { EniSelector, PoolConfig } from '../config/schema';
import type { EniInfo, PoolView } from './model';

export function eniMatchesSelector(eni: EniInfo, sel: EniSelector): boolean {
  if (!sel.securityGroupIds && !sel.subnetIds && !sel.tags && !sel.descriptionPrefix) return false;
  if (sel.securityGroupIds && !sel.securityGroupIds.every((g) => eni.securityGroupIds.includes(g)))
    return false;
  if (sel.subnetIds && !sel.subnetIds.includes(eni.subnetId)) return false;
  if (sel.descriptionPrefix && !eni.description.startsWith(sel.descriptionPrefix)) return false;
  if (sel.tags) {
    for (const [key, values] of Object.entries(sel.tags)) {
      const v = eni.tags[key];
      if (v === undefined) return false;
      if (values.length > 0 && !values.includes(v)) return false;
    }
  }
  return true;
}

/** The cluster an ENI's tags name (`kubernetes.io/cluster/<name>` or `cluster.k8s.amazonaws.com/name`). */
export function eniCluster(eni: EniInfo): string | undefined {
  const named = eni.tags['cluster.k8s.amazonaws.com/name'];
  if (named) return named;
  const key = Object.keys(eni.tags).find((k) => k.startsWith('kubernetes.io/cluster/'));
  return key?.slice('kubernetes.io/cluster/'.length);
}

/**
 * The pools to check with a cluster: those naming it, and those naming no cluster whose ENIs or selector subnets
 * lie in its VPC. `enis` are the candidate ENIs of the cluster's VPC; `vpcSubnets` its subnet ids.
 */
export function poolsForCluster(
  pools: readonly PoolConfig[],
  cluster: string,
  enis: readonly EniInfo[],
  vpcSubnets: ReadonlySet<string>,
): PoolView[] {
  const views: PoolView[] = [];
  for (const pool of pools) {
    if (pool.cluster !== undefined && pool.cluster !== cluster) continue;
    const matched = enis.filter(
      (e) =>
        eniMatchesSelector(e, pool.selector) &&
        (pool.cluster === undefined || (eniCluster(e) ?? cluster) === cluster),
    );
    if (pool.cluster === undefined) {
      const ours = matched.filter((e) => (eniCluster(e) ?? cluster) === cluster);
      const selectorHere = (pool.selector.subnetIds ?? []).some((s) => vpcSubnets.has(s));
      if (ours.length === 0 && !selectorHere) continue;
      views.push({ pool, enis: ours });
      continue;
    }
    views.push({ pool, enis: matched });
  }
  return views;
}
