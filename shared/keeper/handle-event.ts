/**
 * The event path: one CloudTrail record (an ENI created or deleted, private IPs assigned or unassigned), planned by
 * `planEvent` and applied here. An ENI created: claim a free pool EIP and associate it; an ENI deleted: free its
 * claim and serve whoever waits.
 */
import type { PoolConfig } from '../config/schema';
import { settlePool } from './announce';
import { type KeeperCore, podIp, releaseClaim } from './core';
import { type Described, type EventPlan, freesIp, planEvent } from './decide-event';
import { type KeeperRecord, parseKeeperEvent } from './events';
import type { Target } from './model';
import { type ServeOutcome, serveTarget, serveWaiters } from './serve';
import { flushHolderTags, Story } from './story';

/** What one event invocation did (returned by the handler, shown in the local story). */
export interface KeeperEventResult {
  outcome: 'served' | 'freed' | 'waiting' | 'unchanged' | 'skipped' | 'rejected';
  reason?: string;
  eventId?: string;
  eventName?: string;
  story: string[];
}

export async function handleEvent(core: KeeperCore, event: unknown): Promise<KeeperEventResult> {
  const { log } = core;
  const parsed = parseKeeperEvent(event, core.origin);
  if (parsed.kind === 'rejected') {
    const skipped = parsed.reason === 'failed-call';
    (skipped ? log.info : log.warn)(`event ${skipped ? 'skipped' : 'rejected'}: ${parsed.message}`, {
      reason: parsed.reason,
      ...(parsed.eventId ? { eventId: parsed.eventId } : {}),
      ...(parsed.eventName ? { eventName: parsed.eventName } : {}),
      ...(parsed.field ? { field: parsed.field } : {}),
      ...(parsed.errorCode ? { errorCode: parsed.errorCode } : {}),
    });
    core.metrics.add(skipped ? 'KeeperEventsSkipped' : 'KeeperEventsRejected', 1, 'Count');
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
    result = await apply(core, await plan(core, r), story);
  } finally {
    await flushHolderTags(core, story);
  }
  // A skip is a refusal (not a pod ENI of any pool, already gone, ...): logged with its reason where Lambda's
  // default log level keeps it. Nothing to change is routine.
  if (result.outcome === 'skipped') log.info('event skipped', { ...meta, reason: result.reason });
  else if (result.outcome === 'unchanged') log.debug('nothing to do', { ...meta, reason: result.reason });
  return { ...result, ...meta };
}

/** The record's plan, describing the ENI it names in EC2 first when the plan asks for it. */
async function plan(core: KeeperCore, record: KeeperRecord): Promise<EventPlan> {
  const input = { record, pools: core.pools };
  const first = planEvent(input);
  if (first.kind !== 'describe') return first;
  const eni = (await core.ec2.describeEnis([first.eniId])).get(first.eniId);
  const described: Described = { eniId: first.eniId, ...(eni ? { eni } : {}) };
  return planEvent({ ...input, described });
}

function apply(core: KeeperCore, plan: EventPlan, story: Story): Promise<KeeperEventResult> {
  switch (plan.kind) {
    case 'skip':
      return Promise.resolve({ outcome: 'skipped', reason: plan.reason, story: plan.story });
    case 'serve':
      return serveEni(core, plan, story);
    case 'free':
      return freeEni(core, plan, story);
  }
}

async function serveEni(
  core: KeeperCore,
  plan: Extract<EventPlan, { kind: 'serve' }>,
  story: Story,
): Promise<KeeperEventResult> {
  const { pool, eni } = plan;
  const outcomes: ServeOutcome[] = [];
  for (const t of plan.targets)
    outcomes.push(await serveTarget(core, pool, eni, t, story, { via: 'event', count: true }));
  const associated = outcomes.some((o) => o.kind === 'associated');
  if (associated && (!plan.settleAfterFullReadOnly || story.addresses.has(pool.name)))
    await settlePool(core, pool, story);
  return {
    outcome: outcomes.some((o) => o.kind === 'waiting') ? 'waiting' : associated ? 'served' : 'unchanged',
    story: story.lines,
  };
}

async function freeEni(
  core: KeeperCore,
  plan: Extract<EventPlan, { kind: 'free' }>,
  story: Story,
): Promise<KeeperEventResult> {
  const { store } = core;
  let freed = 0;
  for (const pool of plan.pools) {
    for (const w of await store.waitersOfEni(pool.name, plan.eniId)) {
      if (!freesIp(plan, w.privateIp)) continue;
      await store.removeWaiter(pool.name, w);
      if (plan.droppedWaiterNote)
        story.add(pool.name, `${podIp(w)} no longer waits (${plan.droppedWaiterNote})`);
    }
    const held = (await store.claimsOfEni(pool.name, plan.eniId)).filter((h) =>
      freesIp(plan, h.target.privateIp),
    );
    const n = await releaseTargets(core, pool, held, plan.at, plan.reason, story);
    if (n === 0) continue;
    freed += n;
    await serveWaiters(core, pool, story);
    await settlePool(core, pool, story);
  }
  if (freed > 0) return { outcome: 'freed', story: story.lines };
  return {
    outcome: 'unchanged',
    ...(plan.unchangedReason ? { reason: plan.unchangedReason } : {}),
    story: story.lines,
  };
}

/** Releases what these targets held (the EIP idle since `at`); the number released. */
async function releaseTargets(
  core: KeeperCore,
  pool: PoolConfig,
  held: { target: Target; allocationId: string }[],
  at: string,
  reason: 'eni-deleted' | 'ip-unassigned',
  story: Story,
): Promise<number> {
  if (held.length === 0) return 0;
  const snapshot = await core.store.loadPool(pool.name);
  let freed = 0;
  for (const h of held) {
    const claim = snapshot.claims.find((c) => c.allocationId === h.allocationId);
    const wasOn = claim?.holder?.associationId !== undefined;
    if (await releaseClaim(core, pool.name, h.allocationId, h.target, reason, { at, idle: wasOn })) {
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
