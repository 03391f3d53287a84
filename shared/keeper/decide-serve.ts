/**
 * The keeper's serving decisions, as plain functions over plain data (no AWS import, no I/O): which pool EIPs are
 * free (`freeClaims`), which one an ENI gets (`rankCandidates`), what the pool looks like (`poolCounts`), who waits
 * first (`waitersInOrder`), and whether a claim is still in the hands of the handler that made it (`claimInHand`).
 *
 * The handlers gather state through the adapters, call these, and apply the result with conditional writes, so a
 * decision made on slightly stale data is at worst a write that fails its condition and is retried.
 */
import {
  type ClaimRecord,
  type PoolAddress,
  type PoolCounts,
  type PoolSnapshot,
  type Target,
  targetKey,
  type WaiterRecord,
} from './model';

/** A claim younger than this may still be in the hands of a running event handler (Lambda timeout + margin). */
export const CLAIM_GRACE_MS = 2 * 60_000;
/**
 * A claim younger than this may be in the hands of the handler that made it, which associates it next (KeeperEvents'
 * timeout). A crashed claimer's own retry comes at least a minute after it died (Lambda's first retry delay), so it
 * finds its claim older than this and finishes it.
 */
export const CLAIMER_ALIVE_MS = 60_000;

/** Plain string order (not locale order): ids and ISO timestamps. */
export const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The association of a pool address as a target, when it is on an ENI's private IP. */
export function associationTarget(address: PoolAddress): Target | undefined {
  const a = address.association;
  return a?.eniId && a.privateIp ? { eniId: a.eniId, privateIp: a.privateIp } : undefined;
}

/**
 * Claims that can be given to an ENI now: a member of the pool (per EC2), not owned by an AWS service, not
 * associated with anything (per EC2), not held by a claim, not recorded as manually held.
 */
export function freeClaims(snapshot: PoolSnapshot, addresses: readonly PoolAddress[]): ClaimRecord[] {
  const members = new Map(addresses.map((a) => [a.allocationId, a]));
  return snapshot.claims.filter((c) => {
    const a = members.get(c.allocationId);
    return a !== undefined && !a.serviceManaged && !a.association && !c.holder && !c.manualHold;
  });
}

/**
 * The order in which an ENI tries the free EIPs: first the one this selector released most recently (a replacement
 * pod egresses from the address its predecessor used), then the others least recently used first (never-used
 * first), ties by allocation id.
 */
export function rankCandidates(free: readonly ClaimRecord[], selector: string): ClaimRecord[] {
  let preferred: ClaimRecord | undefined;
  for (const c of free) {
    if (c.lastSelectorKey !== selector || c.lastReleasedAt === undefined) continue;
    if (
      !preferred ||
      (preferred.lastReleasedAt as string) < c.lastReleasedAt ||
      (preferred.lastReleasedAt === c.lastReleasedAt && c.allocationId < preferred.allocationId)
    ) {
      preferred = c;
    }
  }
  const rest = free
    .filter((c) => c !== preferred)
    .sort(
      (a, b) => byString(a.lastUsedAt ?? '', b.lastUsedAt ?? '') || byString(a.allocationId, b.allocationId),
    );
  return preferred ? [preferred, ...rest] : rest;
}

/** Size, held, manually held, free and waiting, from the claims and EC2's view of the members. */
export function poolCounts(snapshot: PoolSnapshot, addresses: readonly PoolAddress[]): PoolCounts {
  const claims = new Map(snapshot.claims.map((c) => [c.allocationId, c]));
  let held = 0;
  let manual = 0;
  for (const a of addresses) {
    const c = claims.get(a.allocationId);
    if (c?.holder) held += 1;
    else if (c?.manualHold || a.association || a.serviceManaged) manual += 1;
  }
  return {
    size: addresses.length,
    held,
    manual,
    free: freeClaims(snapshot, addresses).length,
    waiting: snapshot.waiters.length,
  };
}

/** The waiters to serve first, oldest first. */
export function waitersInOrder(waiters: readonly WaiterRecord[]): WaiterRecord[] {
  return [...waiters].sort((a, b) => byString(a.since, b.since) || byString(targetKey(a), targetKey(b)));
}

/**
 * A claim made less than CLAIMER_ALIVE_MS ago and not yet associated: the handler that made it (a duplicate of this
 * event, or the one serving waiters) associates it next, so a second AssociateAddress would only spend a token.
 */
export function claimInHand(claim: ClaimRecord, nowMs: number): boolean {
  const holder = claim.holder;
  return (
    holder !== undefined &&
    holder.associationId === undefined &&
    nowMs - Date.parse(holder.claimedAt) < CLAIMER_ALIVE_MS
  );
}
