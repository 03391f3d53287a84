/**
 * The scenario keys of the auditor's simulated services: `state.eks` (clusters, node groups with their
 * nodes, add-ons, Kubernetes objects) and `state.iamRoles`. Documented in docs/auditor.md#scenarios.
 */
import { z } from 'zod';
import type { SimulatedRegion } from '../region';
import { seedBranchPod } from './controller';

const stringMap = z.record(z.string(), z.string());

const NodeSchema = z
  .object({
    id: z.string().optional(),
    /** One of the node group's instance types (default: the types in turn, as listed). */
    instanceType: z.string().optional(),
    /** Defaults to the node group's subnets in turn. */
    subnet: z.string().optional(),
    launchTime: z.string().optional(),
    /** A trunk ENI is attached (security groups for pods ready on this node). */
    trunk: z.boolean().default(false),
    /** Branch ENIs (pods with security groups) hanging from the trunk ENI. */
    branchEnis: z.number().int().nonnegative().default(0),
    /** Pod IPs on the primary ENI (nodes from before custom networking). */
    podIpsOnPrimary: z.number().int().nonnegative().optional(),
    /** VPC CNI ENIs (`aws-K8S-<instance>`) with this many pod IPs each. */
    cniEnis: z
      .array(z.object({ subnet: z.string(), podIps: z.number().int().nonnegative().default(0) }).strict())
      .default([]),
    /** Kubernetes node overrides. */
    name: z.string().optional(),
    labels: stringMap.optional(),
    podsCapacity: z.number().int().positive().optional(),
  })
  .strict();

const NodegroupSchema = z
  .object({
    name: z.string().min(1),
    instanceTypes: z.array(z.string()).default([]),
    subnets: z.array(z.string()).min(1),
    amiType: z.string().optional(),
    minSize: z.number().int().nonnegative().optional(),
    maxSize: z.number().int().positive(),
    desiredSize: z.number().int().nonnegative().optional(),
    labels: stringMap.optional(),
    /** Kubelet max pods of its nodes (default: EKS's number for the instance type). */
    maxPods: z.number().int().positive().optional(),
    createdAt: z.string().optional(),
    launchTemplate: z
      .object({ id: z.string().optional(), name: z.string().optional(), version: z.string().optional() })
      .strict()
      .optional(),
    healthIssues: z
      .array(
        z
          .object({
            code: z.string(),
            message: z.string().optional(),
            resourceIds: z.array(z.string()).default([]),
          })
          .strict(),
      )
      .default([]),
    /** Running nodes: a count, or one entry per node. */
    nodes: z.union([z.number().int().nonnegative(), z.array(NodeSchema)]).default(0),
  })
  .strict();

const KubernetesSchema = z
  .object({
    eniConfigs: z
      .array(
        z
          .object({
            name: z.string(),
            subnet: z.string().optional(),
            securityGroups: z.array(z.string()).default([]),
          })
          .strict(),
      )
      .default([]),
    /** aws-node env set outside the add-on; the add-on's configurationValues are applied on top. */
    awsNodeEnv: stringMap.default({}),
    awsNodeInitEnv: stringMap.default({}),
    awsNodeVersion: z.string().optional(),
    awsNodeMissing: z.boolean().default(false),
    daemonSets: z.array(z.string()).default([]),
    kubeProxyMode: z.string().optional(),
    localTrafficServices: z.array(z.string()).default([]),
    /** API paths RBAC forbids (403). */
    forbidden: z.array(z.string()).default([]),
  })
  .strict();

/** A pod that already runs when the scenario starts: a branch ENI behind its node's trunk ENI (security groups for pods). */
const BranchPodSchema = z
  .object({
    /** The branch ENI's id (default: generated). */
    eniId: z.string().optional(),
    /** The node (instance id) whose trunk ENI it is tied to. */
    node: z.string(),
    securityGroups: z.array(z.string()).min(1),
    privateIp: z.string().optional(),
    vlanId: z.number().int().min(1).max(4094),
    name: z.string().optional(),
    namespace: z.string().default('default'),
    labels: stringMap.default({}),
    /** The ENI's description (the controller writes `aws-k8s-branch-eni`) and tags beyond the controller's. */
    description: z.string().optional(),
    tags: stringMap.optional(),
  })
  .strict();

const ClusterSchema = z
  .object({
    name: z.string().min(1),
    vpcId: z.string(),
    version: z.string().optional(),
    subnetIds: z.array(z.string()).optional(),
    autoMode: z.boolean().optional(),
    /** Cluster role name (default `<cluster>-cluster-role`). */
    roleName: z.string().optional(),
    /** Managed policies of the cluster role (names or ARNs); creates the role. Omit to declare it in iamRoles. */
    clusterRolePolicies: z.array(z.string()).optional(),
    /** Actors with an EKS access entry (may call the Kubernetes API), e.g. `eip-keeper`. */
    accessEntries: z.array(z.string()).default([]),
    createdAt: z.string().optional(),
    addons: z
      .array(
        z
          .object({
            name: z.string(),
            version: z.string(),
            /** JSON/YAML text, or an object (written as JSON). */
            configurationValues: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
            /** Actors IAM denies DescribeAddon on this add-on. */
            deniedActors: z.array(z.string()).default([]),
          })
          .strict(),
      )
      .default([]),
    nodegroups: z.array(NodegroupSchema).default([]),
    /** Pods with their own branch ENI, running before the first step. */
    pods: z.array(BranchPodSchema).default([]),
    kubernetes: KubernetesSchema.optional(),
  })
  .strict();

export const EksScenarioSchema = z.object({ clusters: z.array(ClusterSchema).default([]) }).strict();

export const IamRolesScenarioSchema = z.array(
  z
    .object({
      name: z.string(),
      attachedPolicies: z.array(z.string()).default([]),
      /** Actors IAM denies ListAttachedRolePolicies on this role. */
      deniedActors: z.array(z.string()).default([]),
    })
    .strict(),
);

export type EksScenario = z.infer<typeof EksScenarioSchema>;
export type IamRolesScenario = z.infer<typeof IamRolesScenarioSchema>;

/** Seeds clusters, node groups (and their EC2 nodes), add-ons, Kubernetes objects and IAM roles. */
export function seedAuditorState(
  region: SimulatedRegion,
  state: { eks?: EksScenario; iamRoles?: IamRolesScenario },
): void {
  const { eks, iam, kubernetes } = region.auditor;
  for (const r of state.iamRoles ?? [])
    iam.addRole({ name: r.name, attachedPolicies: r.attachedPolicies, deniedActors: r.deniedActors });
  for (const c of state.eks?.clusters ?? []) {
    const roleName = c.roleName ?? `${c.name}-cluster-role`;
    if (c.clusterRolePolicies) iam.addRole({ name: roleName, attachedPolicies: c.clusterRolePolicies });
    eks.addCluster({
      name: c.name,
      vpcId: c.vpcId,
      roleArn: `arn:aws:iam::${region.accountId}:role/${roleName}`,
      subnetIds: c.subnetIds ?? [...new Set(c.nodegroups.flatMap((n) => n.subnets))],
      accessEntries: c.accessEntries,
      ...(c.version ? { version: c.version } : {}),
      ...(c.autoMode !== undefined ? { autoMode: c.autoMode } : {}),
      ...(c.createdAt ? { createdAt: c.createdAt } : {}),
    });
    for (const a of c.addons)
      eks.addAddon({
        cluster: c.name,
        name: a.name,
        version: a.version,
        deniedActors: a.deniedActors,
        ...(a.configurationValues !== undefined
          ? {
              configurationValues:
                typeof a.configurationValues === 'string'
                  ? a.configurationValues
                  : JSON.stringify(a.configurationValues),
            }
          : {}),
      });
    const objects = kubernetes.objects(c.name);
    if (c.kubernetes) {
      const k = c.kubernetes;
      objects.eniConfigs = k.eniConfigs;
      objects.awsNodeEnv = k.awsNodeEnv;
      objects.awsNodeInitEnv = k.awsNodeInitEnv;
      if (k.awsNodeVersion) objects.awsNodeVersion = k.awsNodeVersion;
      objects.awsNodeMissing = k.awsNodeMissing;
      objects.daemonSets = k.daemonSets;
      if (k.kubeProxyMode) objects.kubeProxyMode = k.kubeProxyMode;
      objects.localTrafficServices = k.localTrafficServices;
      objects.forbidden = k.forbidden;
    }
    for (const n of c.nodegroups) {
      eks.addNodegroup({
        cluster: c.name,
        name: n.name,
        instanceTypes: n.instanceTypes,
        subnets: n.subnets,
        maxSize: n.maxSize,
        ...(n.amiType ? { amiType: n.amiType } : {}),
        ...(n.minSize !== undefined ? { minSize: n.minSize } : {}),
        ...(n.desiredSize !== undefined ? { desiredSize: n.desiredSize } : {}),
        ...(n.labels ? { labels: n.labels } : {}),
        ...(n.maxPods !== undefined ? { maxPods: n.maxPods } : {}),
        ...(n.createdAt ? { createdAt: n.createdAt } : {}),
        ...(n.launchTemplate ? { launchTemplate: n.launchTemplate } : {}),
        healthIssues: n.healthIssues,
      });
      const nodes =
        typeof n.nodes === 'number' ? Array.from({ length: n.nodes }, () => NodeSchema.parse({})) : n.nodes;
      for (const [i, node] of nodes.entries()) seedNode(region, c.name, n, node, i);
    }
    for (const pod of c.pods) seedBranchPod(region, c.name, pod);
  }
}

/** One EC2 node of a node group: the instance, its trunk ENI (and branch ENIs) and VPC CNI ENIs, its Kubernetes node. */
function seedNode(
  region: SimulatedRegion,
  cluster: string,
  group: z.infer<typeof NodegroupSchema>,
  node: z.infer<typeof NodeSchema>,
  i: number,
): void {
  const ec2 = region.ec2;
  const objects = region.auditor.kubernetes.objects(cluster);
  const subnetId = node.subnet ?? group.subnets[i % group.subnets.length] ?? '';
  const instance = ec2.addInstance({
    ...(node.id ? { instanceId: node.id } : {}),
    instanceType:
      node.instanceType ?? group.instanceTypes[i % Math.max(1, group.instanceTypes.length)] ?? 'm5.large',
    subnetId,
    ...(node.launchTime ? { launchTime: node.launchTime } : {}),
    ...(node.podIpsOnPrimary ? { secondaryPrivateIpAddresses: node.podIpsOnPrimary } : {}),
    tags: {
      'eks:cluster-name': cluster,
      'eks:nodegroup-name': group.name,
      [`kubernetes.io/cluster/${cluster}`]: 'owned',
    },
  });
  let device = 1;
  if (node.trunk) {
    const trunk = ec2.addNetworkInterface({
      subnetId,
      description: 'aws-k8s-trunk-eni',
      interfaceType: 'trunk',
      tags: {
        'eks:eni:owner': 'eks-vpc-resource-controller',
        'vpcresources.k8s.aws/trunk-eni': 'true',
      },
      attachment: { instanceId: instance.instanceId, deviceIndex: device++ },
    });
    // Tags as the VPC resource controller sets them on a branch ENI (pkg/aws/ec2/api/wrapper.go).
    for (let vlan = 1; vlan <= node.branchEnis; vlan++)
      ec2.addNetworkInterface({
        subnetId,
        description: 'aws-k8s-branch-eni',
        interfaceType: 'branch',
        status: 'in-use',
        tags: {
          'eks:eni:owner': 'eks-vpc-resource-controller',
          [`kubernetes.io/cluster/${cluster}`]: 'owned',
          'vpcresources.k8s.aws/trunk-eni-id': trunk.networkInterfaceId,
          'vpcresources.k8s.aws/vlan-id': String(vlan),
          'node.k8s.amazonaws.com/instance_id': instance.instanceId,
        },
      });
  }
  for (const cni of node.cniEnis)
    ec2.addNetworkInterface({
      subnetId: cni.subnet,
      description: `aws-K8S-${instance.instanceId}`,
      secondaryPrivateIpAddresses: cni.podIps,
      tags: {
        'node.k8s.amazonaws.com/instance_id': instance.instanceId,
        'cluster.k8s.amazonaws.com/name': cluster,
        'eks:eni:owner': 'amazon-vpc-cni',
      },
      attachment: { instanceId: instance.instanceId, deviceIndex: device++ },
    });
  if (node.name || node.labels || node.podsCapacity)
    objects.nodes[instance.instanceId] = {
      ...(node.name ? { name: node.name } : {}),
      ...(node.labels ? { labels: node.labels } : {}),
      ...(node.podsCapacity ? { podsCapacity: node.podsCapacity } : {}),
    };
}
