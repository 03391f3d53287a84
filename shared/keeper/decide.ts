/**
 * The keeper's decisions, as plain functions over plain data (no AWS import, no I/O):
 * - which free pool EIP an ENI gets (`rankCandidates`),
 * - what the pool looks like (`poolCounts`),
 * - what the reconciler must do to bring the claims and EC2 back to the desired state (`planReconcile`),
 * - which `eip-keeper:holder` tags are wrong, and how few EC2 calls fix them (`holderTagDrift`, `holderTagCalls`).
 *
 * The handlers gather state through the adapters, call these, and apply the result with conditional writes, so a
 * decision made on slightly stale data is at worst a write that fails its condition and is retried.
 */
import type { PoolConfig } from '../config/schema';
import {
  type ClaimRecord,
  type EniView,
  type ManualHold,
  type PoolAddress,
  type PoolCounts,
  type PoolSnapshot,
  sameTarget,
  type Target,
  targetKey,
  type WaiterRecord,
} from './model';
import { isTargetOf, owningPool, targetsOf } from './selector';

/** A claim younger than this may still be in the hands of a running event handler (Lambda timeout + margin). */
export const CLAIM_GRACE_MS = 2 * 60_000;
/**
 * A claim younger than this may be in the hands of the handler that made it, which associates it next (KeeperEvents'
 * timeout). A crashed claimer's own retry comes at least a minute after it died (Lambda's first retry delay), so it
 * finds its claim older than this and finishes it.
 */
export const CLAIMER_ALIVE_MS = 60_000;

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

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

// -----------------------------------------------------------------------------------------------------------------
// Reconcile plan

export type ReconcileAction =
  /** A pool member without a claim item: create it (free). */
  | { kind: 'register'; allocationId: string; publicIp: string }
  /** A claim item whose EIP is no longer a pool member (untagged or released): release it and delete it. */
  | { kind: 'retire'; allocationId: string; holder?: Target }
  /** The holder's ENI (or its private IP) is gone and the event was missed: the EIP is free again. */
  | {
      kind: 'free';
      allocationId: string;
      holder: Target;
      reason: 'eni-gone' | 'ip-gone' | 'no-longer-matches' | 'has-other-address';
    }
  /** EC2 shows the claim's association but the claim does not record it (crash after AssociateAddress). */
  | {
      kind: 'record-association';
      allocationId: string;
      holder: Target;
      associationId: string;
      repair: boolean;
    }
  /** The claim holds an EIP that is not associated: associate it (crash before AssociateAddress, or disassociated). */
  | {
      kind: 'associate';
      allocationId: string;
      holder: Target;
      reason: 'never-associated' | 'disassociated';
    }
  /** Associated with something other than its claim holder: record it, alert, never take it back. */
  | {
      kind: 'manual-hold';
      allocationId: string;
      publicIp: string;
      hold: Omit<ManualHold, 'detectedAt'>;
      /** The claim holder this displaces (its claim is released; the ENI is then served again). */
      displaced?: Target;
    }
  /** A manual hold is over (the EIP is unassociated again): the EIP returns to the pool. */
  | { kind: 'clear-manual'; allocationId: string; associationId: string }
  /** Associated (by hand or before eip-keeper) with an ENI of the pool that has no claim: record the claim. */
  | { kind: 'adopt'; allocationId: string; target: Target; associationId: string }
  /** A matching ENI target without a pool EIP: serve it (oldest waiter first). */
  | { kind: 'serve'; target: Target; waitingSince?: string }
  /** A waiter that no longer waits (its ENI is gone, no longer matches, or was served). */
  | { kind: 'drop-waiter'; target: Target; reason: string };

export interface ReconcileInput {
  pool: PoolConfig;
  /** Every configured pool (an ENI belongs to the first pool that matches it). */
  pools: readonly PoolConfig[];
  now: string;
  /** Read first (strongly consistent), before EC2 was described. */
  snapshot: PoolSnapshot;
  /** This pool's members per DescribeAddresses (read after the snapshot). */
  addresses: readonly PoolAddress[];
  /**
   * ENIs per DescribeNetworkInterfaces (read after the addresses): the pool's candidates, plus every ENI a claim,
   * waiter or association names, looked up by id.
   */
  enis: ReadonlyMap<string, EniView>;
  /** ENI ids looked up by id and not found: deleted (ENI ids are never reused). */
  goneEniIds: ReadonlySet<string>;
  graceMs?: number;
}

export interface ReconcilePlan {
  actions: ReconcileAction[];
  /** Things noticed and deliberately left alone, for the log. */
  notes: string[];
}

/**
 * Desired vs actual for one pool. Desired: every matching ENI target holds exactly one pool EIP through a claim;
 * every claim's EIP is associated with its holder; an EIP associated with anything else is recorded as manually
 * held and never taken back.
 */
export function planReconcile(input: ReconcileInput): ReconcilePlan {
  const { pool, pools, snapshot, addresses, enis, goneEniIds } = input;
  const grace = input.graceMs ?? CLAIM_GRACE_MS;
  const nowMs = Date.parse(input.now);
  const actions: ReconcileAction[] = [];
  const notes: string[] = [];

  const claims = new Map(snapshot.claims.map((c) => [c.allocationId, c]));
  const members = new Map(addresses.map((a) => [a.allocationId, a]));
  const ownsEni = (eni: EniView | undefined) =>
    eni !== undefined && owningPool(pools, eni)?.name === pool.name;
  /** Targets that hold (or are about to hold) a pool EIP after this plan. */
  const served = new Set<string>();
  const claimedTargets = new Set(snapshot.claims.flatMap((c) => (c.holder ? [targetKey(c.holder)] : [])));
  const release = (t: Target) => claimedTargets.delete(targetKey(t));

  // Claims whose EIP left the pool.
  for (const c of snapshot.claims) {
    if (members.has(c.allocationId)) continue;
    actions.push({
      kind: 'retire',
      allocationId: c.allocationId,
      ...(c.holder ? { holder: { eniId: c.holder.eniId, privateIp: c.holder.privateIp } } : {}),
    });
    if (c.holder) release(c.holder);
  }

  for (const address of addresses) {
    const { allocationId } = address;
    if (address.serviceManaged) {
      notes.push(`${address.publicIp} is owned by ${address.serviceManaged}: left alone`);
      continue;
    }
    const claim = claims.get(allocationId);
    if (!claim) actions.push({ kind: 'register', allocationId, publicIp: address.publicIp });
    const at = associationTarget(address);
    const assoc = address.association;
    const holder = claim?.holder;

    if (holder) {
      const h: Target = { eniId: holder.eniId, privateIp: holder.privateIp };
      if (assoc && sameTarget(at, h)) {
        served.add(targetKey(h));
        if (assoc.associationId && holder.associationId !== assoc.associationId) {
          const old = nowMs - Date.parse(holder.claimedAt) >= grace;
          actions.push({
            kind: 'record-association',
            allocationId,
            holder: h,
            associationId: assoc.associationId,
            repair: old && holder.associationId === undefined,
          });
        }
        continue;
      }
      if (assoc) {
        // Someone moved it (AllowReassociation=true) or associated it elsewhere: never take it back.
        actions.push({
          kind: 'manual-hold',
          allocationId,
          publicIp: address.publicIp,
          hold: holdOf(address),
          displaced: h,
        });
        release(h);
        continue;
      }
      // Claimed but not associated.
      const eni = enis.get(h.eniId);
      if (goneEniIds.has(h.eniId)) {
        actions.push({ kind: 'free', allocationId, holder: h, reason: 'eni-gone' });
        release(h);
        continue;
      }
      if (!eni) {
        notes.push(`${address.publicIp}: holder ${h.eniId} was not described; left for the next run`);
        continue;
      }
      if (![eni.privateIp, ...eni.secondaryIps].includes(h.privateIp)) {
        actions.push({ kind: 'free', allocationId, holder: h, reason: 'ip-gone' });
        release(h);
        continue;
      }
      if (!ownsEni(eni) || !isTargetOf(pool, eni, h.privateIp)) {
        actions.push({ kind: 'free', allocationId, holder: h, reason: 'no-longer-matches' });
        release(h);
        continue;
      }
      const publicOnTarget = eni.publicIps?.[h.privateIp];
      if (publicOnTarget) {
        notes.push(
          `${h.eniId} (${h.privateIp}) got ${publicOnTarget.publicIp ?? 'a public IP'} from elsewhere while claiming ${address.publicIp}`,
        );
        actions.push({ kind: 'free', allocationId, holder: h, reason: 'has-other-address' });
        release(h);
        continue;
      }
      if (holder.associationId !== undefined) {
        served.add(targetKey(h));
        actions.push({ kind: 'associate', allocationId, holder: h, reason: 'disassociated' });
      } else if (nowMs - Date.parse(holder.claimedAt) >= grace) {
        served.add(targetKey(h));
        actions.push({ kind: 'associate', allocationId, holder: h, reason: 'never-associated' });
      } else {
        // An event handler is probably between its claim and its AssociateAddress right now.
        served.add(targetKey(h));
      }
      continue;
    }

    // Free claim (or no claim item yet).
    if (claim?.manualHold) {
      if (!assoc) {
        actions.push({ kind: 'clear-manual', allocationId, associationId: claim.manualHold.associationId });
      } else if ((assoc.associationId ?? 'unknown') !== claim.manualHold.associationId) {
        actions.push({
          kind: 'manual-hold',
          allocationId,
          publicIp: address.publicIp,
          hold: holdOf(address),
        });
      }
      continue;
    }
    if (assoc) {
      const eni = at ? enis.get(at.eniId) : undefined;
      if (at && goneEniIds.has(at.eniId)) {
        notes.push(`${address.publicIp} names deleted ${at.eniId}; AWS drops that association`);
        continue;
      }
      if (at && assoc.associationId && ownsEni(eni) && isTargetOf(pool, eni as EniView, at.privateIp)) {
        if (!claimedTargets.has(targetKey(at)) && !served.has(targetKey(at))) {
          served.add(targetKey(at));
          actions.push({ kind: 'adopt', allocationId, target: at, associationId: assoc.associationId });
          continue;
        }
      }
      actions.push({ kind: 'manual-hold', allocationId, publicIp: address.publicIp, hold: holdOf(address) });
    }
  }

  // Matching targets that hold no pool EIP.
  const waiters = new Map(snapshot.waiters.map((w) => [targetKey(w), w]));
  const toServe: { target: Target; waitingSince?: string }[] = [];
  for (const eni of [...enis.values()].sort((a, b) => byString(a.eniId, b.eniId))) {
    if (!ownsEni(eni)) continue;
    for (const t of targetsOf(pool, eni)) {
      const key = targetKey(t);
      if (served.has(key) || claimedTargets.has(key)) continue;
      const pub = eni.publicIps?.[t.privateIp];
      if (pub) {
        // A public address not from this pool (or one being sorted out above): never replaced.
        const fromPool = pub.allocationId !== undefined && members.has(pub.allocationId);
        if (!fromPool) notes.push(`${t.eniId} (${t.privateIp}) already has ${pub.publicIp ?? 'a public IP'}`);
        continue;
      }
      const since = waiters.get(key)?.since;
      toServe.push(since ? { target: t, waitingSince: since } : { target: t });
    }
  }
  toServe.sort(
    (a, b) =>
      Number(a.waitingSince === undefined) - Number(b.waitingSince === undefined) ||
      byString(a.waitingSince ?? '', b.waitingSince ?? '') ||
      byString(targetKey(a.target), targetKey(b.target)),
  );
  const serving = new Set(toServe.map((s) => targetKey(s.target)));
  for (const s of toServe) actions.push({ kind: 'serve', ...s });

  for (const w of snapshot.waiters) {
    const key = targetKey(w);
    if (serving.has(key)) continue;
    const target = { eniId: w.eniId, privateIp: w.privateIp };
    const eni = enis.get(w.eniId);
    const reason = goneEniIds.has(w.eniId)
      ? 'ENI deleted'
      : claimedTargets.has(key) || served.has(key)
        ? 'served'
        : !eni
          ? undefined
          : !ownsEni(eni) || !isTargetOf(pool, eni, w.privateIp)
            ? 'no longer matches the pool'
            : eni.publicIps?.[w.privateIp]
              ? 'has a public IP'
              : undefined;
    if (reason) actions.push({ kind: 'drop-waiter', target, reason });
  }

  return { actions, notes };
}

function holdOf(address: PoolAddress): Omit<ManualHold, 'detectedAt'> {
  const a = address.association ?? {};
  return {
    associationId: a.associationId ?? 'unknown',
    ...(a.eniId ? { eniId: a.eniId } : {}),
    ...(a.privateIp ? { privateIp: a.privateIp } : {}),
    ...(a.instanceId ? { instanceId: a.instanceId } : {}),
  };
}

/** Whether an action counts as a repair (something an event should have done, or a crash left undone). */
export function isRepair(action: ReconcileAction): boolean {
  switch (action.kind) {
    case 'free':
    case 'associate':
    case 'adopt':
      return true;
    case 'record-association':
      return action.repair;
    case 'serve':
      // A waiting ENI is served as an EIP frees; one that never waited was missed by the event path.
      return action.waitingSince === undefined;
    default:
      return false;
  }
}

// -----------------------------------------------------------------------------------------------------------------
// The holder tag

/** One change of the holder tag: make it name `eniId`, or remove it where it names `eniId`. */
export interface HolderTagChange {
  op: 'tag' | 'untag';
  allocationId: string;
  eniId: string;
}

/**
 * The `eip-keeper:holder` tags that disagree with the claims and EC2 (for a pool with `tagHolder`): a member whose
 * claim holder it is associated with names that holder; a member held by a claim not associated yet keeps a tag
 * naming its holder (its association is being made or repaired, and tags it then); every other member names no one
 * but the ENI EC2 shows it on, so an idle address never claims a dead holder. Addresses owned by an AWS service are
 * not touched.
 */
export function holderTagDrift(snapshot: PoolSnapshot, addresses: readonly PoolAddress[]): HolderTagChange[] {
  const claims = new Map(snapshot.claims.map((c) => [c.allocationId, c]));
  const changes: HolderTagChange[] = [];
  for (const address of addresses) {
    if (address.serviceManaged) continue;
    const { allocationId, holderTag } = address;
    const holder = claims.get(allocationId)?.holder;
    const onHolder = holder !== undefined && sameTarget(associationTarget(address), holder);
    if (onHolder && holderTag !== holder.eniId) {
      changes.push({ op: 'tag', allocationId, eniId: holder.eniId });
      continue;
    }
    if (onHolder || holderTag === undefined) continue;
    if (holder && !address.association && holderTag === holder.eniId) continue;
    // Naming the ENI EC2 shows it on is never wrong (a claim newer than the snapshot, about to be adopted).
    if (holderTag === address.association?.eniId) continue;
    changes.push({ op: 'untag', allocationId, eniId: holderTag });
  }
  return changes;
}

/** A batch of holder tag changes that one CreateTags or DeleteTags call makes. */
export interface HolderTagCall {
  op: 'tag' | 'untag';
  /** The tag's value: the one written, or the one a removal requires (so it never removes a newer holder's tag). */
  eniId: string;
  allocationIds: string[];
}

/**
 * The EC2 calls that make `changes` (the last change of an address wins): one per operation and ENI id, since one
 * CreateTags (DeleteTags) writes (removes) the same tag on many resources. Removals name the value they remove.
 */
export function holderTagCalls(changes: readonly HolderTagChange[]): HolderTagCall[] {
  const last = new Map<string, HolderTagChange>();
  for (const c of changes) {
    last.delete(c.allocationId);
    last.set(c.allocationId, c);
  }
  const calls = new Map<string, HolderTagCall>();
  for (const c of last.values()) {
    const key = `${c.op}\u0000${c.eniId}`;
    const call = calls.get(key) ?? { op: c.op, eniId: c.eniId, allocationIds: [] };
    call.allocationIds.push(c.allocationId);
    calls.set(key, call);
  }
  return [...calls.values()];
}
