/**
 * The sweeper's items in the single table (documented in docs/data-model.md, "Sweeper items").
 *
 * | Item          | PK                      | SK                               | GSI1PK               | GSI1SK                      |
 * |---------------|-------------------------|----------------------------------|----------------------|-----------------------------|
 * | Address track | `SWEEP#<allocationId>`  | `TRACK`                          | `KIND#sweep`         | `<allocationId>`            |
 * | Idle episode  | `SWEEP#<allocationId>`  | `IDLE#<episodeKey>`              | `KIND#sweep-idle`    | `<start>#<allocationId>`    |
 * | Release       | `SWEEP#<allocationId>`  | `RELEASE`                        | `KIND#sweep-release` | `<releasedAt>#<allocationId>` |
 * | Alert claim   | `SWEEP#<allocationId>`  | `ALERT#<episodeKey>#<kind>[#…]`  |                      |                             |
 * | Digest claim  | `SWEEP#DIGEST`          | `ALERT#<YYYY-MM-DD>`             |                      |                             |
 */
import { PREFIX, type TableKey } from '../store/keys';

export const SWEEP_SK = {
  track: 'TRACK',
  idle: 'IDLE#',
  release: 'RELEASE',
  alert: 'ALERT#',
} as const;

export const SWEEP_ITEM_TYPE = {
  track: 'SweepTrack',
  idle: 'SweepIdleEpisode',
  release: 'SweepRelease',
  alert: 'SweepAlert',
} as const;

export const SWEEP_KIND = {
  track: `${PREFIX.kind}sweep`,
  idle: `${PREFIX.kind}sweep-idle`,
  release: `${PREFIX.kind}sweep-release`,
} as const;

/** Scope of the daily digest's alert claims (allocation ids start with `eipalloc-`, so it cannot collide). */
export const DIGEST_SCOPE = 'DIGEST';

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
