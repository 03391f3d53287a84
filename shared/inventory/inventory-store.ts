/**
 * The EIP inventory's storage port: what the recorder writes and what other capabilities (keeper, sweeper, auditor)
 * read. `dynamo-inventory-store/` implements it on the single table.
 */
import type { AddressAssociated, AddressDisassociated, EniCreated, EniDeleted } from '../events/cloudtrail';
import type { EipAnchors, EipHistoryEvent, EipState, EniRecord } from './model';

/** The association-id → allocation-id map item, as an atomic update left it. */
export interface AssociationLink {
  associationId: string;
  /** Unknown until the AssociateAddress event is recorded. */
  allocationId?: string;
  eniId?: string;
  /** DisassociateAddress events recorded for this association (whichever order they arrived in). */
  pendingDisassociations: AddressDisassociated[];
}

/** The EIP state item: the folded state plus what the refold needs to update it safely. */
export interface StoredEipState {
  state: EipState;
  /** Optimistic-concurrency version: 1 for the first write, +1 per write. */
  version: number;
  /** Digest of the set of inputs the state was folded from (and of the fold's version). */
  inputsDigest: string;
  anchors: EipAnchors;
}

export type NewEipState = Omit<StoredEipState, 'version'>;

export interface InventoryStore {
  /** Writes one history event under its EIP; `duplicate` when that event is already recorded. */
  putEipHistory(event: EipHistoryEvent, expiresAt: number): Promise<'written' | 'duplicate'>;
  /** The EIP's history (strongly consistent, every page), ordered by (eventTime, eventId). */
  listEipHistory(allocationId: string): Promise<EipHistoryEvent[]>;

  /** The state item with its version (strongly consistent). */
  getEipStateItem(allocationId: string): Promise<StoredEipState | undefined>;
  /** Writes the state if the stored version is still `expectedVersion` (0: no item yet); false on conflict. */
  putEipState(next: NewEipState, expectedVersion: number): Promise<boolean>;
  /** The EIP's current state (strongly consistent). */
  getEipState(allocationId: string): Promise<EipState | undefined>;
  /** Every EIP's state, from GSI1 (eventually consistent), ordered by allocation id. */
  listEipStates(): Promise<EipState[]>;

  /** Records a creation; set-once fields, so it commutes with the deletion and with duplicates. */
  recordEniCreated(event: EniCreated): Promise<EniRecord>;
  /** Records a deletion (set-once tombstone, TTL `expiresAt`); returns the record after the update. */
  recordEniDeleted(event: EniDeleted, expiresAt: number): Promise<EniRecord>;
  /** Adds an EIP to the ENI's `allocationIds`; returns the record after the update. */
  addEniAllocation(eniId: string, allocationId: string): Promise<EniRecord>;
  getEniRecord(eniId: string): Promise<EniRecord | undefined>;
  /** ENI records by id (strongly consistent); ids without a record are absent from the map. */
  getEniRecords(eniIds: Iterable<string>): Promise<Map<string, EniRecord>>;

  /** Records association → allocation; returns the map item after the update (with pending disassociations). */
  linkAssociation(event: AddressAssociated, expiresAt: number): Promise<AssociationLink>;
  /** Records a disassociation on the map item; returns it after the update (with the allocation, if known). */
  addPendingDisassociation(event: AddressDisassociated, expiresAt: number): Promise<AssociationLink>;
}
