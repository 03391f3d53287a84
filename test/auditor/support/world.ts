/**
 * The world of the auditor's scenarios: a VPC with public (IGW), private (NAT), pod and one nearly full /24 subnet
 * across three zones, and a cluster `prod` ready for security groups for pods, with Kubernetes access for eip-keeper.
 * Not the shared test/support/world.ts: the checks need the routes, zones and subnet sizes a real cluster has.
 */
export const VPC = 'vpc-0a1';
export const PARTNER_SG = 'sg-0feed0000000000a1';

export function baseState() {
  return {
    vpcs: [{ id: VPC, cidr: '10.0.0.0/16' }],
    subnets: [
      { id: 'subnet-public-a', vpcId: VPC, az: 'eu-west-1a', cidr: '10.0.0.0/19' },
      { id: 'subnet-public-b', vpcId: VPC, az: 'eu-west-1b', cidr: '10.0.32.0/19' },
      { id: 'subnet-public-c', vpcId: VPC, az: 'eu-west-1c', cidr: '10.0.64.0/19' },
      { id: 'subnet-private-a', vpcId: VPC, az: 'eu-west-1a', cidr: '10.0.96.0/20' },
      { id: 'subnet-small', vpcId: VPC, az: 'eu-west-1a', cidr: '10.0.112.0/24', usedIps: 230 },
      { id: 'subnet-pods-a', vpcId: VPC, az: 'eu-west-1a', cidr: '10.0.128.0/19' },
      { id: 'subnet-pods-b', vpcId: VPC, az: 'eu-west-1b', cidr: '10.0.160.0/19' },
      { id: 'subnet-pods-c', vpcId: VPC, az: 'eu-west-1c', cidr: '10.0.192.0/19' },
    ],
    routeTables: [
      {
        id: 'rtb-public',
        vpcId: VPC,
        subnetIds: ['subnet-public-a', 'subnet-public-b', 'subnet-public-c', 'subnet-small'],
        routes: [{ destination: '0.0.0.0/0', gatewayId: 'igw-0a1' }],
      },
      {
        id: 'rtb-private',
        vpcId: VPC,
        subnetIds: ['subnet-private-a', 'subnet-pods-a', 'subnet-pods-b', 'subnet-pods-c'],
        routes: [{ destination: '0.0.0.0/0', natGatewayId: 'nat-0a1' }],
      },
    ],
    securityGroups: [{ id: PARTNER_SG, name: 'partner-api', vpcId: VPC }],
  };
}

export interface ClusterOverrides {
  addonEnv?: Record<string, string>;
  /** Env of the aws-vpc-cni-init container (default: DISABLE_TCP_EARLY_DEMUX=true, which strict mode needs). */
  addonInitEnv?: Record<string, string>;
  nodegroups?: Record<string, unknown>[];
  kubernetes?: Record<string, unknown>;
  clusterRolePolicies?: string[];
}

export function prodCluster(o: ClusterOverrides = {}) {
  return {
    name: 'prod',
    vpcId: VPC,
    version: '1.31',
    clusterRolePolicies: o.clusterRolePolicies ?? [
      'AmazonEKSClusterPolicy',
      'AmazonEKSVPCResourceController',
    ],
    accessEntries: ['eip-keeper'],
    addons: [
      {
        name: 'vpc-cni',
        version: 'v1.19.2-eksbuild.1',
        configurationValues: {
          env: o.addonEnv ?? { ENABLE_POD_ENI: 'true' },
          init: { env: o.addonInitEnv ?? { DISABLE_TCP_EARLY_DEMUX: 'true' } },
        },
      },
    ],
    nodegroups: o.nodegroups ?? [
      {
        name: 'general',
        instanceTypes: ['m5.large'],
        subnets: ['subnet-public-a', 'subnet-public-b'],
        minSize: 2,
        maxSize: 10,
        desiredSize: 2,
        nodes: [
          { trunk: true, launchTime: '2026-01-01T00:00:00Z' },
          { trunk: true, launchTime: '2026-01-01T00:00:00Z' },
        ],
      },
    ],
    ...(o.kubernetes ? { kubernetes: o.kubernetes } : {}),
  };
}

export const partnerPool = {
  name: 'partner-api',
  cluster: 'prod',
  // The keeper's view of the pool (its cluster's VPC and approved addresses); the auditor reads the selector.
  vpcId: 'vpc-0a1b2c3d4e5f60001',
  members: ['eipalloc-0000000000000a001'],
  selector: { securityGroupIds: [PARTNER_SG] },
};

export function branchEniIn(subnetId: string, id = 'eni-0b0000000000000001') {
  return {
    id,
    subnetId,
    description: 'aws-k8s-branch-eni',
    interfaceType: 'branch',
    securityGroupIds: [PARTNER_SG],
    tags: { 'eks:eni:owner': 'eks-vpc-resource-controller', 'kubernetes.io/cluster/prod': 'owned' },
  };
}

export function auditConfig(extra: Record<string, unknown> = {}) {
  return { audit: { clusters: ['prod'], kubernetesAccess: ['prod'] }, ...extra };
}
