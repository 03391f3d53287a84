/**
 * The EIP inventory's plain data: an Elastic IP's history and the state folded from it, and what the table knows
 * about each ENI. No AWS import.
 */
import type {
  Actor,
  AddressAllocated,
  AddressAssociated,
  AddressDisassociated,
  AddressReleased,
  EniFacts,
} from '../events/cloudtrail';

/** The tag that makes an address a member of a keeper pool (`eip-keeper:pool=<name>`). */
export const POOL_TAG = 'eip-keeper:pool';

/** A DisassociateAddress whose allocation the recorder has resolved (through the association id). */
export interface EipDisassociation extends AddressDisassociated {
  allocationId: string;
}

/**
 * A CreateTags or DeleteTags that added or removed the pool tag of one address (one history event per address the
 * call named). A DeleteTags that names a value removes the tag only if it matches; it is recorded all the same.
 */
export interface PoolTagChanged {
  eventName: 'CreateTags' | 'DeleteTags';
  eventId: string;
  eventTime: string;
  actor: Actor;
  userAgent?: string;
  allocationId: string;
  change: 'added' | 'removed';
  /** The pool the tag names (the value added, or the value DeleteTags named); absent for a DeleteTags by key only. */
  pool?: string;
}

/** What an EIP's history holds. */
export type EipHistoryEvent =
  | AddressAllocated
  | AddressAssociated
  | EipDisassociation
  | AddressReleased
  | PoolTagChanged;

/** One change of an address's pool tag: born with it (AllocateAddress), added (CreateTags) or removed (DeleteTags). */
export interface PoolTagChange {
  kind: 'added' | 'removed';
  pool: string | null;
  at: string;
  by: Actor;
  eventName: string;
  eventId: string;
}

/** An address's pool membership as its history tells it: it was a pool member once, whatever its tags say now. */
export interface PoolTagHistory {
  /** Whether the history's last word is that the tag is on. */
  tagged: boolean;
  /** The first time the history saw it tagged (or untagged, when the tag predates the history). */
  first: PoolTagChange;
  last: PoolTagChange;
  lastRemoval: PoolTagChange | null;
}

/** A deleted ENI, as its ENI record knows it. */
export interface EniDeletion {
  at: string;
  by: Actor;
  eventId: string;
  userAgent?: string;
}

export interface EipChange {
  eventName: string;
  eventId: string;
  eventTime: string;
  actor: Actor;
  userAgent?: string;
}

export interface EipHolder {
  associationId: string;
  eniId: string | null;
  privateIp: string | null;
  instanceId: string | null;
  /** When the association was made (the AssociateAddress time). */
  since: string;
  by: Actor;
  eventId: string;
}

export type HolderEndKind = 'disassociated' | 'eni-deleted' | 'reassociated' | 'released';

/** What ended an association, when, and who did it. */
export interface HolderEnd {
  kind: HolderEndKind;
  at: string;
  by: Actor;
  eventName: string;
  eventId: string;
}

export interface PastHolder extends EipHolder {
  ended: HolderEnd;
}

export type EipStatus = 'associated' | 'idle' | 'released';

export interface EipState {
  allocationId: string;
  /** Null when the allocation predates the recorded history. */
  publicIp: string | null;
  status: EipStatus;
  allocatedAt: string | null;
  allocatedBy: Actor | null;
  releasedAt: string | null;
  releasedBy: Actor | null;
  holder: EipHolder | null;
  /**
   * When the address last became unassociated: its last association's end, or its allocation when it never was
   * associated. Null while associated, or when unknown. For a released address: when it became idle before release.
   */
  idleSince: string | null;
  /** The association before the current state, with what ended it. */
  lastHolder: PastHolder | null;
  /** The last event that changed the state. */
  lastChange: EipChange | null;
  /** Its pool tag's additions and removals (who, when); null when the history holds none. */
  pool: PoolTagHistory | null;
  /** The last association made by the keeper's role (which only ever associates pool members); null when none. */
  keeperAssociation: { at: string; by: Actor; eventId: string } | null;
  /** History events plus ENI deletions folded (after deduplication). */
  inputCount: number;
}

/**
 * The inputs that determine a state: allocation, release, the last two associations and what ended them. The
 * recorder keeps them on the state item, so the state survives its history expiring (TTL) — see
 * docs/data-model.md.
 */
export interface EipAnchors {
  events: EipHistoryEvent[];
  eniDeletions: Array<EniDeletion & { eniId: string }>;
}

export interface EipFold {
  state: EipState;
  anchors: EipAnchors;
  /** Identity of every input folded, sorted: event ids, and `DEL#<eniId>` per ENI deletion. */
  inputIds: string[];
}

/** What the table knows about one ENI: its creation, its deletion (a tombstone), and the EIPs ever associated. */
export interface EniRecord extends Partial<EniFacts> {
  eniId: string;
  createdAt?: string;
  createdBy?: Actor;
  createdEventId?: string;
  createdUserAgent?: string;
  deletedAt?: string;
  deletedBy?: Actor;
  deletedEventId?: string;
  deletedUserAgent?: string;
  /** Every EIP ever associated with this ENI (sorted). */
  allocationIds: string[];
}
