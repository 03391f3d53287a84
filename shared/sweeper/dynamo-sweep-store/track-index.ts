/**
 * The packed index of tracks: per shard, one item holding every track of the shard as a sweep last knew it (its
 * allocation id, version and the values of its stored `state`, one row each, gzipped JSON). A sweep reads the 8 index items and, per shard, only the
 * tracks written since the index, instead of every track of the region (docs/performance.md, "The sweep reads an
 * index of tracks").
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
 *
 * This file decides, on plain data; `track-index-items.ts` reads and writes the index items.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { CorruptItemError } from '../../store/errors';
import type { Item } from '../../store/query';
import { TABLE_KEYS } from '../../store/table';
import { isTrackStamp, TRACK_SHARDS, trackShard } from '../keys';
import type { StoredTrack } from '../sweep-store';
import {
  decodeRow,
  decodeTrack,
  type RowLayout,
  rowLayout,
  rowState,
  rowValues,
  STATE_FIELDS,
} from './track-codec';

/** How far before an index's `asOf` a write it lacks may be stamped (see above: SigV4's 5 minutes, thrice). */
export const STAMP_MARGIN_MS = 15 * 60_000;
/** A shard is read in full at least this often, whatever its index says. */
export const FULL_READ_EVERY_MS = 24 * 3_600_000;
/** Largest packed body written: DynamoDB's item limit is 400 KB, the keys and other attributes included. */
export const MAX_INDEX_BODY_BYTES = 350_000;

/** A track as stored: its `version` and `state` attributes. */
export interface IndexEntry {
  version: number;
  state: string;
}

/**
 * A track in an index body: its allocation id, version and the values of its state, by position (`IndexBody.fields`
 * names them; trailing nulls left out). Positions, not a keyed object per track: the body parses in half the time.
 */
export type IndexRow = [allocationId: string, version: number, ...values: unknown[]];

/** A body as packed: `{"fields": [...], "rows": [...]}`. */
export interface IndexBody {
  /** The names of each row's values after its allocation id and version: `STATE_FIELDS`, then any a later version added. */
  fields: readonly string[];
  rows: IndexRow[];
}

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
  layout: RowLayout;
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
 * The body of `base`'s rows and `updates` (an update replaces the row of its track), in this version's layout: rows
 * already in it go in as they are, the others (and every update's stored state) are put in it. A field this version
 * does not know is kept, named after the known ones.
 */
export function packBody(base: IndexBody | undefined, updates: ReadonlyMap<string, IndexEntry>): Uint8Array {
  // A body in this layout names `STATE_FIELDS` first, then its other fields, which stay where they are: its rows read
  // the same in the new body.
  const copyRows = base !== undefined && rowLayout(base.fields).native;
  const fields = [...STATE_FIELDS];
  // A set beside the list: every key of every update is looked up (10,000 updates at a first sight).
  const named = new Set(fields);
  const add = (name: string) => {
    if (!named.has(name)) {
      named.add(name);
      fields.push(name);
    }
  };
  for (const name of base?.fields ?? []) add(name);
  const states = new Map<string, Record<string, unknown>>();
  for (const [id, e] of updates) {
    const state = JSON.parse(e.state) as Record<string, unknown>;
    for (const name in state) add(name);
    states.set(id, state);
  }
  const parts: string[] = [];
  for (const row of base?.rows ?? []) {
    if (updates.has(row[0])) continue;
    if (copyRows) parts.push(JSON.stringify(row));
    else
      parts.push(JSON.stringify([row[0], row[1], ...rowValues(rowState(row, base?.fields ?? []), fields)]));
  }
  for (const [id, e] of updates) {
    parts.push(JSON.stringify([id, e.version, ...rowValues(states.get(id) ?? {}, fields)]));
  }
  return gzipSync(`{"fields":${JSON.stringify(fields)},"rows":[${parts.join(',')}]}`, { level: 1 });
}

/** The rows of a packed body; throws when it is not one (the shard is then read in full, and a body written). */
export function unpackBody(body: Uint8Array): IndexBody {
  const parsed: unknown = JSON.parse(gunzipSync(body).toString('utf8'));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    // Earlier versions wrote a list of keyed rows: read in full once, and rewritten in this layout.
    throw new Error('index body is not in this layout');
  }
  const { fields, rows } = parsed as { fields?: unknown; rows?: unknown };
  if (!Array.isArray(fields) || !fields.every((f) => typeof f === 'string')) {
    throw new Error('index body does not name its fields');
  }
  if (!Array.isArray(rows)) throw new Error('index body has no rows');
  for (const row of rows) {
    if (
      !Array.isArray(row) ||
      typeof row[0] !== 'string' ||
      typeof row[1] !== 'number' ||
      row.length > fields.length + 2
    ) {
      throw new Error('index body has a malformed row');
    }
  }
  return { fields, rows: rows as IndexRow[] };
}

/**
 * The index an index item holds, or undefined when it holds none this version can read (a shard out of range, a
 * label missing, a body that is not one): its shard is then read in full, and the run writes a good index.
 */
export function shardIndexOf(item: Item): ShardIndex | undefined {
  const { shard, asOf, fullReadAt, generation, writer, body } = item;
  if (typeof shard !== 'number' || !Number.isInteger(shard) || shard < 0 || shard >= TRACK_SHARDS)
    return undefined;
  if (typeof asOf !== 'string' || typeof fullReadAt !== 'string' || typeof generation !== 'string')
    return undefined;
  if (!(body instanceof Uint8Array)) return undefined;
  let unpacked: IndexBody;
  try {
    unpacked = unpackBody(body);
  } catch {
    return undefined;
  }
  return {
    shard,
    asOf,
    fullReadAt,
    generation,
    writer: typeof writer === 'string' ? writer : undefined,
    body,
    rows: unpacked.rows,
    layout: rowLayout(unpacked.fields),
  };
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
 * Every track, once: each shard's index rows its session did not update, its updates, and the tracks of the
 * unsharded partition of earlier versions. A track moved from that partition may show in both while GSI1 catches
 * up: the newer version is kept.
 */
export function listingOf(
  unsharded: readonly Item[],
  shards: readonly Pick<ShardSession, 'index' | 'updates'>[],
): StoredTrack[] {
  const unshardedById = new Map<string, StoredTrack>();
  for (const item of unsharded) {
    const t = decodeTrack(item);
    const seen = unshardedById.get(t.track.allocationId);
    if (!seen || seen.version < t.version) unshardedById.set(t.track.allocationId, t);
  }
  const tracks: StoredTrack[] = [];
  const add = (t: StoredTrack) => {
    const old = unshardedById.get(t.track.allocationId);
    if (!old) tracks.push(t);
    else if (old.version < t.version) unshardedById.set(t.track.allocationId, t);
  };
  for (const s of shards) {
    const index = s.index;
    if (index) for (const row of index.rows) if (!s.updates.has(row[0])) add(decodeRow(row, index.layout));
    for (const [allocationId, e] of s.updates) add(decodeTrack({ allocationId, ...e }));
  }
  if (unshardedById.size === 0) return tracks;
  return [...unshardedById.values(), ...tracks];
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
