/**
 * The sweeper's items in the single table (documented in docs/data-model.md, "Sweeper items").
 *
 * | Item          | PK                      | SK                               | GSI1PK               | GSI1SK                      |
 * |---------------|-------------------------|----------------------------------|----------------------|-----------------------------|
 * | Address track | `SWEEP#<allocationId>`  | `TRACK`                          | `KIND#sweep#<shard>` | `<writtenAt>#<allocationId>` |
 * | Track index   | `SWEEP#TRACKS`          | `INDEX#<shard>`                  |                      |                             |
 * | Idle episode  | `SWEEP#<allocationId>`  | `IDLE#<episodeKey>`              | `KIND#sweep-idle`    | `<start>#<allocationId>`    |
 * | Release       | `SWEEP#<allocationId>`  | `RELEASE`                        | `KIND#sweep-release` | `<releasedAt>#<allocationId>` |
 * | Alert claim   | `SWEEP#<allocationId>`  | `ALERT#<episodeKey>#<kind>[#…]`  |                      |                             |
 * | Digest claim  | `SWEEP#DIGEST`          | `ALERT#<YYYY-MM-DD>#<page>`      |                      |                             |
 * | Summary claim | `SWEEP#SUMMARY`         | `ALERT#<runId>`                  |                      |                             |
 * | Outbox        | `SWEEP#<allocationId>`  | `OUTBOX#<episodeKey>#released`   | `KIND#sweep-outbox`  | `<at>#<allocationId>`       |
 * | Run slots     | `SWEEP#RUN#<runId>`     | `RELEASES`                       |                      |                             |
 * | Last run      | `SWEEP#RUN`             | `LAST`                           |                      |                             |
 */
import { PREFIX, type TableKey } from '../store/keys';

export const SWEEP_SK = {
  track: 'TRACK',
  idle: 'IDLE#',
  release: 'RELEASE',
  alert: 'ALERT#',
  outbox: 'OUTBOX#',
  runSlots: 'RELEASES',
  trackIndex: 'INDEX#',
} as const;

export const SWEEP_ITEM_TYPE = {
  track: 'SweepTrack',
  trackIndex: 'SweepTrackIndex',
  idle: 'SweepIdleEpisode',
  release: 'SweepRelease',
  alert: 'SweepAlert',
  run: 'SweepRun',
  outbox: 'SweepOutbox',
  runSlots: 'SweepRunReleases',
} as const;

export const SWEEP_KIND = {
  /** Tracks written before they were spread over shards (still read, never written). */
  track: `${PREFIX.kind}sweep`,
  idle: `${PREFIX.kind}sweep-idle`,
  release: `${PREFIX.kind}sweep-release`,
  outbox: `${PREFIX.kind}sweep-outbox`,
} as const;

/**
 * Tracks are spread over this many GSI1 partitions so that a sweep reads them with parallel queries rather than
 * paging through one partition in sequence (and no single index partition takes every track's reads and writes).
 */
export const TRACK_SHARDS = 8;

/** The shard of an address's track: FNV-1a of its allocation id, so it never changes. */
export function trackShard(allocationId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < allocationId.length; i++) {
    h ^= allocationId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % TRACK_SHARDS;
}

/** GSI1 partition of a track's shard. */
export const trackKind = (shard: number): string => `${SWEEP_KIND.track}#${shard}`;

/**
 * GSI1 sort key of a track: when it was written (the store's clock), then the address. A sweep reads the tracks of a
 * shard written since its index (`dynamo-sweep-store/track-index.ts`) by this key. Tracks written before tracks were
 * stamped have the bare allocation id, which sorts after every timestamp (`e` > `2`), so they are always read.
 */
export const trackStamp = (writtenAt: string, allocationId: string): string => `${writtenAt}#${allocationId}`;

/** True when a track's GSI1 sort key is a stamp (not the bare allocation id of an earlier version). */
export const isTrackStamp = (sortKey: unknown): boolean =>
  typeof sortKey === 'string' && sortKey.charCodeAt(0) >= 48 && sortKey.charCodeAt(0) <= 57;

/** Scope of the packed index of tracks (allocation ids start with `eipalloc-`, so it cannot collide). */
export const TRACK_INDEX_SCOPE = 'TRACKS';

/** The index item of one shard's tracks. */
export const trackIndexKey = (shard: number): TableKey => ({
  PK: sweepPk(TRACK_INDEX_SCOPE),
  SK: `${SWEEP_SK.trackIndex}${shard}`,
});

/** Scope of the daily digest's alert claims (allocation ids start with `eipalloc-`, so it cannot collide). */
export const DIGEST_SCOPE = 'DIGEST';
/** Scope of the orphan summaries' alert claims (one per run at most). */
export const SUMMARY_SCOPE = 'SUMMARY';

/** The last sweep that saw every address of the region (one item, written at the end of each sweep). */
export const lastRunKey = (): TableKey => ({ PK: sweepPk('RUN'), SK: 'LAST' });

export const sweepPk = (scope: string): string => `${PREFIX.sweep}${scope}`;

export const trackKey = (allocationId: string): TableKey => ({
  PK: sweepPk(allocationId),
  SK: SWEEP_SK.track,
});

export const idleKey = (allocationId: string, episodeKey: string): TableKey => ({
  PK: sweepPk(allocationId),
  SK: `${SWEEP_SK.idle}${episodeKey}`,
});

export const releaseKey = (allocationId: string): TableKey => ({
  PK: sweepPk(allocationId),
  SK: SWEEP_SK.release,
});

export const alertKey = (scope: string, id: string): TableKey => ({
  PK: sweepPk(scope),
  SK: `${SWEEP_SK.alert}${id}`,
});

export const outboxKey = (allocationId: string, id: string): TableKey => ({
  PK: sweepPk(allocationId),
  SK: `${SWEEP_SK.outbox}${id}`,
});

/** The release slots of one run (its releases, counted against `maxPerRun` across retries). */
export const runSlotsKey = (runId: string): TableKey => ({
  PK: sweepPk(`RUN#${runId}`),
  SK: SWEEP_SK.runSlots,
});
