/**
 * The pod network the burst, flood and capacity benches build: one VPC, one pod subnet, one pod security group, the
 * EKS cluster `bench` with trunk nodes, and the pool's approved EIPs. Pods are started as EKS starts them (the
 * simulated VPC resource controller: a branch ENI created as the cluster role and tied to a node's trunk ENI), so the
 * keeper's identity checks run as they would in AWS.
 */
import { SimulatedPods } from '../local/eks/controller';
import type { SimulatedRegion } from '../local/region';
import type { AppConfigInput } from '../shared/config/schema';

export interface PodNetwork {
  vpcId: string;
  subnetId: string;
  securityGroupId: string;
  subnetCidr: string;
}

export const BENCH_CLUSTER = 'bench';

/** The allocation id of the pool's i-th EIP (0-based): fixed, so the configuration can list the pool's members. */
export const benchEipId = (i: number): string => `eipalloc-${(0xb0000 + i).toString(16).padStart(17, '0')}`;

/** The pool of the bench: branch ENIs of `bench` with the pod security group, `size` listed members. */
export function benchPool(
  name: string,
  net: PodNetwork,
  size: number,
  over: Partial<NonNullable<AppConfigInput['pools']>[number]> = {},
): NonNullable<AppConfigInput['pools']>[number] {
  return {
    name,
    cluster: BENCH_CLUSTER,
    vpcId: net.vpcId,
    members: Array.from({ length: size }, (_, i) => benchEipId(i)),
    selector: { securityGroupIds: [net.securityGroupId], descriptionPrefix: 'aws-k8s-branch-eni' },
    ...over,
  };
}

/**
 * Seeds the network, the cluster with `nodes` trunk nodes (m5.24xlarge: a large node takes ~100 branch ENIs) and
 * `poolSize` EIPs tagged into `pool`, with room for `extraAddresses` more.
 */
export function seedPodNetwork(
  region: SimulatedRegion,
  net: PodNetwork,
  pool: { name: string; size: number; extraAddresses: number; nodes?: number },
): void {
  const state = region.ec2;
  state.addVpc({ vpcId: net.vpcId, cidrBlock: '10.0.0.0/16' });
  state.addSubnet({
    subnetId: net.subnetId,
    vpcId: net.vpcId,
    availabilityZone: 'eu-west-1a',
    cidrBlock: net.subnetCidr,
  });
  state.addSecurityGroup({ groupId: net.securityGroupId, groupName: 'bench-pods', vpcId: net.vpcId });
  region.auditor.eks.addCluster({
    name: BENCH_CLUSTER,
    vpcId: net.vpcId,
    roleArn: `arn:aws:iam::${region.accountId}:role/eks-cluster-role`,
  });
  for (let n = 0; n < (pool.nodes ?? 20); n++) {
    const node = state.addInstance({
      instanceType: 'm5.24xlarge',
      subnetId: net.subnetId,
      tags: { 'eks:cluster-name': BENCH_CLUSTER, [`kubernetes.io/cluster/${BENCH_CLUSTER}`]: 'owned' },
    });
    state.addNetworkInterface({
      subnetId: net.subnetId,
      description: 'aws-k8s-trunk-eni',
      interfaceType: 'trunk',
      attachment: { instanceId: node.instanceId, deviceIndex: 1 },
    });
  }
  state.addressLimit = pool.size + pool.extraAddresses;
  for (let i = 0; i < pool.size; i++)
    state.addAddress({ allocationId: benchEipId(i), tags: { 'eip-keeper:pool': pool.name } });
}

/** Starts `count` security-groups-for-pods pods (each emits its CloudTrail events); their branch ENI ids. */
export async function startPods(pods: SimulatedPods, net: PodNetwork, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const pod = await pods.startBranchPod({
      cluster: BENCH_CLUSTER,
      securityGroupIds: [net.securityGroupId],
    });
    ids.push(pod.eniId);
  }
  return ids;
}

/** Ends pods: the controller deletes their branch ENIs (each emits its DeleteNetworkInterface event). */
export async function stopPods(pods: SimulatedPods, eniIds: readonly string[]): Promise<void> {
  for (const id of eniIds) await pods.stopBranchPod(BENCH_CLUSTER, id);
}

export { SimulatedPods };
