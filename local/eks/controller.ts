/**
 * Pods of the simulated clusters, started and stopped the way EKS does it, so eip-keeper sees what it would see in
 * AWS:
 * - a pod with security groups for pods gets a branch ENI from the VPC resource controller, which runs in the EKS
 *   control plane and calls EC2 as the cluster IAM role (session `amazon-vpc-resource-controller-k8s`):
 *   CreateNetworkInterface with its tags in the same call and no InterfaceType, then AssociateTrunkInterface with the
 *   node's trunk ENI and a free VLAN id; its pod object carries the `vpc.amazonaws.com/pod-eni` annotation;
 * - a pod on a node's secondary IP takes a warm IP the VPC CNI already assigned to one of the node's ENIs (no EC2 call:
 *   only the Kubernetes API says which pod holds which IP); when it stops, the IP stays on the ENI.
 * Every EC2 call goes through the simulated EC2 API, so it emits the CloudTrail event AWS would.
 */
import {
  AssociateTrunkInterfaceCommand,
  CreateNetworkInterfaceCommand,
  DeleteNetworkInterfaceCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { clientOptions } from '../../shared/aws/clients';
import { vpcResourceControllerActor } from '../core/identities';
import type { NetworkInterface } from '../ec2';
import type { SimPod } from '../k8s/pods';
import type { SimulatedRegion } from '../region';

export interface BranchPodInput {
  cluster: string;
  securityGroupIds: string[];
  /** The node (instance id); default: the cluster's nodes with a trunk ENI in turn (in this subnet when given). */
  node?: string;
  /** Only nodes whose trunk ENI is in this subnet (branch ENIs are created in their trunk's subnet). */
  subnetId?: string;
  namespace?: string;
  name?: string;
  labels?: Record<string, string>;
}

export interface IpPodInput {
  cluster: string;
  /** The node (instance id); default: the first node with a free warm IP. */
  node?: string;
  namespace?: string;
  name?: string;
  labels?: Record<string, string>;
}

export interface StartedPod {
  cluster: string;
  namespace: string;
  name: string;
  node: string;
  eniId: string;
  privateIp: string;
}

export class SimulatedPods {
  private readonly clients = new Map<string, EC2Client>();
  private readonly turn = new Map<string, number>();
  private count = 0;

  constructor(private readonly region: SimulatedRegion) {}

  private ec2As(actor: string): EC2Client {
    let c = this.clients.get(actor);
    if (!c) {
      c = new EC2Client({ ...clientOptions(this.region.connection(actor), 'ec2'), maxAttempts: 10 });
      this.clients.set(actor, c);
    }
    return c;
  }

  /** The VPC resource controller's actor for a cluster: its cluster IAM role. */
  controllerOf(cluster: string): string {
    const roleArn = this.region.auditor.eks.requireCluster(cluster).roleArn;
    return vpcResourceControllerActor(roleArn.slice(roleArn.indexOf(':role/') + ':role/'.length));
  }

  /** Running instances of the cluster (EKS tags its nodes `eks:cluster-name`), by id. */
  nodesOf(cluster: string): string[] {
    return [...this.region.ec2.instanceById.values()]
      .filter(
        (i) =>
          i.state === 'running' && i.tags.some((t) => t.key === 'eks:cluster-name' && t.value === cluster),
      )
      .map((i) => i.instanceId)
      .sort();
  }

  trunkOf(node: string): NetworkInterface | undefined {
    return this.region.ec2.enisOf(node).find((e) => e.interfaceType === 'trunk');
  }

  private pickNode(cluster: string, usable: (node: string) => boolean, given?: string): string {
    if (given) return given;
    const nodes = this.nodesOf(cluster).filter(usable);
    if (nodes.length === 0) throw new Error(`cluster ${cluster} has no node that can run this pod`);
    const n = this.turn.get(cluster) ?? 0;
    this.turn.set(cluster, n + 1);
    return nodes[n % nodes.length] as string;
  }

  private freeVlan(trunkId: string): number {
    const used = new Set(
      [...this.region.ec2.trunkAssociationById.values()]
        .filter((a) => a.trunkInterfaceId === trunkId)
        .map((a) => a.vlanId),
    );
    let vlan = 1;
    while (used.has(vlan)) vlan += 1;
    return vlan;
  }

  private addPod(cluster: string, pod: Omit<SimPod, 'uid' | 'createdAt' | 'phase'>): void {
    this.count += 1;
    this.region.auditor.kubernetes.objects(cluster).pods.push({
      ...pod,
      uid: `5e1a0000-0000-4000-8000-${this.count.toString(16).padStart(12, '0')}`,
      phase: 'Running',
      createdAt: this.region.clock.now().toISOString(),
    });
  }

  /** A pod with its own branch ENI behind its node's trunk ENI (security groups for pods). */
  async startBranchPod(input: BranchPodInput): Promise<StartedPod> {
    const { cluster } = input;
    const inSubnet = (n: string) => {
      const trunk = this.trunkOf(n);
      return trunk !== undefined && (input.subnetId === undefined || trunk.subnetId === input.subnetId);
    };
    const node = this.pickNode(cluster, inSubnet, input.node);
    const trunk = this.trunkOf(node);
    if (!trunk) throw new Error(`node ${node} has no trunk ENI`);
    const vlan = this.freeVlan(trunk.networkInterfaceId);
    const ec2 = this.ec2As(this.controllerOf(cluster));
    const tags = {
      'eks:eni:owner': 'eks-vpc-resource-controller',
      [`kubernetes.io/cluster/${cluster}`]: 'owned',
      'vpcresources.k8s.aws/trunk-eni-id': trunk.networkInterfaceId,
      'vpcresources.k8s.aws/vlan-id': String(vlan),
      'node.k8s.amazonaws.com/instance_id': node,
    };
    const out = await ec2.send(
      new CreateNetworkInterfaceCommand({
        SubnetId: trunk.subnetId,
        Description: 'aws-k8s-branch-eni',
        Groups: input.securityGroupIds,
        TagSpecifications: [
          {
            ResourceType: 'network-interface',
            Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
          },
        ],
      }),
    );
    const eni = out.NetworkInterface;
    const eniId = eni?.NetworkInterfaceId as string;
    await ec2.send(
      new AssociateTrunkInterfaceCommand({
        BranchInterfaceId: eniId,
        TrunkInterfaceId: trunk.networkInterfaceId,
        VlanId: vlan,
      }),
    );
    const privateIp = eni?.PrivateIpAddress as string;
    const namespace = input.namespace ?? 'default';
    const name = input.name ?? `pod-${eniId.slice(-6)}`;
    const subnet = this.region.ec2.subnetById.get(trunk.subnetId);
    this.addPod(cluster, {
      name,
      namespace,
      labels: input.labels ?? {},
      annotations: {
        'vpc.amazonaws.com/pod-eni': JSON.stringify([
          { eniId, ifAddress: eni?.MacAddress, privateIp, vlanId: vlan, subnetCidr: subnet?.cidrBlock },
        ]),
      },
      nodeName: this.region.auditor.kubernetes.nodeNameOf(cluster, node),
      podIP: privateIp,
    });
    return { cluster, namespace, name, node, eniId, privateIp };
  }

  /** Ends a branch-ENI pod: its pod object goes, and the controller deletes its ENI. */
  async stopBranchPod(cluster: string, eniId: string): Promise<void> {
    this.removePods(cluster, (p) => (p.annotations['vpc.amazonaws.com/pod-eni'] ?? '').includes(eniId));
    await this.ec2As(this.controllerOf(cluster)).send(
      new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eniId }),
    );
  }

  /** Warm secondary IPs of a node's VPC CNI ENIs that no pod holds. */
  freeIpsOf(cluster: string, node: string): { eniId: string; ip: string }[] {
    const held = new Set(this.region.auditor.kubernetes.objects(cluster).pods.map((p) => p.podIP));
    return this.region.ec2
      .enisOf(node)
      .filter((e) => e.interfaceType !== 'trunk')
      .flatMap((e) => e.secondaryPrivateIpAddresses.map((ip) => ({ eniId: e.networkInterfaceId, ip })))
      .filter((x) => !held.has(x.ip));
  }

  /** A pod that takes a warm secondary IP of its node (no EC2 call, as the VPC CNI hands it out). */
  startIpPod(input: IpPodInput): StartedPod {
    const { cluster } = input;
    const node = this.pickNode(cluster, (n) => this.freeIpsOf(cluster, n).length > 0, input.node);
    const free = this.freeIpsOf(cluster, node)[0];
    if (!free) throw new Error(`node ${node} has no free warm IP`);
    const namespace = input.namespace ?? 'default';
    const name = input.name ?? `pod-${free.ip.replaceAll('.', '-')}`;
    this.addPod(cluster, {
      name,
      namespace,
      labels: input.labels ?? {},
      annotations: {},
      nodeName: this.region.auditor.kubernetes.nodeNameOf(cluster, node),
      podIP: free.ip,
    });
    return { cluster, namespace, name, node, eniId: free.eniId, privateIp: free.ip };
  }

  /** Removes a pod object (a secondary-IP pod's IP stays on its ENI, warm for the next pod). */
  stopPod(cluster: string, namespace: string, name: string): void {
    this.removePods(cluster, (p) => p.namespace === namespace && p.name === name);
  }

  private removePods(cluster: string, which: (p: SimPod) => boolean): void {
    const objects = this.region.auditor.kubernetes.objects(cluster);
    objects.pods = objects.pods.filter((p) => !which(p));
  }

  close(): void {
    for (const c of this.clients.values()) c.destroy();
    this.clients.clear();
  }
}

/**
 * A pod that already runs when a scenario starts, seeded as the VPC resource controller left it (no CloudTrail
 * event): its branch ENI with the controller's tags, tied to the node's trunk ENI, and its pod object.
 */
export function seedBranchPod(
  region: SimulatedRegion,
  cluster: string,
  pod: {
    eniId?: string;
    node: string;
    securityGroups: string[];
    privateIp?: string;
    vlanId: number;
    name?: string;
    namespace: string;
    labels: Record<string, string>;
    description?: string;
    tags?: Record<string, string>;
  },
): void {
  const ec2 = region.ec2;
  const trunk = ec2.enisOf(pod.node).find((e) => e.interfaceType === 'trunk');
  if (!trunk) throw new Error(`seeded pod: node ${pod.node} of ${cluster} has no trunk ENI`);
  const eni = ec2.addNetworkInterface({
    ...(pod.eniId ? { networkInterfaceId: pod.eniId } : {}),
    subnetId: trunk.subnetId,
    description: pod.description ?? 'aws-k8s-branch-eni',
    securityGroupIds: pod.securityGroups,
    ...(pod.privateIp ? { privateIpAddress: pod.privateIp } : {}),
    tags: {
      'eks:eni:owner': 'eks-vpc-resource-controller',
      [`kubernetes.io/cluster/${cluster}`]: 'owned',
      'vpcresources.k8s.aws/trunk-eni-id': trunk.networkInterfaceId,
      'vpcresources.k8s.aws/vlan-id': String(pod.vlanId),
      'node.k8s.amazonaws.com/instance_id': pod.node,
      ...pod.tags,
    },
  });
  ec2.associateTrunkInterface({
    branchInterfaceId: eni.networkInterfaceId,
    trunkInterfaceId: trunk.networkInterfaceId,
    vlanId: pod.vlanId,
  });
  region.auditor.kubernetes.objects(cluster).pods.push({
    name: pod.name ?? `pod-${eni.networkInterfaceId.slice(-6)}`,
    namespace: pod.namespace,
    uid: `5e1a0000-0000-4000-8000-${eni.networkInterfaceId.slice(-12)}`,
    labels: pod.labels,
    annotations: {
      'vpc.amazonaws.com/pod-eni': JSON.stringify([
        { eniId: eni.networkInterfaceId, privateIp: eni.privateIpAddress, vlanId: pod.vlanId },
      ]),
    },
    nodeName: region.auditor.kubernetes.nodeNameOf(cluster, pod.node),
    podIP: eni.privateIpAddress,
    phase: 'Running',
    createdAt: region.clock.now().toISOString(),
  });
}
