/**
 * The event path: one CloudTrail record (an ENI created or deleted, private IPs assigned or unassigned, a pool tag
 * changed), planned by `planEvent` and applied here. An event is a hint, never evidence on its own (anyone allowed
 * `lambda:InvokeFunction` on the function can hand it one): an event from the future is refused; an ENI created is
 * served only once the live evidence proves it a pod of the pool's cluster (identity.ts); an ENI deleted frees
 * nothing until EC2 confirms it is gone.
 */
import type { PoolConfig } from '../config/schema';
import { settlePool } from './announce';
import { type KeeperCore, podIp, releaseClaim } from './core';
import { type Described, type EventPlan, freesIp, inTheFuture, planEvent } from './decide-event';
import { type KeeperRecord, parseKeeperEvent } from './events';
import { type Target, targetKey } from './model';
import { type ServeOutcome, serveTarget, serveWaiters } from './serve';
import { flushHolderTags, Story } from './story';
import { tellTagChanges } from './tag-events';
import { refuseUnproven } from './unproven';

/** What one event invocation did (returned by the handler, shown in the local story). */
export interface KeeperEventResult {
  outcome: 'served' | 'freed' | 'waiting' | 'unchanged' | 'skipped' | 'rejected' | 'refused' | 'alerted';
  reason?: string;
  eventId?: string;
  eventName?: string;
  story: string[];
}

function rejected(core: KeeperCore, message: string, meta: { eventId?: string; eventName?: string }) {
  core.metrics.add('KeeperEventsRejected', 1, 'Count');
  return { outcome: 'rejected' as const, reason: message, ...meta, story: [`rejected: ${message}`] };
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
    if (!skipped) return rejected(core, parsed.message, parsed);
    core.metrics.add('KeeperEventsSkipped', 1, 'Count');
    return {
      outcome: 'skipped',
      reason: parsed.message,
      ...(parsed.eventId ? { eventId: parsed.eventId } : {}),
      ...(parsed.eventName ? { eventName: parsed.eventName } : {}),
      story: [`skipped: ${parsed.message}`],
    };
  }
  const r = parsed.record;
  const meta = { eventId: r.eventId };
  if (inTheFuture(r.eventTime, Date.parse(core.now()))) {
    const message = `eventTime ${r.eventTime} is in the future: CloudTrail never reports one, the event is forged`;
    log.warn(`event rejected: ${message}`, meta);
    return rejected(core, message, meta);
  }
  const story = new Story();
  let result: KeeperEventResult;
  try {
    result = await apply(core, await plan(core, r), story);
  } finally {
    await flushHolderTags(core, story);
  }
  // A skip is a refusal (not a pod ENI of any pool, already gone, ...): logged with its reason where Lambda's
  // default log level keeps it. Nothing to change is routine.
  if (result.outcome === 'skipped' || result.outcome === 'refused')
    log.info(`event ${result.outcome}`, { ...meta, reason: result.reason });
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

async function apply(core: KeeperCore, plan: EventPlan, story: Story): Promise<KeeperEventResult> {
  switch (plan.kind) {
    case 'skip':
      return { outcome: 'skipped', reason: plan.reason, story: plan.story };
    case 'serve':
      return serveEni(core, plan, story);
    case 'free':
      return freeEni(core, plan, story);
    case 'tags': {
      const sent = await tellTagChanges(core, plan.changes, plan.record, story);
      return {
        outcome: sent > 0 ? 'alerted' : 'unchanged',
        reason: sent > 0 ? 'pool tag changed' : 'no configured pool concerned, or already told',
        story: story.lines,
      };
    }
  }
}

/** Serves the targets the evidence proves pods of the pool's cluster; refuses (and alerts on) the others. */
async function serveEni(
  core: KeeperCore,
  plan: Extract<EventPlan, { kind: 'serve' }>,
  story: Story,
): Promise<KeeperEventResult> {
  const { pool, eni } = plan;
  const verdicts = await core.identity.verifyTargets(
    pool,
    plan.targets.map((target) => ({ eni, target, ...(plan.creation ? { creation: plan.creation } : {}) })),
  );
  const proven: Target[] = [];
  let refusal: string | undefined;
  for (const t of plan.targets) {
    const v = verdicts.get(targetKey(t));
    if (v?.kind === 'proven') {
      proven.push(t);
      continue;
    }
    if (refusal !== undefined || !v) continue;
    refusal = v.kind === 'refused' ? v.reasons.join('; ') : v.reason;
    if (v.kind === 'refused') await refuseUnproven(core, pool, eni, v, story);
    else story.add(pool.name, `${eni.eniId} not served yet: ${refusal}`);
  }
  if (proven.length === 0)
    return { outcome: 'refused', reason: refusal ?? `${eni.eniId} has no target`, story: story.lines };
  const provenAt = core.now();
  const outcomes: ServeOutcome[] = [];
  for (const t of proven) {
    outcomes.push(
      await serveTarget(core, pool, eni, t, story, {
        via: 'event',
        count: true,
        provenAt,
        ...(plan.creation ? { creation: plan.creation } : {}),
      }),
    );
  }
  const associated = outcomes.some((o) => o.kind === 'associated');
  if (associated && (!plan.settleAfterFullReadOnly || story.addresses.has(pool.name)))
    await settlePool(core, pool, story);
  return {
    outcome: outcomes.some((o) => o.kind === 'waiting') ? 'waiting' : associated ? 'served' : 'unchanged',
    story: story.lines,
  };
}

/**
 * Frees what the ENI (or its unassigned IPs) held and drops its waiters, once EC2 confirms: an ENI EC2 still shows
 * (or an IP still on it) keeps its claim, whatever the event says. Nothing held, nothing read from EC2.
 */
async function freeEni(
  core: KeeperCore,
  plan: Extract<EventPlan, { kind: 'free' }>,
  story: Story,
): Promise<KeeperEventResult> {
  const { store } = core;
  const found: { pool: PoolConfig; waiters: Target[]; held: { target: Target; allocationId: string }[] }[] =
    [];
  for (const pool of plan.pools) {
    const waiters = (await store.waitersOfEni(pool.name, plan.eniId)).filter((w) =>
      freesIp(plan, w.privateIp),
    );
    const held = (await store.claimsOfEni(pool.name, plan.eniId)).filter((h) =>
      freesIp(plan, h.target.privateIp),
    );
    if (waiters.length > 0 || held.length > 0) found.push({ pool, waiters, held });
  }
  if (found.length === 0)
    return {
      outcome: 'unchanged',
      ...(plan.unchangedReason ? { reason: plan.unchangedReason } : {}),
      story: [],
    };
  const live = (await core.ec2.describeEnis([plan.eniId])).get(plan.eniId);
  const stillThere = (ip: string) =>
    live !== undefined && [live.privateIp, ...live.secondaryIps].includes(ip);
  const refuted = found
    .flatMap((f) => [...f.waiters, ...f.held.map((h) => h.target)])
    .filter((t) => stillThere(t.privateIp));
  if (refuted.length > 0) {
    core.metrics.add('KeeperEventsContradicted', 1, 'Count');
    core.log.warn('event contradicted by EC2: nothing freed for what is still there', {
      eniId: plan.eniId,
      privateIps: refuted.map((t) => t.privateIp),
    });
  }
  let freed = 0;
  for (const { pool, waiters, held } of found) {
    for (const w of waiters) {
      if (stillThere(w.privateIp)) continue;
      await store.removeWaiter(pool.name, w);
      if (plan.droppedWaiterNote)
        story.add(pool.name, `${podIp(w)} no longer waits (${plan.droppedWaiterNote})`);
    }
    const gone = held.filter((h) => !stillThere(h.target.privateIp));
    const n = await releaseTargets(core, pool, gone, plan.at, plan.reason, story);
    if (n === 0) continue;
    freed += n;
    await serveWaiters(core, pool, story);
    await settlePool(core, pool, story);
  }
  if (freed > 0) return { outcome: 'freed', story: story.lines };
  if (refuted.length > 0)
    return {
      outcome: 'refused',
      reason: `EC2 still shows ${plan.eniId}${plan.ips ? ' with those IPs' : ''}: the event is contradicted, nothing freed`,
      story: story.lines,
    };
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
