/**
 * Every readiness check of one cluster: plain snapshot in, results out. Pure: no AWS import.
 */
import type { ClusterSnapshot } from '../model';
import { buildContext } from './context';
import { customNetworkingChecks } from './custom-networking';
import { egressProofChecks } from './egress-proof';
import { crowdedSubnets, ipHeadroomChecks } from './ip-headroom';
import { podEipEgressChecks } from './pod-eip-egress';
import { type CheckResult, compareResults } from './result';
import { securityGroupsForPodsChecks } from './security-groups-for-pods';

export function runChecks(snapshot: ClusterSnapshot): CheckResult[] {
  const base = buildContext(snapshot);
  // Fixes that propose new nodes must avoid the subnets the IP checks flag.
  const ctx = { ...base, crowdedSubnets: crowdedSubnets(base) };
  return [
    ...securityGroupsForPodsChecks(ctx),
    ...customNetworkingChecks(ctx),
    ...podEipEgressChecks(ctx),
    ...egressProofChecks(ctx),
    ...ipHeadroomChecks(ctx),
  ].sort(compareResults);
}

export * from './result';
