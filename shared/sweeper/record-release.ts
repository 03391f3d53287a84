/**
 * Recording releases, and the "released" alert that goes with each: the release record, the track, the episode's end
 * and the alert (in the outbox) are written in one transaction, once; the alert is then delivered from the outbox —
 * at once, or by the next sweep if this one dies first — and leaves it only once SNS's acceptance is confirmed. Also
 * the addresses that disappeared: an earlier release of ours is recorded, anything else marked gone.
 */
import type { Notification } from '../notify/notification';
import { alertNotification } from './alerts';
import type { Classification } from './classify';
import { ledgerWithClosedEpisode, ledgerWithRelease, projectedMonthlySaving } from './ledger';
import { type AddressTrack, hoursBetween, type ObservedAddress, type ReleaseRecord } from './model';
import { errorText, recordFailure, type SweepRun } from './run';
import { addressAlertKey, deliver } from './send-alerts';
import type { OutboxItem } from './sweep-store';
import { episodeRecord } from './track-writes';

/** The "released" alert of a release, as an outbox item. */
function releasedAlert(run: SweepRun, t: AddressTrack, record: ReleaseRecord): OutboxItem {
  const ep = t.episode;
  const observed: ObservedAddress = { allocationId: t.allocationId, publicIp: t.publicIp, tags: t.tags };
  const classification: Classification = {
    // An orphan, or a former pool member whose release was approved.
    kind: t.classification === 'former-pool' ? 'former-pool' : 'orphan',
    reason: t.reason,
    idle: ep ? { since: record.idleSince, source: ep.source, hours: record.idleHours } : null,
  };
  const key = addressAlertKey(t, 'released');
  const notification = alertNotification(
    {
      kind: 'released',
      address: run.facts({ observed, classification, track: t }, classification),
      releasedAt: record.releasedAt,
      projectedMonthlySavingUsd: projectedMonthlySaving(record.rateUsd),
    },
    run.alertContext,
    `${key.scope}#${key.id}`,
  );
  return {
    allocationId: t.allocationId,
    key,
    notification: JSON.stringify(notification),
    createdAt: run.now,
    runId: run.runId,
  };
}

/** Delivers one alert of the outbox, and removes it once SNS's acceptance is confirmed. */
export async function deliverOutbox(run: SweepRun, item: OutboxItem): Promise<void> {
  const notification = JSON.parse(item.notification) as Notification;
  const delivered = await deliver(run, item.key, notification, {
    kind: notification.kind,
    allocationId: item.allocationId,
  });
  if (delivered) await run.deps.store.deleteOutbox(item);
}

/** Delivers what earlier runs left in the outbox (a run that died between a release and its alert). */
export async function flushOutbox(run: SweepRun): Promise<void> {
  if (run.dryRun) return;
  for (const item of run.outbox) {
    try {
      await deliverOutbox(run, item);
    } catch (err) {
      recordFailure(run, item.allocationId, err);
    }
  }
}

/** Records a release by eip-keeper (once, atomically with the track, the episode's end and its alert) and alerts. */
export async function finishRelease(
  run: SweepRun,
  t: AddressTrack,
  version: number,
  releasedAt: string,
  detail: string,
): Promise<void> {
  const { now } = run;
  const ep = t.episode;
  const start = ep?.start ?? releasedAt;
  const idleHours = ep ? hoursBetween(start, releasedAt) : 0;
  const rateUsd = ep?.rateUsd ?? run.rate.usdPerHour;
  const record: ReleaseRecord = {
    allocationId: t.allocationId,
    publicIp: t.publicIp,
    releasedAt,
    runId: t.releaseAttempt?.runId ?? run.runId,
    rateUsd,
    idleSince: start,
    idleSource: ep?.source ?? 'first-observation',
    idleHours,
    idleCostUsd: idleHours * rateUsd,
    tags: t.tags,
  };
  const next: AddressTrack = {
    ...t,
    status: 'released',
    releasedAt,
    releaseAttempt: null,
    lastSeenAt: now,
    lastRunId: run.runId,
    ledger: ledgerWithRelease(
      ep ? ledgerWithClosedEpisode(t.ledger, ep, releasedAt, now) : t.ledger,
      releasedAt,
      rateUsd,
    ),
  };
  const outbox = releasedAlert(run, t, record);
  const committed = await run.deps.store.commit({
    track: next,
    expectedVersion: version,
    release: record,
    outbox,
    ...(ep
      ? {
          trackWithoutClose: { ...next, ledger: ledgerWithRelease(t.ledger, releasedAt, rateUsd) },
          close: {
            ...episodeRecord(t.allocationId, t.publicIp, ep, t.classification),
            end: releasedAt,
            endReason: 'released' as const,
          },
        }
      : {}),
  });
  if (!committed.ok) {
    throw new Error(`track of ${t.allocationId} changed while its release was being recorded`);
  }
  run.changedTracks.set(t.allocationId, next);
  run.result.releases.push({
    allocationId: t.allocationId,
    publicIp: t.publicIp,
    outcome: 'released',
    detail: committed.releaseRecorded ? detail : `${detail} (already recorded)`,
  });
  // Recorded already by an earlier attempt: its outbox item (if still there) is in this run's list.
  if (committed.releaseRecorded) await deliverOutbox(run, outbox);
}

/** Addresses tracked but no longer listed: an earlier release of ours is recorded, anything else marked gone. */
export async function recordVanished(run: SweepRun): Promise<void> {
  const { now, runId } = run;
  for (const v of run.plan.vanished) {
    const t = v.track;
    run.result.vanished.push({
      allocationId: t.allocationId,
      publicIp: t.publicIp,
      releasedByUs: v.ourRelease,
    });
    if (run.dryRun) continue;
    try {
      const version = run.versions.get(t.allocationId) ?? 0;
      if (v.ourRelease) {
        await finishRelease(run, t, version, v.at, 'recorded by a retried run: the address is gone');
        continue;
      }
      const next: AddressTrack = {
        ...t,
        status: 'gone',
        lastSeenAt: now,
        lastRunId: runId,
        episode: null,
        notice: null,
        releaseAttempt: null,
        ledger:
          t.episode && v.closed ? ledgerWithClosedEpisode(t.ledger, t.episode, v.closed.end, now) : t.ledger,
      };
      const committed = await run.deps.store.commit({
        track: next,
        expectedVersion: version,
        ...(t.episode && v.closed
          ? {
              trackWithoutClose: { ...next, ledger: t.ledger },
              close: {
                ...episodeRecord(t.allocationId, t.publicIp, t.episode, t.classification),
                end: v.closed.end,
                endReason: 'gone' as const,
              },
            }
          : {}),
      });
      if (committed.ok) run.changedTracks.set(t.allocationId, next);
    } catch (err) {
      run.deps.log.error('recording a vanished address failed', {
        allocationId: t.allocationId,
        error: errorText(err),
      });
      recordFailure(run, t.allocationId, err);
    }
  }
}
