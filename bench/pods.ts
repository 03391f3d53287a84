/** The pod network both the burst and the capacity bench build: one VPC, one pod subnet, one pod security group. */
import {
  CreateNetworkInterfaceCommand,
  DeleteNetworkInterfaceCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import type { SimulatedRegion } from '../local/region';

export interface PodNetwork {
  vpcId: string;
  subnetId: string;
  securityGroupId: string;
  subnetCidr: string;
}

/** Seeds the network and `poolSize` EIPs tagged into `pool`, with room for `extraAddresses` more. */
export function seedPodNetwork(
  region: SimulatedRegion,
  net: PodNetwork,
  pool: { name: string; size: number; extraAddresses: number },
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
  state.addressLimit = pool.size + pool.extraAddresses;
  for (let i = 0; i < pool.size; i++) state.addAddress({ tags: { 'eip-keeper:pool': pool.name } });
}

/** Creates `count` security-groups-for-pods branch ENIs through the EC2 API (so each emits its CloudTrail event). */
export async function createPodEnis(
  ec2: EC2Client,
  net: PodNetwork,
  count: number,
  tags: Record<string, string>,
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const out = await ec2.send(
      new CreateNetworkInterfaceCommand({
        SubnetId: net.subnetId,
        Description: 'aws-k8s-branch-eni',
        Groups: [net.securityGroupId],
        TagSpecifications: [
          {
            ResourceType: 'network-interface',
            Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
          },
        ],
      }),
    );
    ids.push(out.NetworkInterface?.NetworkInterfaceId as string);
  }
  return ids;
}

/** Deletes pod ENIs through the EC2 API, as the controller does when their pods end. */
export async function deletePodEnis(ec2: EC2Client, ids: readonly string[]): Promise<void> {
  for (const id of ids) await ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: id }));
}
