/**
 * The event path's decision, as a plain function over plain data (no AWS import, no I/O): from one parsed
 * CloudTrail record, the configured pools and (once asked for) the ENI as EC2 describes it, what the event asks of
 * the keeper: nothing (and why), serving an ENI's targets in its pool once they are proven pods, freeing what an ENI
 * (or some of its IPs) held once EC2 confirms it is gone, or telling of a pool tag change.
 */
import type { PoolConfig } from '../config/schema';
import { type AddressTagsChanged, changesOfKey } from '../events/cloudtrail';
import type { KeeperRecord } from './events';
import { type CreationRecord, type EniView, POOL_TAG, type Target } from './model';
import { matchPool, owningPool, targetsOf } from './selector';

export type EventPlan =
  /** Nothing to do: why (logged), and what the story says of it. */
  | { kind: 'skip'; reason: string; story: string[] }
  /** Serve these targets of the ENI in its pool, once proven pods of its cluster. */
  | {
      kind: 'serve';
      pool: PoolConfig;
      eni: EniView;
      targets: Target[];
      /** The ENI's creation record, when the event is its creation. */
      creation?: CreationRecord;
      /**
       * Settle the pool (counts, end of exhaustion) after an association only when the pool was read in full: counting
       * it is O(pool), and an EIP taken never ends an exhaustion episode (the reconciler refreshes PoolSize/PoolFree
       * every period).
       */
      settleAfterFullReadOnly: boolean;
    }
  /**
   * Free the claims and drop the waiters the ENI has in these pools (only those of these private IPs, when given),
   * then serve the pool's waiters with what was freed.
   */
  | {
      kind: 'free';
      eniId: string;
      /** When the EIPs became idle (the event's time). */
      at: string;
      reason: 'eni-deleted' | 'ip-unassigned';
      pools: PoolConfig[];
      ips?: readonly string[];
      /** The story's note on a dropped waiter, when it tells them. */
      droppedWaiterNote?: string;
      /** Why nothing changed, when nothing was freed (logged). */
      unchangedReason?: string;
    }
  /** Pool tags added to or removed from addresses: tell the pools concerned. */
  | { kind: 'tags'; changes: PoolTagChange[]; record: AddressTagsChanged };

/** One pool tag change of a CreateTags/DeleteTags call, on one address. */
export interface PoolTagChange {
  allocationId: string;
  change: 'added' | 'removed';
  /** The pool the call named (a DeleteTags may name the key only). */
  pool?: string;
}

/** How far in the future an event's time may be (clock skew) before the event is refused as forged. */
export const MAX_EVENT_CLOCK_SKEW_MS = 5 * 60_000;

/** Whether the record's time is later than now by more than the skew (CloudTrail never reports the future). */
export function inTheFuture(eventTime: string, nowMs: number): boolean {
  return Date.parse(eventTime) > nowMs + MAX_EVENT_CLOCK_SKEW_MS;
}

/** The pool tag changes of a tag call, one per address. */
export function poolTagChanges(record: AddressTagsChanged): PoolTagChange[] {
  const c = changesOfKey(record, POOL_TAG);
  if (!c) return [];
  return record.allocationIds.map((allocationId) => ({
    allocationId,
    change: c.kind,
    ...(c.value !== undefined && c.value !== '' ? { pool: c.value } : {}),
  }));
}

/** The ENI the plan needs described by EC2 before it can say more. */
export interface DescribeFirst {
  kind: 'describe';
  eniId: string;
}

export interface EventInput {
  record: KeeperRecord;
  pools: readonly PoolConfig[];
}

/** The ENI of a `describe` step as EC2 described it (`eni` absent: it no longer exists). */
export interface Described {
  eniId: string;
  eni?: EniView;
}

/** What the event asks of the keeper; first, for a record that names an ENI to serve, which ENI to describe. */
export function planEvent(input: EventInput & { described: Described }): EventPlan;
export function planEvent(input: EventInput & { described?: Described }): EventPlan | DescribeFirst;
export function planEvent(input: EventInput & { described?: Described }): EventPlan | DescribeFirst {
  const { record: r, pools } = input;
  if (pools.length === 0) return skip('no pools configured');
  switch (r.kind) {
    case 'eni-created': {
      if (!owningPool(pools, r.eni)) {
        return skip(`${r.eni.eniId} matches no pool (${whyNoPool(pools, r.eni)})`);
      }
      if (!input.described) return { kind: 'describe', eniId: r.eni.eniId };
      const eni = input.described.eni;
      if (!eni) {
        return skip(`${r.eni.eniId} was already deleted`, [
          `${r.eni.eniId} was already deleted: nothing to do`,
        ]);
      }
      const pool = owningPool(pools, eni);
      if (!pool) {
        return skip(`${eni.eniId} no longer matches a pool (as EC2 describes it: ${whyNoPool(pools, eni)})`);
      }
      return {
        kind: 'serve',
        pool,
        eni,
        targets: targetsOf(pool, eni),
        creation: r.creation,
        settleAfterFullReadOnly: true,
      };
    }
    case 'tags-changed': {
      const changes = poolTagChanges(r.tags);
      if (changes.length === 0) return skip('the call changed no eip-keeper:pool tag');
      return { kind: 'tags', changes, record: r.tags };
    }
    case 'ips-assigned': {
      if (!pools.some((p) => p.target === 'secondary-ip')) return skip('no pool targets secondary IPs');
      if (!input.described) return { kind: 'describe', eniId: r.eniId };
      const eni = input.described.eni;
      if (!eni) return skip(`${r.eniId} was already deleted`);
      const pool = owningPool(pools, eni);
      if (pool?.target !== 'secondary-ip') return skip(`${r.eniId} matches no secondary-IP pool`);
      const ips = r.privateIps;
      const targets = targetsOf(pool, eni).filter((t) => ips.length === 0 || ips.includes(t.privateIp));
      return { kind: 'serve', pool, eni, targets, settleAfterFullReadOnly: false };
    }
    case 'eni-deleted':
      return {
        kind: 'free',
        eniId: r.eniId,
        at: r.eventTime,
        reason: 'eni-deleted',
        pools: [...pools],
        droppedWaiterNote: 'ENI deleted',
        unchangedReason: `${r.eniId} held no pool EIP`,
      };
    case 'ips-unassigned':
      return {
        kind: 'free',
        eniId: r.eniId,
        at: r.eventTime,
        reason: 'ip-unassigned',
        pools: pools.filter((p) => p.target === 'secondary-ip'),
        ips: r.privateIps,
      };
  }
}

/** Whether a free plan reaches this private IP of its ENI. */
export const freesIp = (plan: Extract<EventPlan, { kind: 'free' }>, privateIp: string): boolean =>
  plan.ips === undefined || plan.ips.includes(privateIp);

const skip = (reason: string, story: string[] = []): EventPlan => ({ kind: 'skip', reason, story });

/** Why an ENI belongs to no pool: each pool's first failed criterion. */
function whyNoPool(pools: readonly PoolConfig[], eni: EniView): string {
  return pools
    .map((p) => {
      const m = matchPool(p, eni);
      return `${p.name}: ${m.match ? 'matches' : m.reason}`;
    })
    .join('; ');
}
