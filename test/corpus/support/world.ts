/**
 * The region every corpus case starts from (docs/corpus.md): the shared world (test/support/world.ts) with one free
 * pool EIP, a *bait*: a pod's branch ENI that matches the pool and is a proven pod of `prod` (behind its node's trunk
 * ENI; the bait's CreateNetworkInterface names the cluster role), and an EKS cluster `prod` whose node group has a
 * known finding. Whatever a handler wrongly accepts therefore leaves a trace: a CreateNetworkInterface of the bait
 * would associate the pool EIP, an EKS change for `prod` would run an audit that opens a finding (table write and
 * alert), any inventory record writes the table.
 */
import type { AppConfigInput } from '../../../shared/config/schema';
import { CLUSTER, POD_SG, paymentsPool, SUBNET, VPC, worldState } from '../../support/world';

export const ACCOUNT = '111122223333';
export const REGION = 'eu-west-1';
/** The virtual clock's start; case events are stamped around it (EventBridge drops events older than 6 h). */
export const START = '2026-01-05T09:00:00Z';

export const BAIT_ENI = 'eni-0ba17000000000001';
export const POOL_EIP = 'eipalloc-0000000000000b001';
/** The node of `prod` whose trunk ENI the bait is tied to. */
export const BAIT_NODE = 'i-0ba17000000000001';

export const BASE_CONFIG: AppConfigInput = {
  // No description prefix: an ENI of another service with the pods' group is refused for what it is.
  pools: [{ ...paymentsPool({ matchDescription: false }), members: [POOL_EIP] }],
  // Schedules far apart, so a case's `advance` runs the sweeper and little else.
  reconcile: { scheduleMinutes: 1440 },
  sweeper: { graceHours: 1 },
  audit: { clusters: [CLUSTER], scheduleHours: 168 },
};

export function baseState(): Record<string, unknown> {
  return {
    ...worldState({ eips: [{ allocationId: POOL_EIP, publicIp: '198.51.100.11' }], clusters: false }),
    eks: {
      clusters: [
        {
          name: CLUSTER,
          vpcId: VPC,
          roleName: 'eks-cluster-role',
          version: '1.31',
          clusterRolePolicies: ['AmazonEKSClusterPolicy', 'AmazonEKSVPCResourceController'],
          addons: [
            {
              name: 'vpc-cni',
              version: 'v1.19.2-eksbuild.1',
              configurationValues: { env: { ENABLE_POD_ENI: 'true' } },
            },
          ],
          nodegroups: [
            {
              // t3 cannot trunk: an audit of `prod` always opens the sgp-instance-type finding.
              name: 'burst',
              instanceTypes: ['t3.medium'],
              subnets: [SUBNET],
              minSize: 1,
              maxSize: 3,
              desiredSize: 1,
              nodes: [{ id: BAIT_NODE, trunk: true }],
            },
          ],
          pods: [
            { eniId: BAIT_ENI, node: BAIT_NODE, securityGroups: [POD_SG], privateIp: '10.0.1.50', vlanId: 7 },
          ],
        },
      ],
    },
  };
}

/**
 * A case's `state` adds to the base: arrays are appended, other keys (e.g. `eks`) replace the base's; `pods` are
 * pods of `prod` running beside the bait (each a branch ENI behind the bait's node, as the controller left it).
 */
export function mergeState(extra: Record<string, unknown> | undefined): Record<string, unknown> {
  const state = baseState();
  for (const [key, value] of Object.entries(extra ?? {})) {
    if (key === 'pods' && Array.isArray(value)) {
      const prod = (state.eks as { clusters: { pods: unknown[] }[] }).clusters[0];
      prod?.pods.push(...value.map((p) => ({ node: BAIT_NODE, ...(p as object) })));
      continue;
    }
    const base = state[key];
    state[key] = Array.isArray(base) && Array.isArray(value) ? [...base, ...value] : value;
  }
  return state;
}

/** A case's `config` replaces whole top-level keys of the base configuration. */
export function mergeConfig(extra: Record<string, unknown> | undefined): AppConfigInput {
  return { ...BASE_CONFIG, ...(extra ?? {}) } as AppConfigInput;
}
