/**
 * Handler faults of the simulated region: invocations that time out or crash part-way, ended the way Lambda ends
 * them.
 *
 * Every invocation runs in an AsyncLocalStorage scope. The SDK puts an `amz-sdk-invocation-id` header on each
 * request; Node's `http.client.request.start` diagnostics channel reports the request in the caller's async context,
 * so each SDK request is tied to the invocation that made it. Before handling a call, the EC2 server and the DynamoDB
 * fault layer ask `stopsAt`: does this invocation die here? A dying invocation's call never reaches AWS, and the
 * invocation never runs again: the error the caller receives goes through the SDK's retry strategy, which this
 * module wraps to freeze a dead invocation (its pending promise never settles). So no `catch`, `finally` or clean-up
 * of the handler runs, as when Lambda stops the sandbox. The delivery fails at once (crash) or once the function's
 * configured timeout has passed on the virtual clock (timeout), and Lambda's async retries and the DLQ take over.
 *
 * Deterministic: whether an invocation dies, and where, is a hash of the scenario seed, the function, the event id
 * and the attempt, not of the order in which concurrent invocations happen to run.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { subscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import type { RetryErrorInfo, RetryStrategyV2, RetryToken } from '@smithy/types';
import type { VirtualClock } from './core/clock';
import type { VirtualScheduler } from './core/scheduler';
import type { InvocationInfo } from './eventbridge/router';

/** `handlerTimeout` / `handlerCrash`: which invocations die, and where. */
export interface HandlerFault {
  /** Function id(s) of the catalog (`KeeperEvents`, …); every function when absent. */
  function?: string | string[];
  /** Probability (0–1) that an invocation (each attempt decided anew) dies. */
  probability: number;
  /**
   * The AWS action (EC2 `AssociateAddress`, DynamoDB `TransactWriteItems`, SNS `Publish`, …) the invocation dies at,
   * before AWS handles it; an invocation that never makes that call completes. Without it: before the n-th AWS call
   * for a seeded n in 1–8, or after its last call when it makes fewer.
   */
  before?: string;
  /**
   * The AWS action the invocation dies right after: the call reaches AWS and is answered, and the invocation dies at
   * its next AWS call (or once its work is done, when it makes none) — e.g. after `ReleaseAddress`, before the release
   * is recorded. An invocation that never makes that call completes.
   */
  after?: string;
}

export interface HandlerFaultSwitches {
  /** `false` switches it off; any value else also makes every function's timeout binding. */
  handlerTimeout?: HandlerFault | false;
  handlerCrash?: HandlerFault | false;
}

/** Lambda's default timeout, for a function the catalog gives none. */
const DEFAULT_TIMEOUT_MS = 3_000;
/** Without `before`, a dying invocation stops before one of its first this-many AWS calls. */
const RANDOM_STOP_CALLS = 8;

/** Lambda stopped the invocation at its configured timeout (the error type Lambda reports). */
export class HandlerTimedOutError extends Error {
  override readonly name = 'Sandbox.Timedout';
  constructor(timeoutMs: number) {
    super(`Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`);
  }
}

/** The runtime process died in the middle of the invocation (the error type Lambda reports). */
export class HandlerCrashedError extends Error {
  override readonly name = 'Runtime.ExitError';
  constructor() {
    super('Runtime exited with error: signal: killed');
  }
}

type DeathKind = 'timeout' | 'crash';

interface Doom {
  kind: DeathKind;
  before?: string;
  after?: string;
  atCall: number;
}

class RunningInvocation {
  calls = 0;
  dead?: DeathKind;
  /** The `after` action was answered: the next call is the last. */
  armed = false;
  readonly sdkIds = new Set<string>();
  /** Rejects when the invocation is ended (crash, timeout). */
  readonly killed: Promise<never>;
  fail: (err: Error) => void = () => {};

  constructor(
    readonly owner: InvocationFaults,
    readonly info: InvocationInfo,
    readonly startMs: number,
    readonly doom: Doom | undefined,
  ) {
    this.killed = new Promise<never>((_, reject) => {
      this.fail = reject;
    });
    this.killed.catch(() => {});
  }

  get timeoutMs(): number {
    return this.info.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }
}

const running = new AsyncLocalStorage<RunningInvocation>();
/** SDK request id (`amz-sdk-invocation-id`, the same for every retry of one call) → the invocation that made it. */
const bySdkInvocationId = new Map<string, RunningInvocation>();
let tracking = false;

function trackSdkRequests(): void {
  if (tracking) return;
  tracking = true;
  subscribe('http.client.request.start', (message) => {
    const inv = running.getStore();
    if (!inv) return;
    const id = (message as { request?: ClientRequest }).request?.getHeader('amz-sdk-invocation-id');
    if (typeof id !== 'string') return;
    bySdkInvocationId.set(id, inv);
    inv.sdkIds.add(id);
  });
}

/** A fraction in [0, 1) determined by its inputs: seeded fault decisions that do not depend on run order. */
export function hash01(...parts: (string | number)[]): number {
  return createHash('sha256').update(parts.join('\u0000')).digest().readUInt32BE(0) / 2 ** 32;
}

/** A promise that never settles: what a frozen invocation waits on. */
const frozen = <T>() => new Promise<T>(() => {});

function appliesTo(fault: HandlerFault, functionId: string): boolean {
  if (fault.function === undefined) return true;
  return (Array.isArray(fault.function) ? fault.function : [fault.function]).includes(functionId);
}

export class InvocationFaults {
  private timeout?: HandlerFault;
  private crash?: HandlerFault;
  private enforceTimeouts = false;
  private readonly occurrences = new Map<string, number>();

  constructor(
    private readonly seed: number,
    private readonly clock: VirtualClock,
    private readonly scheduler: VirtualScheduler,
  ) {
    trackSdkRequests();
  }

  set(f: HandlerFaultSwitches): void {
    if (f.handlerTimeout !== undefined) {
      this.timeout = f.handlerTimeout || undefined;
      this.enforceTimeouts = f.handlerTimeout !== false;
    }
    if (f.handlerCrash !== undefined) this.crash = f.handlerCrash || undefined;
  }

  /** Runs one invocation in its scope; rejects as Lambda reports it when the invocation is ended. */
  async run(info: InvocationInfo, invoke: () => Promise<unknown>): Promise<unknown> {
    const inv = new RunningInvocation(this, info, this.clock.nowMs(), this.decide(info));
    try {
      const work = running.run(inv, invoke);
      const finished = work.then((result) => {
        // A dying invocation that made fewer calls than its stop point stalls after its work; one that ran past its
        // timeout (SDK back-off) would have been stopped.
        const d = inv.doom;
        if (!inv.dead && d && d.before === undefined && (d.after === undefined || inv.armed)) {
          this.kill(inv, d.kind);
        }
        if (!inv.dead && this.overdue(inv)) this.kill(inv, 'timeout');
        return inv.dead ? inv.killed : result;
      });
      return await Promise.race([finished, inv.killed]);
    } finally {
      // A dead invocation keeps its ids: a request it had in flight is refused, so it stays frozen.
      if (!inv.dead) for (const id of inv.sdkIds) bySdkInvocationId.delete(id);
    }
  }

  /**
   * Asked before a call is handled: true when the invocation that made it dies here (or died already). The caller
   * answers with any error: the invocation never reads it.
   */
  stopsAt(sdkInvocationId: string | undefined, action: string): boolean {
    const inv = sdkInvocationId ? bySdkInvocationId.get(sdkInvocationId) : undefined;
    if (!inv || inv.owner !== this) return false;
    if (inv.dead) return true;
    inv.calls += 1;
    const d = inv.doom;
    if (d?.after !== undefined) {
      if (inv.armed) {
        this.kill(inv, d.kind);
        return true;
      }
      if (action === d.after) inv.armed = true;
      return false;
    }
    if (d && (d.before !== undefined ? d.before === action : inv.calls >= d.atCall)) {
      this.kill(inv, d.kind);
      return true;
    }
    return false;
  }

  /** The function whose invocation made an SDK call (by its `amz-sdk-invocation-id`), when one of this region's did. */
  functionOf(sdkInvocationId: string | undefined): string | undefined {
    const inv = sdkInvocationId ? bySdkInvocationId.get(sdkInvocationId) : undefined;
    return inv?.owner === this ? inv.info.functionId : undefined;
  }

  /** The SDK retry strategy of the functions' clients, freezing dead invocations and ending overdue ones. */
  retryStrategy(inner: RetryStrategyV2): RetryStrategyV2 {
    const current = () => {
      const inv = running.getStore();
      return inv?.owner === this ? inv : undefined;
    };
    return {
      acquireInitialRetryToken: async (scope: string): Promise<RetryToken> => {
        const inv = current();
        if (inv && !inv.dead && this.overdue(inv)) this.kill(inv, 'timeout');
        if (inv?.dead) return frozen();
        return inner.acquireInitialRetryToken(scope);
      },
      refreshRetryTokenForRetry: async (token: RetryToken, error: RetryErrorInfo): Promise<RetryToken> => {
        if (current()?.dead) return frozen();
        const next = await inner.refreshRetryTokenForRetry(token, error);
        const inv = current();
        // The back-off slept past the function's timeout: Lambda stopped it then.
        if (inv && !inv.dead && this.overdue(inv)) this.kill(inv, 'timeout');
        if (inv?.dead) return frozen();
        return next;
      },
      recordSuccess: (token: RetryToken) => inner.recordSuccess(token),
    };
  }

  private overdue(inv: RunningInvocation): boolean {
    return this.enforceTimeouts && this.clock.nowMs() - inv.startMs > inv.timeoutMs;
  }

  private decide(info: InvocationInfo): Doom | undefined {
    for (const [kind, fault] of [
      ['crash', this.crash],
      ['timeout', this.timeout],
    ] as const) {
      if (!fault || fault.probability <= 0 || !appliesTo(fault, info.functionId)) continue;
      // Duplicated deliveries of one event are told apart by their occurrence, not by the order they ran in.
      const key = `${kind}|${info.functionId}|${info.eventId}|${info.attempt}`;
      const n = (this.occurrences.get(key) ?? 0) + 1;
      this.occurrences.set(key, n);
      if (hash01(this.seed, key, n) >= fault.probability) continue;
      const atCall = 1 + Math.floor(hash01(this.seed, key, n, 'at') * RANDOM_STOP_CALLS);
      return {
        kind,
        ...(fault.before !== undefined ? { before: fault.before } : {}),
        ...(fault.after !== undefined ? { after: fault.after } : {}),
        atCall,
      };
    }
    return undefined;
  }

  private kill(inv: RunningInvocation, kind: DeathKind): void {
    if (inv.dead) return;
    inv.dead = kind;
    if (kind === 'crash') {
      inv.fail(new HandlerCrashedError());
      return;
    }
    const wait = Math.max(0, inv.startMs + inv.timeoutMs - this.clock.nowMs());
    void this.scheduler.sleep(wait).then(() => inv.fail(new HandlerTimedOutError(inv.timeoutMs)));
  }
}
