/**
 * The simulated world the keeper, fault and corpus tests share: one VPC with two subnets routed to an internet
 * gateway (pods in eu-west-1a), the payments pods' security group and another workload's, the EKS cluster `prod`
 * (cluster role `eks-cluster-role`, two nodes with a trunk ENI each) and a `staging` cluster in the same VPC, the
 * `payments` pool of `prod`'s pod branch ENIs, and its tagged, approved EIPs. It is scenario initial state (the
 * format of `eip-keeper simulate`), seeded straight into a region as existing resources, without CloudTrail events.
 */
import type { z } from 'zod';
import type { SimulatedRegion } from '../../local/region';
import { InitialStateSchema } from '../../local/scenario/schema';
import { seedRegion } from '../../local/scenario/seed';
import type { AppConfigInput } from '../../shared/config/schema';

export type WorldState = z.input<typeof InitialStateSchema>;
type PoolInput = NonNullable<AppConfigInput['pools']>[number];

export const VPC = 'vpc-0a1b2c3d4e5f60001';
/** The pods' subnet (eu-west-1a). */
export const SUBNET = 'subnet-0a1b2c3d4e5f60001';
export const OTHER_SUBNET = 'subnet-0a1b2c3d4e5f60002';
export const POD_SG = 'sg-0a1b2c3d4e5f60001';
/** Another workload's pods: never the pool's. */
export const OTHER_SG = 'sg-0a1b2c3d4e5f60002';
export const POOL = 'payments';
export const CLUSTER = 'prod';
/** Another cluster in the same VPC: its pods are never the pool's. */
export const OTHER_CLUSTER = 'staging';
/** The pods' nodes (instances of `prod` with a trunk ENI each). */
export const NODES = ['i-0a1b2c3d4e5f60001', 'i-0a1b2c3d4e5f60002'] as const;
/** A node of `prod` whose pods take secondary IPs of its VPC CNI ENI (four warm IPs). */
export const IP_NODE = 'i-0a1b2c3d4e5f60003';

/** The allocation id of the pool's i-th EIP (1-based): fixed, so the pool's configuration can list it. */
export const poolEipId = (i: number): string => `eipalloc-${(0xa000 + i).toString(16).padStart(17, '0')}`;
/** How many pool EIPs the payments pool lists as its members (worlds seed fewer). */
const LISTED_MEMBERS = 60;
/** What the VPC resource controller writes on a pod's branch ENI. */
export const POD_ENI_DESCRIPTION = 'aws-k8s-branch-eni';

/**
 * The payments pool: branch ENIs of `prod` with the payments pods' security group. `matchDescription: false` drops
 * the description prefix from the selector, so an ENI of another service with that group is refused for what it is
 * (requester-managed, a trunk, ...), not for its description.
 */
export function paymentsPool(opts: { matchDescription?: boolean } = {}): PoolInput {
  const selector = { securityGroupIds: [POD_SG] };
  return {
    name: POOL,
    cluster: CLUSTER,
    vpcId: VPC,
    members: Array.from({ length: LISTED_MEMBERS }, (_, i) => poolEipId(i + 1)),
    selector:
      opts.matchDescription === false ? selector : { ...selector, descriptionPrefix: POD_ENI_DESCRIPTION },
  };
}

/** The tags the VPC resource controller puts on a pod's branch ENI (in the creation call). */
export function podEniTags(vlan: number, cluster = CLUSTER, node: string = NODES[0]): Record<string, string> {
  return {
    'eks:eni:owner': 'eks-vpc-resource-controller',
    [`kubernetes.io/cluster/${cluster}`]: 'owned',
    'vpcresources.k8s.aws/vlan-id': String(vlan),
    'node.k8s.amazonaws.com/instance_id': node,
  };
}

export interface PoolEip {
  allocationId: string;
  publicIp: string;
}

export interface WorldOptions {
  /** The pool's EIPs, named `partner-ip-1`, ...: how many (listed ids, IPs from the region), or these exactly. */
  eips?: number | readonly PoolEip[];
  /** Addresses outside every pool, by their `Name` tag, after the pool's. */
  others?: readonly string[];
  /** The clusters and their nodes (default true). */
  clusters?: boolean;
}

/** The clusters of the world: `prod` with two trunk nodes in the pods' subnet, `staging` with one. */
function clusters(): NonNullable<WorldState['eks']> {
  const trunkNode = (id: string) => ({ id, trunk: true });
  return {
    clusters: [
      {
        name: CLUSTER,
        vpcId: VPC,
        roleName: 'eks-cluster-role',
        // eip-keeper's roles may read nodes and pods (secondary-IP pools need it).
        accessEntries: ['eip-keeper'],
        nodegroups: [
          {
            name: 'pods',
            instanceTypes: ['m5.large'],
            subnets: [SUBNET],
            maxSize: 4,
            nodes: NODES.map(trunkNode),
          },
          {
            name: 'ip-pods',
            instanceTypes: ['m5.large'],
            subnets: [SUBNET],
            maxSize: 2,
            nodes: [{ id: IP_NODE, cniEnis: [{ subnet: SUBNET, podIps: 4 }] }],
          },
        ],
      },
      {
        name: OTHER_CLUSTER,
        vpcId: VPC,
        nodegroups: [
          {
            name: 'staging',
            instanceTypes: ['m5.large'],
            subnets: [SUBNET],
            maxSize: 2,
            nodes: [trunkNode('i-0a1b2c3d4e5f60009')],
          },
        ],
      },
    ],
  };
}

/** The world as scenario initial state; a test adds its own resources to the arrays. */
export function worldState(opts: WorldOptions = {}): WorldState {
  const eips = opts.eips ?? 3;
  const pool: { allocationId?: string; publicIp?: string }[] =
    typeof eips === 'number'
      ? Array.from({ length: eips }, (_, i) => ({ allocationId: poolEipId(i + 1) }))
      : eips.map((e) => ({ ...e }));
  return {
    ...(opts.clusters === false ? {} : { eks: clusters() }),
    vpcs: [{ id: VPC, cidr: '10.0.0.0/16' }],
    subnets: [
      { id: SUBNET, vpcId: VPC, az: 'eu-west-1a', cidr: '10.0.1.0/24', tags: { Name: 'pods-a' } },
      { id: OTHER_SUBNET, vpcId: VPC, az: 'eu-west-1b', cidr: '10.0.2.0/24' },
    ],
    routeTables: [
      {
        id: 'rtb-0a1b2c3d4e5f60001',
        vpcId: VPC,
        subnetIds: [SUBNET, OTHER_SUBNET],
        routes: [{ destination: '0.0.0.0/0', gatewayId: 'igw-0a1b2c3d4e5f60001' }],
      },
    ],
    securityGroups: [
      { id: POD_SG, name: 'payments-pods', vpcId: VPC },
      { id: OTHER_SG, name: 'other-pods', vpcId: VPC },
    ],
    addresses: [
      ...pool.map((e, i) => ({
        ...e,
        as: `partner-ip-${i + 1}`,
        tags: { 'eip-keeper:pool': POOL, Name: `partner-ip-${i + 1}` },
      })),
      ...(opts.others ?? []).map((name) => ({ as: name, tags: { Name: name } })),
    ],
  };
}

/** Seeds a world's state into the region; returns the allocation ids by label (`partner-ip-1`, other names). */
export function seedWorld(region: SimulatedRegion, state: WorldState): Map<string, string> {
  const labels = new Map<string, string>();
  seedRegion(region, InitialStateSchema.parse(state), labels);
  return labels;
}

/** The allocation ids of the pool's EIPs a world was seeded with, in order. */
export function poolEipsOf(labels: ReadonlyMap<string, string>): string[] {
  return [...labels].filter(([label]) => /^partner-ip-\d+$/.test(label)).map(([, id]) => id);
}
