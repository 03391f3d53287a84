/**
 * The EIP keeper: keeps a pool's allowlisted EIPs on the ENIs of its workload. Events first (an ENI is created →
 * claim a free pool EIP and associate it; an ENI is deleted → free its claim and serve whoever waits), the
 * reconciler as the backstop (desired vs actual from EC2, repaired).
 *
 * Why concurrent handlers cannot give one EIP to two ENIs, nor two EIPs to one ENI: see `ClaimStore.claim` (one
 * transaction over the EIP's claim item and the target's holder item) and docs/data-model.md. EC2 is only ever
 * asked to associate an EIP this handler's claim holds, with `AllowReassociation=false`, so an EIP associated by
 * anyone else is never taken back: AWS refuses, and the keeper records the address as manually held and alerts.
 */
import type { PoolConfig } from '../config/schema';
import type { ExpectedOrigin } from '../events/cloudtrail';
import type { Clock, Log, MetricsSink } from '../runtime/context';
import { manuallyHeldAlert, poolExhaustedAlert } from './alerts';
import type { ClaimStore } from './claim-store';
import { unannouncedExhaustionWaiter, unannouncedHolds } from './decide-announce';
import { type HolderTagChange, holderTagCalls, holderTagDrift } from './decide-holder-tags';
import { isRepair, planReconcile, type ReconcileAction } from './decide-reconcile';
import {
  associationTarget,
  CLAIM_GRACE_MS,
  claimInHand,
  freeClaims,
  poolCounts,
  rankCandidates,
  waitersInOrder,
} from './decide-serve';
import { type KeeperRecord, parseKeeperEvent } from './events';
import {
  type ClaimRecord,
  type ClaimVia,
  type EniView,
  type ManualHold,
  type PoolAddress,
  type PoolCounts,
  type PoolSnapshot,
  sameTarget,
  type Target,
} from './model';
import type { AlertPort, KeeperEc2Port } from './ports';
import { isTargetOf, matchPool, owningPool, selectorKey, targetsOf } from './selector';

export interface KeeperDeps {
  pools: readonly PoolConfig[];
  ec2: KeeperEc2Port;
  store: ClaimStore;
  alerts: AlertPort;
  clock: Clock;
  log: Log;
  metrics: MetricsSink;
  origin: ExpectedOrigin;
  /** `config.alerts.subjectPrefix`. */
  subjectPrefix: string;
  graceMs?: number;
}

/** What one event invocation did (returned by the handler, shown in the local story). */
export interface KeeperEventResult {
  outcome: 'served' | 'freed' | 'waiting' | 'unchanged' | 'skipped' | 'rejected';
  reason?: string;
  eventId?: string;
  eventName?: string;
  story: string[];
}

export interface PoolReconcileReport {
  pool: string;
  counts: PoolCounts;
  repairs: number;
  actions: string[];
}

export interface KeeperReconcileResult {
  outcome: 'reconciled';
  pools: PoolReconcileReport[];
  story: string[];
}

type ServeOutcome =
  | { kind: 'associated'; allocationId: string; publicIp: string }
  | { kind: 'kept'; allocationId: string; publicIp: string }
  /** Another invocation claimed an EIP for the target moments ago and is associating it. */
  | { kind: 'in-hand'; allocationId: string; publicIp: string }
  | { kind: 'waiting' }
  | { kind: 'has-public-ip'; publicIp?: string }
  | { kind: 'eni-gone' }
  | { kind: 'failed'; code: string };

/** How many times a serve re-reads the pool (after registering as a waiter, or when another handler won). */
const MAX_SERVE_ROUNDS = 4;
/** Free-list candidates an event reads: enough to outlast the other handlers racing for the same ones. */
const FREE_CANDIDATES = 16;

const podIp = (t: Target) => `${t.eniId} (pod IP ${t.privateIp})`;

const FREE_REASONS = {
  'eni-gone': 'its ENI was deleted and the event never came',
  'ip-gone': 'its private IP is gone',
  'no-longer-matches': 'its ENI no longer matches the pool',
  'has-other-address': 'its ENI got another public address',
} as const;

export interface Keeper {
  handleEvent(event: unknown): Promise<KeeperEventResult>;
  reconcile(): Promise<KeeperReconcileResult>;
}

/** Why an ENI belongs to no pool: each pool's first failed criterion. */
function whyNoPool(pools: readonly PoolConfig[], eni: EniView): string {
  return pools
    .map((p) => {
      const m = matchPool(p, eni);
      return `${p.name}: ${m.match ? 'matches' : m.reason}`;
    })
    .join('; ');
}

export function createKeeper(deps: KeeperDeps): Keeper {
  const { pools, ec2, store, alerts, clock, log, metrics } = deps;
  const graceMs = deps.graceMs ?? CLAIM_GRACE_MS;
  const now = () => clock.now().toISOString();
  const dims = (pool: string) => ({ Pool: pool });

  /** One invocation's narrative. */
  class Story {
    readonly lines: string[] = [];
    /** The reconciler runs every few minutes: it tells only what it changed. */
    constructor(readonly quiet = false) {}
    /** The pool members this invocation last read from EC2, by pool. */
    readonly addresses = new Map<string, PoolAddress[]>();
    /**
     * Holder tag changes, made when the invocation's work is done (`flushHolderTags`): never before an association,
     * never in the way of the next one.
     */
    readonly tagChanges: HolderTagChange[] = [];
    add(pool: string, text: string): void {
      this.lines.push(`pool ${pool}: ${text}`);
    }
    /** `allocationId` is associated with its claim holder `eniId` (`seen`: the address as last described, if it was). */
    tagHolder(pool: PoolConfig, allocationId: string, eniId: string, seen?: PoolAddress): void {
      if (!pool.tagHolder) return;
      const pending = this.tagChanges.some((c) => c.allocationId === allocationId);
      if (seen?.holderTag === eniId && !pending) return;
      this.tagChanges.push({ op: 'tag', allocationId, eniId });
    }
    /** `allocationId` is no longer held by `eniId`. */
    untagHolder(pool: PoolConfig, allocationId: string, eniId: string): void {
      if (pool.tagHolder) this.tagChanges.push({ op: 'untag', allocationId, eniId });
    }
  }

  /**
   * Makes the story's tag changes in as few calls as the tag sets allow. A failed call is logged and left to the
   * reconciler (which repairs tag drift every period): the association it describes stands either way.
   */
  async function flushHolderTags(story: Story): Promise<void> {
    for (const call of holderTagCalls(story.tagChanges.splice(0))) {
      try {
        if (call.op === 'tag') await ec2.tagHolder(call.allocationIds, call.eniId);
        else await ec2.untagHolder(call.allocationIds, call.eniId);
      } catch (err) {
        log.warn('holder tag not written (the reconciler repairs it)', {
          op: call.op,
          eniId: call.eniId,
          allocationIds: call.allocationIds,
          error: String(err),
        });
      }
    }
  }

  async function bestEffort(what: string, fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      log.warn(`${what} failed (the reconciler repeats it)`, { error: String(err) });
    }
  }

  async function registerMissing(pool: string, snapshot: PoolSnapshot, addresses: readonly PoolAddress[]) {
    const known = new Set(snapshot.claims.map((c) => c.allocationId));
    for (const a of addresses) {
      if (known.has(a.allocationId)) continue;
      await store.registerMember(pool, a.allocationId, a.publicIp);
      snapshot.claims.push({ pool, allocationId: a.allocationId, publicIp: a.publicIp });
    }
  }

  async function release(
    pool: string,
    allocationId: string,
    holder: Target,
    reason: string,
    opts: { at?: string; idle: boolean },
  ): Promise<boolean> {
    return store.release({
      pool,
      allocationId,
      holder,
      at: opts.at ?? now(),
      reason,
      idle: opts.idle,
    });
  }

  /** Records an association made outside eip-keeper (displacing our claim if it had one) and alerts once. */
  async function recordManual(pool: PoolConfig, address: PoolAddress, story: Story, displaced?: Target) {
    const a = address.association ?? {};
    const hold: ManualHold = {
      associationId: a.associationId ?? 'unknown',
      ...(a.eniId ? { eniId: a.eniId } : {}),
      ...(a.privateIp ? { privateIp: a.privateIp } : {}),
      ...(a.instanceId ? { instanceId: a.instanceId } : {}),
      detectedAt: now(),
      ...(displaced ? { displaced } : {}),
    };
    const result = await store.markManualHold(pool.name, address.allocationId, hold, displaced);
    if (result !== 'recorded') return;
    if (displaced) story.untagHolder(pool, address.allocationId, displaced.eniId);
    const where = a.eniId
      ? `${a.eniId}${a.privateIp ? ` (${a.privateIp})` : ''}`
      : (a.instanceId ?? 'elsewhere');
    story.add(
      pool.name,
      `${address.publicIp} was associated outside eip-keeper with ${where}: recorded as manually held, never taken back${displaced ? ` (${displaced.eniId} will get another EIP)` : ''}; alert sent`,
    );
    log.warn('pool EIP associated outside eip-keeper', {
      pool: pool.name,
      ...hold,
      allocationId: address.allocationId,
    });
    try {
      await announceManualHold(pool, address.allocationId, address.publicIp, hold);
    } catch (err) {
      // Un-record it so the retry (or the next reconcile) detects it again and alerts.
      await bestEffort('un-recording the manual hold', () =>
        store.clearManualHold(pool.name, address.allocationId, hold.associationId),
      );
      throw err;
    }
  }

  /**
   * Sends the alert of a manual hold whose sending this invocation claimed, then confirms it on the hold. A runtime
   * that dies between the claim and the confirmation leaves the hold unannounced; the reconciler claims it again
   * after the grace (`announceUnannouncedHolds`).
   */
  async function announceManualHold(
    pool: PoolConfig,
    allocationId: string,
    publicIp: string,
    hold: ManualHold,
  ) {
    const alert = manuallyHeldAlert(deps.subjectPrefix, {
      pool: pool.name,
      region: deps.origin.region,
      accountId: deps.origin.accountId,
      at: hold.detectedAt,
      publicIp,
      allocationId,
      associationId: hold.associationId,
      ...(hold.eniId ? { eniId: hold.eniId } : {}),
      ...(hold.privateIp ? { privateIp: hold.privateIp } : {}),
      ...(hold.instanceId ? { instanceId: hold.instanceId } : {}),
      ...(hold.displaced ? { displaced: hold.displaced } : {}),
    });
    await alerts.publish(alert);
    await store.confirmManualHoldAlert(pool.name, allocationId, hold.associationId, now());
    metrics.add('PoolManuallyHeld', 1, 'Count', dims(pool.name));
  }

  /**
   * Associates an EIP our claim holds with its target. `undefined` means "this EIP cannot be had, try another"
   * (someone associated it elsewhere, or it left the pool).
   */
  async function associateClaimed(
    pool: PoolConfig,
    claim: ClaimRecord,
    publicIp: string,
    target: Target,
    story: Story,
    opts: { count: boolean; verb: string },
  ): Promise<ServeOutcome | undefined> {
    const { allocationId } = claim;
    let outcome: Awaited<ReturnType<KeeperEc2Port['associate']>>;
    try {
      outcome = await ec2.associate(allocationId, target);
    } catch (err) {
      // Throttled past the SDK's retries, or EC2 failed: undo the claim and let Lambda retry the event.
      await bestEffort('releasing the claim after a failed association', () =>
        store.release({
          pool: pool.name,
          allocationId,
          holder: target,
          at: now(),
          reason: 'associate-failed',
          idle: false,
        }),
      );
      throw err;
    }
    switch (outcome.kind) {
      case 'associated': {
        await store.recordAssociation(pool.name, allocationId, target, outcome.associationId, now());
        story.tagHolder(pool, allocationId, target.eniId);
        if (opts.count) metrics.add('AssociationsMade', 1, 'Count', dims(pool.name));
        story.add(pool.name, `${opts.verb} ${publicIp} to ${podIp(target)}`);
        log.info('associated pool EIP', { pool: pool.name, allocationId, publicIp, ...target });
        return { kind: 'associated', allocationId, publicIp };
      }
      case 'already-associated': {
        const fresh = (await ec2.describePoolAddresses([pool.name])).find(
          (a) => a.allocationId === allocationId,
        );
        if (fresh?.association && sameTarget(associationTarget(fresh), target)) {
          if (fresh.association.associationId) {
            await store.recordAssociation(
              pool.name,
              allocationId,
              target,
              fresh.association.associationId,
              now(),
            );
          }
          story.tagHolder(pool, allocationId, target.eniId, fresh);
          return { kind: 'kept', allocationId, publicIp };
        }
        if (fresh?.association) {
          await recordManual(pool, fresh, story, target);
          return undefined;
        }
        // The EIP is free, so the target's IP holds another address: never replaced.
        await release(pool.name, allocationId, target, 'target-has-address', { idle: false });
        story.add(pool.name, `${podIp(target)} already has a public address: left as it is`);
        return { kind: 'has-public-ip' };
      }
      case 'target-gone':
        await release(pool.name, allocationId, target, 'eni-gone', { idle: false });
        await store.removeWaiter(pool.name, target);
        story.add(pool.name, `${podIp(target)} is gone (${outcome.code}); nothing to do`);
        return { kind: 'eni-gone' };
      case 'address-gone':
        await release(pool.name, allocationId, target, 'address-gone', { idle: false });
        await store.retire(pool.name, allocationId);
        return undefined;
      case 'rejected':
        await release(pool.name, allocationId, target, 'associate-rejected', { idle: false });
        log.error('AWS refused the association; the reconciler will try again', {
          pool: pool.name,
          allocationId,
          ...target,
          code: outcome.code,
          message: outcome.message,
        });
        story.add(pool.name, `could not give ${publicIp} to ${podIp(target)}: ${outcome.code}`);
        return { kind: 'failed', code: outcome.code };
    }
  }

  /** The target already holds `claim`: make EC2 agree (idempotent for duplicates and re-runs). */
  async function settleHeld(
    pool: PoolConfig,
    claim: ClaimRecord,
    address: PoolAddress | undefined,
    target: Target,
    story: Story,
  ): Promise<ServeOutcome | undefined> {
    if (!address) {
      await release(pool.name, claim.allocationId, target, 'left-pool', { idle: true });
      await store.retire(pool.name, claim.allocationId);
      return undefined;
    }
    if (address.association) {
      if (sameTarget(associationTarget(address), target)) {
        const assoc = address.association.associationId;
        if (assoc && claim.holder?.associationId !== assoc) {
          await store.recordAssociation(pool.name, claim.allocationId, target, assoc, now());
        }
        story.tagHolder(pool, claim.allocationId, target.eniId, address);
        story.add(pool.name, `${podIp(target)} keeps ${address.publicIp}`);
        return { kind: 'kept', allocationId: claim.allocationId, publicIp: address.publicIp };
      }
      await recordManual(pool, address, story, target);
      return undefined;
    }
    if (claimInHand(claim, Date.parse(now()))) {
      story.add(pool.name, `${podIp(target)} is being given ${address.publicIp} by another invocation`);
      return { kind: 'in-hand', allocationId: claim.allocationId, publicIp: address.publicIp };
    }
    return associateClaimed(pool, claim, address.publicIp, target, story, { count: false, verb: 'gave' });
  }

  /**
   * Gives the target a pool EIP: the one it holds, else one found on it, else the best free one (claimed with a
   * conditional transaction, then associated with AllowReassociation=false). With none free it registers as a
   * waiter and checks once more (an EIP freed meanwhile is then either seen here or given to the waiter by whoever
   * freed it), then opens the exhaustion episode.
   */
  /**
   * The event path's way to a free EIP, in reads that do not grow with the pool: the target's holder item, a few
   * candidates from the free list, those candidates described in EC2 (still members, unassociated), then claim and
   * associate as below. `undefined` hands over to the full read of the pool, which handles everything else: a target
   * that holds a claim or has an address already, an empty or stale free list, members not registered yet.
   */
  async function serveFromFreeList(
    pool: PoolConfig,
    eni: EniView,
    target: Target,
    story: Story,
    opts: { via: ClaimVia; count: boolean },
  ): Promise<ServeOutcome | undefined> {
    if (eni.publicIps?.[target.privateIp] || (await store.heldBy(pool.name, target))) return undefined;
    const candidates = await store.freeCandidates(pool.name, FREE_CANDIDATES);
    if (candidates.length === 0) return undefined;
    const addresses = await ec2.describePoolAddresses(
      [pool.name],
      candidates.map((c) => c.allocationId),
    );
    const byId = new Map(addresses.map((a) => [a.allocationId, a]));
    const key = selectorKey(pool);
    const free = freeClaims({ pool: pool.name, claims: candidates, waiters: [] }, addresses);
    for (const candidate of rankCandidates(free, key)) {
      const r = await store.claim({
        pool: pool.name,
        allocationId: candidate.allocationId,
        target,
        at: now(),
        via: opts.via,
        selectorKey: key,
      });
      if (r.kind === 'target-holds') return undefined;
      if (r.kind !== 'claimed') continue;
      const publicIp =
        byId.get(candidate.allocationId)?.publicIp ?? candidate.publicIp ?? candidate.allocationId;
      const out = await associateClaimed(pool, candidate, publicIp, target, story, {
        count: opts.count,
        verb: 'gave',
      });
      if (out) return out;
    }
    return undefined;
  }

  async function serveTarget(
    pool: PoolConfig,
    eni: EniView,
    target: Target,
    story: Story,
    opts: { via: ClaimVia; count: boolean },
  ): Promise<ServeOutcome> {
    if (opts.via === 'event') {
      const served = await serveFromFreeList(pool, eni, target, story, opts);
      if (served) return served;
    }
    const key = selectorKey(pool);
    let addresses: PoolAddress[] = [];
    let waiting = opts.via === 'waiter';
    for (let round = 0; round < MAX_SERVE_ROUNDS; round++) {
      const snapshot = await store.loadPool(pool.name);
      addresses = await ec2.describePoolAddresses([pool.name]);
      story.addresses.set(pool.name, addresses);
      await registerMissing(pool.name, snapshot, addresses);
      const byId = new Map(addresses.map((a) => [a.allocationId, a]));

      const held = snapshot.claims.find((c) => sameTarget(c.holder, target));
      if (held) {
        const settled = await settleHeld(pool, held, byId.get(held.allocationId), target, story);
        if (settled) return settled;
        continue;
      }

      const pub = eni.publicIps?.[target.privateIp];
      if (pub) {
        const member = pub.allocationId ? byId.get(pub.allocationId) : undefined;
        const claim = member && snapshot.claims.find((c) => c.allocationId === member.allocationId);
        if (member && claim && !claim.holder && pub.associationId) {
          if (claim.manualHold)
            await store.clearManualHold(pool.name, claim.allocationId, claim.manualHold.associationId);
          const r = await store.claim({
            pool: pool.name,
            allocationId: member.allocationId,
            target,
            at: now(),
            via: 'adopted',
            selectorKey: key,
            associationId: pub.associationId,
          });
          if (r.kind === 'claimed') {
            story.tagHolder(pool, member.allocationId, target.eniId, member);
            story.add(
              pool.name,
              `${podIp(target)} already had pool address ${member.publicIp}: claim recorded`,
            );
            return { kind: 'kept', allocationId: member.allocationId, publicIp: member.publicIp };
          }
          if (r.kind === 'target-holds') continue;
        }
        if (!member)
          story.add(
            pool.name,
            `${podIp(target)} already has ${pub.publicIp ?? 'a public IP'}: left as it is`,
          );
        return { kind: 'has-public-ip', ...(pub.publicIp ? { publicIp: pub.publicIp } : {}) };
      }

      let anotherHandlerServes = false;
      for (const candidate of rankCandidates(freeClaims(snapshot, addresses), key)) {
        const r = await store.claim({
          pool: pool.name,
          allocationId: candidate.allocationId,
          target,
          at: now(),
          via: opts.via,
          selectorKey: key,
        });
        if (r.kind === 'claimed') {
          const publicIp =
            byId.get(candidate.allocationId)?.publicIp ?? candidate.publicIp ?? candidate.allocationId;
          const out = await associateClaimed(pool, candidate, publicIp, target, story, {
            count: opts.count,
            verb: 'gave',
          });
          if (out) return out;
          continue;
        }
        if (r.kind === 'target-holds') {
          anotherHandlerServes = true;
          break;
        }
      }
      if (anotherHandlerServes) continue;
      if (!waiting) {
        await store.addWaiter(pool.name, target, now());
        waiting = true;
        continue;
      }
      break;
    }
    await exhausted(pool, target, story, addresses);
    if (pool.allocateOnExhaustion) {
      const allocated = await allocateFor(pool, target, story);
      if (allocated) return allocated;
    }
    return { kind: 'waiting' };
  }

  /** allocateOnExhaustion: one new address per waiting target (duplicates of the event allocate nothing more). */
  async function allocateFor(
    pool: PoolConfig,
    target: Target,
    story: Story,
  ): Promise<ServeOutcome | undefined> {
    if (!(await store.markAllocating(pool.name, target, now()))) return undefined;
    let allocated: { allocationId: string; publicIp: string };
    try {
      allocated = await ec2.allocate(pool.name);
    } catch (err) {
      log.error('AllocateAddress failed; the ENI keeps waiting', { pool: pool.name, error: String(err) });
      return undefined;
    }
    metrics.add('AddressesAllocated', 1, 'Count', dims(pool.name));
    story.add(
      pool.name,
      `allocated ${allocated.publicIp} into the pool (allocateOnExhaustion): it is on no allowlist yet`,
    );
    await store.registerMember(pool.name, allocated.allocationId, allocated.publicIp);
    const r = await store.claim({
      pool: pool.name,
      allocationId: allocated.allocationId,
      target,
      at: now(),
      via: 'event',
      selectorKey: selectorKey(pool),
    });
    if (r.kind !== 'claimed') return undefined;
    return associateClaimed(
      pool,
      { pool: pool.name, allocationId: allocated.allocationId },
      allocated.publicIp,
      target,
      story,
      {
        count: true,
        verb: 'gave new',
      },
    );
  }

  /** Opens the pool's exhaustion episode; the handler that opens it sends the episode's one alert. */
  async function exhausted(pool: PoolConfig, target: Target, story: Story, addresses: PoolAddress[]) {
    const at = now();
    const episode = await store.openExhaustion(pool.name, at);
    if (episode === undefined) {
      if (!story.quiet)
        story.add(pool.name, `no free EIP for ${podIp(target)} (pool exhausted, already alerted)`);
      return;
    }
    const snapshot = await store.loadPool(pool.name);
    const counts = poolCounts(snapshot, addresses);
    const byId = new Map(addresses.map((a) => [a.allocationId, a]));
    const alert = poolExhaustedAlert(deps.subjectPrefix, {
      pool: pool.name,
      region: deps.origin.region,
      accountId: deps.origin.accountId,
      at,
      episode,
      counts,
      waiting: waitersInOrder(snapshot.waiters),
      manuallyHeld: snapshot.claims.flatMap((c) =>
        c.manualHold
          ? [
              {
                publicIp: byId.get(c.allocationId)?.publicIp ?? c.publicIp ?? c.allocationId,
                allocationId: c.allocationId,
                ...(c.manualHold.eniId || c.manualHold.instanceId
                  ? { heldBy: c.manualHold.eniId ?? c.manualHold.instanceId }
                  : {}),
              },
            ]
          : [],
      ),
      allocateOnExhaustion: pool.allocateOnExhaustion,
    });
    try {
      await alerts.publish(alert);
    } catch (err) {
      await bestEffort('re-closing the exhaustion episode', () =>
        store.abandonExhaustion(pool.name, episode),
      );
      throw err;
    }
    await store.markExhaustionAlerted(pool.name, episode, now());
    metrics.add('PoolExhausted', 1, 'Count', dims(pool.name));
    log.info('pool exhausted', { pool: pool.name, episode, waiting: counts.waiting, size: counts.size });
    story.add(
      pool.name,
      `no free EIP for ${podIp(target)}: pool exhausted (${counts.size} EIPs, ${counts.waiting} ENI${counts.waiting === 1 ? '' : 's'} waiting); alert sent`,
    );
  }

  /** Serves waiting targets, oldest first, while EIPs are free; drops waiters whose ENI is gone. */
  async function serveWaiters(pool: PoolConfig, story: Story): Promise<number> {
    const snapshot = await store.loadPool(pool.name);
    const waiters = waitersInOrder(snapshot.waiters);
    if (waiters.length === 0) return 0;
    const enis = await ec2.describeEnis(waiters.map((w) => w.eniId));
    let served = 0;
    for (const w of waiters) {
      const target = { eniId: w.eniId, privateIp: w.privateIp };
      const eni = enis.get(w.eniId);
      if (!eni || owningPool(pools, eni)?.name !== pool.name || !isTargetOf(pool, eni, w.privateIp)) {
        await store.removeWaiter(pool.name, target);
        story.add(
          pool.name,
          `${podIp(target)} no longer waits (${eni ? 'no longer matches' : 'ENI deleted'})`,
        );
        continue;
      }
      const out = await serveTarget(pool, eni, target, story, { via: 'waiter', count: true });
      if (out.kind === 'waiting') break;
      if (out.kind === 'associated' || out.kind === 'kept') served += 1;
    }
    return served;
  }

  /** Closes the exhaustion episode if an EIP is free now, and reports the pool's size and free count. */
  async function settlePool(pool: PoolConfig, story: Story, addresses?: PoolAddress[]): Promise<PoolCounts> {
    const snapshot = await store.loadPool(pool.name);
    const members =
      addresses ?? story.addresses.get(pool.name) ?? (await ec2.describePoolAddresses([pool.name]));
    const counts = poolCounts(snapshot, members);
    if (snapshot.exhaustion?.open && counts.free > 0 && (await store.closeExhaustion(pool.name, now()))) {
      story.add(pool.name, `an EIP is free again: exhaustion episode ${snapshot.exhaustion.episode} is over`);
    }
    metrics.add('PoolSize', counts.size, 'Count', dims(pool.name));
    metrics.add('PoolFree', counts.free, 'Count', dims(pool.name));
    return counts;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Events

  async function eniCreated(eventEni: EniView, story: Story): Promise<KeeperEventResult> {
    const guess = owningPool(pools, eventEni);
    if (!guess) {
      return {
        outcome: 'skipped',
        reason: `${eventEni.eniId} matches no pool (${whyNoPool(pools, eventEni)})`,
        story: [],
      };
    }
    const eni = (await ec2.describeEnis([eventEni.eniId])).get(eventEni.eniId);
    if (!eni) {
      return {
        outcome: 'skipped',
        reason: `${eventEni.eniId} was already deleted`,
        story: [`${eventEni.eniId} was already deleted: nothing to do`],
      };
    }
    const pool = owningPool(pools, eni);
    if (!pool) {
      return {
        outcome: 'skipped',
        reason: `${eni.eniId} no longer matches a pool (as EC2 describes it: ${whyNoPool(pools, eni)})`,
        story: [],
      };
    }
    const outcomes: ServeOutcome[] = [];
    for (const t of targetsOf(pool, eni))
      outcomes.push(await serveTarget(pool, eni, t, story, { via: 'event', count: true }));
    // After the full read only: counting the pool is O(pool), and an EIP taken never ends an exhaustion episode (the
    // reconciler refreshes PoolSize/PoolFree every period).
    if (outcomes.some((o) => o.kind === 'associated') && story.addresses.has(pool.name))
      await settlePool(pool, story);
    return {
      outcome: outcomes.some((o) => o.kind === 'waiting')
        ? 'waiting'
        : outcomes.some((o) => o.kind === 'associated')
          ? 'served'
          : 'unchanged',
      story: story.lines,
    };
  }

  async function releaseTargets(
    pool: PoolConfig,
    held: { target: Target; allocationId: string }[],
    at: string,
    reason: string,
    story: Story,
  ): Promise<number> {
    if (held.length === 0) return 0;
    const snapshot = await store.loadPool(pool.name);
    let freed = 0;
    for (const h of held) {
      const claim = snapshot.claims.find((c) => c.allocationId === h.allocationId);
      const wasOn = claim?.holder?.associationId !== undefined;
      if (await release(pool.name, h.allocationId, h.target, reason, { at, idle: wasOn })) {
        freed += 1;
        if (wasOn) story.untagHolder(pool, h.allocationId, h.target.eniId);
        story.add(
          pool.name,
          `freed ${claim?.publicIp ?? h.allocationId} from ${podIp(h.target)}: ${reason === 'eni-deleted' ? 'ENI deleted' : 'IP unassigned'}, idle since ${at}`,
        );
      }
    }
    return freed;
  }

  async function eniDeleted(eniId: string, at: string, story: Story): Promise<KeeperEventResult> {
    let freed = 0;
    for (const pool of pools) {
      for (const w of await store.waitersOfEni(pool.name, eniId)) {
        await store.removeWaiter(pool.name, w);
        story.add(pool.name, `${podIp(w)} no longer waits (ENI deleted)`);
      }
      const n = await releaseTargets(
        pool,
        await store.claimsOfEni(pool.name, eniId),
        at,
        'eni-deleted',
        story,
      );
      if (n === 0) continue;
      freed += n;
      await serveWaiters(pool, story);
      await settlePool(pool, story);
    }
    return freed > 0
      ? { outcome: 'freed', story: story.lines }
      : { outcome: 'unchanged', reason: `${eniId} held no pool EIP`, story: story.lines };
  }

  async function ipsAssigned(eniId: string, ips: string[], story: Story): Promise<KeeperEventResult> {
    if (!pools.some((p) => p.target === 'secondary-ip')) {
      return { outcome: 'skipped', reason: 'no pool targets secondary IPs', story: [] };
    }
    const eni = (await ec2.describeEnis([eniId])).get(eniId);
    if (!eni) return { outcome: 'skipped', reason: `${eniId} was already deleted`, story: [] };
    const pool = owningPool(pools, eni);
    if (pool?.target !== 'secondary-ip') {
      return { outcome: 'skipped', reason: `${eniId} matches no secondary-IP pool`, story: [] };
    }
    const targets = targetsOf(pool, eni).filter((t) => ips.length === 0 || ips.includes(t.privateIp));
    const outcomes: ServeOutcome[] = [];
    for (const t of targets)
      outcomes.push(await serveTarget(pool, eni, t, story, { via: 'event', count: true }));
    if (outcomes.some((o) => o.kind === 'associated')) await settlePool(pool, story);
    return {
      outcome: outcomes.some((o) => o.kind === 'waiting')
        ? 'waiting'
        : outcomes.some((o) => o.kind === 'associated')
          ? 'served'
          : 'unchanged',
      story: story.lines,
    };
  }

  async function ipsUnassigned(
    eniId: string,
    ips: string[],
    at: string,
    story: Story,
  ): Promise<KeeperEventResult> {
    let freed = 0;
    for (const pool of pools) {
      if (pool.target !== 'secondary-ip') continue;
      for (const w of await store.waitersOfEni(pool.name, eniId)) {
        if (ips.includes(w.privateIp)) await store.removeWaiter(pool.name, w);
      }
      const held = (await store.claimsOfEni(pool.name, eniId)).filter((h) =>
        ips.includes(h.target.privateIp),
      );
      const n = await releaseTargets(pool, held, at, 'ip-unassigned', story);
      if (n === 0) continue;
      freed += n;
      await serveWaiters(pool, story);
      await settlePool(pool, story);
    }
    return freed > 0
      ? { outcome: 'freed', story: story.lines }
      : { outcome: 'unchanged', story: story.lines };
  }

  async function act(r: KeeperRecord, story: Story): Promise<KeeperEventResult> {
    if (pools.length === 0) return { outcome: 'skipped', reason: 'no pools configured', story: [] };
    switch (r.kind) {
      case 'eni-created':
        return eniCreated(r.eni, story);
      case 'eni-deleted':
        return eniDeleted(r.eniId, r.eventTime, story);
      case 'ips-assigned':
        return ipsAssigned(r.eniId, r.privateIps, story);
      case 'ips-unassigned':
        return ipsUnassigned(r.eniId, r.privateIps, r.eventTime, story);
    }
  }

  async function handleEvent(event: unknown): Promise<KeeperEventResult> {
    const parsed = parseKeeperEvent(event, deps.origin);
    if (parsed.kind === 'rejected') {
      const skipped = parsed.reason === 'failed-call';
      (skipped ? log.info : log.warn)(`event ${skipped ? 'skipped' : 'rejected'}: ${parsed.message}`, {
        reason: parsed.reason,
        ...(parsed.eventId ? { eventId: parsed.eventId } : {}),
        ...(parsed.eventName ? { eventName: parsed.eventName } : {}),
        ...(parsed.field ? { field: parsed.field } : {}),
        ...(parsed.errorCode ? { errorCode: parsed.errorCode } : {}),
      });
      metrics.add(skipped ? 'KeeperEventsSkipped' : 'KeeperEventsRejected', 1, 'Count');
      return {
        outcome: skipped ? 'skipped' : 'rejected',
        reason: parsed.message,
        ...(parsed.eventId ? { eventId: parsed.eventId } : {}),
        ...(parsed.eventName ? { eventName: parsed.eventName } : {}),
        story: [`${skipped ? 'skipped' : 'rejected'}: ${parsed.message}`],
      };
    }
    const r = parsed.record;
    const meta = { eventId: r.eventId };
    const story = new Story();
    let result: KeeperEventResult;
    try {
      result = await act(r, story);
    } finally {
      await flushHolderTags(story);
    }
    // A skip is a refusal (not a pod ENI of any pool, already gone, ...): logged with its reason where Lambda's
    // default log level keeps it. Nothing to change is routine.
    if (result.outcome === 'skipped') log.info('event skipped', { ...meta, reason: result.reason });
    else if (result.outcome === 'unchanged') log.debug('nothing to do', { ...meta, reason: result.reason });
    return { ...result, ...meta };
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Reconciler

  function describeAction(a: ReconcileAction, publicIpOf: (id: string) => string): string | undefined {
    switch (a.kind) {
      case 'free':
        return `freed ${publicIpOf(a.allocationId)} from ${podIp(a.holder)}: ${FREE_REASONS[a.reason]}`;
      case 'record-association':
        return a.repair
          ? `recorded the association of ${publicIpOf(a.allocationId)} with ${podIp(a.holder)}`
          : undefined;
      case 'adopt':
        return `adopted ${publicIpOf(a.allocationId)}, already on ${podIp(a.target)}`;
      case 'retire':
        return `${publicIpOf(a.allocationId)} left the pool (untagged or released)`;
      case 'clear-manual':
        return `${publicIpOf(a.allocationId)} is no longer held outside eip-keeper: back in the pool`;
      case 'drop-waiter':
        return `${podIp(a.target)} no longer waits (${a.reason})`;
      default:
        return undefined;
    }
  }

  async function applyAction(
    pool: PoolConfig,
    a: ReconcileAction,
    ctx: {
      addresses: Map<string, PoolAddress>;
      enis: ReadonlyMap<string, EniView>;
      story: Story;
      exhausted: { yes: boolean };
    },
  ): Promise<boolean> {
    const { story } = ctx;
    const publicIpOf = (id: string) => ctx.addresses.get(id)?.publicIp ?? id;
    switch (a.kind) {
      case 'register':
        await store.registerMember(pool.name, a.allocationId, a.publicIp);
        return true;
      case 'retire':
        if (a.holder) await release(pool.name, a.allocationId, a.holder, 'left-pool', { idle: true });
        return store.retire(pool.name, a.allocationId);
      case 'free': {
        const freed = await release(pool.name, a.allocationId, a.holder, a.reason, { idle: true });
        if (freed) story.untagHolder(pool, a.allocationId, a.holder.eniId);
        return freed;
      }
      case 'record-association':
        return store.recordAssociation(pool.name, a.allocationId, a.holder, a.associationId, now());
      case 'associate': {
        const claim = await store.getClaim(pool.name, a.allocationId);
        if (!claim?.holder || !sameTarget(claim.holder, a.holder)) return false;
        const out = await associateClaimed(pool, claim, publicIpOf(a.allocationId), a.holder, story, {
          count: true,
          verb: a.reason === 'never-associated' ? 'repaired a crashed claim: gave' : 're-associated',
        });
        return out?.kind === 'associated' || out?.kind === 'kept';
      }
      case 'manual-hold': {
        const address = ctx.addresses.get(a.allocationId);
        if (address) await recordManual(pool, address, story, a.displaced);
        return false;
      }
      case 'clear-manual':
        return store.clearManualHold(pool.name, a.allocationId, a.associationId);
      case 'adopt': {
        const r = await store.claim({
          pool: pool.name,
          allocationId: a.allocationId,
          target: a.target,
          at: now(),
          via: 'adopted',
          selectorKey: selectorKey(pool),
          associationId: a.associationId,
        });
        if (r.kind === 'claimed')
          story.tagHolder(pool, a.allocationId, a.target.eniId, ctx.addresses.get(a.allocationId));
        return r.kind === 'claimed';
      }
      case 'serve': {
        const eni = ctx.enis.get(a.target.eniId);
        if (!eni) return false;
        if (ctx.exhausted.yes && !pool.allocateOnExhaustion) {
          // The pool just ran out in this run: register the rest as waiters (served as EIPs free).
          await store.addWaiter(pool.name, a.target, now());
          return false;
        }
        const out = await serveTarget(pool, eni, a.target, story, { via: 'reconcile', count: true });
        if (out.kind === 'waiting') ctx.exhausted.yes = true;
        return out.kind === 'associated';
      }
      case 'drop-waiter':
        await store.removeWaiter(pool.name, a.target);
        return true;
    }
  }

  async function reconcilePool(
    pool: PoolConfig,
    snapshot: PoolSnapshot,
    allAddresses: PoolAddress[],
    story: Story,
  ): Promise<PoolReconcileReport> {
    const addresses = allAddresses.filter((a) => a.pool === pool.name);
    const enis = new Map((await ec2.listPoolEnis(pool)).map((e) => [e.eniId, e]));
    const named = new Set<string>();
    for (const c of snapshot.claims) if (c.holder) named.add(c.holder.eniId);
    for (const w of snapshot.waiters) named.add(w.eniId);
    for (const a of addresses) if (a.association?.eniId) named.add(a.association.eniId);
    const unknown = [...named].filter((id) => !enis.has(id));
    const gone = new Set<string>();
    if (unknown.length > 0) {
      const found = await ec2.describeEnis(unknown);
      for (const id of unknown) {
        const e = found.get(id);
        if (e) enis.set(id, e);
        else gone.add(id);
      }
    }
    const plan = planReconcile({
      pool,
      pools,
      now: now(),
      snapshot,
      addresses,
      enis,
      goneEniIds: gone,
      graceMs,
    });
    for (const note of plan.notes) log.info(note, { pool: pool.name });
    // Tag drift first: the actions' own tag changes (frees, associations) come after and win.
    if (pool.tagHolder) story.tagChanges.push(...holderTagDrift(snapshot, addresses));
    const ctx = {
      addresses: new Map(addresses.map((a) => [a.allocationId, a])),
      enis,
      story,
      exhausted: { yes: false },
    };
    const done: string[] = [];
    let repairs = 0;
    for (const action of plan.actions) {
      const changed = await applyAction(pool, action, ctx);
      if (!changed) continue;
      if (isRepair(action)) repairs += 1;
      const text = describeAction(action, (id) => ctx.addresses.get(id)?.publicIp ?? id);
      if (text) {
        done.push(text);
        story.add(pool.name, text);
      }
    }
    if (repairs > 0) {
      metrics.add('ReconcileRepairs', repairs, 'Count', dims(pool.name));
      log.info('reconcile repaired the pool', { pool: pool.name, repairs });
    }
    await announceUnannouncedHolds(pool, snapshot, addresses, story);
    await announceUnannouncedExhaustion(pool, snapshot, addresses, story);
    const counts = await settlePool(pool, story);
    return { pool: pool.name, counts, repairs, actions: done };
  }

  /**
   * Manual holds recorded longer than the grace ago whose alert was never confirmed: the runtime that recorded one
   * died before its Publish (or before confirming it), and every later run takes the recorded hold as known. Claims
   * each one again (conditional on the claim it read, so exactly one run sends it) and sends its alert. Holds EC2 no
   * longer shows are left to the plan, which clears them.
   */
  async function announceUnannouncedHolds(
    pool: PoolConfig,
    snapshot: PoolSnapshot,
    addresses: PoolAddress[],
    story: Story,
  ): Promise<void> {
    for (const { claim: c, hold, address } of unannouncedHolds(
      snapshot,
      addresses,
      Date.parse(now()),
      graceMs,
    )) {
      if (
        !(await store.reclaimManualHoldAlert(
          pool.name,
          c.allocationId,
          hold.associationId,
          hold.alertClaimedAt,
          now(),
        ))
      )
        continue;
      await announceManualHold(pool, c.allocationId, address.publicIp, hold);
      story.add(
        pool.name,
        `${address.publicIp} has been held outside eip-keeper since ${hold.detectedAt}, and its alert was never sent: alert sent`,
      );
    }
  }

  /**
   * An episode opened longer than the grace ago and never announced: its opener died between opening it and
   * publishing the alert (a crash or timeout runs no clean-up), and every later handler takes it as announced.
   * Re-close it and open it again, which sends its alert (exactly once: opening is conditional).
   */
  async function announceUnannouncedExhaustion(
    pool: PoolConfig,
    snapshot: PoolSnapshot,
    addresses: PoolAddress[],
    story: Story,
  ): Promise<void> {
    const first = unannouncedExhaustionWaiter(snapshot, Date.parse(now()), graceMs);
    if (!first || !snapshot.exhaustion) return;
    await store.abandonExhaustion(pool.name, snapshot.exhaustion.episode);
    await exhausted(pool, { eniId: first.eniId, privateIp: first.privateIp }, story, addresses);
  }

  async function reconcile(): Promise<KeeperReconcileResult> {
    const story = new Story(true);
    if (pools.length === 0) return { outcome: 'reconciled', pools: [], story: [] };
    // Claims first, EC2 after: a claim read before EC2 was described is one EC2 can confirm or refute.
    const snapshots = new Map<string, PoolSnapshot>();
    for (const pool of pools) snapshots.set(pool.name, await store.loadPool(pool.name));
    const addresses = await ec2.describePoolAddresses(pools.map((p) => p.name));
    const reports: PoolReconcileReport[] = [];
    try {
      for (const pool of pools) {
        reports.push(await reconcilePool(pool, snapshots.get(pool.name) as PoolSnapshot, addresses, story));
      }
    } finally {
      await flushHolderTags(story);
    }
    const summary = reports
      .filter((r) => r.actions.length > 0 || r.repairs > 0)
      .map(
        (r) =>
          `pool ${r.pool}: ${r.counts.size} EIPs — ${r.counts.held} held, ${r.counts.free} free, ${r.counts.manual} held outside eip-keeper, ${r.counts.waiting} ENI${r.counts.waiting === 1 ? '' : 's'} waiting; ${r.repairs} repair${r.repairs === 1 ? '' : 's'}`,
      );
    return { outcome: 'reconciled', pools: reports, story: [...story.lines, ...summary] };
  }

  return { handleEvent, reconcile };
}
