/**
 * Writing the tracks of the addresses present: every address's own write (its state, an episode's start, revision or
 * end), batched by the store, before any alert (`alert-addresses.ts` writes again when they went out). An hourly run
 * of addresses in use and unchanged writes nothing.
 */
import type { AddressDecision } from './decide';
import type { AddressKind, AddressTrack, IdleEpisodeRecord } from './model';
import { errorText, recordFailure, type SweepRun } from './run';
import type { TrackCommit } from './sweep-store';

/**
 * True when the two tracks differ in something that must be written: any field but the "last seen" bookkeeping and
 * the wording (`lastSeenAt`, `lastRunId`, `lastSeenInUseAt`, `reason`). One expression over the fields, run for every
 * address of the region; test/sweeper/material-change.test.ts changes each field of a track, typed so that a field
 * added to tracks must be added there.
 */
export function materiallyDifferent(a: AddressTrack, b: AddressTrack): boolean {
  return !(
    a.allocationId === b.allocationId &&
    a.publicIp === b.publicIp &&
    a.firstSeenAt === b.firstSeenAt &&
    a.status === b.status &&
    a.classification === b.classification &&
    a.releasedAt === b.releasedAt &&
    sameValue(a.tags, b.tags) &&
    sameValue(a.poolSeen, b.poolSeen) &&
    sameValue(a.lastSeenHolder, b.lastSeenHolder) &&
    sameValue(a.episode, b.episode) &&
    sameValue(a.alerts, b.alerts) &&
    sameValue(a.notice, b.notice) &&
    sameValue(a.block, b.block) &&
    sameValue(a.releaseAttempt, b.releaseAttempt) &&
    sameValue(a.ledger, b.ledger)
  );
}

/** Structural equality of JSON-like values, whatever the order of object keys. */
function sameValue(x: unknown, y: unknown): boolean {
  if (x === y) return true;
  if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
  if (Array.isArray(x) || Array.isArray(y)) {
    return (
      Array.isArray(x) && Array.isArray(y) && x.length === y.length && x.every((v, i) => sameValue(v, y[i]))
    );
  }
  const xs = x as Record<string, unknown>;
  const ys = y as Record<string, unknown>;
  // Counted, not listed: no array per comparison.
  let keys = 0;
  for (const k in xs) {
    if (!Object.hasOwn(xs, k)) continue;
    if (!Object.hasOwn(ys, k) || !sameValue(xs[k], ys[k])) return false;
    keys++;
  }
  for (const k in ys) if (Object.hasOwn(ys, k)) keys--;
  return keys === 0;
}

/** The ledger item of an idle episode, still open. */
export function episodeRecord(
  allocationId: string,
  publicIp: string,
  episode: NonNullable<AddressTrack['episode']>,
  classification: AddressKind,
): IdleEpisodeRecord {
  return { allocationId, publicIp, ...episode, end: null, endReason: null, classification };
}

/** The write an address needs this run (its state, an episode's start, revision or end), or null. */
function writeOf(run: SweepRun, d: AddressDecision): TrackCommit | null {
  const prev = run.previous.get(d.allocationId);
  const { change } = d;
  const material =
    d.isNew ||
    change.closed !== undefined ||
    change.opened !== undefined ||
    change.revised !== undefined ||
    d.alerts.length > 0 ||
    d.release?.action === 'release' ||
    !prev ||
    materiallyDifferent(prev, d.track);
  if (!material) return null;
  return {
    track: d.track,
    expectedVersion: d.isNew ? 0 : (run.versions.get(d.allocationId) ?? 0),
    ...(change.closed
      ? {
          trackWithoutClose: { ...d.track, ledger: prev?.ledger ?? d.track.ledger },
          close: {
            ...episodeRecord(
              d.allocationId,
              d.observed.publicIp,
              change.closed.episode,
              prev?.classification ?? 'idle',
            ),
            end: change.closed.end,
            endReason: change.closed.reason,
          },
        }
      : {}),
    ...(d.track.episode &&
    (d.isNew || change.opened || change.revised || prev?.classification !== d.classification.kind)
      ? {
          upsert: episodeRecord(d.allocationId, d.observed.publicIp, d.track.episode, d.classification.kind),
        }
      : {}),
  };
}

/**
 * Every address's own write, all at once. Returns the version of each track written; an address whose write failed
 * or lost to a concurrent sweep is left out. One that needed no write owes no alert and is not released this run
 * (either makes its write material).
 */
export async function writeTracks(run: SweepRun): Promise<Map<string, number>> {
  const { deps } = run;
  const written = new Map<string, number>();
  const writes: { d: AddressDecision; commit: TrackCommit }[] = [];
  for (const d of run.plan.decisions) {
    const commit = writeOf(run, d);
    if (commit) writes.push({ d, commit });
  }
  const outcomes = await deps.store.commitMany(writes.map((w) => w.commit));
  for (const [i, { d }] of writes.entries()) {
    const outcome = outcomes[i];
    if (outcome?.status !== 'fulfilled') {
      deps.log.error('sweep of an address failed', {
        allocationId: d.allocationId,
        error: errorText(outcome?.reason),
      });
      recordFailure(run, d.allocationId, outcome?.reason);
    } else if (!outcome.value.ok) {
      deps.log.warn('track changed by a concurrent sweep; address skipped this run', {
        allocationId: d.allocationId,
      });
    } else {
      written.set(d.allocationId, outcome.value.version);
      run.changedTracks.set(d.allocationId, d.track);
      // An address that owes alerts is ready once they are out (`alert-addresses.ts`).
      if (d.alerts.length === 0 && run.queued.has(d.allocationId))
        run.ready.set(d.allocationId, outcome.value.version);
    }
  }
  return written;
}

/** Records that this run read every address: an address in use and unchanged need not be written to say so. */
export async function recordRun(run: SweepRun): Promise<void> {
  try {
    await run.deps.store.recordRun(run.now, run.runId);
  } catch (err) {
    recordFailure(run, 'LAST-RUN', err);
  }
}

/**
 * Writes back the index of tracks so that the next sweep reads only the tracks written after this one. Its failures
 * are logged, not the run's: without it the next sweep reads more tracks, and loses nothing.
 */
export async function saveTrackIndex(run: SweepRun): Promise<void> {
  const { log } = run.deps;
  try {
    const report = await run.deps.store.saveTrackIndex();
    if (!report) return;
    const { errors, ...figures } = report;
    log.info('index of tracks saved', figures);
    if (errors.length > 0)
      log.warn('index of tracks partly unsaved: the next sweep reads more tracks', { errors });
  } catch (err) {
    log.warn('index of tracks unsaved: the next sweep reads more tracks', { error: errorText(err) });
  }
}
