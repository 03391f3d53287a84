/**
 * A member's side of the hub: eip-keeper's own alerts and cost-ledger changes as custom events (source
 * `eip-keeper`) on the member's default bus, where a rule forwards every `eip-keeper` event to the hub's bus
 * (infra/constructs/eip-keeper.ts). The auditor's finding events already go there. Pure shaping here (the entries);
 * the decorators put them through an `EventPutPort`.
 */

import type { Notification } from '../notify/notification';
import type { NotificationPort } from '../notify/ports';
import type { Log } from '../runtime/context';
import type { CommitResult, SweepStore, TrackCommit } from '../sweeper/sweep-store';
import { ALERT_DETAIL_TYPE, EVENT_SOURCE, LEDGER_DETAIL_TYPE, type LedgerEntryDetail } from './model';

export interface HubEventEntry {
  Source: string;
  DetailType: string;
  Detail: string;
  Resources: string[];
  Time: string;
}

/** Puts entries on the member's default bus (adapters/eventbridge.ts). */
export interface EventPutPort {
  put(entries: readonly HubEventEntry[]): Promise<void>;
}

export function alertEntry(n: Notification): HubEventEntry {
  return {
    Source: EVENT_SOURCE,
    DetailType: ALERT_DETAIL_TYPE,
    Time: n.time,
    Resources: [],
    Detail: JSON.stringify(n),
  };
}

/** The ledger changes one committed track write made: an episode ended or opened/revised, a release. */
export function ledgerEntries(commit: TrackCommit, at: string): HubEventEntry[] {
  const details: LedgerEntryDetail[] = [
    ...(commit.close ? [{ entry: 'episode' as const, episode: commit.close }] : []),
    ...(commit.upsert ? [{ entry: 'episode' as const, episode: commit.upsert }] : []),
    ...(commit.release ? [{ entry: 'release' as const, release: commit.release }] : []),
  ];
  return details.map((d) => ({
    Source: EVENT_SOURCE,
    DetailType: LEDGER_DETAIL_TYPE,
    Time: at,
    Resources: [],
    Detail: JSON.stringify(d),
  }));
}

/**
 * Alerts that also go to the hub: the event is put first, so an alert whose event was refused is not published
 * either and its sender's retry sends both (the hub keeps an alert once, by its dedupKey).
 */
export function forwardingAlerts(inner: NotificationPort, events: EventPutPort): NotificationPort {
  return {
    async publish(n) {
      await events.put([alertEntry(n)]);
      return inner.publish(n);
    },
  };
}

/**
 * A sweep store whose committed ledger changes also go to the hub, after their write (a write that lost to a
 * concurrent sweep changed nothing, so sends nothing). A refused put is logged, not thrown: the write stands, and
 * failing the sweep would not send it again (docs/hub.md).
 */
export function forwardingLedger(
  inner: SweepStore,
  events: EventPutPort,
  now: () => string,
  log: Log,
): SweepStore {
  const send = async (commits: readonly TrackCommit[]) => {
    const at = now();
    const entries = commits.flatMap((c) => ledgerEntries(c, at));
    if (entries.length === 0) return;
    try {
      await events.put(entries);
    } catch (err) {
      log.error('hub: ledger entries not forwarded', { entries: entries.length, error: String(err) });
    }
  };
  const commit: SweepStore['commit'] = async (c) => {
    const result = await inner.commit(c);
    if (result.ok) await send([c]);
    return result;
  };
  const commitMany: SweepStore['commitMany'] = async (commits) => {
    const outcomes = await inner.commitMany(commits);
    await send(commits.filter((_, i) => isOk(outcomes[i])));
    return outcomes;
  };
  // Every other method is the store's own, called on it.
  return new Proxy(inner, {
    get(target, prop) {
      if (prop === 'commit') return commit;
      if (prop === 'commitMany') return commitMany;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function isOk(o: PromiseSettledResult<CommitResult> | undefined): boolean {
  return o?.status === 'fulfilled' && o.value.ok;
}
