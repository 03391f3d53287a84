/**
 * The keeper's domain vocabulary: what it knows about ENIs, pool addresses and its own claims, as plain data.
 * Pure: no AWS import. The adapters (`adapters/ec2.ts`, `dynamo-claim-store/`) translate to and from these shapes.
 */

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
  /**
   * Public addresses on the ENI, by private IP. `allocationId` is absent for an AWS-assigned public IP. Unknown
   * (undefined) when the view comes from a CloudTrail record rather than from EC2.
   */
  publicIps?: Record<string, { publicIp?: string; allocationId?: string; associationId?: string }>;
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
  };
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
