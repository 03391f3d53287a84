/**
 * The index of tracks on DynamoDB Local: a sweep that reads through it lists exactly what a read of every track lists,
 * whatever other sweeps wrote meanwhile, within the clock margin the index is built on; and a shard whose index is
 * missing, unreadable or a day old is read in full.
 */
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../shared/runtime/context';
import { DynamoSweepStore } from '../../shared/sweeper/dynamo-sweep-store';
import { STAMP_MARGIN_MS } from '../../shared/sweeper/dynamo-sweep-store/track-index';
import { TRACK_SHARDS, trackIndexKey, trackShard } from '../../shared/sweeper/keys';
import type { AddressTrack } from '../../shared/sweeper/model';
import type { StoredTrack } from '../../shared/sweeper/sweep-store';
import { createTestTable, type TestTable } from '../support/dynamo';
import { track as trackOf } from './support/plan';
import { putUnstampedTrack } from './support/track-items';

const T0 = Date.parse('2026-01-05T10:00:00.000Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const id = (n: number) => `eipalloc-${n.toString(16).padStart(17, '0')}`;

const track = (n: number, lastRunId = 'r1'): AddressTrack =>
  trackOf({
    allocationId: id(n),
    publicIp: `198.51.100.${n % 250}`,
    lastRunId,
    classification: 'in-use',
    tags: { Name: `web-${n}` },
    episode: null,
  });

let table: TestTable;
beforeEach(async () => {
  table = await createTestTable('track-index');
});
afterEach(async () => {
  await table.drop();
});

/** A sweep's store whose clock reads `at` (ms since the epoch). */
const storeAt = (at: number) => {
  const clock: Clock = { now: () => new Date(at) };
  return new DynamoSweepStore(table.doc, table.tableName, 400, clock);
};

/** What a read of every track lists: a store whose clock is two days on reads every shard in full. */
async function everyTrack(): Promise<[string, number, AddressTrack][]> {
  return sorted(await storeAt(T0 + 1000 * HOUR).listTracks());
}

const sorted = (tracks: StoredTrack[]): [string, number, AddressTrack][] =>
  tracks
    .map((s): [string, number, AddressTrack] => [s.track.allocationId, s.version, s.track])
    .sort((a, b) => (a[0] < b[0] ? -1 : 1));

/** One sweep's read and index save, as the sweeper does them. */
async function sweepRead(at: number) {
  const store = storeAt(at);
  const tracks = await store.listTracks();
  return { store, tracks, save: () => store.saveTrackIndex() };
}

/**
 * `count` tracks written by a first sweep at T0, and the hourly sweep after it, which reads none of them: they are
 * within the margin of the first sweep's index, but written by the sweep whose writes that index holds.
 */
async function seed(count: number): Promise<void> {
  const first = storeAt(T0);
  await first.listTracks();
  for (let n = 1; n <= count; n++) await first.commit({ track: track(n), expectedVersion: 0 });
  const report = await first.saveTrackIndex();
  expect(report?.readInFull).toHaveLength(TRACK_SHARDS);
  const next = await sweepRead(T0 + HOUR);
  expect(next.tracks).toHaveLength(count);
  expect(await next.save()).toMatchObject({ tracksRead: 0, written: 0 });
}

describe('a sweep reading through the index', () => {
  it('lists what a read of every track lists, reading only the tracks written since, whoever wrote them', async () => {
    await seed(40);
    // An hour on, another sweep (another store) changes three tracks and tracks a new address.
    const other = storeAt(T0 + 2 * HOUR);
    for (const n of [3, 17, 29]) {
      expect((await other.commit({ track: track(n, 'other'), expectedVersion: 1 })).ok).toBe(true);
    }
    await other.commit({ track: track(41, 'other'), expectedVersion: 0 });

    const next = await sweepRead(T0 + 2 * HOUR + 5 * MINUTE);

    expect(sorted(next.tracks)).toEqual(await everyTrack());
    expect(next.tracks.find((s) => s.track.allocationId === id(17))).toMatchObject({ version: 2 });
    const report = await next.save();
    expect(report).toMatchObject({ fromIndex: TRACK_SHARDS, readInFull: [], tracksRead: 4 });

    // Those four are stamped within the margin of this index: read once more, then no more.
    const after = await sweepRead(T0 + 3 * HOUR);
    expect((await after.save())?.tracksRead).toBe(4);
    const later = await sweepRead(T0 + 4 * HOUR);
    expect(sorted(later.tracks)).toEqual(await everyTrack());
    expect(await later.save()).toMatchObject({ tracksRead: 0, written: 0, advanced: 0 });
  });

  it('holds its own writes: the next sweep does not read them again', async () => {
    await seed(10);
    const run = await sweepRead(T0 + 2 * HOUR);
    const mine = run.tracks.find((s) => s.track.allocationId === id(4)) as StoredTrack;
    await run.store.commit({ track: { ...mine.track, lastRunId: 'mine' }, expectedVersion: mine.version });
    expect((await run.save())?.written).toBe(1);

    const next = await sweepRead(T0 + 3 * HOUR);

    expect(next.tracks.find((s) => s.track.allocationId === id(4))).toMatchObject({
      version: 2,
      track: { lastRunId: 'mine' },
    });
    expect(sorted(next.tracks)).toEqual(await everyTrack());
    // It went through that write (left out by the query's filter) and moves the index on past it.
    expect(await next.save()).toMatchObject({ tracksRead: 0, written: 0, advanced: 1 });
    expect(await (await sweepRead(T0 + 4 * HOUR)).save()).toMatchObject({ tracksRead: 0, advanced: 0 });
  });

  it('reads again the writes of a sweep that did not know the outcome of one of them', async () => {
    await seed(10);
    const run = await sweepRead(T0 + 2 * HOUR);
    const sibling = Array.from({ length: 100 }, (_, i) => 11 + i).find(
      (n) => trackShard(id(n)) === trackShard(id(4)),
    );
    await run.store.commit({ track: track(4, 'mine'), expectedVersion: 1 });
    // Refused: for all this sweep knows, its own write that an SDK retry found (a timeout).
    expect((await run.store.commit({ track: track(4, 'again'), expectedVersion: 1 })).ok).toBe(false);
    await run.store.commit({ track: track(sibling as number, 'mine'), expectedVersion: 0 });
    expect((await run.save())?.written).toBe(1);

    const next = await sweepRead(T0 + 3 * HOUR);

    expect(sorted(next.tracks)).toEqual(await everyTrack());
    expect((await next.save())?.tracksRead).toBe(2);
  });

  it('reads a write made after its reads, by a writer whose clock is behind by less than the margin', async () => {
    await seed(10);
    const run = await sweepRead(T0 + 2 * HOUR);
    // After this sweep read, a sweep whose clock is 10 minutes behind writes a track.
    await storeAt(T0 + 2 * HOUR - 10 * MINUTE).commit({ track: track(5, 'late'), expectedVersion: 1 });
    await run.save();

    const next = await sweepRead(T0 + 3 * HOUR);

    expect(next.tracks.find((s) => s.track.allocationId === id(5))).toMatchObject({ version: 2 });
  });

  it('misses a write stamped before its margin until the daily read in full, and then lists it', async () => {
    await seed(10);
    const run = await sweepRead(T0 + 2 * HOUR);
    // The sweep tracks a new address in the same shard, so that its index of the shard (dated before its reads) is
    // saved.
    const sibling = Array.from({ length: 100 }, (_, i) => 11 + i).find(
      (n) => trackShard(id(n)) === trackShard(id(5)),
    );
    await run.store.commit({ track: track(sibling as number, 'mine'), expectedVersion: 0 });
    await storeAt(T0 + 2 * HOUR - STAMP_MARGIN_MS - 5 * MINUTE).commit({
      track: track(5, 'skewed'),
      expectedVersion: 1,
    });
    await run.save();

    // The bound the index rests on: a writer's clock more than the margin behind is outside it.
    const next = await sweepRead(T0 + 3 * HOUR);
    expect(next.tracks.find((s) => s.track.allocationId === id(5))).toMatchObject({ version: 1 });
    await next.save();

    const daily = await sweepRead(T0 + 26 * HOUR);
    expect(daily.tracks.find((s) => s.track.allocationId === id(5))).toMatchObject({ version: 2 });
    expect((await daily.save())?.readInFull.map((r) => r.reason)).toContain('daily full read');
  });
});

describe('a shard read in full', () => {
  it('when its index is unreadable, and its index is written anew', async () => {
    await seed(20);
    const shard = trackShard(id(7));
    await table.doc.send(
      new PutCommand({
        TableName: table.tableName,
        Item: {
          ...trackIndexKey(shard),
          shard,
          asOf: new Date(T0).toISOString(),
          fullReadAt: new Date(T0).toISOString(),
          generation: 'g',
          body: new Uint8Array([1, 2, 3]),
        },
      }),
    );

    const run = await sweepRead(T0 + 2 * HOUR);

    expect(sorted(run.tracks)).toEqual(await everyTrack());
    const report = await run.save();
    expect(report?.readInFull).toEqual([{ shard, reason: 'no readable index' }]);
    expect(report?.written).toBe(1);
    expect((await (await sweepRead(T0 + 3 * HOUR)).save())?.readInFull).toEqual([]);
  });

  it('when its index is gone', async () => {
    await seed(20);
    await table.doc.send(new DeleteCommand({ TableName: table.tableName, Key: trackIndexKey(0) }));

    const run = await sweepRead(T0 + 2 * HOUR);

    expect(sorted(run.tracks)).toEqual(await everyTrack());
    expect((await run.save())?.readInFull).toEqual([{ shard: 0, reason: 'no readable index' }]);
  });
});

describe('a track an earlier version wrote (its sort key the bare allocation id)', () => {
  it('is read every sweep until stamped, then from the index', async () => {
    await seed(5);
    const legacy = track(9);
    await putUnstampedTrack(table.doc, table.tableName, legacy, 7);

    const run = await sweepRead(T0 + 2 * HOUR);
    expect(run.tracks.find((s) => s.track.allocationId === id(9))).toMatchObject({
      version: 7,
      track: legacy,
    });
    expect(await run.save()).toMatchObject({ tracksRead: 1, restamped: 1 });

    // Stamped at that save: read once more within the margin, then from the index alone.
    expect((await (await sweepRead(T0 + 3 * HOUR)).save())?.tracksRead).toBe(1);
    const later = await sweepRead(T0 + 4 * HOUR);
    expect(later.tracks.find((s) => s.track.allocationId === id(9))).toMatchObject({
      version: 7,
      track: legacy,
    });
    expect(sorted(later.tracks)).toEqual(await everyTrack());
    expect((await later.save())?.tracksRead).toBe(0);
  });
});

describe('two sweeps saving the index', () => {
  it('leave it whole: an index replaced meanwhile is not relabelled by the slower sweep', async () => {
    await seed(10);
    await storeAt(T0 + 2 * HOUR).commit({ track: track(2, 'x'), expectedVersion: 1 });
    await (await sweepRead(T0 + 2 * HOUR + MINUTE)).save();
    // Both read track 2 again (written within the margin of the index) at the version the index holds.
    const slow = await sweepRead(T0 + 3 * HOUR);
    const fast = await sweepRead(T0 + 3 * HOUR + MINUTE);
    await fast.store.commit({ track: track(2, 'fast'), expectedVersion: 2 });
    expect((await fast.save())?.written).toBe(1);

    // The slow sweep read the same tracks and wrote none: it would only move its index on, and that index is gone.
    const report = await slow.save();

    expect(report).toMatchObject({ written: 0, advanced: 0 });
    const next = await sweepRead(T0 + 5 * HOUR);
    expect(next.tracks.find((s) => s.track.allocationId === id(2))).toMatchObject({
      version: 3,
      track: { lastRunId: 'fast' },
    });
    expect(sorted(next.tracks)).toEqual(await everyTrack());
  });
});
