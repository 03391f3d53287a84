/**
 * The region every corpus case starts from (docs/corpus.md): one VPC, a pod subnet routed to an internet gateway,
 * the payments pods' security group, one free pool EIP, a *bait* branch ENI that matches the pool, and an EKS cluster
 * `prod` whose node group has a known finding. Whatever a handler wrongly accepts therefore leaves a trace: a
 * CreateNetworkInterface of the bait would associate the pool EIP, an EKS change for `prod` would run an audit that
 * opens a finding (table write and alert), any inventory record writes the table.
 */
import type { AppConfigInput } from '../../shared/config/schema';

export const ACCOUNT = '111122223333';
export const REGION = 'eu-west-1';
/** The virtual clock's start; case events are stamped around it (EventBridge drops events older than 6 h). */
export const START = '2026-01-05T09:00:00Z';

export const VPC = 'vpc-0a1b2c3d4e5f60001';
export const POD_SUBNET = 'subnet-0a1b2c3d4e5f60001';
export const POD_SG = 'sg-0a1b2c3d4e5f60001';
export const BAIT_ENI = 'eni-0ba17000000000001';
export const POOL_EIP = 'eipalloc-0000000000000b001';

export const BASE_CONFIG: AppConfigInput = {
  pools: [{ name: 'payments', cluster: 'prod', selector: { securityGroupIds: [POD_SG] } }],
  // Schedules far apart, so a case's `advance` runs the sweeper and little else.
  reconcile: { scheduleMinutes: 1440 },
  sweeper: { graceHours: 1 },
  audit: { clusters: ['prod'], scheduleHours: 168 },
};

export function baseState(): Record<string, unknown> {
  return {
    vpcs: [{ id: VPC, cidr: '10.0.0.0/16' }],
    subnets: [
      { id: POD_SUBNET, vpcId: VPC, az: 'eu-west-1a', cidr: '10.0.1.0/24', tags: { Name: 'pods-a' } },
      { id: 'subnet-0a1b2c3d4e5f60002', vpcId: VPC, az: 'eu-west-1b', cidr: '10.0.2.0/24' },
    ],
    routeTables: [
      {
        id: 'rtb-0a1b2c3d4e5f60001',
        vpcId: VPC,
        subnetIds: [POD_SUBNET, 'subnet-0a1b2c3d4e5f60002'],
        routes: [{ destination: '0.0.0.0/0', gatewayId: 'igw-0a1b2c3d4e5f60001' }],
      },
    ],
    securityGroups: [
      { id: POD_SG, name: 'payments-pods', vpcId: VPC },
      { id: 'sg-0a1b2c3d4e5f60002', name: 'other-pods', vpcId: VPC },
    ],
    networkInterfaces: [
      {
        id: BAIT_ENI,
        subnetId: POD_SUBNET,
        description: 'aws-k8s-branch-eni',
        interfaceType: 'branch',
        securityGroupIds: [POD_SG],
        privateIp: '10.0.1.50',
        tags: {
          'eks:eni:owner': 'eks-vpc-resource-controller',
          'kubernetes.io/cluster/prod': 'owned',
          'vpcresources.k8s.aws/vlan-id': '7',
        },
      },
    ],
    addresses: [
      {
        as: 'pool-eip',
        allocationId: POOL_EIP,
        publicIp: '198.51.100.11',
        tags: { 'eip-keeper:pool': 'payments', Name: 'partner-ip-1' },
      },
    ],
    eks: {
      clusters: [
        {
          name: 'prod',
          vpcId: VPC,
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
              subnets: [POD_SUBNET],
              minSize: 1,
              maxSize: 3,
              desiredSize: 1,
              nodes: 1,
            },
          ],
        },
      ],
    },
  };
}

/** A case's `state` adds to the base: arrays are appended, other keys (e.g. `eks`) replace the base's. */
export function mergeState(extra: Record<string, unknown> | undefined): Record<string, unknown> {
  const state = baseState();
  for (const [key, value] of Object.entries(extra ?? {})) {
    const base = state[key];
    state[key] = Array.isArray(base) && Array.isArray(value) ? [...base, ...value] : value;
  }
  return state;
}

/** A case's `config` replaces whole top-level keys of the base configuration. */
export function mergeConfig(extra: Record<string, unknown> | undefined): AppConfigInput {
  return { ...BASE_CONFIG, ...(extra ?? {}) } as AppConfigInput;
}
