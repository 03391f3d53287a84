/**
 * The keeper's alert decisions, as plain functions over plain data: what a manual hold records, and which alerts a
 * runtime that died mid-way left unsent (a manual hold, an exhaustion episode), so the reconciler sends them once.
 */

import { waitersInOrder } from './decide-serve';
import type { ClaimRecord, ManualHold, PoolAddress, PoolSnapshot, WaiterRecord } from './model';

/** The manual hold an address's association amounts to (`unknown` association id when EC2 did not say). */
export function manualHoldOf(address: PoolAddress): Omit<ManualHold, 'detectedAt'> {
  const a = address.association ?? {};
  return {
    associationId: a.associationId ?? 'unknown',
    ...(a.eniId ? { eniId: a.eniId } : {}),
    ...(a.privateIp ? { privateIp: a.privateIp } : {}),
    ...(a.instanceId ? { instanceId: a.instanceId } : {}),
  };
}

/**
 * Manual holds whose alert was claimed longer than `graceMs` ago and never confirmed (the runtime died before its
 * Publish), for associations EC2 still shows. Holds EC2 no longer shows are left to the plan, which clears them.
 */
export function unannouncedHolds(
  snapshot: PoolSnapshot,
  addresses: readonly PoolAddress[],
  nowMs: number,
  graceMs: number,
): { claim: ClaimRecord; hold: ManualHold & { alertClaimedAt: string }; address: PoolAddress }[] {
  const byId = new Map(addresses.map((a) => [a.allocationId, a]));
  const due: { claim: ClaimRecord; hold: ManualHold & { alertClaimedAt: string }; address: PoolAddress }[] =
    [];
  for (const claim of snapshot.claims) {
    const hold = claim.manualHold;
    if (!hold?.alertClaimedAt || hold.alertedAt) continue;
    if (nowMs - Date.parse(hold.alertClaimedAt) <= graceMs) continue;
    const address = byId.get(claim.allocationId);
    if (!address?.association || (address.association.associationId ?? 'unknown') !== hold.associationId)
      continue;
    due.push({ claim, hold: { ...hold, alertClaimedAt: hold.alertClaimedAt }, address });
  }
  return due;
}

/**
 * The waiter to name when an exhaustion episode opened longer than `graceMs` ago was never announced (its opener died
 * before the alert); undefined when there is nothing to announce.
 */
export function unannouncedExhaustionWaiter(
  snapshot: PoolSnapshot,
  nowMs: number,
  graceMs: number,
): WaiterRecord | undefined {
  const ex = snapshot.exhaustion;
  if (!ex?.open || ex.alertedAt || !ex.openedAt) return undefined;
  if (nowMs - Date.parse(ex.openedAt) <= graceMs) return undefined;
  return waitersInOrder(snapshot.waiters)[0];
}
