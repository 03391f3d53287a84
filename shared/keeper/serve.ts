/**
 * Serving a target (one private IP of a pod ENI): the pool EIP it holds, else one found on it, else the best free
 * one, claimed with a conditional transaction and then associated with AllowReassociation=false. With none free it
 * waits (and the pool's exhaustion episode opens) until an EIP frees and whoever freed it serves the waiters.
 */
import type { PoolConfig } from '../config/schema';
import { exhausted } from './announce';
import { associateClaimed, settleHeld } from './associate';
import { type KeeperCore, podIp } from './core';
import { approvedMembers } from './decide-membership';
import { freeClaims, rankCandidates, waitersInOrder } from './decide-serve';
import {
  type ClaimRecord,
  type ClaimVia,
  type CreationRecord,
  type EniView,
  type PoolAddress,
  type PoolSnapshot,
  sameTarget,
  type Target,
  targetKey,
} from './model';
import { isTargetOf, owningPool, selectorKey } from './selector';
import type { Story } from './story';

export type ServeOutcome =
  | { kind: 'associated'; allocationId: string; publicIp: string }
  | { kind: 'kept'; allocationId: string; publicIp: string }
  /** Another invocation claimed an EIP for the target moments ago and is associating it. */
  | { kind: 'in-hand'; allocationId: string; publicIp: string }
  | { kind: 'waiting' }
  | { kind: 'has-public-ip'; publicIp?: string }
  | { kind: 'eni-gone' }
  | { kind: 'failed'; code: string };

export interface ServeOptions {
  via: ClaimVia;
  /** Count an association in `AssociationsMade`. */
  count: boolean;
  /** When the target was proven a pod of the pool's cluster (callers serve proven targets only). */
  provenAt: string;
  /** The creation record that proved it, kept on its waiter item if it has to wait. */
  creation?: CreationRecord;
}

/** How many times a serve re-reads the pool (after registering as a waiter, or when another handler won). */
const MAX_SERVE_ROUNDS = 4;
/** Free-list candidates an event reads: enough to outlast the other handlers racing for the same ones. */
const FREE_CANDIDATES = 16;

const byAllocationId = (addresses: readonly PoolAddress[]) =>
  new Map(addresses.map((a) => [a.allocationId, a]));

/**
 * Gives the target a pool EIP: the one it holds, else one found on it, else the best free one (claimed with a
 * conditional transaction, then associated with AllowReassociation=false). With none free it registers as a
 * waiter and checks once more (an EIP freed meanwhile is then either seen here or given to the waiter by whoever
 * freed it), then opens the exhaustion episode.
 */
export async function serveTarget(
  core: KeeperCore,
  pool: PoolConfig,
  eni: EniView,
  target: Target,
  story: Story,
  opts: ServeOptions,
): Promise<ServeOutcome> {
  if (opts.via === 'event' && !eni.publicIps?.[target.privateIp]) {
    const served = await serveFromFreeList(core, pool, target, story, opts);
    if (served) return served;
  }
  const { store, ec2 } = core;
  let addresses: PoolAddress[] = [];
  let waiting = opts.via === 'waiter';
  for (let round = 0; round < MAX_SERVE_ROUNDS; round++) {
    const snapshot = await store.loadPool(pool.name);
    addresses = approvedMembers(pool, await ec2.describePoolAddresses([pool.name]), snapshot.claims);
    story.sawMembers(pool.name, addresses, true);
    await registerMissing(core, pool.name, snapshot, addresses);
    const byId = byAllocationId(addresses);

    const held = snapshot.claims.find((c) => sameTarget(c.holder, target));
    if (held) {
      const settled = await settleHeld(core, pool, held, byId.get(held.allocationId), target, story);
      if (settled) return settled;
      continue;
    }
    const pub = eni.publicIps?.[target.privateIp];
    if (pub) {
      const kept = await keepPublicAddress(core, pool, snapshot, byId, pub, target, story, opts.provenAt);
      if (kept === 'target-holds') continue;
      return kept;
    }
    const out = await claimFirstFree(core, pool, freeClaims(snapshot, addresses), byId, target, story, opts);
    if (out === 'target-holds') continue;
    if (out) return out;
    if (!waiting) {
      await store.addWaiter(pool.name, target, core.now(), opts.creation);
      waiting = true;
      continue;
    }
    break;
  }
  await exhausted(core, pool, target, story, addresses);
  if (pool.allocateOnExhaustion) {
    const allocated = await allocateFor(core, pool, target, story, opts.provenAt);
    if (allocated) return allocated;
  }
  return { kind: 'waiting' };
}

/**
 * The event path's way to a free EIP for a target without a public address, in reads that do not grow with the
 * pool: the target's holder item, a few candidates from the free list, those candidates described in EC2 (still
 * members, unassociated), then claim and associate as below. `undefined` hands over to the full read of the pool,
 * which handles everything else: a target that holds a claim or has an address already, an empty or stale free
 * list, members not registered yet.
 */
async function serveFromFreeList(
  core: KeeperCore,
  pool: PoolConfig,
  target: Target,
  story: Story,
  opts: ServeOptions,
): Promise<ServeOutcome | undefined> {
  if (await core.store.heldBy(pool.name, target)) return undefined;
  const candidates = await core.store.freeCandidates(pool.name, FREE_CANDIDATES);
  if (candidates.length === 0) return undefined;
  const addresses = approvedMembers(
    pool,
    await core.ec2.describePoolAddresses(
      [pool.name],
      candidates.map((c) => c.allocationId),
    ),
    candidates,
  );
  story.sawMembers(pool.name, addresses);
  const free = freeClaims({ pool: pool.name, claims: candidates, waiters: [] }, addresses);
  const out = await claimFirstFree(core, pool, free, byAllocationId(addresses), target, story, opts);
  return out === 'target-holds' ? undefined : out;
}

/**
 * Claims the best of the free EIPs for the target and associates it, trying the next when one cannot be had.
 * `target-holds`: another handler claimed one for the target meanwhile; undefined: none could be had.
 */
async function claimFirstFree(
  core: KeeperCore,
  pool: PoolConfig,
  free: readonly ClaimRecord[],
  byId: ReadonlyMap<string, PoolAddress>,
  target: Target,
  story: Story,
  opts: ServeOptions,
): Promise<ServeOutcome | 'target-holds' | undefined> {
  const key = selectorKey(pool);
  for (const candidate of rankCandidates(free, key)) {
    const r = await core.store.claim({
      pool: pool.name,
      allocationId: candidate.allocationId,
      target,
      at: core.now(),
      via: opts.via,
      selectorKey: key,
      provenAt: opts.provenAt,
    });
    if (r.kind === 'target-holds') return 'target-holds';
    if (r.kind !== 'claimed') continue;
    const publicIp =
      byId.get(candidate.allocationId)?.publicIp ?? candidate.publicIp ?? candidate.allocationId;
    const out = await associateClaimed(core, pool, candidate, publicIp, target, story, {
      count: opts.count,
      verb: 'gave',
    });
    if (out) return out;
  }
  return undefined;
}

/**
 * The target already has a public address: a free pool member associated with it is adopted (its claim recorded);
 * any other address is never replaced. `target-holds`: another handler claimed an EIP for the target meanwhile.
 */
async function keepPublicAddress(
  core: KeeperCore,
  pool: PoolConfig,
  snapshot: PoolSnapshot,
  byId: ReadonlyMap<string, PoolAddress>,
  pub: NonNullable<EniView['publicIps']>[string],
  target: Target,
  story: Story,
  provenAt: string,
): Promise<ServeOutcome | 'target-holds'> {
  const member = pub.allocationId ? byId.get(pub.allocationId) : undefined;
  const claim = member && snapshot.claims.find((c) => c.allocationId === member.allocationId);
  if (member && claim && !claim.holder && pub.associationId) {
    if (claim.manualHold)
      await core.store.clearManualHold(pool.name, claim.allocationId, claim.manualHold.associationId);
    const r = await core.store.claim({
      pool: pool.name,
      allocationId: member.allocationId,
      target,
      at: core.now(),
      via: 'adopted',
      selectorKey: selectorKey(pool),
      associationId: pub.associationId,
      provenAt,
    });
    if (r.kind === 'claimed') {
      story.tagHolder(pool, member.allocationId, target.eniId, member);
      story.add(pool.name, `${podIp(target)} already had pool address ${member.publicIp}: claim recorded`);
      return { kind: 'kept', allocationId: member.allocationId, publicIp: member.publicIp };
    }
    if (r.kind === 'target-holds') return 'target-holds';
  }
  if (!member)
    story.add(pool.name, `${podIp(target)} already has ${pub.publicIp ?? 'a public IP'}: left as it is`);
  return { kind: 'has-public-ip', ...(pub.publicIp ? { publicIp: pub.publicIp } : {}) };
}

/** Creates the claim items of members EC2 shows and the store does not know yet (free), in the snapshot too. */
async function registerMissing(
  core: KeeperCore,
  pool: string,
  snapshot: PoolSnapshot,
  addresses: readonly PoolAddress[],
): Promise<void> {
  const known = new Set(snapshot.claims.map((c) => c.allocationId));
  for (const a of addresses) {
    if (known.has(a.allocationId)) continue;
    await core.store.registerMember(pool, a.allocationId, a.publicIp);
    snapshot.claims.push({ pool, allocationId: a.allocationId, publicIp: a.publicIp });
  }
}

/** allocateOnExhaustion: one new address per waiting target (duplicates of the event allocate nothing more). */
async function allocateFor(
  core: KeeperCore,
  pool: PoolConfig,
  target: Target,
  story: Story,
  provenAt: string,
): Promise<ServeOutcome | undefined> {
  const { store } = core;
  if (!(await store.markAllocating(pool.name, target, core.now()))) return undefined;
  let allocated: { allocationId: string; publicIp: string };
  try {
    allocated = await core.ec2.allocate(pool.name);
  } catch (err) {
    core.log.error('AllocateAddress failed; the ENI keeps waiting', { pool: pool.name, error: String(err) });
    return undefined;
  }
  core.metrics.add('AddressesAllocated', 1, 'Count', core.dims(pool.name));
  story.add(
    pool.name,
    `allocated ${allocated.publicIp} into the pool (allocateOnExhaustion): it is on no allowlist yet`,
  );
  // Approved as a member by the pool's allocateOnExhaustion, recorded on its claim item.
  await store.registerMember(pool.name, allocated.allocationId, allocated.publicIp, true);
  story.sawMembers(pool.name, [{ ...allocated, pool: pool.name }]);
  const r = await store.claim({
    pool: pool.name,
    allocationId: allocated.allocationId,
    target,
    at: core.now(),
    via: 'event',
    selectorKey: selectorKey(pool),
    provenAt,
  });
  if (r.kind !== 'claimed') return undefined;
  return associateClaimed(
    core,
    pool,
    { pool: pool.name, allocationId: allocated.allocationId },
    allocated.publicIp,
    target,
    story,
    { count: true, verb: 'gave new' },
  );
}

/**
 * Serves waiting targets, oldest first, while EIPs are free; drops waiters whose ENI is gone or no longer matches,
 * and those no longer proven pods (checked again now: a waiter may wait for hours). A waiter whose proof cannot be
 * read now keeps waiting.
 */
export async function serveWaiters(core: KeeperCore, pool: PoolConfig, story: Story): Promise<number> {
  const snapshot = await core.store.loadPool(pool.name);
  const waiters = waitersInOrder(snapshot.waiters);
  if (waiters.length === 0) return 0;
  const enis = await core.ec2.describeEnis(waiters.map((w) => w.eniId));
  const live = waiters.flatMap((w) => {
    const eni = enis.get(w.eniId);
    return eni ? [{ w, eni, target: { eniId: w.eniId, privateIp: w.privateIp } }] : [];
  });
  const verdicts = await core.identity.verifyTargets(
    pool,
    live.map((x) => ({ eni: x.eni, target: x.target, ...(x.w.creation ? { creation: x.w.creation } : {}) })),
  );
  let served = 0;
  for (const w of waiters) {
    const target = { eniId: w.eniId, privateIp: w.privateIp };
    const eni = enis.get(w.eniId);
    const verdict = verdicts.get(targetKey(target));
    const why = !eni
      ? 'ENI deleted'
      : owningPool(core.pools, eni)?.name !== pool.name || !isTargetOf(pool, eni, w.privateIp)
        ? 'no longer matches'
        : verdict?.kind === 'refused'
          ? 'no longer a proven pod'
          : undefined;
    if (why) {
      await core.store.removeWaiter(pool.name, target);
      story.add(pool.name, `${podIp(target)} no longer waits (${why})`);
      continue;
    }
    if (verdict?.kind !== 'proven' || !eni) continue;
    const out = await serveTarget(core, pool, eni, target, story, {
      via: 'waiter',
      count: true,
      provenAt: core.now(),
      ...(w.creation ? { creation: w.creation } : {}),
    });
    if (out.kind === 'waiting') break;
    if (out.kind === 'associated' || out.kind === 'kept') served += 1;
  }
  return served;
}
