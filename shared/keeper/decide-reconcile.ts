/**
 * The reconciler's decision, as a plain function over plain data (no AWS import, no I/O): from the claims, EC2's
 * view of the pool's members, the ENIs and the identity verdicts of their targets, what must be done to bring them
 * back to the desired state (`planReconcile`), and which of those actions count as repairs (`isRepair`).
 */
import type { PoolConfig } from '../config/schema';
import { manualHoldOf } from './decide-announce';
import type { IdentityVerdict } from './decide-identity';
import { associationTarget, byString, CLAIM_GRACE_MS } from './decide-serve';
import {
  type ClaimRecord,
  type EniView,
  type PoolAddress,
  type PoolSnapshot,
  sameTarget,
  type Target,
  targetKey,
} from './model';
import type { ReconcileAction } from './reconcile-actions';
import { isTargetOf, owningPool, targetsOf } from './selector';

export { isRepair, type ReconcileAction } from './reconcile-actions';

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
  /**
   * Whether each target of the pool's ENIs is a proven pod, by target key. Only proven targets are served or adopted;
   * a holder refused is freed; a target whose evidence is missing or unreadable is left as it is.
   */
  verdicts: ReadonlyMap<string, IdentityVerdict>;
  graceMs?: number;
}

export interface ReconcilePlan {
  actions: ReconcileAction[];
  /** Things noticed and deliberately left alone, for the log. */
  notes: string[];
}

/** What the plan knows while it walks the pool, and what it has decided so far. */
interface Planning {
  readonly input: ReconcileInput;
  readonly grace: number;
  readonly nowMs: number;
  readonly actions: ReconcileAction[];
  readonly notes: string[];
  readonly members: ReadonlyMap<string, PoolAddress>;
  /** Targets that hold (or are about to hold) a pool EIP after this plan. */
  readonly served: Set<string>;
  /** Targets a claim holds and no action of this plan releases. */
  readonly claimedTargets: Set<string>;
}

/**
 * Desired vs actual for one pool. Desired: every matching ENI target holds exactly one pool EIP through a claim;
 * every claim's EIP is associated with its holder; an EIP associated with anything else is recorded as manually
 * held and never taken back.
 */
export function planReconcile(input: ReconcileInput): ReconcilePlan {
  const { snapshot, addresses } = input;
  const p: Planning = {
    input,
    grace: input.graceMs ?? CLAIM_GRACE_MS,
    nowMs: Date.parse(input.now),
    actions: [],
    notes: [],
    members: new Map(addresses.map((a) => [a.allocationId, a])),
    served: new Set(),
    claimedTargets: new Set(snapshot.claims.flatMap((c) => (c.holder ? [targetKey(c.holder)] : []))),
  };
  retireLeavers(p);
  const claims = new Map(snapshot.claims.map((c) => [c.allocationId, c]));
  for (const address of addresses) {
    if (address.serviceManaged) {
      p.notes.push(`${address.publicIp} is owned by ${address.serviceManaged}: left alone`);
      continue;
    }
    const claim = claims.get(address.allocationId);
    if (!claim)
      p.actions.push({ kind: 'register', allocationId: address.allocationId, publicIp: address.publicIp });
    if (claim?.holder) planHeld(p, address, claim.holder);
    else planUnheld(p, address, claim);
  }
  const serving = planServes(p);
  planDroppedWaiters(p, serving);
  return { actions: p.actions, notes: p.notes };
}

const ownsEni = (p: Planning, eni: EniView | undefined): boolean =>
  eni !== undefined && owningPool(p.input.pools, eni)?.name === p.input.pool.name;

/** The target's claim is released by this plan. */
const releases = (p: Planning, t: Target) => p.claimedTargets.delete(targetKey(t));

/** Claims whose EIP left the pool. */
function retireLeavers(p: Planning): void {
  for (const c of p.input.snapshot.claims) {
    if (p.members.has(c.allocationId)) continue;
    p.actions.push({
      kind: 'retire',
      allocationId: c.allocationId,
      ...(c.holder ? { holder: { eniId: c.holder.eniId, privateIp: c.holder.privateIp } } : {}),
    });
    if (c.holder) releases(p, c.holder);
  }
}

/** A member a claim holds: on its holder, elsewhere, or not associated. */
function planHeld(p: Planning, address: PoolAddress, holder: NonNullable<ClaimRecord['holder']>): void {
  const { allocationId } = address;
  const assoc = address.association;
  const h: Target = { eniId: holder.eniId, privateIp: holder.privateIp };
  if (assoc && sameTarget(associationTarget(address), h)) {
    const refusal = refused(p, h);
    if (refusal) {
      p.notes.push(
        `${address.publicIp} is on ${h.eniId} (${h.privateIp}), which is not a proven pod: ${refusal}`,
      );
      p.actions.push({
        kind: 'free',
        allocationId,
        holder: h,
        reason: 'not-proven',
        ...(assoc.associationId ? { disassociate: assoc.associationId } : {}),
      });
      releases(p, h);
      return;
    }
    p.served.add(targetKey(h));
    if (assoc.associationId && holder.associationId !== assoc.associationId) {
      const old = p.nowMs - Date.parse(holder.claimedAt) >= p.grace;
      p.actions.push({
        kind: 'record-association',
        allocationId,
        holder: h,
        associationId: assoc.associationId,
        repair: old && holder.associationId === undefined,
      });
    }
    return;
  }
  if (assoc) {
    // Someone moved it (AllowReassociation=true) or associated it elsewhere: never take it back.
    p.actions.push({
      kind: 'manual-hold',
      allocationId,
      publicIp: address.publicIp,
      hold: manualHoldOf(address),
      displaced: h,
    });
    releases(p, h);
    return;
  }
  planUnassociatedClaim(p, address, holder, h);
}

type FreeReason = Extract<ReconcileAction, { kind: 'free' }>['reason'] | 'has-other-address';

/** The verdict of a target, when it says the target is not a pod (undefined: proven, pending or unknown). */
function refused(p: Planning, t: Target): string | undefined {
  const v = p.input.verdicts.get(targetKey(t));
  return v?.kind === 'refused' ? v.reasons.join('; ') : undefined;
}

const proven = (p: Planning, t: Target): boolean => p.input.verdicts.get(targetKey(t))?.kind === 'proven';

/** Claimed but not associated: free it if its holder is gone or changed, else (re-)associate it. */
function planUnassociatedClaim(
  p: Planning,
  address: PoolAddress,
  holder: NonNullable<ClaimRecord['holder']>,
  h: Target,
): void {
  const { allocationId } = address;
  const why = whyFree(p, address, h);
  if (why === 'not-described') {
    p.notes.push(`${address.publicIp}: holder ${h.eniId} was not described; left for the next run`);
    return;
  }
  if (why === 'has-other-address') {
    const pub = p.input.enis.get(h.eniId)?.publicIps?.[h.privateIp];
    p.actions.push({
      kind: 'displaced',
      allocationId,
      publicIp: address.publicIp,
      holder: h,
      ...(pub?.publicIp ? { nowHolds: pub.publicIp } : {}),
    });
    releases(p, h);
    return;
  }
  if (why) {
    p.actions.push({ kind: 'free', allocationId, holder: h, reason: why });
    releases(p, h);
    return;
  }
  p.served.add(targetKey(h));
  if (holder.associationId !== undefined) {
    p.actions.push({ kind: 'associate', allocationId, holder: h, reason: 'disassociated' });
  } else if (p.nowMs - Date.parse(holder.claimedAt) >= p.grace) {
    p.actions.push({ kind: 'associate', allocationId, holder: h, reason: 'never-associated' });
  }
  // Otherwise an event handler is probably between its claim and its AssociateAddress right now.
}

/** Why the holder of an unassociated claim no longer gets its EIP (undefined: it still does). */
function whyFree(p: Planning, address: PoolAddress, h: Target): FreeReason | 'not-described' | undefined {
  const { pool, enis, goneEniIds } = p.input;
  if (goneEniIds.has(h.eniId)) return 'eni-gone';
  const eni = enis.get(h.eniId);
  if (!eni) return 'not-described';
  if (![eni.privateIp, ...eni.secondaryIps].includes(h.privateIp)) return 'ip-gone';
  if (!ownsEni(p, eni) || !isTargetOf(pool, eni, h.privateIp)) return 'no-longer-matches';
  if (refused(p, h)) return 'not-proven';
  const publicOnTarget = eni.publicIps?.[h.privateIp];
  if (!publicOnTarget) return undefined;
  p.notes.push(
    `${h.eniId} (${h.privateIp}) got ${publicOnTarget.publicIp ?? 'a public IP'} from elsewhere while claiming ${address.publicIp}`,
  );
  return 'has-other-address';
}

/** A member no claim holds (or with no claim item yet): a manual hold that ended or changed, or one to adopt. */
function planUnheld(p: Planning, address: PoolAddress, claim: ClaimRecord | undefined): void {
  const { allocationId } = address;
  const assoc = address.association;
  if (claim?.manualHold) {
    if (!assoc) {
      p.actions.push({ kind: 'clear-manual', allocationId, associationId: claim.manualHold.associationId });
    } else if ((assoc.associationId ?? 'unknown') !== claim.manualHold.associationId) {
      p.actions.push({
        kind: 'manual-hold',
        allocationId,
        publicIp: address.publicIp,
        hold: manualHoldOf(address),
      });
    }
    return;
  }
  if (!assoc) return;
  const at = associationTarget(address);
  const eni = at ? p.input.enis.get(at.eniId) : undefined;
  if (at && p.input.goneEniIds.has(at.eniId)) {
    p.notes.push(`${address.publicIp} names deleted ${at.eniId}; AWS drops that association`);
    return;
  }
  if (
    at &&
    assoc.associationId &&
    ownsEni(p, eni) &&
    isTargetOf(p.input.pool, eni as EniView, at.privateIp) &&
    proven(p, at)
  ) {
    if (!p.claimedTargets.has(targetKey(at)) && !p.served.has(targetKey(at))) {
      p.served.add(targetKey(at));
      p.actions.push({ kind: 'adopt', allocationId, target: at, associationId: assoc.associationId });
      return;
    }
  }
  p.actions.push({
    kind: 'manual-hold',
    allocationId,
    publicIp: address.publicIp,
    hold: manualHoldOf(address),
  });
}

/** Matching targets that hold no pool EIP, waiters first (oldest first): the keys of the targets to serve. */
function planServes(p: Planning): Set<string> {
  const { pool, enis, snapshot } = p.input;
  const waiters = new Map(snapshot.waiters.map((w) => [targetKey(w), w]));
  const toServe: { target: Target; waitingSince?: string }[] = [];
  for (const eni of [...enis.values()].sort((a, b) => byString(a.eniId, b.eniId))) {
    if (!ownsEni(p, eni)) continue;
    for (const t of targetsOf(pool, eni)) {
      const key = targetKey(t);
      if (p.served.has(key) || p.claimedTargets.has(key)) continue;
      const pub = eni.publicIps?.[t.privateIp];
      if (pub) {
        // A public address not from this pool (or one being sorted out above): never replaced.
        const fromPool = pub.allocationId !== undefined && p.members.has(pub.allocationId);
        if (!fromPool)
          p.notes.push(`${t.eniId} (${t.privateIp}) already has ${pub.publicIp ?? 'a public IP'}`);
        continue;
      }
      const v = p.input.verdicts.get(key);
      if (v?.kind !== 'proven') {
        if (v && v.kind !== 'refused')
          p.notes.push(`${t.eniId} (${t.privateIp}) not served yet: ${v.reason}`);
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
  for (const s of toServe) p.actions.push({ kind: 'serve', ...s });
  return new Set(toServe.map((s) => targetKey(s.target)));
}

/** Waiters that no longer wait: gone, served, no longer matching, or given a public IP from elsewhere. */
function planDroppedWaiters(p: Planning, serving: ReadonlySet<string>): void {
  const { pool, enis, goneEniIds } = p.input;
  for (const w of p.input.snapshot.waiters) {
    const key = targetKey(w);
    if (serving.has(key)) continue;
    const target = { eniId: w.eniId, privateIp: w.privateIp };
    const eni = enis.get(w.eniId);
    const reason = goneEniIds.has(w.eniId)
      ? 'ENI deleted'
      : p.claimedTargets.has(key) || p.served.has(key)
        ? 'served'
        : !eni
          ? undefined
          : !ownsEni(p, eni) || !isTargetOf(pool, eni, w.privateIp)
            ? 'no longer matches the pool'
            : eni.publicIps?.[w.privateIp]
              ? 'has a public IP'
              : refused(p, target)
                ? 'not a proven pod'
                : undefined;
    if (reason) p.actions.push({ kind: 'drop-waiter', target, reason });
  }
}
