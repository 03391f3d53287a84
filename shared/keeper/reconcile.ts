/**
 * The reconciler, the event path's backstop: every period, each pool's claims against EC2 (desired vs actual, planned
 * by `planReconcile`), repaired action by action, then the alerts a crashed run left unsent.
 */
import type { PoolConfig } from '../config/schema';
import { manualHoldSubjects } from '../securityhub/subjects';
import { announceUnsent, recordManual, settlePool } from './announce';
import { associateClaimed } from './associate';
import { type KeeperCore, podIp, releaseClaim } from './core';
import { holderTagDrift } from './decide-holder-tags';
import { isRepair, planReconcile, type ReconcileAction } from './decide-reconcile';
import { type EniView, type PoolAddress, type PoolCounts, type PoolSnapshot, sameTarget } from './model';
import { selectorKey } from './selector';
import { serveTarget } from './serve';
import { flushHolderTags, Story } from './story';

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

const FREE_REASONS = {
  'eni-gone': 'its ENI was deleted and the event never came',
  'ip-gone': 'its private IP is gone',
  'no-longer-matches': 'its ENI no longer matches the pool',
  'has-other-address': 'its ENI got another public address',
} as const;

/** What one reconcile run knows while it applies a pool's plan. */
interface ApplyContext {
  addresses: Map<string, PoolAddress>;
  enis: ReadonlyMap<string, EniView>;
  story: Story;
  /** The pool ran out during this run. */
  exhausted: { yes: boolean };
}

export async function reconcile(core: KeeperCore): Promise<KeeperReconcileResult> {
  const { pools, store } = core;
  const story = new Story(true);
  if (pools.length === 0) return { outcome: 'reconciled', pools: [], story: [] };
  // Claims first, EC2 after: a claim read before EC2 was described is one EC2 can confirm or refute.
  const snapshots = new Map<string, PoolSnapshot>();
  for (const pool of pools) snapshots.set(pool.name, await store.loadPool(pool.name));
  const addresses = await core.ec2.describePoolAddresses(pools.map((p) => p.name));
  const reports: PoolReconcileReport[] = [];
  try {
    for (const pool of pools) {
      reports.push(
        await reconcilePool(core, pool, snapshots.get(pool.name) as PoolSnapshot, addresses, story),
      );
    }
  } finally {
    await flushHolderTags(core, story);
  }
  // The holds as recorded now (this run may have recorded or cleared some); Security Hub failures are never thrown.
  await core.findings?.sync('untrusted-eni', async () => {
    const after: PoolSnapshot[] = [];
    for (const pool of pools) after.push(await store.loadPool(pool.name));
    return manualHoldSubjects(after, addresses);
  });
  const summary = reports
    .filter((r) => r.actions.length > 0 || r.repairs > 0)
    .map(
      (r) =>
        `pool ${r.pool}: ${r.counts.size} EIPs — ${r.counts.held} held, ${r.counts.free} free, ${r.counts.manual} held outside eip-keeper, ${r.counts.waiting} ENI${r.counts.waiting === 1 ? '' : 's'} waiting; ${r.repairs} repair${r.repairs === 1 ? '' : 's'}`,
    );
  return { outcome: 'reconciled', pools: reports, story: [...story.lines, ...summary] };
}

async function reconcilePool(
  core: KeeperCore,
  pool: PoolConfig,
  snapshot: PoolSnapshot,
  allAddresses: PoolAddress[],
  story: Story,
): Promise<PoolReconcileReport> {
  const addresses = allAddresses.filter((a) => a.pool === pool.name);
  const { enis, gone } = await gatherEnis(core, pool, snapshot, addresses);
  const plan = planReconcile({
    pool,
    pools: core.pools,
    now: core.now(),
    snapshot,
    addresses,
    enis,
    goneEniIds: gone,
    graceMs: core.graceMs,
  });
  for (const note of plan.notes) core.log.info(note, { pool: pool.name });
  // Tag drift first: the actions' own tag changes (frees, associations) come after and win.
  if (pool.tagHolder) story.tagChanges.push(...holderTagDrift(snapshot, addresses));
  const ctx: ApplyContext = {
    addresses: new Map(addresses.map((a) => [a.allocationId, a])),
    enis,
    story,
    exhausted: { yes: false },
  };
  const done: string[] = [];
  let repairs = 0;
  for (const action of plan.actions) {
    const changed = await applyAction(core, pool, action, ctx);
    if (!changed) continue;
    if (isRepair(action)) repairs += 1;
    const text = describeAction(action, (id) => ctx.addresses.get(id)?.publicIp ?? id);
    if (text) {
      done.push(text);
      story.add(pool.name, text);
    }
  }
  if (repairs > 0) {
    core.metrics.add('ReconcileRepairs', repairs, 'Count', core.dims(pool.name));
    core.log.info('reconcile repaired the pool', { pool: pool.name, repairs });
  }
  await announceUnsent(core, pool, snapshot, addresses, story);
  const counts = await settlePool(core, pool, story);
  return { pool: pool.name, counts, repairs, actions: done };
}

/**
 * The pool's candidate ENIs, plus every ENI a claim, waiter or association names, looked up by id; `gone`: those
 * looked up and not found (deleted: ENI ids are never reused).
 */
async function gatherEnis(
  core: KeeperCore,
  pool: PoolConfig,
  snapshot: PoolSnapshot,
  addresses: readonly PoolAddress[],
): Promise<{ enis: Map<string, EniView>; gone: Set<string> }> {
  const enis = new Map((await core.ec2.listPoolEnis(pool)).map((e) => [e.eniId, e]));
  const named = new Set<string>();
  for (const c of snapshot.claims) if (c.holder) named.add(c.holder.eniId);
  for (const w of snapshot.waiters) named.add(w.eniId);
  for (const a of addresses) if (a.association?.eniId) named.add(a.association.eniId);
  const unknown = [...named].filter((id) => !enis.has(id));
  const gone = new Set<string>();
  if (unknown.length > 0) {
    const found = await core.ec2.describeEnis(unknown);
    for (const id of unknown) {
      const e = found.get(id);
      if (e) enis.set(id, e);
      else gone.add(id);
    }
  }
  return { enis, gone };
}

/** Applies one action of the plan; true when it changed something. */
async function applyAction(
  core: KeeperCore,
  pool: PoolConfig,
  a: ReconcileAction,
  ctx: ApplyContext,
): Promise<boolean> {
  const { store } = core;
  const { story } = ctx;
  const publicIpOf = (id: string) => ctx.addresses.get(id)?.publicIp ?? id;
  switch (a.kind) {
    case 'register':
      await store.registerMember(pool.name, a.allocationId, a.publicIp);
      return true;
    case 'retire':
      if (a.holder)
        await releaseClaim(core, pool.name, a.allocationId, a.holder, 'left-pool', { idle: true });
      return store.retire(pool.name, a.allocationId);
    case 'free': {
      const freed = await releaseClaim(core, pool.name, a.allocationId, a.holder, a.reason, { idle: true });
      if (freed) story.untagHolder(pool, a.allocationId, a.holder.eniId);
      return freed;
    }
    case 'record-association':
      return store.recordAssociation(pool.name, a.allocationId, a.holder, a.associationId, core.now());
    case 'associate': {
      const claim = await store.getClaim(pool.name, a.allocationId);
      if (!claim?.holder || !sameTarget(claim.holder, a.holder)) return false;
      const out = await associateClaimed(core, pool, claim, publicIpOf(a.allocationId), a.holder, story, {
        count: true,
        verb: a.reason === 'never-associated' ? 'repaired a crashed claim: gave' : 're-associated',
      });
      return out?.kind === 'associated' || out?.kind === 'kept';
    }
    case 'manual-hold': {
      const address = ctx.addresses.get(a.allocationId);
      if (address) await recordManual(core, pool, address, story, a.displaced);
      return false;
    }
    case 'clear-manual':
      return store.clearManualHold(pool.name, a.allocationId, a.associationId);
    case 'adopt': {
      const r = await store.claim({
        pool: pool.name,
        allocationId: a.allocationId,
        target: a.target,
        at: core.now(),
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
        await store.addWaiter(pool.name, a.target, core.now());
        return false;
      }
      const out = await serveTarget(core, pool, eni, a.target, story, { via: 'reconcile', count: true });
      if (out.kind === 'waiting') ctx.exhausted.yes = true;
      return out.kind === 'associated';
    }
    case 'drop-waiter':
      await store.removeWaiter(pool.name, a.target);
      return true;
  }
}

/** The story's line for an action that changed something (none for routine bookkeeping). */
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
