/**
 * What every part of the keeper works over: its dependencies (the ports, the store, the clock, the log and metrics)
 * and the few helpers they all use, passed explicitly to the serving, announcing, event and reconcile functions.
 */
import type { PoolConfig } from '../config/schema';
import type { ExpectedOrigin } from '../events/cloudtrail';
import type { NotificationPort } from '../notify/ports';
import type { Clock, Log, MetricsSink } from '../runtime/context';
import type { FindingsPublisher } from '../securityhub/publisher';
import type { ClaimStore } from './claim-store';
import { CLAIM_GRACE_MS } from './decide-serve';
import type { IdentityChecker } from './identity';
import type { Target } from './model';
import type { KeeperEc2Port } from './ports';

export interface KeeperDeps {
  pools: readonly PoolConfig[];
  ec2: KeeperEc2Port;
  store: ClaimStore;
  /** Proves ENIs are pods of a pool's cluster (kept by the runtime: it caches slowly changing facts). */
  identity: IdentityChecker;
  /** The alert topic (pool exhausted, EIP held outside eip-keeper). */
  alerts: NotificationPort;
  clock: Clock;
  log: Log;
  metrics: MetricsSink;
  origin: ExpectedOrigin;
  /** `config.alerts.subjectPrefix`. */
  subjectPrefix: string;
  /** Present when `securityHub.enabled`: pool addresses held outside eip-keeper as Security Hub findings. */
  findings?: FindingsPublisher;
  graceMs?: number;
}

export interface KeeperCore extends Readonly<Omit<KeeperDeps, 'clock' | 'graceMs'>> {
  /** How long a claim or an unsent alert may still be in the hands of the runtime that made it. */
  readonly graceMs: number;
  /** The clock's time, as the ISO string the store records. */
  now(): string;
  /** The metric dimensions of a pool. */
  dims(pool: string): { Pool: string };
  /** Runs `fn`, logging (not throwing) its failure: for clean-ups that the reconciler repeats anyway. */
  bestEffort(what: string, fn: () => Promise<unknown>): Promise<void>;
}

export function keeperCore(deps: KeeperDeps): KeeperCore {
  const { clock, graceMs, ...rest } = deps;
  return {
    ...rest,
    graceMs: graceMs ?? CLAIM_GRACE_MS,
    now: () => clock.now().toISOString(),
    dims: (pool) => ({ Pool: pool }),
    async bestEffort(what, fn) {
      try {
        await fn();
      } catch (err) {
        deps.log.warn(`${what} failed (the reconciler repeats it)`, { error: String(err) });
      }
    },
  };
}

/** A target as the story names it. */
export const podIp = (t: Target): string => `${t.eniId} (pod IP ${t.privateIp})`;

/** Releases `holder`'s claim on the EIP (at `opts.at`, else now); false when it no longer held it. */
export function releaseClaim(
  core: KeeperCore,
  pool: string,
  allocationId: string,
  holder: Target,
  reason: string,
  opts: { at?: string; idle: boolean },
): Promise<boolean> {
  return core.store.release({
    pool,
    allocationId,
    holder,
    at: opts.at ?? core.now(),
    reason,
    idle: opts.idle,
  });
}
