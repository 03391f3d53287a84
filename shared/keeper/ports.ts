/**
 * What the keeper needs from the outside world besides its store (`claim-store.ts`) and the alert topic (the
 * `NotificationPort` of shared/notify), as interfaces. `adapters/` implements them with the AWS SDK; tests replace
 * them with scripted fakes.
 *
 * Errors: what retrying cannot fix is returned as an outcome (the target is gone, the EIP is already associated);
 * throttling that outlasted the SDK's retries and server errors are thrown, so Lambda retries the event. Tag calls
 * make one attempt and throw on any failure: the caller logs it and the reconciler repairs the tag.
 */
import type { PodSelector, PoolConfig } from '../config/schema';
import type {
  ClusterView,
  CreationRecord,
  EniView,
  InstanceView,
  KubeNode,
  KubePod,
  PoolAddress,
  Target,
  TrunkLink,
} from './model';

export type AssociateOutcome =
  | { kind: 'associated'; associationId: string }
  /** `Resource.AlreadyAssociated`: the EIP is associated elsewhere, or the target IP already has an address. */
  | { kind: 'already-associated'; message: string }
  /** The ENI or its private IP no longer exists. */
  | { kind: 'target-gone'; code: string }
  /** The EIP no longer exists (released). */
  | { kind: 'address-gone'; code: string }
  /** A client error retrying will not fix (no internet gateway, permissions, ...). */
  | { kind: 'rejected'; code: string; message: string };

/**
 * EC2 as the keeper uses it: describe ENIs and pool addresses, associate with `AllowReassociation=false`, tag the
 * holder for humans, and (only for pools that allow it) allocate.
 */
export interface KeeperEc2Port {
  /** The ENIs with these ids that exist (absent ones are deleted). */
  describeEnis(eniIds: readonly string[]): Promise<Map<string, EniView>>;
  /** The pool's candidate ENIs (selector filters; callers still match them exactly). */
  listPoolEnis(pool: PoolConfig): Promise<EniView[]>;
  /** Every address tagged with one of these pools (only those with these allocation ids, when given). */
  describePoolAddresses(pools: readonly string[], allocationIds?: readonly string[]): Promise<PoolAddress[]>;
  associate(allocationId: string, target: Target): Promise<AssociateOutcome>;
  /** Tags these addresses `eip-keeper:holder=<eniId>` (one CreateTags: the same tag on every resource). */
  tagHolder(allocationIds: readonly string[], eniId: string): Promise<void>;
  /** Removes the holder tag from these addresses where it still names `eniId` (DeleteTags with the value). */
  untagHolder(allocationIds: readonly string[], eniId: string): Promise<void>;
  /** Allocates a new address tagged into the pool. */
  allocate(pool: string): Promise<{ allocationId: string; publicIp: string }>;
  /** The trunk associations of these branch ENIs, by branch ENI id (absent: none). */
  trunkAssociations(branchEniIds: readonly string[]): Promise<Map<string, TrunkLink>>;
  /** These instances, by id (absent: not found). */
  describeInstances(instanceIds: readonly string[]): Promise<Map<string, InstanceView>>;
  /** Takes a pool address off its target (secondary-IP pools, when the pod holding the IP went). */
  disassociate(associationId: string): Promise<'disassociated' | 'gone'>;
}

/** EKS as the keeper uses it: the cluster's IAM role, VPC and Kubernetes endpoint. */
export interface ClusterPort {
  /** Undefined when the cluster does not exist. */
  describeCluster(name: string): Promise<ClusterView | undefined>;
}

/** The Kubernetes API of a cluster (read only; the keeper's roles need an EKS access entry). Throws when unavailable. */
export interface KubernetesPort {
  nodes(cluster: ClusterView): Promise<KubeNode[]>;
  /** The pods of a namespace with these labels, whatever their phase. */
  pods(cluster: ClusterView, selector: PodSelector): Promise<KubePod[]>;
}

/** The CloudTrail creation records of ENIs as the inventory recorded them (absent: none was received). */
export interface CreationRecordPort {
  creations(eniIds: readonly string[]): Promise<Map<string, CreationRecord>>;
}
