/**
 * The packed index of tracks: per shard, one item holding every track of the shard as a sweep last knew it (its
 * allocation id, version and stored `state`, gzipped JSON). A sweep reads the 8 index items and, per shard, only the
 * tracks written since the index, instead of every track of the region (docs/performance.md, "Sweep").
 *
 * The index is a copy of the track items, never their authority: every write of a track is still conditional on the
 * version it was read at, so a track the index holds at an old version loses its write (the address waits a run), as
 * it would after any concurrent sweep. What must hold is that it is never old for long, and that is this rule:
 *
 * - every write of a track stamps its GSI1 sort key with the store's clock (`trackStamp`), taken before the request;
 * - an index is labelled `asOf`, the clock before the reads it was built from, and holds what those reads returned
 *   with the run's own successful writes on top;
 * - so a write the index lacks reached the table after those reads began. AWS rejects a request signed more than 5
 *   minutes from its own clock (SigV4), the SDK retries a request within that window, and GSI1 catches up within
 *   seconds: a write the index lacks is stamped after `asOf - STAMP_MARGIN_MS`, and the next sweep reads exactly the
 *   tracks stamped after that.
 *
 * A run's own writes are stamped within the margin of its index, yet the index holds them: each track write names its
 * writer (the run's listing), and an index names the run whose writes it holds (`writer`), when that run knows the
 * outcome of every write it made to the shard (a write that did not succeed may still have been made). The next read
 * leaves those out, so an hourly sweep does not read again what the sweep before it wrote.
 *
 * Anything that writes a track without stamping it (an earlier version, a hand edit keeping the bare allocation id as
 * its sort key) sorts after every stamp and is read every run until stamped again. A shard is read in full when it
 * has no readable index, when its index is ahead of the clock, and at least once a day (`FULL_READ_EVERY_MS`),
 * which bounds what any other divergence can last.
 */
import { randomUUID } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { forEachLimit } from '../../runtime/concurrency';
import { CorruptItemError } from '../../store/errors';
import { type Item, queryAll } from '../../store/query';
import { TABLE_KEYS } from '../../store/table';
import {
  isTrackStamp,
  SWEEP_ITEM_TYPE,
  SWEEP_SK,
  sweepPk,
  TRACK_INDEX_SCOPE,
  TRACK_SHARDS,
  trackIndexKey,
  trackKey,
  trackShard,
  trackStamp,
} from '../keys';
import type { TrackIndexReport } from '../sweep-store';
import { type SweepTable, writeIf } from './table';

/** How far before an index's `asOf` a write it lacks may be stamped (see above: SigV4's 5 minutes, thrice). */
export const STAMP_MARGIN_MS = 15 * 60_000;
/** A shard is read in full at least this often, whatever its index says. */
export const FULL_READ_EVERY_MS = 24 * 3_600_000;
/** Largest packed body written: DynamoDB's item limit is 400 KB, the keys and other attributes included. */
export const MAX_INDEX_BODY_BYTES = 350_000;
/** Restamping updates in flight at once. */
const RESTAMP_CONCURRENCY = 16;

/** A track as stored: its `version` and `state` attributes. */
export interface IndexEntry {
  version: number;
  state: string;
}

/** A track in an index body: its allocation id, version and state (parsed: one JSON.parse per body, not per track). */
export type IndexRow = [allocationId: string, version: number, fields: Record<string, unknown>];

/** One shard's index as read. */
export interface ShardIndex {
  shard: number;
  asOf: string;
  /** When the shard was last read in full (the index's lineage starts there). */
  fullReadAt: string;
  /** Names this body: moving `asOf` on is conditional on it, so it never relabels a body another run replaced. */
  generation: string;
  /** The run whose every track write to the shard the body holds: its writes need not be read again. */
  writer: string | undefined;
  /** The packed body, kept to build the next one from (the rows below become the run's tracks). */
  body: Uint8Array;
  rows: IndexRow[];
}

/** How a sweep reads one shard: the tracks stamped after `since`, or all of them (and why). */
export type ShardReadPlan =
  | { mode: 'since'; since: string; skipWriter: string | undefined }
  | { mode: 'full'; reason: string };

/** What a run knows of one shard: its index (when read from it), and the newer tracks its query and writes brought. */
export interface ShardSession {
  shard: number;
  plan: ShardReadPlan;
  index: ShardIndex | undefined;
  /** Tracks newer than the index holds (every track of a shard read in full), by allocation id. */
  updates: Map<string, IndexEntry>;
  /** Items the shard's query returned. */
  read: number;
  /** Items it went through: those returned, and the run's own writes the index holds already. */
  scanned: number;
  /** Tracks read with the bare allocation id as their sort key (written before stamps), to stamp. */
  unstamped: { allocationId: string; version: number }[];
  /** The run wrote a track of the shard without knowing whether the write was made. */
  unsure: boolean;
}

/** A run's reading of the tracks, kept by the store until the run saves the index. */
export interface TrackIndexSession {
  /** The store's clock before the reads: the `asOf` of any index this run writes. */
  readAt: string;
  /** Names the run on its track writes and on the indexes that hold them. */
  writer: string;
  shards: ShardSession[];
}

/**
 * The body of `rows` and `updates` (an update replaces the row of its track). A state is stored JSON already
 * (`encodeTrack`'s, or read and parsed from the table), so it goes in as it is.
 */
export function packBody(rows: readonly IndexRow[], updates: ReadonlyMap<string, IndexEntry>): Uint8Array {
  const parts: string[] = [];
  for (const row of rows) if (!updates.has(row[0])) parts.push(JSON.stringify(row));
  for (const [id, e] of updates) parts.push(`[${JSON.stringify(id)},${e.version},${e.state}]`);
  return gzipSync(`[${parts.join(',')}]`, { level: 1 });
}

/** The rows of a packed body; throws when it is not one (the shard is then read in full). */
export function unpackBody(body: Uint8Array): IndexRow[] {
  const rows: unknown = JSON.parse(gunzipSync(body).toString('utf8'));
  if (!Array.isArray(rows)) throw new Error('index body is not a list');
  for (const row of rows) {
    if (
      !Array.isArray(row) ||
      typeof row[0] !== 'string' ||
      typeof row[1] !== 'number' ||
      typeof row[2] !== 'object' ||
      row[2] === null ||
      Array.isArray(row[2])
    ) {
      throw new Error('index body has a malformed entry');
    }
  }
  return rows as IndexRow[];
}

/** How a shard is read this run, from its index (when one could be read) and the store's clock. */
export function shardReadPlan(index: ShardIndex | undefined, now: Date): ShardReadPlan {
  if (!index) return { mode: 'full', reason: 'no readable index' };
  const asOf = Date.parse(index.asOf);
  const fullReadAt = Date.parse(index.fullReadAt);
  if (!Number.isFinite(asOf) || !Number.isFinite(fullReadAt))
    return { mode: 'full', reason: 'index undated' };
  if (asOf > now.getTime()) return { mode: 'full', reason: 'index ahead of the clock' };
  if (now.getTime() - fullReadAt >= FULL_READ_EVERY_MS) return { mode: 'full', reason: 'daily full read' };
  return { mode: 'since', since: new Date(asOf - STAMP_MARGIN_MS).toISOString(), skipWriter: index.writer };
}

/** A sharded track item's entry (tracks are sharded since they are stored as one `state` attribute). */
export function entryOf(item: Item): IndexEntry {
  if (
    typeof item.allocationId !== 'string' ||
    typeof item.version !== 'number' ||
    typeof item.state !== 'string'
  ) {
    throw new CorruptItemError(
      { PK: item.PK, SK: item.SK },
      `track ${String(item.allocationId)} lacks allocationId, version or state`,
    );
  }
  return { version: item.version, state: item.state };
}

/**
 * A shard's session from its index and the items its query returned: an item is an update when the index lacks its
 * track or holds it at an older version (an index newer than the item is one GSI1 has not caught up with). Read in
 * full, every item is.
 */
export function shardSession(
  shard: number,
  plan: ShardReadPlan,
  index: ShardIndex | undefined,
  items: readonly Item[],
  scanned = items.length,
): ShardSession {
  const fromIndex = plan.mode === 'since' ? index : undefined;
  const updates = new Map<string, IndexEntry>();
  const unstamped: ShardSession['unstamped'] = [];
  for (const item of items) {
    const entry = entryOf(item);
    const id = item.allocationId as string;
    if (!isTrackStamp(item[TABLE_KEYS.gsi1.sortKey]))
      unstamped.push({ allocationId: id, version: entry.version });
    const seen = updates.get(id);
    if (!seen || seen.version < entry.version) updates.set(id, entry);
  }
  if (fromIndex && updates.size > 0) {
    for (const [id, version] of rowVersions(fromIndex.rows, updates)) {
      if ((updates.get(id) as IndexEntry).version <= version) updates.delete(id);
    }
  }
  return { shard, plan, index: fromIndex, updates, read: items.length, scanned, unstamped, unsure: false };
}

/** The version each row of `ids` has in the index. */
function rowVersions(rows: readonly IndexRow[], ids: ReadonlyMap<string, unknown>): [string, number][] {
  const out: [string, number][] = [];
  for (const row of rows) if (ids.has(row[0])) out.push([row[0], row[1]]);
  return out;
}

/** Notes a track this run wrote (at `version`, with `state`) in its shard's session. */
export function noteWrite(session: TrackIndexSession, allocationId: string, version: number, state: string) {
  const s = session.shards[trackShard(allocationId)];
  if (!s) return;
  const held = s.updates.get(allocationId);
  if (held && held.version >= version) return;
  s.updates.set(allocationId, { version, state });
}

/** Notes a write of a track this run does not know the outcome of. */
export function noteUnsure(session: TrackIndexSession, allocationId: string) {
  const s = session.shards[trackShard(allocationId)];
  if (s) s.unsure = true;
}

/**
 * What saving does for a shard: a new body, the same body relabelled (`asOf` moved on, so that the next query goes
 * through none of the tracks this one went through), or nothing.
 */
export function saveAction(s: ShardSession): 'put' | 'advance' | 'none' {
  if (!s.index || s.updates.size > 0) return 'put';
  return s.scanned > 0 ? 'advance' : 'none';
}

/**
 * What the index a run writes for a shard says of itself: dated before the run's reads; read in full then, or when
 * the index it replaces was; and the run as its writer, unless the run is unsure of a write to the shard (it cannot
 * vouch for its writes then, and the next read reads them all).
 */
export function indexLabels(
  session: Pick<TrackIndexSession, 'readAt' | 'writer'>,
  s: Pick<ShardSession, 'plan' | 'index' | 'unsure'>,
): { asOf: string; fullReadAt: string; writer?: string } {
  return {
    asOf: session.readAt,
    fullReadAt: s.plan.mode === 'full' ? session.readAt : (s.index?.fullReadAt ?? session.readAt),
    ...(s.unsure ? {} : { writer: session.writer }),
  };
}

/** Every shard's index item, strongly consistent; an unreadable body is left out (its shard is read in full). */
export async function readIndexes(table: SweepTable): Promise<Map<number, ShardIndex>> {
  // Every page: 8 bodies of up to 350 KB are more than one 1 MB page.
  const items = await queryAll(table.doc, {
    TableName: table.tableName,
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
    ExpressionAttributeValues: { ':pk': sweepPk(TRACK_INDEX_SCOPE), ':prefix': SWEEP_SK.trackIndex },
    ConsistentRead: true,
  });
  const indexes = new Map<number, ShardIndex>();
  for (const item of items) {
    const { shard, asOf, fullReadAt, generation, writer, body } = item;
    if (typeof shard !== 'number' || shard < 0 || shard >= TRACK_SHARDS) continue;
    if (typeof asOf !== 'string' || typeof fullReadAt !== 'string' || typeof generation !== 'string')
      continue;
    if (!(body instanceof Uint8Array)) continue;
    try {
      const rows = unpackBody(body);
      indexes.set(shard, {
        shard,
        asOf,
        fullReadAt,
        generation,
        writer: typeof writer === 'string' ? writer : undefined,
        body,
        rows,
      });
    } catch {
      // Read in full; the run writes a good body.
    }
  }
  return indexes;
}

/** Brings every shard's index up to date with the session, and stamps the tracks of earlier versions it read. */
export async function saveIndexes(table: SweepTable, session: TrackIndexSession): Promise<TrackIndexReport> {
  const report: TrackIndexReport = {
    fromIndex: session.shards.filter((s) => s.plan.mode === 'since').length,
    readInFull: session.shards.flatMap((s) =>
      s.plan.mode === 'full' ? [{ shard: s.shard, reason: s.plan.reason }] : [],
    ),
    tracksRead: session.shards.reduce((n, s) => n + s.read, 0),
    written: 0,
    advanced: 0,
    tooLarge: [],
    restamped: 0,
    errors: [],
  };
  await Promise.all(
    session.shards.map(async (s) => {
      try {
        const action = saveAction(s);
        if (action === 'put') {
          if (await putIndex(table, session, s)) report.written++;
          else report.tooLarge.push(s.shard);
        } else if (action === 'advance' && (await advanceIndex(table, session.readAt, s))) report.advanced++;
      } catch (err) {
        report.errors.push(`index of shard ${s.shard}: ${String(err)}`);
      }
    }),
  );
  const unstamped = session.shards.flatMap((s) => s.unstamped);
  await forEachLimit(unstamped, RESTAMP_CONCURRENCY, async (t) => {
    try {
      if (await restamp(table, t.allocationId, t.version)) report.restamped++;
    } catch (err) {
      report.errors.push(`stamp of ${t.allocationId}: ${String(err)}`);
    }
  });
  return report;
}

async function putIndex(table: SweepTable, session: TrackIndexSession, s: ShardSession): Promise<boolean> {
  // From the body as read, not from the rows: those became the run's tracks, which the run may have changed.
  const body = packBody(s.index ? unpackBody(s.index.body) : [], s.updates);
  if (body.byteLength > MAX_INDEX_BODY_BYTES) return false;
  await table.doc.send(
    new PutCommand({
      TableName: table.tableName,
      Item: {
        ...trackIndexKey(s.shard),
        itemType: SWEEP_ITEM_TYPE.trackIndex,
        shard: s.shard,
        ...indexLabels(session, s),
        generation: randomUUID(),
        body,
      },
    }),
  );
  return true;
}

/** Moves `asOf` on when the body is still the one read: false when another run replaced it meanwhile. */
function advanceIndex(table: SweepTable, readAt: string, s: ShardSession): Promise<boolean> {
  return writeIf(
    table,
    new UpdateCommand({
      TableName: table.tableName,
      Key: trackIndexKey(s.shard),
      UpdateExpression: 'SET asOf = :asOf',
      ConditionExpression: 'generation = :generation AND asOf < :asOf',
      ExpressionAttributeValues: { ':asOf': readAt, ':generation': s.index?.generation },
    }),
  );
}

/** Gives a track of an earlier version a stamp, if it is still at the version read (its state is unchanged). */
function restamp(table: SweepTable, allocationId: string, version: number): Promise<boolean> {
  return writeIf(
    table,
    new UpdateCommand({
      TableName: table.tableName,
      Key: trackKey(allocationId),
      UpdateExpression: 'SET #sk = :stamp',
      ConditionExpression: '#version = :version',
      ExpressionAttributeNames: { '#sk': TABLE_KEYS.gsi1.sortKey, '#version': 'version' },
      ExpressionAttributeValues: {
        ':stamp': trackStamp(table.clock.now().toISOString(), allocationId),
        ':version': version,
      },
    }),
  );
}
