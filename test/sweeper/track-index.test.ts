/**
 * The index of tracks as plain data: when a shard is read from its index and from when, what a query's items change,
 * what a run writes back, and bodies that are not bodies. Reading and writing it on DynamoDB Local is in
 * store.test.ts.
 */

import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CorruptItemError } from '../../shared/store/errors';
import { rowLayout, rowValues, STATE_FIELDS } from '../../shared/sweeper/dynamo-sweep-store/track-codec';
import {
  FULL_READ_EVERY_MS,
  type IndexBody,
  type IndexRow,
  indexLabels,
  listingOf,
  noteWrite,
  packBody,
  type ShardIndex,
  STAMP_MARGIN_MS,
  saveAction,
  shardIndexOf,
  shardReadPlan,
  shardSession,
  type TrackIndexSession,
  unpackBody,
} from '../../shared/sweeper/dynamo-sweep-store/track-index';
import { TRACK_SHARDS, trackShard, trackStamp } from '../../shared/sweeper/keys';

const NOW = new Date('2026-01-05T10:00:00.000Z');
const iso = (msBeforeNow: number) => new Date(NOW.getTime() - msBeforeNow).toISOString();
const HOUR = 3_600_000;
const id = (n: number) => `eipalloc-${n.toString(16).padStart(17, '0')}`;
const state = (n: number) => JSON.stringify({ publicIp: `198.51.100.${n}`, status: 'present' });
/** Track `n` at `version` as a row of a body in this version's layout. */
const row = (n: number, version: number, s = state(n)): IndexRow => [
  id(n),
  version,
  ...rowValues(JSON.parse(s), STATE_FIELDS),
];
const body = (rows: IndexRow[], fields: readonly string[] = STATE_FIELDS): IndexBody => ({ fields, rows });

function index(rows: IndexRow[], over: Partial<ShardIndex> = {}): ShardIndex {
  return {
    shard: 0,
    asOf: iso(HOUR),
    fullReadAt: iso(2 * HOUR),
    generation: 'g1',
    writer: undefined,
    body: packBody(body(rows), new Map()),
    rows,
    layout: rowLayout(STATE_FIELDS),
    ...over,
  };
}

const item = (n: number, version: number, sortKey = trackStamp(iso(HOUR), id(n))) => ({
  allocationId: id(n),
  version,
  state: state(n),
  GSI1SK: sortKey,
});

describe('how a shard is read', () => {
  it('reads the tracks stamped after the index, less the margin, when the index is dated and fresh', () => {
    expect(shardReadPlan(index([]), NOW)).toEqual({
      mode: 'since',
      since: iso(HOUR + STAMP_MARGIN_MS),
      skipWriter: undefined,
    });
    expect(shardReadPlan(index([], { writer: 'run-7' }), NOW)).toMatchObject({ skipWriter: 'run-7' });
  });

  it('reads every track without an index, with one ahead of the clock, and once a day', () => {
    expect(shardReadPlan(undefined, NOW)).toEqual({ mode: 'full', reason: 'no readable index' });
    expect(shardReadPlan(index([], { asOf: iso(-1000) }), NOW)).toEqual({
      mode: 'full',
      reason: 'index ahead of the clock',
    });
    expect(shardReadPlan(index([], { fullReadAt: iso(FULL_READ_EVERY_MS) }), NOW)).toEqual({
      mode: 'full',
      reason: 'daily full read',
    });
    expect(shardReadPlan(index([], { fullReadAt: iso(FULL_READ_EVERY_MS - 1) }), NOW).mode).toBe('since');
    expect(shardReadPlan(index([], { asOf: 'yesterday' }), NOW)).toEqual({
      mode: 'full',
      reason: 'index undated',
    });
  });
});

describe('an index item', () => {
  const item = (over: Record<string, unknown> = {}) => ({
    PK: 'SWEEP#TRACKS',
    SK: 'INDEX#3',
    shard: 3,
    asOf: iso(HOUR),
    fullReadAt: iso(2 * HOUR),
    generation: 'g1',
    writer: 'run-1',
    body: packBody(body([row(1, 2)]), new Map()),
    ...over,
  });

  it('holds its labels and its unpacked rows', () => {
    expect(shardIndexOf(item())).toMatchObject({
      shard: 3,
      asOf: iso(HOUR),
      fullReadAt: iso(2 * HOUR),
      generation: 'g1',
      writer: 'run-1',
      rows: [row(1, 2)],
      layout: { native: true },
    });
    expect(shardIndexOf(item({ writer: undefined }))?.writer).toBeUndefined();
  });

  it.each([
    ['a shard out of range', { shard: TRACK_SHARDS }],
    ['a shard that is not a whole number', { shard: 1.5 }],
    ['no date', { asOf: undefined }],
    ['no date of its last full read', { fullReadAt: 7 }],
    ['no generation', { generation: undefined }],
    ['a body that is not binary', { body: '[]' }],
    ['a body that is not one', { body: gzipSync('[[') }],
  ])('holds none this version can read with %s', (_, over) => {
    expect(shardIndexOf(item(over))).toBeUndefined();
  });
});

describe('a body', () => {
  it('packs rows and updates, an update replacing the row of its track, and unpacks them', () => {
    const updates = new Map([[id(2), { version: 5, state: state(22) }]]);

    expect(unpackBody(packBody(body([row(1, 1), row(2, 4)]), updates))).toEqual(
      body([row(1, 1), row(2, 5, state(22))]),
    );
  });

  it('holds a value by position, leaving out the nulls at the end of a row', () => {
    const [packed] = unpackBody(
      packBody(undefined, new Map([[id(1), { version: 1, state: state(1) }]])),
    ).rows;

    expect(packed).toEqual([id(1), 1, '198.51.100.1', null, null, null, 'present']);
  });

  it("keeps a field this version does not know, from a later version's body or from a track's state", () => {
    const later = [...STATE_FIELDS, 'leaseOwner'];
    const base = body(
      [[id(1), 1, ...rowValues({ ...JSON.parse(state(1)), leaseOwner: 'run-9' }, later)]],
      later,
    );
    const withExtra = JSON.stringify({ ...JSON.parse(state(2)), quota: 3 });
    const packed = unpackBody(packBody(base, new Map([[id(2), { version: 1, state: withExtra }]])));

    expect(packed.fields).toEqual([...later, 'quota']);
    const listed = listingOf(
      [],
      [{ index: { ...index(packed.rows), layout: rowLayout(packed.fields) }, updates: new Map() }],
    );
    expect(listed.map((t) => t.track as unknown as Record<string, unknown>)).toMatchObject([
      { allocationId: id(1), leaseOwner: 'run-9', publicIp: '198.51.100.1' },
      { allocationId: id(2), quota: 3, publicIp: '198.51.100.2' },
    ]);
  });

  it('reads and rewrites by name a body whose fields are in another order', () => {
    const reversed = [...STATE_FIELDS].reverse();
    const foreign = body(
      [[id(1), 2, ...reversed.map((f) => (JSON.parse(state(1)) as Record<string, unknown>)[f] ?? null)]],
      reversed,
    );

    const [listed] = listingOf(
      [],
      [{ index: { ...index([]), rows: foreign.rows, layout: rowLayout(reversed) }, updates: new Map() }],
    );
    expect(listed?.track).toMatchObject({ allocationId: id(1), publicIp: '198.51.100.1', status: 'present' });
    expect(unpackBody(packBody(foreign, new Map()))).toEqual(body([row(1, 2)]));
  });

  it.each([
    ['not gzip', new TextEncoder().encode('{}')],
    ['not JSON', gzipSync('{[')],
    ['a list of keyed rows (the layout of earlier versions)', gzipSync(JSON.stringify([[id(1), 1, {}]]))],
    ['without field names', gzipSync(JSON.stringify({ rows: [] }))],
    ['without rows', gzipSync(JSON.stringify({ fields: STATE_FIELDS }))],
    ['a row without a version', gzipSync(JSON.stringify({ fields: STATE_FIELDS, rows: [[id(1), null]] }))],
    [
      'a row longer than its fields',
      gzipSync(JSON.stringify({ fields: ['publicIp'], rows: [[id(1), 1, 'a', 'b']] })),
    ],
  ])('is refused when it is %s', (_, packed) => {
    expect(() => unpackBody(packed)).toThrow();
  });
});

describe('a shard session', () => {
  const rows: IndexRow[] = [row(1, 3), row(2, 3)];

  it('takes an item as an update only when the index lacks its track or holds an older version', () => {
    const s = shardSession(0, { mode: 'since', since: iso(2 * HOUR), skipWriter: undefined }, index(rows), [
      item(1, 3), // the version the index holds: nothing new
      item(2, 2), // older than the index (GSI1 behind): the index stands
      item(3, 1), // a track the index lacks
      item(1, 3),
    ]);

    expect([...s.updates.keys()]).toEqual([id(3)]);
    expect(s.read).toBe(4);
    expect(saveAction(s)).toBe('put');
  });

  it('replaces a row by the newer item', () => {
    const s = shardSession(0, { mode: 'since', since: iso(2 * HOUR), skipWriter: undefined }, index(rows), [
      item(2, 4),
    ]);

    expect(s.updates.get(id(2))).toEqual({ version: 4, state: state(2) });
  });

  it('read in full, takes every item and leaves the index out, to be written anew', () => {
    const s = shardSession(0, { mode: 'full', reason: 'daily full read' }, index(rows), [item(1, 3)]);

    expect(s.index).toBeUndefined();
    expect([...s.updates.keys()]).toEqual([id(1)]);
    expect(saveAction(s)).toBe('put');
  });

  it('lists the tracks written before stamps, and only those, to be stamped', () => {
    const s = shardSession(0, { mode: 'since', since: iso(2 * HOUR), skipWriter: undefined }, index(rows), [
      item(1, 3, id(1)),
      item(2, 3),
    ]);

    expect(s.unstamped).toEqual([{ allocationId: id(1), version: 3 }]);
  });

  it('refuses a track item without its state, naming it', () => {
    const bare = { allocationId: id(9), version: 1, GSI1SK: id(9) };

    expect(() => shardSession(0, { mode: 'full', reason: 'x' }, undefined, [bare])).toThrow(CorruptItemError);
    expect(() => shardSession(0, { mode: 'full', reason: 'x' }, undefined, [bare])).toThrow(id(9));
  });

  it('moves an unchanged index on when its query went through tracks, and leaves it alone when it went through none', () => {
    const plan = { mode: 'since', since: iso(2 * HOUR), skipWriter: 'run-0' } as const;

    expect(saveAction(shardSession(0, plan, index(rows), [item(1, 3)]))).toBe('advance');
    // Only the writes of the run the index holds, left out by the query's filter.
    expect(saveAction(shardSession(0, plan, index(rows), [], 12))).toBe('advance');
    expect(saveAction(shardSession(0, plan, index(rows), []))).toBe('none');
  });
});

describe("a run's own writes", () => {
  it('are added to their shard, the newest version kept', () => {
    const session: TrackIndexSession = {
      readAt: NOW.toISOString(),
      writer: 'run-1',
      shards: Array.from({ length: TRACK_SHARDS }, (_, shard) =>
        shardSession(
          shard,
          { mode: 'since', since: iso(2 * HOUR), skipWriter: undefined },
          index([], { shard }),
          [],
        ),
      ),
    };

    noteWrite(session, id(5), 2, state(5));
    noteWrite(session, id(5), 1, state(1));

    const shard = session.shards[trackShard(id(5))];
    expect(shard?.updates.get(id(5))).toEqual({ version: 2, state: state(5) });
    expect(session.shards.filter((s) => saveAction(s) === 'put')).toEqual([shard]);
  });
});

describe('the index a run writes for a shard', () => {
  const session = { readAt: NOW.toISOString(), writer: 'run-2' };
  const since = { mode: 'since', since: iso(2 * HOUR), skipWriter: undefined } as const;

  it('is dated before the run read, keeps the lineage of the index it replaces, and names the run', () => {
    expect(indexLabels(session, { plan: since, index: index([]), unsure: false })).toEqual({
      asOf: NOW.toISOString(),
      fullReadAt: iso(2 * HOUR),
      writer: 'run-2',
    });
  });

  it('starts a lineage when the shard was read in full', () => {
    const full = { mode: 'full', reason: 'daily full read' } as const;

    expect(indexLabels(session, { plan: full, index: undefined, unsure: false }).fullReadAt).toBe(
      NOW.toISOString(),
    );
  });

  it('names no writer when the run is unsure of one of its writes to the shard', () => {
    expect(indexLabels(session, { plan: since, index: index([]), unsure: true })).not.toHaveProperty(
      'writer',
    );
  });
});

describe('the listing a sweep plans from', () => {
  const since = { mode: 'since', since: iso(2 * HOUR), skipWriter: undefined } as const;
  const unshardedItem = (n: number, version: number) => ({
    allocationId: id(n),
    version,
    publicIp: `198.51.100.${n}`,
    status: 'present',
  });
  const versions = (tracks: { track: { allocationId: string }; version: number }[]) =>
    tracks
      .map((t): [string, number] => [t.track.allocationId, t.version])
      .sort((a, b) => (a[0] < b[0] ? -1 : 1));

  it('lists each track once: the index rows its updates did not replace, and the updates', () => {
    const rows: IndexRow[] = [row(1, 3), row(2, 3)];
    const s = shardSession(0, since, index(rows), [item(2, 4), item(3, 1)]);

    expect(versions(listingOf([], [s]))).toEqual([
      [id(1), 3],
      [id(2), 4],
      [id(3), 1],
    ]);
    expect(listingOf([], [s]).find((t) => t.track.allocationId === id(1))?.track.publicIp).toBe(
      '198.51.100.1',
    );
  });

  it('keeps the newer of a track in the unsharded partition of earlier versions and in its shard', () => {
    const s = shardSession(0, since, index([row(1, 2)]), [item(2, 5)]);

    // Track 1 moved to its shard (version 2 there, 1 left behind); track 2's shard copy is older than the unsharded.
    expect(versions(listingOf([unshardedItem(1, 1), unshardedItem(2, 7)], [s]))).toEqual([
      [id(1), 2],
      [id(2), 7],
    ]);
  });
});
