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
  return { track: trackOf(item.allocationId, fields, encoded), version: item.version };
}

/** A track of an index body (`track-index.ts`): its state already parsed. */
export function decodeState(
  allocationId: string,
  version: number,
  fields: Record<string, unknown>,
): StoredTrack {
  return { track: trackOf(allocationId, fields, true), version };
}

const KNOWN_FIELDS = new Set<string>([...TRACK_FIELDS, 'ledger']);

/**
 * The track of its stored fields, every field present and always in the same order: one object shape for every
 * track, which the plan reads for every address of the region. A field this version does not know (written by a
 * later one) is kept, so a write by this version does not drop it.
 */
function trackOf(allocationId: string, f: Record<string, unknown>, encoded: boolean): AddressTrack {
  const track = {
    allocationId,
    publicIp: f.publicIp ?? null,
    firstSeenAt: f.firstSeenAt ?? null,
    lastSeenAt: f.lastSeenAt ?? null,
    lastRunId: f.lastRunId ?? null,
    status: f.status ?? null,
    classification: f.classification ?? null,
    reason: f.reason ?? null,
    tags: f.tags ?? {},
    poolSeen: f.poolSeen ?? null,
    lastSeenInUseAt: f.lastSeenInUseAt ?? null,
    lastSeenHolder: f.lastSeenHolder ?? null,
    episode: f.episode ?? null,
    alerts: f.alerts ?? {},
    notice: f.notice ?? null,
    block: f.block ?? null,
    releaseAttempt: f.releaseAttempt ?? null,
    releasedAt: f.releasedAt ?? null,
    ledger: EMPTY_TRACK_LEDGER,
  } as AddressTrack & Record<string, unknown>;
  const ledger = f.ledger as Partial<TrackLedger> | undefined;
  if (ledger) {
    track.ledger = {
      month: ledger.month ?? null,
      closedHours: ledger.closedHours ?? 0,
      closedCostUsd: ledger.closedCostUsd ?? 0,
      released: ledger.released ?? null,
    };
  } else if (!encoded) track.ledger = legacyLedger(track);
  if (encoded) {
    for (const key in f) if (!KNOWN_FIELDS.has(key)) track[key] = f[key];
  }
  return track;
}

/** A track written before tracks kept a ledger: its release still counts (episodes that ended this month do not). */
function legacyLedger(t: AddressTrack): TrackLedger {
  return t.status === 'released' && t.releasedAt
    ? { ...EMPTY_TRACK_LEDGER, released: { at: t.releasedAt, rateUsd: t.episode?.rateUsd ?? 0 } }
    : EMPTY_TRACK_LEDGER;
}
