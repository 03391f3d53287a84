/**
 * The reconciler, the event path's backstop: every period, each pool's approved members, claims and candidate ENIs
 * against EC2 and the identity evidence (desired vs actual, planned by `planReconcile`), repaired action by action,
 * then the security alerts (unproven ENIs, unapproved members) and the alerts a crashed run left unsent.
 */
import type { PoolConfig } from '../config/schema';
import { manualHoldSubjects } from '../securityhub/subjects';
import { unapprovedMemberAlert } from './alerts-security';
import { announceUnsent, recordManual, settlePool } from './announce';
import { associateClaimed, displaced } from './associate';
import { type KeeperCore, podIp, releaseClaim } from './core';
import { holderTagDrift } from './decide-holder-tags';
import type { IdentityVerdict } from './decide-identity';
import { membershipOf } from './decide-membership';
import { isRepair, planReconcile, type ReconcileAction } from './decide-reconcile';
import {
  type EniView,
  type PoolAddress,
  type PoolCounts,
  type PoolSnapshot,
  sameTarget,
  type Target,
  targetKey,
} from './model';
import { resendUnsentAlerts, sendSecurityAlert } from './security';
import { owningPool, selectorKey, targetsOf } from './selector';
import { serveTarget } from './serve';
import { flushHolderTags, Story } from './story';
import { refuseUnproven } from './unproven';

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
  'not-proven': 'its holder is not a proven pod of the cluster (any more)',
} as const;

/** Unproven ENIs a run alerts on, per pool (each once; the rest in later runs): a flood cannot flood the topic. */
export const MAX_UNPROVEN_ALERTS_PER_RUN = 10;

/** What one reconcile run knows while it applies a pool's plan. */
interface ApplyContext {
  addresses: Map<string, PoolAddress>;
  enis: ReadonlyMap<string, EniView>;
  story: Story;
  /** The pool ran out during this run. */
  exhausted: { yes: boolean };
  /** Creation records of waiting targets, by target key (kept on their waiter items). */
  waiterCreations: ReadonlyMap<string, NonNullable<PoolSnapshot['waiters'][number]['creation']>>;
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
  const membership = membershipOf(pool, allAddresses, snapshot.claims);
  const addresses = membership.members;
  story.sawMembers(
    pool.name,
    allAddresses.filter((a) => a.pool === pool.name),
  );
  await reportMembership(core, pool, membership);
  const { enis, gone } = await gatherEnis(core, pool, snapshot, addresses);
  const verdicts = await verdictsOf(core, pool, snapshot, enis);
  const plan = planReconcile({
    pool,
    pools: core.pools,
    now: core.now(),
    snapshot,
    addresses,
    enis,
    goneEniIds: gone,
    verdicts,
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
    waiterCreations: new Map(
      snapshot.waiters.flatMap((w) => (w.creation ? [[targetKey(w), w.creation]] : [])),
    ),
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
  await alertSuspects(core, pool, enis, verdicts, story);
  await announceUnsent(core, pool, snapshot, addresses, story);
  await resendUnsentAlerts(core, snapshot);
  const counts = await settlePool(core, pool, story, addresses);
  return { pool: pool.name, counts, repairs, actions: done };
}

/** Alerts each tagged address the pool does not approve (once each), and logs listed members EC2 does not show. */
async function reportMembership(
  core: KeeperCore,
  pool: PoolConfig,
  m: ReturnType<typeof membershipOf>,
): Promise<void> {
  for (const a of m.unapproved) {
    const where = a.association?.eniId ?? a.association?.instanceId;
    await sendSecurityAlert(
      core,
      pool.name,
      unapprovedMemberAlert(core.subjectPrefix, {
        pool: pool.name,
        region: core.origin.region,
        accountId: core.origin.accountId,
        at: core.now(),
        allocationId: a.allocationId,
        publicIp: a.publicIp,
        ...(where ? { associatedWith: where } : {}),
      }),
    );
  }
  if (m.untagged.length > 0)
    core.log.warn('listed pool members not tagged with the pool (not members until tagged)', {
      pool: pool.name,
      listed: m.untagged,
    });
}

/**
 * The identity verdict of every target of the pool's ENIs: holders proven when their claim was made are checked
 * live only; waiters bring the creation record their event carried; the others' records come from the inventory.
 */
async function verdictsOf(
  core: KeeperCore,
  pool: PoolConfig,
  snapshot: PoolSnapshot,
  enis: ReadonlyMap<string, EniView>,
): Promise<Map<string, IdentityVerdict>> {
  const provenHolders = new Set(
    snapshot.claims.flatMap((c) => (c.holder?.provenAt ? [targetKey(c.holder)] : [])),
  );
  const creations = new Map(
    snapshot.waiters.flatMap((w) => (w.creation ? [[targetKey(w), w.creation]] : [])),
  );
  const requests: {
    eni: EniView;
    target: Target;
    creation?: NonNullable<PoolSnapshot['waiters'][number]['creation']>;
    provenBefore?: boolean;
  }[] = [];
  for (const eni of enis.values()) {
    if (owningPool(core.pools, eni)?.name !== pool.name) continue;
    for (const target of targetsOf(pool, eni)) {
      const key = targetKey(target);
      const creation = creations.get(key);
      requests.push({
        eni,
        target,
        ...(creation ? { creation } : {}),
        ...(provenHolders.has(key) ? { provenBefore: true } : {}),
      });
    }
  }
  return core.identity.verifyTargets(pool, requests);
}

/** Alerts (each ENI once, at most a few per run) the ENIs that look like the pool's pods and are not. */
async function alertSuspects(
  core: KeeperCore,
  pool: PoolConfig,
  enis: ReadonlyMap<string, EniView>,
  verdicts: ReadonlyMap<string, IdentityVerdict>,
  story: Story,
): Promise<void> {
  const seen = new Set<string>();
  let alerted = 0;
  for (const [key, v] of verdicts) {
    if (v.kind !== 'refused' || !v.suspect) continue;
    const eniId = key.slice(0, key.indexOf('#'));
    const eni = enis.get(eniId);
    if (!eni || seen.has(eniId)) continue;
    seen.add(eniId);
    if (alerted >= MAX_UNPROVEN_ALERTS_PER_RUN) continue;
    await refuseUnproven(core, pool, eni, v, story);
    alerted += 1;
  }
  if (seen.size > alerted)
    core.log.warn('more unproven ENIs than one run alerts on', {
      pool: pool.name,
      unproven: seen.size,
      alerted,
    });
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
      if (a.disassociate) await core.ec2.disassociate(a.disassociate);
      const freed = await releaseClaim(core, pool.name, a.allocationId, a.holder, a.reason, { idle: true });
      if (freed) story.untagHolder(pool, a.allocationId, a.holder.eniId);
      return freed;
    }
    case 'displaced':
      await displaced(core, pool, a, a.holder, a.nowHolds, story);
      return true;
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
        provenAt: core.now(),
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
      const creation = ctx.waiterCreations.get(targetKey(a.target));
      const out = await serveTarget(core, pool, eni, a.target, story, {
        via: 'reconcile',
        count: true,
        provenAt: core.now(),
        ...(creation ? { creation } : {}),
      });
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
      return `freed ${publicIpOf(a.allocationId)} from ${podIp(a.holder)}: ${FREE_REASONS[a.reason]}${a.disassociate ? ' (disassociated)' : ''}`;
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
