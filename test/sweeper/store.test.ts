/**
 * The sweeper's table store on DynamoDB Local: tracks stored as one JSON attribute over sharded GSI1 partitions,
 * tracks written by earlier versions still read, and batched commits whose outcome per address is exactly `commit`'s.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DynamoSweepStore } from '../../shared/sweeper/dynamo-sweep-store';
import { SWEEP_KIND, TRACK_SHARDS, trackKey, trackKind, trackShard } from '../../shared/sweeper/keys';
import { type AddressTrack, EMPTY_TRACK_LEDGER, type IdleEpisodeRecord } from '../../shared/sweeper/model';
import type { TrackCommit } from '../../shared/sweeper/sweep-store';
import { createTestTable, type TestTable } from '../support/dynamo';

const NOW = '2026-01-05T10:00:00.000Z';
const id = (n: number) => `eipalloc-${n.toString(16).padStart(17, '0')}`;

function track(allocationId: string, over: Partial<AddressTrack> = {}): AddressTrack {
  return {
    allocationId,
    publicIp: '198.51.100.10',
    firstSeenAt: NOW,
    lastSeenAt: NOW,
    lastRunId: 'r1',
    status: 'present',
    classification: 'idle',
    reason: 'unassociated for 0 h',
    tags: { Name: 'batch "egress"', constructor: 'x' },
    poolSeen: null,
    lastSeenInUseAt: null,
    lastSeenHolder: { networkInterfaceId: 'eni-0a', privateIp: '10.0.0.4', instanceId: null },
    episode: { key: NOW, start: NOW, source: 'first-observation', rateUsd: 0.005 },
    alerts: {},
    notice: null,
    block: null,
    releaseAttempt: null,
    releasedAt: null,
    ledger: EMPTY_TRACK_LEDGER,
    ...over,
  };
}

const episodeOf = (t: AddressTrack): IdleEpisodeRecord => ({
  ...(t.episode as NonNullable<AddressTrack['episode']>),
  allocationId: t.allocationId,
  publicIp: t.publicIp,
  end: null,
  endReason: null,
  classification: t.classification,
});

let table: TestTable;
let store: DynamoSweepStore;
beforeEach(async () => {
  table = await createTestTable('sweep-store');
  store = new DynamoSweepStore(table.doc, table.tableName, 400);
});
afterEach(async () => {
  await table.drop();
});

describe('tracks', () => {
  it('reads back every track exactly as written, spread over the shards', async () => {
    const written = Array.from({ length: 40 }, (_, i) =>
      track(id(40 - i), i % 3 === 0 ? { episode: null, classification: 'in-use' } : {}),
    );
    for (const t of written) expect((await store.commit({ track: t, expectedVersion: 0 })).ok).toBe(true);

    const read = await store.listTracks();

    const byId = (a: AddressTrack, b: AddressTrack) => (a.allocationId < b.allocationId ? -1 : 1);
    expect(read.map((s) => s.track).sort(byId)).toEqual([...written].sort(byId));
    expect(read.every((s) => s.version === 1)).toBe(true);
    const items = await table.scanAll();
    const shards = new Set(items.map((i) => i.GSI1PK));
    expect(shards.size).toBeGreaterThan(1);
    for (const i of items) expect(i.GSI1PK).toBe(trackKind(trackShard(String(i.allocationId))));
    expect([...shards].every((k) => String(k).startsWith(`${SWEEP_KIND.track}#`))).toBe(true);
    expect(trackShard(id(7))).toBeLessThan(TRACK_SHARDS);
  });

  it('reads a track an earlier version wrote as separate attributes, counting its release, once', async () => {
    const A = id(1);
    await table.doc.send(
      new PutCommand({
        TableName: table.tableName,
        Item: {
          ...trackKey(A),
          GSI1PK: SWEEP_KIND.track,
          GSI1SK: A,
          itemType: 'SweepTrack',
          ...track(A, { status: 'released', releasedAt: '2026-01-04T22:00:00.000Z' }),
          ledger: undefined,
          version: 3,
        },
        // What the document client wrote then: no ledger attribute at all.
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );

    const [legacy] = await store.listTracks();

    expect(legacy?.version).toBe(3);
    expect(legacy?.track).toEqual(
      track(A, {
        status: 'released',
        releasedAt: '2026-01-04T22:00:00.000Z',
        ledger: { ...EMPTY_TRACK_LEDGER, released: { at: '2026-01-04T22:00:00.000Z', rateUsd: 0.005 } },
      }),
    );

    // Its next write moves it to its shard: it is listed once, at the new version.
    await store.commit({ track: legacy?.track as AddressTrack, expectedVersion: 3 });
    const after = await store.listTracks();
    expect(after.map((s) => [s.track.allocationId, s.version])).toEqual([[A, 4]]);
  });
});

describe('commitMany', () => {
  it('writes each track with its episode, batched, and reports a stale one as a conflict without losing the rest', async () => {
    // 70 new idle addresses (track + episode: 2 actions each, so two transactions) and 5 in-use ones (plain puts).
    const idle = Array.from({ length: 70 }, (_, i) => track(id(100 + i)));
    const inUse = Array.from({ length: 5 }, (_, i) =>
      track(id(200 + i), { episode: null, classification: 'in-use' }),
    );
    // One address already tracked by a concurrent sweep: its create must fail, alone.
    const taken = idle[10] as AddressTrack;
    await store.commit({ track: { ...taken, lastRunId: 'other-run' }, expectedVersion: 0 });
    const commits: TrackCommit[] = [
      ...idle.map((t) => ({ track: t, expectedVersion: 0, upsert: episodeOf(t) })),
      ...inUse.map((t) => ({ track: t, expectedVersion: 0 })),
    ];

    const outcomes = await store.commitMany(commits);

    expect(outcomes).toHaveLength(75);
    expect(outcomes.every((o) => o.status === 'fulfilled')).toBe(true);
    const ok = outcomes.map((o) => (o.status === 'fulfilled' ? o.value.ok : 'error'));
    expect(ok.filter((x) => x === false)).toHaveLength(1);
    expect(ok[10]).toBe(false);
    const tracks = await store.listTracks();
    expect(tracks).toHaveLength(75);
    expect(tracks.find((t) => t.track.allocationId === taken.allocationId)?.track.lastRunId).toBe(
      'other-run',
    );
    const episodes = await store.listEpisodes();
    expect(episodes.map((e) => e.allocationId).sort()).toEqual(
      idle.filter((t) => t !== taken).map((t) => t.allocationId),
    );
  });

  it('counts an episode end once: a retried close of an ended episode writes the track without it', async () => {
    const A = id(300);
    const t = track(A);
    await store.commit({ track: t, expectedVersion: 0, upsert: episodeOf(t) });
    const closedLedger = { ...EMPTY_TRACK_LEDGER, month: '2026-01', closedHours: 1, closedCostUsd: 0.005 };
    const close = { ...episodeOf(t), end: '2026-01-05T11:00:00.000Z', endReason: 'in-use' as const };
    await store.commit({
      track: { ...t, episode: null, ledger: closedLedger },
      expectedVersion: 1,
      close,
    });
    // A run that still saw version 2 with the episode open (state restored by hand here) closes it again.
    await table.doc.send(
      new PutCommand({
        TableName: table.tableName,
        Item: {
          ...(await table.scanAll()).find((i) => i.SK === 'TRACK'),
          state: JSON.stringify({ ...t, allocationId: undefined }),
        },
      }),
    );

    const [outcome] = await store.commitMany([
      {
        track: { ...t, episode: null, ledger: { ...closedLedger, closedHours: 2, closedCostUsd: 0.01 } },
        trackWithoutClose: { ...t, episode: null, ledger: EMPTY_TRACK_LEDGER },
        expectedVersion: 2,
        close: { ...close, end: '2026-01-05T12:00:00.000Z' },
      },
    ]);

    expect(outcome).toEqual({ status: 'fulfilled', value: { ok: true, version: 3, releaseRecorded: false } });
    const [stored] = await store.listTracks();
    expect(stored?.track.ledger).toEqual(EMPTY_TRACK_LEDGER);
    expect((await store.listEpisodes(A)).map((e) => e.end)).toEqual(['2026-01-05T11:00:00.000Z']);
  });
});

describe('the last run', () => {
  it('keeps the latest sweep, whatever order concurrent sweeps record in', async () => {
    expect(await store.lastRun()).toBeNull();

    await store.recordRun('2026-01-05T11:00:00.000Z', 'scheduled-2');
    await store.recordRun('2026-01-05T10:30:00.000Z', 'cli-1');

    expect(await store.lastRun()).toEqual({ at: '2026-01-05T11:00:00.000Z', runId: 'scheduled-2' });
  });
});

describe('alert claims', () => {
  const key = { scope: id(1), id: `${NOW}#orphan` };
  const LEASE = 10 * 60_000;
  const later = (minutes: number) => new Date(Date.parse(NOW) + minutes * 60_000).toISOString();

  it('gives a confirmed alert back as sent, with its MessageId and when SNS took it, to every later claim', async () => {
    expect(await store.claimAlert(key, 'r1', NOW, 's', LEASE)).toEqual({ status: 'claimed' });
    expect(await store.confirmAlert(key, 'r1', { sentAt: later(1), messageId: 'm-1' })).toBe(true);

    expect(await store.claimAlert(key, 'r2', later(60), 's', LEASE)).toEqual({
      status: 'sent',
      sentAt: later(1),
      messageId: 'm-1',
    });
  });

  it('leaves a claim another run took moments ago to it, unsent', async () => {
    await store.claimAlert(key, 'r1', NOW, 's', LEASE);

    expect(await store.claimAlert(key, 'r2', later(5), 's', LEASE)).toEqual({
      status: 'in-progress',
      runId: 'r1',
      at: NOW,
    });
  });

  it('takes over a claim left unconfirmed past the lease, once: the dead run’s confirmation then fails', async () => {
    await store.claimAlert(key, 'r1', NOW, 's', LEASE);

    const takers = await Promise.all(
      ['r2', 'r3', 'r4'].map((run) => store.claimAlert(key, run, later(60), 's', LEASE)),
    );

    expect(takers.filter((c) => c.status === 'claimed')).toHaveLength(1);
    expect(await store.confirmAlert(key, 'r1', { sentAt: later(61), messageId: 'late' })).toBe(false);
  });

  it('lets the run that claimed it claim it again (a Lambda retry of the same run)', async () => {
    await store.claimAlert(key, 'r1', NOW, 's', LEASE);

    expect(await store.claimAlert(key, 'r1', later(2), 's', LEASE)).toEqual({ status: 'claimed' });
  });

  it('keeps the members a summary covers', async () => {
    const summary = { scope: 'SUMMARY', id: 'r1' };
    await store.claimAlert(summary, 'r1', NOW, 's', LEASE);
    await store.confirmAlert(summary, 'r1', { sentAt: NOW, messageId: 'm', members: [`${id(1)}#${NOW}`] });

    expect((await store.readAlertClaim(summary))?.sent?.members).toEqual([`${id(1)}#${NOW}`]);
  });
});

describe('release slots of a run', () => {
  it('grants at most max addresses per run id, and an address its own slot again', async () => {
    const grants = await Promise.all([1, 2, 3, 4].map((n) => store.claimReleaseSlot('run-7', id(n), 2, NOW)));

    expect(grants.filter(Boolean)).toHaveLength(2);
    const holder = id(1 + grants.indexOf(true));
    expect(await store.claimReleaseSlot('run-7', holder, 2, NOW)).toBe(true);
    expect(await store.claimReleaseSlot('run-8', id(4), 2, NOW)).toBe(true);
  });
});

describe('the outbox', () => {
  it('holds the released alert written with the release, once, until it is deleted', async () => {
    const t = track(id(9));
    await store.commit({ track: t, expectedVersion: 0, upsert: episodeOf(t) });
    const outbox = {
      allocationId: id(9),
      key: { scope: id(9), id: `${NOW}#released` },
      notification: '{"kind":"released"}',
      createdAt: NOW,
      runId: 'r1',
    };
    const release = {
      allocationId: id(9),
      publicIp: t.publicIp,
      releasedAt: NOW,
      runId: 'r1',
      rateUsd: 0.005,
      idleSince: NOW,
      idleSource: 'first-observation' as const,
      idleHours: 0,
      idleCostUsd: 0,
      tags: {},
    };
    const first = await store.commit({
      track: { ...t, status: 'released' },
      expectedVersion: 1,
      release,
      outbox,
    });
    const again = await store.commit({
      track: { ...t, status: 'released' },
      expectedVersion: 2,
      release,
      outbox,
    });

    expect(first).toMatchObject({ ok: true, releaseRecorded: true });
    expect(again).toMatchObject({ ok: true, releaseRecorded: false });
    expect(await store.listOutbox()).toEqual([outbox]);
    await store.deleteOutbox(outbox);
    expect(await store.listOutbox()).toEqual([]);
  });
});
