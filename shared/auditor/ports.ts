/**
 * Everything the auditor reads or tells, except its store: the gather step and the audit shell depend on these
 * interfaces, `adapters/` implements them (AWS SDK clients, the Kubernetes API). Every read returns the snapshot's
 * plain records; an input the auditor may be denied comes back as `Available`, so the checks can say what to enable.
 */

import type { ChangeNotice } from './alerts';
import type { AnalysisReport } from './egress-proof';
import type { InstanceNetwork } from './max-pods';
import type {
  AddonInfo,
  Available,
  ClusterInfo,
  EniInfo,
  KubernetesState,
  NodegroupInfo,
  NodeInstance,
  RouteTableInfo,
  SubnetInfo,
} from './model';

/** One filter of an EC2 Describe call (up to 200 values). */
export interface Ec2Filter {
  Name: string;
  Values: string[];
}

/** Private IPs and /28 prefixes in use, by subnet id. */
export type SubnetUsage = Record<string, { ips: string[]; prefixes: string[] }>;

export interface EksPort {
  /** Every cluster of the region, sorted. */
  listClusters(): Promise<string[]>;
  /** Throws ResourceNotFoundException when the cluster does not exist. */
  describeCluster(name: string): Promise<ClusterInfo>;
  /** The cluster's managed node groups, sorted by name. */
  nodegroups(cluster: string): Promise<NodegroupInfo[]>;
  /** The add-on, or null when it is not installed as an EKS add-on; unavailable when its answer cannot be read. */
  addon(cluster: string, addonName: string): Promise<Available<AddonInfo | null>>;
}

export interface IamPort {
  /** The managed policies attached to a role; unavailable when IAM denies the read or the role is gone. */
  attachedPolicyArns(roleArn: string): Promise<Available<string[]>>;
}

export interface Ec2Port {
  /** Subnets of the VPCs plus the given subnet ids (which may lie elsewhere), by id. */
  subnets(vpcIds: readonly string[], subnetIds: readonly string[]): Promise<Record<string, SubnetInfo>>;
  routeTables(vpcIds: readonly string[]): Promise<RouteTableInfo[]>;
  /** Max-pods calculator inputs by instance type; unknown names are left out. */
  instanceTypes(names: readonly string[]): Promise<Record<string, InstanceNetwork>>;
  /** Pending and running instances of the cluster. */
  clusterInstances(cluster: string): Promise<NodeInstance[]>;
  networkInterfaces(filters: Ec2Filter[]): Promise<EniInfo[]>;
  enisOfInstances(instanceIds: readonly string[]): Promise<EniInfo[]>;
  /** Branch ENIs hanging from each trunk ENI (the VPC resource controller's trunk tag), by trunk ENI id. */
  branchEniCounts(trunkEniIds: readonly string[]): Promise<Record<string, number>>;
  subnetUsage(subnetIds: readonly string[]): Promise<SubnetUsage>;
}

/** VPC Reachability Analyzer: paths from a network interface to an internet gateway, and their analyses. */
export interface ReachabilityPort {
  /** A path over TCP to `port` from `sourceIp` of the ENI to the internet gateway; its id. */
  createPath(input: { source: string; sourceIp: string; destination: string; port: number }): Promise<string>;
  /** Starts an analysis of the path (billed); its id. */
  startAnalysis(pathId: string): Promise<string>;
  /** The analyses as they stand (running, succeeded or failed). */
  analyses(analysisIds: readonly string[]): Promise<AnalysisReport[]>;
  /** Deletes a path (and its analyses); a path already gone is not an error. */
  deletePath(pathId: string): Promise<void>;
}

export interface KubernetesPort {
  /** The cluster's Kubernetes objects the checks read; unavailable when the API refuses or cannot be reached. */
  read(cluster: ClusterInfo): Promise<Available<KubernetesState>>;
}

/** Where what an audit changed is announced: the alert topic (announce.ts) and the event bus (adapters/eventbridge.ts). */
export interface NotifierPort {
  /** Announces what one audit of a cluster changed (new and resolved findings). */
  publish(notice: ChangeNotice): Promise<void>;
}
