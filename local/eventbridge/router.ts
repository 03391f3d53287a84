/**
 * The local EventBridge: matches each event against the same pattern objects the stack deploys, then delivers it
 * to the same handler functions Lambda would run, the way AWS does it — at least once, asynchronously, with Lambda's
 * async retries (1 min, then 2 min) and an on-failure DLQ — on the virtual clock. Delay, duplication, reordering and
 * loss are switchable per scenario, and a seeded RNG keeps every run repeatable.
 */
import type { EventPattern } from '../../shared/events/patterns';
import type { VirtualClock } from '../core/clock';
import { VirtualScheduler } from '../core/scheduler';
import type { EventBridgeEvent } from '../core/types';
import { matchesPattern } from './match';

/**
 * A log-normal delivery delay, given by its median and 99th percentile (seconds): positive, most events quick, a long
 * tail of late ones. AWS publishes no distribution for CloudTrail's events on EventBridge, only that delivery is best
 * effort (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-delivery-level.html) and that
 * CloudTrail delivers an event within about 5 minutes of the call on average
 * (https://aws.amazon.com/cloudtrail/faqs/); docs/performance.md says which parameters the bench uses and why.
 */
export interface LogNormalDelay {
  medianSeconds: number;
  p99Seconds: number;
}

export interface DeliveryFaults {
  /** Extra delivery latency in seconds: fixed, uniform in [min, max], or log-normal. */
  delaySeconds?: number | { min: number; max: number } | { logNormal: LogNormalDelay };
  /** Probability (0–1) that an event is delivered more than once. */
  duplicate?: number;
  /** How many copies a duplicated event is delivered as: a number, or uniform in [min, max] (default 2). */
  copies?: number | { min: number; max: number };
  /** Probability (0–1) that an event is never delivered. */
  drop?: number;
  /** Only these event names are affected by drop (all when absent). */
  dropEventNames?: string[];
  /** Deliver due events in a shuffled order (and with up to `reorderWindowSeconds` of extra jitter). */
  reorder?: boolean;
  reorderWindowSeconds?: number;
}

export interface RouteTarget {
  functionId: string;
  /** The rule's pattern; scheduled targets have none. */
  pattern?: EventPattern;
  ruleId: string;
  /** The function's reserved concurrency: deliveries beyond it wait, as Lambda queues async events. */
  maxConcurrency?: number;
  /** The function's configured timeout (the region's fault layer enforces it on the virtual clock). */
  timeoutMs?: number;
  invoke(event: EventBridgeEvent): Promise<unknown>;
}

/** One delivery attempt, as the invocation wrapper sees it. */
export interface InvocationInfo {
  functionId: string;
  ruleId: string;
  eventId: string;
  attempt: number;
  timeoutMs?: number;
  /** Virtual time the event was put on the bus, and when its delivery (or this retry) fell due. */
  putMs?: number;
  dueMs?: number;
}

/** Runs one invocation (e.g. to record Lambda's Errors metric, or to inject faults into it); must call `invoke`. */
export type InvocationWrapper = (info: InvocationInfo, invoke: () => Promise<unknown>) => Promise<unknown>;

export interface Invocation {
  functionId: string;
  ruleId: string;
  at: string;
  eventId: string;
  eventName?: string;
  attempt: number;
  outcome: 'ok' | 'error';
  result?: unknown;
  error?: string;
}

export interface DlqEntry {
  functionId: string;
  ruleId: string;
  at: string;
  eventId: string;
  reason: 'retries-exhausted' | 'max-event-age';
  error?: string;
  attempts: number;
  event: EventBridgeEvent;
}

export interface DroppedEvent {
  at: string;
  eventId: string;
  eventName?: string;
}

interface Pending {
  dueMs: number;
  seq: number;
  target: RouteTarget;
  event: EventBridgeEvent;
  attempt: number;
  firstDueMs: number;
  putMs: number;
}

interface Schedule {
  target: RouteTarget;
  periodMs: number;
  nextMs: number;
}

/** Lambda's asynchronous-invocation defaults, as the stack configures them. */
export const ASYNC_RETRY_DELAYS_MS = [60_000, 120_000];
export const MAX_EVENT_AGE_MS = 6 * 3600_000;

/** A small seeded PRNG (mulberry32), so a scenario's faults are the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class LocalEventBridge {
  readonly invocations: Invocation[] = [];
  readonly dlq: DlqEntry[] = [];
  /** Failed invocations Lambda could not put in the on-failure queue (IAM refused the send): lost. */
  readonly undeliverable: DlqEntry[] = [];
  /** Puts a dead letter as Lambda would, with the function's role; false when it is refused (set by the region). */
  sendDeadLetter?: (entry: DlqEntry) => Promise<boolean>;
  readonly dropped: DroppedEvent[] = [];
  /** Every event put on the bus, in order. */
  readonly events: EventBridgeEvent[] = [];
  private readonly pending: Pending[] = [];
  private readonly schedules: Schedule[] = [];
  private seq = 0;
  private faults: DeliveryFaults = {};
  private readonly random: () => number;
  private readonly putMsOf = new WeakMap<EventBridgeEvent, number>();
  /** Virtual time for handlers that back off (SDK retries); see local/core/scheduler.ts. */
  readonly scheduler: VirtualScheduler;

  constructor(
    private readonly clock: VirtualClock,
    private readonly targets: RouteTarget[],
    private readonly origin: { accountId: string; region: string },
    opts: { seed?: number; concurrency?: number } = {},
  ) {
    this.random = seededRandom(opts.seed ?? 1);
    this.concurrency = opts.concurrency ?? 10;
    this.scheduler = new VirtualScheduler(clock);
  }

  /** How many deliveries run at once (Lambda runs handlers in parallel). */
  concurrency: number;

  /** Wraps every invocation (the simulated region records Lambda's metrics and injects handler faults here). */
  wrapInvocation?: InvocationWrapper;

  setFaults(faults: DeliveryFaults): void {
    this.faults = { ...faults };
  }

  /** A rule and its target (what `new Rule(...).addTarget(...)` deploys). */
  addTarget(target: RouteTarget): void {
    this.targets.push(target);
  }

  addSchedule(target: RouteTarget, periodMinutes: number): void {
    const periodMs = periodMinutes * 60_000;
    this.schedules.push({ target, periodMs, nextMs: this.clock.nowMs() + periodMs });
  }

  /** Removes a function's rules (a redeploy builds them again from its configuration). */
  removeTargets(functionId: string): void {
    for (let i = this.targets.length - 1; i >= 0; i--)
      if (this.targets[i]?.functionId === functionId) this.targets.splice(i, 1);
  }

  /** Removes a function's schedules (a redeploy that changes them adds them again). */
  removeSchedules(functionId: string): void {
    for (let i = this.schedules.length - 1; i >= 0; i--)
      if (this.schedules[i]?.target.functionId === functionId) this.schedules.splice(i, 1);
  }

  /** PutEvents: routes to every matching rule, applying the delivery faults. */
  put(event: EventBridgeEvent): void {
    this.events.push(event);
    this.putMsOf.set(event, this.clock.nowMs());
    const name = eventNameOf(event);
    for (const target of this.targets) {
      if (!target.pattern || !matchesPattern(target.pattern, event)) continue;
      const f = this.faults;
      if (
        f.drop &&
        (!f.dropEventNames || (name && f.dropEventNames.includes(name))) &&
        this.random() < f.drop
      ) {
        this.dropped.push({ at: this.clock.now().toISOString(), eventId: event.id, eventName: name });
        continue;
      }
      const copies = f.duplicate && this.random() < f.duplicate ? this.duplicateCopies() : 1;
      for (let i = 0; i < copies; i++) this.enqueue(target, event, this.deliveryDelayMs());
    }
  }

  /** Delivers an event to one function directly (a scheduled or manual invoke), through the same retry path. */
  invokeNow(target: RouteTarget, event: EventBridgeEvent): void {
    this.enqueue(target, event, 0);
  }

  /** Number of deliveries not yet made (including retries waiting for their backoff). */
  backlog(): number {
    return this.pending.length;
  }

  /**
   * Runs every delivery due now, and the ones they cause, until nothing more is due. Up to `concurrency` deliveries
   * run at once (and no more than a function's `maxConcurrency`); when every running delivery sleeps on the virtual
   * clock (SDK back-off), the clock moves to the next wake-up or the next due delivery, whichever comes first.
   */
  async drain(): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    const running = new Map<string, number>();
    for (;;) {
      const now = this.clock.nowMs();
      const due = this.pending.filter((p) => p.dueMs <= now);
      due.sort((a, b) => a.dueMs - b.dueMs || a.seq - b.seq);
      if (this.faults.reorder) shuffle(due, this.random);
      for (const p of due) {
        if (inFlight.size >= this.concurrency) break;
        const id = p.target.functionId;
        if ((running.get(id) ?? 0) >= (p.target.maxConcurrency ?? Number.POSITIVE_INFINITY)) continue;
        this.pending.splice(this.pending.indexOf(p), 1);
        running.set(id, (running.get(id) ?? 0) + 1);
        this.scheduler.active += 1;
        const delivery: Promise<void> = this.deliver(p).finally(() => {
          running.set(id, (running.get(id) ?? 1) - 1);
          this.scheduler.active -= 1;
          inFlight.delete(delivery);
        });
        inFlight.add(delivery);
      }
      if (inFlight.size === 0) return;
      if (this.scheduler.asleep() >= inFlight.size) {
        // Everyone running is backing off: let virtual time pass to whatever happens first.
        const wake = this.scheduler.nextWakeMs() ?? Number.POSITIVE_INFINITY;
        const startable = this.pending.filter(
          (p) =>
            (running.get(p.target.functionId) ?? 0) < (p.target.maxConcurrency ?? Number.POSITIVE_INFINITY),
        );
        const nextDue = Math.min(...startable.map((p) => p.dueMs));
        if (nextDue < wake && inFlight.size < this.concurrency) this.clock.advanceTo(nextDue);
        else this.scheduler.wakeNext();
        continue;
      }
      await Promise.race([...inFlight, this.scheduler.changed()]);
    }
  }

  /** Moves the clock forward to `targetMs`, delivering delayed events, retries and schedules at their due times. */
  async advanceTo(targetMs: number): Promise<void> {
    await this.drain();
    for (;;) {
      const nextPending = Math.min(...this.pending.map((p) => p.dueMs));
      const nextSchedule = Math.min(...this.schedules.map((s) => s.nextMs));
      const next = Math.min(nextPending, nextSchedule);
      if (!Number.isFinite(next) || next > targetMs) break;
      this.clock.advanceTo(next);
      for (const s of this.schedules) {
        if (s.nextMs <= next) {
          this.enqueue(s.target, this.scheduledEvent(s.target), 0);
          s.nextMs += s.periodMs;
        }
      }
      await this.drain();
    }
    this.clock.advanceTo(targetMs);
    await this.drain();
  }

  /** The event EventBridge Scheduler/rules send on a schedule. */
  scheduledEvent(target: RouteTarget): EventBridgeEvent {
    this.seq += 1;
    const time = this.clock
      .now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
    const { accountId, region } = this.origin;
    return {
      version: '0',
      id: `scheduled-${target.functionId}-${this.seq}`,
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: accountId,
      time,
      region,
      resources: [`arn:aws:events:${region}:${accountId}:rule/${target.ruleId}`],
      detail: {},
    };
  }

  private duplicateCopies(): number {
    const c = this.faults.copies;
    if (c === undefined) return 2;
    if (typeof c === 'number') return Math.max(1, Math.round(c));
    return Math.max(1, c.min + Math.floor(this.random() * (c.max - c.min + 1)));
  }

  private deliveryDelayMs(): number {
    const d = this.faults.delaySeconds;
    let seconds = 0;
    if (typeof d === 'number') seconds = d;
    else if (d && 'logNormal' in d) seconds = logNormalSeconds(d.logNormal, this.random);
    else if (d) seconds = d.min + this.random() * (d.max - d.min);
    if (this.faults.reorder) seconds += this.random() * (this.faults.reorderWindowSeconds ?? 5);
    return Math.round(seconds * 1000);
  }

  private enqueue(
    target: RouteTarget,
    event: EventBridgeEvent,
    delayMs: number,
    attempt = 1,
    firstDueMs?: number,
  ): void {
    const dueMs = this.clock.nowMs() + delayMs;
    this.seq += 1;
    this.pending.push({
      dueMs,
      seq: this.seq,
      target,
      event,
      attempt,
      firstDueMs: firstDueMs ?? dueMs,
      putMs: this.putMsOf.get(event) ?? this.clock.nowMs(),
    });
  }

  private async deadLetter(entry: DlqEntry): Promise<void> {
    if (this.sendDeadLetter && !(await this.sendDeadLetter(entry))) this.undeliverable.push(entry);
    else this.dlq.push(entry);
  }

  private async deliver(p: Pending): Promise<void> {
    const at = this.clock.now().toISOString();
    const base = { functionId: p.target.functionId, ruleId: p.target.ruleId, at, eventId: p.event.id };
    if (this.clock.nowMs() - Date.parse(p.event.time) > MAX_EVENT_AGE_MS) {
      await this.deadLetter({ ...base, reason: 'max-event-age', attempts: p.attempt - 1, event: p.event });
      return;
    }
    try {
      const invoke = () => p.target.invoke(p.event);
      const info: InvocationInfo = {
        functionId: p.target.functionId,
        ruleId: p.target.ruleId,
        eventId: p.event.id,
        attempt: p.attempt,
        ...(p.target.timeoutMs !== undefined ? { timeoutMs: p.target.timeoutMs } : {}),
        putMs: p.putMs,
        dueMs: p.dueMs,
      };
      const result = await (this.wrapInvocation ? this.wrapInvocation(info, invoke) : invoke());
      this.invocations.push({
        ...base,
        eventName: eventNameOf(p.event),
        attempt: p.attempt,
        outcome: 'ok',
        result,
      });
    } catch (err) {
      const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      this.invocations.push({
        ...base,
        eventName: eventNameOf(p.event),
        attempt: p.attempt,
        outcome: 'error',
        error,
      });
      const retryDelay = ASYNC_RETRY_DELAYS_MS[p.attempt - 1];
      if (retryDelay === undefined) {
        await this.deadLetter({
          ...base,
          reason: 'retries-exhausted',
          error,
          attempts: p.attempt,
          event: p.event,
        });
      } else {
        this.enqueue(p.target, p.event, retryDelay, p.attempt + 1, p.firstDueMs);
      }
    }
  }
}

export function eventNameOf(event: EventBridgeEvent): string | undefined {
  const name = (event.detail as { eventName?: unknown } | undefined)?.eventName;
  return typeof name === 'string' ? name : undefined;
}

/** The standard normal's 99th percentile. */
const Z_99 = 2.326_347_874;

/** A draw of a log-normal delay (Box–Muller over the seeded generator). */
export function logNormalSeconds(d: LogNormalDelay, random: () => number): number {
  const sigma = Math.log(d.p99Seconds / d.medianSeconds) / Z_99;
  const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return d.medianSeconds * Math.exp(sigma * z);
}

function shuffle<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
}
