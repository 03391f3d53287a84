/** How a track is stored: one JSON attribute, read back whatever version of eip-keeper wrote it. */
import { CorruptItemError } from '../../store/errors';
import type { Item } from '../../store/query';
import { type AddressTrack, EMPTY_TRACK_LEDGER, type TrackLedger } from '../model';
import type { StoredTrack } from '../sweep-store';

/** A track's fields (the ones earlier versions wrote as separate attributes, and still read that way). */
const TRACK_FIELDS = [
  'allocationId',
  'publicIp',
  'firstSeenAt',
  'lastSeenAt',
  'lastRunId',
  'status',
  'classification',
  'reason',
  'tags',
  'poolSeen',
  'lastSeenInUseAt',
  'lastSeenHolder',
  'episode',
  'alerts',
  'notice',
  'block',
  'releaseAttempt',
  'releasedAt',
] as const satisfies readonly (keyof AddressTrack)[];

/**
 * A track is stored as one JSON attribute (`state`): a sweep reads every track every run, and one string per item
 * costs DynamoDB and the SDK a fraction of what a nest of typed attributes does (docs/performance.md). Top-level
 * nulls, empty maps and an empty ledger are left out; `decodeTrack` puts them back.
 */
export function encodeTrack(track: AddressTrack): string {
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(track)) {
    if (key === 'allocationId' || value === null || value === undefined) continue;
    if (key === 'ledger' && sameLedger(value as TrackLedger, EMPTY_TRACK_LEDGER)) continue;
    if ((key === 'tags' || key === 'alerts') && Object.keys(value as object).length === 0) continue;
    kept[key] = value;
  }
  return JSON.stringify(kept);
}

const sameLedger = (a: TrackLedger, b: TrackLedger): boolean =>
  a.month === b.month &&
  a.closedHours === b.closedHours &&
  a.closedCostUsd === b.closedCostUsd &&
  a.released === b.released;

export function decodeTrack(item: Item): StoredTrack {
  if (typeof item.allocationId !== 'string' || typeof item.version !== 'number') {
    throw new CorruptItemError({ PK: item.PK, SK: item.SK }, 'track lacks allocationId or version');
  }
  const encoded = typeof item.state === 'string';
  let fields: Record<string, unknown> = item;
  if (encoded) {
    try {
      fields = JSON.parse(item.state as string) as Record<string, unknown>;
    } catch {
      throw new CorruptItemError({ PK: item.PK, SK: item.SK }, 'track state is not JSON');
    }
  }
  return { track: trackOfFields(item.allocationId, fields, encoded), version: item.version };
}

/**
 * The fields of a stored state in the order an index row holds them (`track-index.ts`): a row is the allocation id,
 * the version, then these values (null where the state has none).
 */
export const STATE_FIELDS: readonly string[] = [...TRACK_FIELDS.slice(1), 'ledger'];

/** Where the values of an index body's rows are: this version's order, or another version's (by name). */
export interface RowLayout {
  /** The body's names of the row values, after allocation id and version. */
  fields: readonly string[];
  /** The body lists `STATE_FIELDS` first, in order: a row is read by position. */
  native: boolean;
}

export function rowLayout(fields: readonly string[]): RowLayout {
  return { fields, native: STATE_FIELDS.every((f, i) => fields[i] === f) };
}

/** The values of a stored state, as an index row of `fields` holds them after its allocation id and version. */
export function rowValues(state: Record<string, unknown>, fields: readonly string[]): unknown[] {
  const values = fields.map((f) => state[f] ?? null);
  while (values.length > 0 && values[values.length - 1] === null) values.pop();
  return values;
}

/** The stored state an index row holds, by name (`rowValues` undone): its values under `fields`, nulls left out. */
export function rowState(row: readonly unknown[], fields: readonly string[]): Record<string, unknown> {
  const state: Record<string, unknown> = {};
  fields.forEach((name, i) => {
    const value = row[i + 2];
    if (value !== undefined && value !== null) state[name] = value;
  });
  return state;
}

/** The track of an index row: `[allocationId, version, ...values]` under the body's layout. */
export function decodeRow(row: readonly unknown[], layout: RowLayout): StoredTrack {
  const allocationId = row[0] as string;
  const version = row[1] as number;
  if (!layout.native)
    return { track: trackOfFields(allocationId, rowState(row, layout.fields), true), version };
  const track = trackOf(allocationId, row, 2, true);
  for (let i = STATE_FIELDS.length; i < layout.fields.length; i++) {
    const value = row[i + 2];
    if (value !== undefined && value !== null)
      (track as unknown as Record<string, unknown>)[layout.fields[i] as string] = value;
  }
  return { track, version };
}

const KNOWN_FIELDS = new Set<string>([...TRACK_FIELDS, 'ledger']);

/** The track of a state's (or a legacy item's) named fields; a field this version does not know is kept. */
function trackOfFields(allocationId: string, f: Record<string, unknown>, encoded: boolean): AddressTrack {
  const track = trackOf(
    allocationId,
    STATE_FIELDS.map((k) => f[k]),
    0,
    encoded,
  );
  if (encoded) {
    for (const key in f)
      if (!KNOWN_FIELDS.has(key)) (track as unknown as Record<string, unknown>)[key] = f[key];
  }
  return track;
}

/**
 * The track of its stored values (`v[at]` onwards, in `STATE_FIELDS` order: the offsets below are that list's), every
 * field present and always in the same order: one object shape for every track, which the plan reads for every
 * address of the region.
 */
function trackOf(allocationId: string, v: readonly unknown[], at: number, encoded: boolean): AddressTrack {
  const track = {
    allocationId,
    publicIp: v[at] ?? null,
    firstSeenAt: v[at + 1] ?? null,
    lastSeenAt: v[at + 2] ?? null,
    lastRunId: v[at + 3] ?? null,
    status: v[at + 4] ?? null,
    classification: v[at + 5] ?? null,
    reason: v[at + 6] ?? null,
    tags: v[at + 7] ?? {},
    poolSeen: v[at + 8] ?? null,
    lastSeenInUseAt: v[at + 9] ?? null,
    lastSeenHolder: v[at + 10] ?? null,
    episode: v[at + 11] ?? null,
    alerts: v[at + 12] ?? {},
    notice: v[at + 13] ?? null,
    block: v[at + 14] ?? null,
    releaseAttempt: v[at + 15] ?? null,
    releasedAt: v[at + 16] ?? null,
    ledger: EMPTY_TRACK_LEDGER,
  } as AddressTrack;
  const ledger = v[at + 17] as Partial<TrackLedger> | null | undefined;
  if (ledger) {
    track.ledger = {
      month: ledger.month ?? null,
      closedHours: ledger.closedHours ?? 0,
      closedCostUsd: ledger.closedCostUsd ?? 0,
      released: ledger.released ?? null,
    };
  } else if (!encoded) track.ledger = legacyLedger(track);
  return track;
}

/** A track written before tracks kept a ledger: its release still counts (episodes that ended this month do not). */
function legacyLedger(t: AddressTrack): TrackLedger {
  return t.status === 'released' && t.releasedAt
    ? { ...EMPTY_TRACK_LEDGER, released: { at: t.releasedAt, rateUsd: t.episode?.rateUsd ?? 0 } }
    : EMPTY_TRACK_LEDGER;
}
