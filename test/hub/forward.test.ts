/**
 * A member's side: alerts and committed ledger changes become eip-keeper events for the hub; a refused event stops
 * the alert (so the sender's retry sends both), a write that lost its race sends nothing.
 */
import { describe, expect, it } from 'vitest';
import {
  type EventPutPort,
  forwardingAlerts,
  forwardingLedger,
  type HubEventEntry,
} from '../../shared/hub/forward';
import { ALERT_DETAIL_TYPE, LEDGER_DETAIL_TYPE } from '../../shared/hub/model';
import type { NotificationPort } from '../../shared/notify/ports';
import type { CommitResult, SweepStore, TrackCommit } from '../../shared/sweeper/sweep-store';
import { recordingLog } from '../support/dynamo';
import { episode, notification, release } from './fixtures';

function recordingBus(refuse = false): EventPutPort & { entries: HubEventEntry[] } {
  const entries: HubEventEntry[] = [];
  return {
    entries,
    async put(e) {
      if (refuse) throw new Error('AccessDeniedException');
      entries.push(...e);
    },
  };
}

function recordingTopic(): NotificationPort & { sent: string[] } {
  const sent: string[] = [];
  return {
    sent,
    async publish(n) {
      sent.push(n.dedupKey);
      return { messageId: `m-${sent.length}` };
    },
  };
}

describe('forwardingAlerts', () => {
  it('puts the alert as an event, then publishes it', async () => {
    const bus = recordingBus();
    const topic = recordingTopic();
    const out = await forwardingAlerts(topic, bus).publish(notification());
    expect(out.messageId).toBe('m-1');
    expect(bus.entries).toHaveLength(1);
    expect(bus.entries[0]).toMatchObject({ Source: 'eip-keeper', DetailType: ALERT_DETAIL_TYPE });
    expect(JSON.parse(bus.entries[0]?.Detail ?? '{}').dedupKey).toBe(notification().dedupKey);
  });

  it('publishes nothing when the event is refused', async () => {
    const topic = recordingTopic();
    await expect(forwardingAlerts(topic, recordingBus(true)).publish(notification())).rejects.toThrow(
      'AccessDenied',
    );
    expect(topic.sent).toEqual([]);
  });
});

/** A store whose commits succeed or lose their race as told, in order. */
function scriptedStore(results: boolean[]): SweepStore {
  const outcome = (): CommitResult => {
    const ok = results.shift() ?? true;
    return ok ? { ok: true, version: 2, releaseRecorded: false } : { ok: false };
  };
  return {
    async commit() {
      return outcome();
    },
    async commitMany(commits: readonly TrackCommit[]) {
      return commits.map(() => ({ status: 'fulfilled' as const, value: outcome() }));
    },
  } as unknown as SweepStore;
}

const commitOf = (over: Partial<TrackCommit>): TrackCommit => ({
  track: {} as TrackCommit['track'],
  expectedVersion: 1,
  ...over,
});

describe('forwardingLedger', () => {
  it('sends the ended and opened episodes and the release of the commits that were written, not of a lost one', async () => {
    const bus = recordingBus();
    const store = forwardingLedger(
      scriptedStore([true, false, true]),
      bus,
      () => '2026-03-02T00:00:00.000Z',
      recordingLog(),
    );
    const closed = { ...episode(), end: '2026-03-01T05:00:00.000Z', endReason: 'released' as const };
    await store.commitMany([
      commitOf({ close: closed, release: release() }),
      commitOf({ upsert: episode({ allocationId: 'eipalloc-lost' }) }),
      commitOf({ upsert: episode({ allocationId: 'eipalloc-0b' }) }),
    ]);
    const details = bus.entries.map((e) => JSON.parse(e.Detail));
    expect(bus.entries.every((e) => e.DetailType === LEDGER_DETAIL_TYPE)).toBe(true);
    expect(details.map((d) => [d.entry, (d.episode ?? d.release).allocationId])).toEqual([
      ['episode', 'eipalloc-0a'],
      ['release', 'eipalloc-0a'],
      ['episode', 'eipalloc-0b'],
    ]);
    expect(details[0].episode.end).toBe('2026-03-01T05:00:00.000Z');
  });

  it('keeps the write when the hub refuses its event, and logs it', async () => {
    const log = recordingLog();
    const store = forwardingLedger(scriptedStore([true]), recordingBus(true), () => 'now', log);
    const result = await store.commit(commitOf({ upsert: episode() }));
    expect(result.ok).toBe(true);
    expect(log.entries.map((e) => e.message)).toContain('hub: ledger entries not forwarded');
  });
});
