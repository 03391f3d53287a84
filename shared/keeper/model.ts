/**
 * The keeper's domain vocabulary: what it knows about ENIs, pool addresses, the evidence that an ENI is a pod's, and
 * its own claims, as plain data. Pure: no AWS import. The adapters (`adapters/`, `dynamo-claim-store/`) translate to
 * and from these shapes.
 */
import type { Actor } from '../events/actor';

/** EIPs tagged `eip-keeper:pool=<name>` are the members of pool `<name>`. */
export const POOL_TAG = 'eip-keeper:pool';
/**
 * Written on a pool EIP while a keeper claim holds it and it is associated with the holder (value: the holder's ENI
 * id), for humans reading the console; pools with `tagHolder: false` get none. Never read to decide anything: the
 * claim and EC2's association are the truth, and the tag follows them (after the association, repaired by the
 * reconciler).
 */
export const HOLDER_TAG = 'eip-keeper:holder';

/** A network interface as the keeper sees it (from DescribeNetworkInterfaces, or a CreateNetworkInterface record). */
export interface EniView {
  eniId: string;
  subnetId?: string;
  vpcId?: string;
  /** `''` when the ENI has none. */
  description: string;
  /** `interface`, `branch`, `trunk`, ... (unverified for branch ENIs: identify them by description and tags). */
  interfaceType?: string;
  /** ENIs AWS services create for themselves (load balancers, endpoints, NAT gateways): never a pod. */
  requesterManaged?: boolean;
  securityGroupIds: string[];
  tags: Record<string, string>;
  /** Primary private IPv4 address. */
  privateIp?: string;
  /** Secondary private IPv4 addresses (pod IPs on a VPC CNI node ENI). */
  secondaryIps: string[];
  /** The instance it is attached to (unknown when the view comes from a CloudTrail record). */
  attachment?: { instanceId: string; deviceIndex?: number };
  /**
   * Public addresses on the ENI, by private IP. `allocationId` is absent for an AWS-assigned public IP. Unknown
   * (undefined) when the view comes from a CloudTrail record rather than from EC2.
   */
  publicIps?: Record<string, { publicIp?: string; allocationId?: string; associationId?: string }>;
}

/**
 * The CloudTrail record of an ENI's creation: who called CreateNetworkInterface, when. It reaches eip-keeper from
 * EventBridge's `aws.ec2` source, which PutEvents cannot forge; the creator chose everything else about the ENI.
 */
export interface CreationRecord {
  actor: Actor;
  at: string;
  eventId: string;
}

/** A branch ENI tied to a trunk ENI (DescribeTrunkInterfaceAssociations). */
export interface TrunkLink {
  associationId: string;
  branchEniId: string;
  trunkEniId: string;
  vlanId?: number;
}

/** An instance as DescribeInstances shows it. */
export interface InstanceView {
  instanceId: string;
  /** `running`, `stopped`, ... */
  state?: string;
  vpcId?: string;
  tags: Record<string, string>;
}

/** An EKS cluster as DescribeCluster shows it. */
export interface ClusterView {
  name: string;
  /** The cluster IAM role: the VPC resource controller calls EC2 as this role. */
  roleArn: string;
  vpcId: string;
  /** The Kubernetes API's URL and CA (base64 PEM). */
  endpoint?: string;
  certificateAuthority?: string;
}

/** A Kubernetes node (`/api/v1/nodes`): its name and the instance in its providerID. */
export interface KubeNode {
  name: string;
  instanceId?: string;
}

/** A Kubernetes pod (`/api/v1/pods`). */
export interface KubePod {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  nodeName?: string;
  phase?: string;
  podIps: string[];
}

/** What a pool EIP is associated with: one private IP of one ENI. */
export interface Target {
  eniId: string;
  privateIp: string;
}

export const targetKey = (t: Target): string => `${t.eniId}#${t.privateIp}`;

export const sameTarget = (a: Target | undefined, b: Target | undefined): boolean =>
  a !== undefined && b !== undefined && a.eniId === b.eniId && a.privateIp === b.privateIp;

/** A pool member as DescribeAddresses shows it. */
export interface PoolAddress {
  allocationId: string;
  publicIp: string;
  /** The `eip-keeper:pool` tag's value. */
  pool: string;
  association?: {
    associationId?: string;
    eniId?: string;
    privateIp?: string;
    instanceId?: string;
  };
  /** The `eip-keeper:holder` tag's value, if any. */
  holderTag?: string;
  /** Owned by an AWS service (`alb`, `nlb`, ...): never touched. */
  serviceManaged?: string;
}

/** The keeper's claim on one pool EIP (one item per member; `holder` absent when the EIP is free). */
export interface ClaimRecord {
  pool: string;
  allocationId: string;
  publicIp?: string;
  holder?: {
    eniId: string;
    privateIp: string;
    claimedAt: string;
    /** Set once AssociateAddress succeeded (absent: claimed, association not made or not yet recorded). */
    associationId?: string;
    associatedAt?: string;
    /** Who claimed: the event handler, the reconciler, or an adoption of an association found in place. */
    via: ClaimVia;
    /** When its target was proven a pod of the pool's cluster (absent on claims made before proofs were required). */
    provenAt?: string;
  };
  /** Allocated by eip-keeper into the pool (`allocateOnExhaustion`): approved though not listed in the configuration. */
  allocatedByKeeper?: boolean;
  /** When a holder last claimed it (least-recently-used order). */
  lastUsedAt?: string;
  /** When its last holder let it go (the pod's ENI was deleted, or its IP unassigned): idle since then. */
  lastReleasedAt?: string;
  /** Selector key of the pool configuration whose ENI last held it. */
  lastSelectorKey?: string;
  lastHolder?: Target;
  /** Associated by someone else with something else: eip-keeper never takes it back while this lasts. */
  manualHold?: ManualHold;
}

export type ClaimVia = 'event' | 'reconcile' | 'adopted' | 'waiter';

export interface ManualHold {
  /** `unknown` when EC2 did not say. */
  associationId: string;
  eniId?: string;
  privateIp?: string;
  instanceId?: string;
  detectedAt: string;
  /** The pod target whose claim this association displaced, if any (named in the alert). */
  displaced?: Target;
  /**
   * When sending this hold's alert was last claimed (recording the hold claims it; the reconciler claims it again
   * when the alert is still unsent past the grace). Absent on holds recorded before alerts were confirmed.
   */
  alertClaimedAt?: string;
  /** When its alert went out; absent while it has not. */
  alertedAt?: string;
}

/** An ENI target that matched a pool when no EIP was free; served first when one frees. */
export interface WaiterRecord {
  pool: string;
  eniId: string;
  privateIp: string;
  since: string;
  /** The ENI's creation record as the event that made it wait carried it (proof kept for when an EIP frees). */
  creation?: CreationRecord;
}

/**
 * A security alert the keeper claimed (one per key: an unproven ENI, a tag change, a displacement, ...) and, once
 * published, confirmed. One that stays unsent past the grace is sent again by the reconciler.
 */
export interface PendingAlert {
  pool: string;
  key: string;
  claimedAt: string;
  /** The notification, as it was built when the alert was claimed (JSON). */
  notification: string;
}

/** The pool's exhaustion episode: opened (alert sent once) when an ENI must wait, closed when an EIP is free again. */
export interface ExhaustionRecord {
  pool: string;
  open: boolean;
  /** 1 for the first episode, +1 per episode. */
  episode: number;
  openedAt?: string;
  closedAt?: string;
  alertedAt?: string;
}

/** Every keeper item of one pool, read in one strongly consistent query. */
export interface PoolSnapshot {
  pool: string;
  claims: ClaimRecord[];
  waiters: WaiterRecord[];
  exhaustion?: ExhaustionRecord;
  /** Security alerts claimed and not confirmed sent. */
  unsentAlerts?: PendingAlert[];
}

/** Counts for metrics, the CLI and stories. */
export interface PoolCounts {
  /** Members (EIPs tagged with the pool). */
  size: number;
  /** Members a keeper claim holds. */
  held: number;
  /** Members associated outside eip-keeper. */
  manual: number;
  /** Members that can be given to an ENI now. */
  free: number;
  waiting: number;
}
