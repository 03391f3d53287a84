/**
 * The keeper's storage port, by concern: claims on pool EIPs, manual holds, waiting ENIs and exhaustion episodes.
 * Every mutation is a conditional write, so concurrent handlers (events, duplicates, the reconciler) cannot both win
 * the same thing. `dynamo-claim-store/` implements it on the single table (layouts in docs/data-model.md).
 */
import type { ClaimRecord, ClaimVia, CreationRecord, ManualHold, PoolSnapshot, Target } from './model';

export type ClaimResult =
  /** The EIP is now held by the target (and the target's holder item points at it). */
  | { kind: 'claimed' }
  /** The target already holds a claim in this pool (maybe this very EIP): re-running is harmless. */
  | { kind: 'target-holds'; allocationId: string }
  /** Someone else holds the EIP, it is manually held, or its claim item is gone: try another. */
  | { kind: 'taken' }
  /** A concurrent transaction on the same items: try another, or again later. */
  | { kind: 'conflict' };

export interface ClaimRequest {
  pool: string;
  allocationId: string;
  target: Target;
  at: string;
  via: ClaimVia;
  selectorKey: string;
  /** Adoption: the association already exists. */
  associationId?: string;
  /** When the target was proven a pod of the pool's cluster. */
  provenAt: string;
}

export interface ReleaseRequest {
  pool: string;
  allocationId: string;
  holder: Target;
  at: string;
  /** Why (kept on the claim as `lastReleaseReason`). */
  reason: string;
  /**
   * The EIP really was on the holder and is idle from `at` (an ENI deletion): sets `lastReleasedAt`. False for a
   * claim undone before its association was made (nothing changed for the EIP).
   */
  idle: boolean;
}

/** Claims on pool EIPs: who holds which member, made and let go in conditional transactions. */
export interface ClaimsStore {
  /** Every keeper item of the pool (claims, waiters, exhaustion), strongly consistent. */
  loadPool(pool: string): Promise<PoolSnapshot>;
  /**
   * A few free claims from the free list, best first (the most recently released, then the least recently used):
   * the event path's candidates. Eventually consistent: a candidate may be taken by now (its claim then fails), and
   * an EIP freed a moment ago may be missing (the caller falls back to `loadPool`).
   */
  freeCandidates(pool: string, limit: number): Promise<ClaimRecord[]>;
  /** The EIP a target holds in the pool, if any (its holder item), strongly consistent. */
  heldBy(pool: string, target: Target): Promise<string | undefined>;
  /** Creates the claim item of a member (free) unless it exists; `allocatedByKeeper` approves an unlisted one. */
  registerMember(
    pool: string,
    allocationId: string,
    publicIp: string,
    allocatedByKeeper?: boolean,
  ): Promise<void>;
  /** Deletes a free claim item (its EIP left the pool); false when it is held (nothing deleted). */
  retire(pool: string, allocationId: string): Promise<boolean>;

  /**
   * Claims a free EIP for a target in one transaction: the claim item (only if no holder and no manual hold), the
   * target's holder item (only if the target holds nothing in this pool), and the target's waiter item (deleted).
   */
  claim(req: ClaimRequest): Promise<ClaimResult>;
  /** Records the association on the claim, if `holder` still holds it; false otherwise. */
  recordAssociation(
    pool: string,
    allocationId: string,
    holder: Target,
    associationId: string,
    at: string,
  ): Promise<boolean>;
  /** Releases the claim and the holder item, if `holder` still holds it; false otherwise (already released). */
  release(req: ReleaseRequest): Promise<boolean>;
  /** The claims a target ENI holds in the pool (one per private IP), strongly consistent. */
  claimsOfEni(pool: string, eniId: string): Promise<{ target: Target; allocationId: string }[]>;
  getClaim(pool: string, allocationId: string): Promise<ClaimRecord | undefined>;
}

/** Associations made outside eip-keeper: recorded once, alerted once, never taken back. */
export interface ManualHoldStore {
  /**
   * Records that the EIP is associated outside eip-keeper, releasing `displaced`'s claim if given. `recorded` only
   * for the first writer of this association (so one alert per manual hold); `unchanged` when already recorded;
   * `conflict` when the claim changed since it was read.
   */
  markManualHold(
    pool: string,
    allocationId: string,
    hold: ManualHold,
    displaced?: Target,
  ): Promise<'recorded' | 'unchanged' | 'conflict'>;
  /** Clears the manual hold of that association; false when it is not (or no longer) recorded. */
  clearManualHold(pool: string, allocationId: string, associationId: string): Promise<boolean>;
  /** Records that the alert of that manual hold went out (nothing if the hold ended meanwhile). */
  confirmManualHoldAlert(
    pool: string,
    allocationId: string,
    associationId: string,
    at: string,
  ): Promise<void>;
  /**
   * Claims sending the alert of a manual hold still unannounced, if its last claim is still `claimedAt`: true for
   * exactly one caller, which then sends it (a claimer that dies leaves a claim the next one can take after the grace).
   */
  reclaimManualHoldAlert(
    pool: string,
    allocationId: string,
    associationId: string,
    claimedAt: string,
    at: string,
  ): Promise<boolean>;
}

/** Targets that matched a pool when no EIP was free, served first when one frees. */
export interface WaiterStore {
  /** Records a waiting target (keeps the first `since`), with the creation record that proved it, if any. */
  addWaiter(pool: string, target: Target, since: string, creation?: CreationRecord): Promise<void>;
  removeWaiter(pool: string, target: Target): Promise<void>;
  /** The waiters of one ENI. */
  waitersOfEni(pool: string, eniId: string): Promise<Target[]>;
  /**
   * Marks the waiter as having an allocation in progress (allocateOnExhaustion), so duplicates of one event do not
   * allocate twice; false when another handler already did.
   */
  markAllocating(pool: string, target: Target, at: string): Promise<boolean>;
}

/** The pool's exhaustion episodes: opened (and alerted) once, closed when an EIP is free again. */
export interface ExhaustionStore {
  /** Opens an exhaustion episode; the episode number if this call opened it, undefined if one is open. */
  openExhaustion(pool: string, at: string): Promise<number | undefined>;
  /** Records that the episode's alert went out. */
  markExhaustionAlerted(pool: string, episode: number, at: string): Promise<void>;
  /** Re-closes an episode whose alert could not be sent (so the retry opens it again and alerts). */
  abandonExhaustion(pool: string, episode: number): Promise<void>;
  /** Closes the open episode; true if this call closed it. */
  closeExhaustion(pool: string, at: string): Promise<boolean>;
}

/**
 * Security alerts, one per key (an unproven ENI, a pool tag change, a displacement, ...): claimed before sending (the
 * first claimer sends), confirmed once sent; an alert claimed and never confirmed is sent again by the reconciler
 * after the grace. Items expire (`expiresAt`), so a condition that lasts is alerted again after that.
 */
export interface SecurityAlertStore {
  /** Claims the alert `key` (storing what to send); true for the first claimer only. */
  claimAlert(
    pool: string,
    key: string,
    notification: string,
    at: string,
    expiresAt: number,
  ): Promise<boolean>;
  /** Records that the alert went out. */
  confirmAlert(pool: string, key: string, at: string): Promise<void>;
  /** Forgets a claim whose alert could not be sent (the retry claims it again). */
  releaseAlert(pool: string, key: string): Promise<void>;
  /** Claims an unsent alert again if its claim is still `claimedAt`: true for exactly one caller. */
  reclaimAlert(pool: string, key: string, claimedAt: string, at: string): Promise<boolean>;
}

export type ClaimStore = ClaimsStore & ManualHoldStore & WaiterStore & ExhaustionStore & SecurityAlertStore;
