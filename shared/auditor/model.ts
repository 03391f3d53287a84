/**
 * What the auditor knows about one cluster: plain data gathered by the adapters (EKS, IAM, EC2, optionally the
 * Kubernetes API) and read by the pure checks. No AWS import.
 *
 * An input the auditor may not be allowed to read (IAM, the Kubernetes API) is an `Available<T>`: either its value,
 * or why it is missing and what to enable. Checks turn a missing input into an `unknown` result, never a `pass`.
 */
import type { PoolConfig } from '../config/schema';
import type { InstanceNetwork } from './max-pods';

export type Available<T> =
  | { available: true; value: T }
  | { available: false; reason: string; enable: string };

export const availableValue = <T>(value: T): Available<T> => ({ available: true, value });
export const unavailable = <T>(reason: string, enable: string): Available<T> => ({
  available: false,
  reason,
  enable,
});

export interface ClusterInfo {
  name: string;
  arn?: string;
  version?: string;
  status?: string;
  roleArn?: string;
  vpcId?: string;
  subnetIds: string[];
  securityGroupIds: string[];
  /** The Kubernetes API endpoint. */
  endpoint?: string;
  /** Base64 PEM of the cluster CA (DescribeCluster `certificateAuthority.data`). */
  certificateAuthority?: string;
  /** EKS Auto Mode (`computeConfig.enabled`). */
  autoMode: boolean;
  createdAt?: string;
}

export interface NodegroupHealthIssue {
  code: string;
  message?: string;
  resourceIds: string[];
}

export interface NodegroupInfo {
  name: string;
  status?: string;
  /** Empty when the instance type comes from a launch template. */
  instanceTypes: string[];
  /** `AL2_x86_64`, `AL2023_x86_64_STANDARD`, `BOTTLEROCKET_ARM_64`, `WINDOWS_CORE_2022_x86_64`, `CUSTOM`, ... */
  amiType?: string;
  subnets: string[];
  /** The node IAM role ARN (DescribeNodegroup `nodeRole`), used in fix commands. */
  nodeRole?: string;
  capacityType?: string;
  scaling: { minSize?: number; maxSize?: number; desiredSize?: number };
  createdAt?: string;
  modifiedAt?: string;
  launchTemplate?: { id?: string; name?: string; version?: string };
  labels: Record<string, string>;
  healthIssues: NodegroupHealthIssue[];
}

export interface AddonInfo {
  name: string;
  /** `v1.19.2-eksbuild.1`. */
  version: string;
  status?: string;
  /**
   * As set by the user (only explicitly set values appear), in JSON: the EKS adapter converts YAML. Text that is
   * neither is kept as it is, with `configurationValuesProblem`.
   */
  configurationValues?: string;
  /** Why `configurationValues` is neither JSON nor YAML: YAML's parser's reason, with line and column. */
  configurationValuesProblem?: string;
  modifiedAt?: string;
}

export interface SubnetInfo {
  subnetId: string;
  vpcId: string;
  availabilityZone: string;
  cidrBlock: string;
  availableIpAddressCount: number;
}

export interface RouteInfo {
  destination: string;
  gatewayId?: string;
  natGatewayId?: string;
  transitGatewayId?: string;
  networkInterfaceId?: string;
  vpcPeeringConnectionId?: string;
  state?: string;
}

export interface RouteTableInfo {
  routeTableId: string;
  vpcId: string;
  /** The VPC's main table (used by subnets without an explicit association). */
  main: boolean;
  /** Subnets explicitly associated with this table. */
  subnetIds: string[];
  /** Association ids by subnet (for `aws ec2 replace-route-table-association`). */
  associationIds: Record<string, string>;
  routes: RouteInfo[];
}

/** An EC2 instance of the cluster (a node). */
export interface NodeInstance {
  instanceId: string;
  instanceType: string;
  /** From the `eks:nodegroup-name` tag. */
  nodegroup?: string;
  launchTime?: string;
  subnetId?: string;
  availabilityZone?: string;
  state?: string;
}

export interface EniInfo {
  networkInterfaceId: string;
  subnetId: string;
  vpcId?: string;
  availabilityZone?: string;
  description: string;
  interfaceType?: string;
  status?: string;
  attachedInstanceId?: string;
  deviceIndex?: number;
  securityGroupIds: string[];
  privateIp?: string;
  /** Secondary private IPv4 addresses (pod IPs on CNI ENIs). */
  secondaryIpCount: number;
  /** Private IPs that carry a public address (an EIP), primary first. */
  publicIpOf?: Record<string, string>;
  /** Delegated IPv4 /28 prefixes. */
  prefixCount: number;
  tags: Record<string, string>;
}

export interface EniConfigInfo {
  name: string;
  subnet?: string;
  securityGroups: string[];
}

export interface AwsNodeInfo {
  /** The aws-node container image (its tag is the CNI version). */
  image?: string;
  /** Environment of the aws-node container (literal values only). */
  env: Record<string, string>;
  /** Environment of the aws-vpc-cni-init init container. */
  initEnv: Record<string, string>;
}

export interface KubernetesNode {
  name: string;
  labels: Record<string, string>;
  /** From `spec.providerID` (`aws:///eu-west-1a/i-0123…`). */
  instanceId?: string;
  createdAt?: string;
  /** `status.capacity.pods`: the kubelet's max pods. */
  podsCapacity?: number;
}

export interface KubernetesState {
  eniConfigs: Available<EniConfigInfo[]>;
  awsNode: Available<AwsNodeInfo>;
  nodes: Available<KubernetesNode[]>;
  /** DaemonSets of every namespace, as `namespace/name` (NodeLocal DNSCache, Calico detection). */
  daemonSets: Available<string[]>;
  /** kube-proxy's mode from the `kube-proxy-config` ConfigMap (`iptables`, `ipvs`, `nftables`; '' when unset). */
  kubeProxyMode: Available<string>;
  /** Services with `externalTrafficPolicy: Local`, as `namespace/name`. */
  localTrafficServices: Available<string[]>;
}

/** A keeper pool as it applies to this cluster, with the ENIs that match its selector right now. */
export interface PoolView {
  pool: PoolConfig;
  enis: EniInfo[];
}

/** A CreateNetworkInterface/AssignPrivateIpAddresses/AttachNetworkInterface that failed for want of addresses. */
export interface ExhaustionSignal {
  subnetId: string;
  at: string;
  eventName: string;
  /** `Client.InsufficientFreeAddressesInSubnet`, `Client.InsufficientCidrBlocks`, `Client.InvalidParameterValue`. */
  errorCode?: string;
  errorMessage?: string;
}

export interface ClusterSnapshot {
  collectedAt: string;
  region: string;
  cluster: ClusterInfo;
  nodegroups: NodegroupInfo[];
  /** `null`: vpc-cni is not installed as an EKS add-on (self-managed), or its answer could not be read. */
  vpcCni: AddonInfo | null;
  /** DescribeAddon(vpc-cni) failed: why, and what to enable (settings from the add-on are then unknown). */
  vpcCniUnreadable?: { reason: string; enable: string };
  /** `null`: kube-proxy is not an EKS add-on. */
  kubeProxy: AddonInfo | null;
  /** Managed policy ARNs attached to the cluster role. */
  clusterRolePolicies: Available<string[]>;
  /** Every subnet the checks refer to (node groups, ENIConfigs, pools, the cluster), by id. */
  subnets: Record<string, SubnetInfo>;
  /** Route tables of the VPCs of those subnets. */
  routeTables: RouteTableInfo[];
  /** Calculator inputs by instance type (node group and node types). */
  instanceTypes: Record<string, InstanceNetwork>;
  /** Running/pending instances tagged `eks:cluster-name=<cluster>`. */
  instances: NodeInstance[];
  /** ENIs attached to those instances. */
  nodeEnis: EniInfo[];
  /** Branch ENIs per trunk ENI of those instances (pods with security groups on each node); absent: not counted. */
  branchEniCounts?: Record<string, number>;
  kubernetes: Available<KubernetesState>;
  pools: PoolView[];
  exhaustionSignals: ExhaustionSignal[];
  /**
   * Private IPs and delegated prefixes of every ENI in the pod subnets, by subnet; gathered when prefix delegation
   * is on, to count the free aligned /28 blocks.
   */
  subnetUsage?: Record<string, { ips: string[]; prefixes: string[] }>;
  /** Reachability Analyzer proofs of each pool's egress, by pool (only with `audit.egressProof.enabled`). */
  egressProofs?: Record<string, EgressProofState>;
}

/** One proven path: from a pool ENI's address to the internet gateway, as VPC Reachability Analyzer answered. */
export interface ProofTarget {
  networkInterfaceId: string;
  /** The private IP that holds the pool's EIP (the ENI's primary IP when none does yet). */
  sourceIp: string;
  publicIp?: string;
  subnetId: string;
  securityGroupIds: string[];
  internetGatewayId: string;
  /** TCP destination port of the path (the partner's). */
  port: number;
}

export interface ProofExplanation {
  code: string;
  componentId?: string;
  securityGroupIds?: string[];
  routeTableId?: string;
  address?: string;
}

export interface ProofOutcome {
  target: ProofTarget;
  analysisId: string;
  status: 'succeeded' | 'failed';
  statusMessage?: string;
  pathFound?: boolean;
  /** Component ids of the forward path, in order. */
  components: string[];
  /** A NAT gateway on the forward path (the source is rewritten to its address). */
  natGatewayId?: string;
  /** Source addresses of the packet as it leaves through the internet gateway. */
  egressAddresses: string[];
  explanations: ProofExplanation[];
}

/** What the proof store keeps per pool between audits. */
export interface ProofRecord {
  pool: string;
  /** Of the pool's ENIs, subnets, routes and security groups when the proof started. */
  fingerprint: string;
  startedAt: string;
  analyses: { analysisId: string; pathId: string; target: ProofTarget }[];
  /** Present once every analysis has finished. */
  outcomes?: ProofOutcome[];
  finishedAt?: string;
  /** Paths of earlier proofs, deleted once this one has finished. */
  stalePathIds: string[];
}

export type EgressProofState =
  | { state: 'proven'; record: ProofRecord & { outcomes: ProofOutcome[] } }
  | { state: 'pending'; record: ProofRecord }
  | { state: 'not-run'; reason: string; applicable: boolean };
