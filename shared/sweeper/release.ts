/**
 * Releases, one at a time, oldest idle first, each after its last-moment checks: no Route 53 record names the IP
 * (and Route 53 could be read); the address, read live, is still unassociated with unchanged tags; a lease on the
 * track (a versioned write) keeps a concurrent sweep off. Then ReleaseAddress, whose every refusal is handled.
 * Also the addresses that disappeared: an earlier release of ours is recorded, anything else is marked gone.
 */
import type { Classification } from './classify';
import type { AddressDecision } from './decide';
import { checkLiveBeforeRelease, dnsBlock, releaseFailure } from './decide-release';
import { ledgerWithClosedEpisode, ledgerWithRelease, projectedMonthlySaving } from './ledger';
import {
  type AddressTrack,
  addHours,
  type BlockReason,
  hoursBetween,
  type ObservedAddress,
  type ReleaseRecord,
} from './model';
import { AwsCallError } from './ports';
import { errorText, type ReleaseOutcome, recordFailure, type SweepRun } from './run';
import { addressAlertKey, sendAlert } from './send-alerts';
import { episodeRecord } from './track-writes';

/** An address on its way to release: its decision, its track, and the version of the track this run holds. */
interface Attempt {
  run: SweepRun;
  d: AddressDecision;
  track: AddressTrack;
  version: number;
}

const RECORDED_LATER = 'recorded by a later run: the earlier release went through';

/** The releases the plan queued, one after the other, each address's failure noted without stopping the rest. */
export async function releaseQueued(run: SweepRun): Promise<void> {
  for (const id of run.plan.releaseQueue) {
    const d = run.decisionOf.get(id) as AddressDecision;
    const a: Attempt = { run, d, track: d.track, version: run.ready.get(id) ?? 0 };
    if (!run.dryRun && !run.ready.has(id)) {
      entry(a, 'conflict', 'skipped: the address was not processed cleanly this run');
      continue;
    }
    try {
      await releaseOne(a);
    } catch (err) {
      run.deps.log.error('release failed', { allocationId: id, error: errorText(err) });
      recordFailure(run, id, err);
      entry(a, 'failed', errorText(err));
    }
  }
}

function entry(a: Attempt, outcome: ReleaseOutcome, detail: string): void {
  a.run.result.releases.push({
    allocationId: a.d.allocationId,
    publicIp: a.d.observed.publicIp,
    outcome,
    detail,
  });
}

/** Writes the track at the version held; true when it was still there (the version moves on). */
async function save(a: Attempt): Promise<boolean> {
  const c = await a.run.deps.store.commit({ track: a.track, expectedVersion: a.version });
  if (c.ok) a.version = c.version;
  return c.ok;
}

async function releaseOne(a: Attempt): Promise<void> {
  const { run, d, track } = a;
  const dnsVerdict = dnsBlock(d.observed.publicIp, run.dns ?? { status: 'failed', error: 'not looked up' });
  if (dnsVerdict) {
    const names = dnsVerdict.refs.map((r) => r.name).join(', ');
    await block(a, dnsVerdict.reason, names ? `${dnsVerdict.detail}: ${names}` : dnsVerdict.detail, null);
    return;
  }
  // The last look before the release: the address, read live, must be exactly what the plan decided on.
  const live = await run.deps.ec2.describeAddress(d.allocationId);
  const check = checkLiveBeforeRelease(d.observed, live, run.deps.config.sweeper.exemptTagKeys);
  const prior = track.releaseAttempt;
  if (!check.ok && check.reason === 'gone' && prior && !run.dryRun) {
    // Our earlier attempt released it (DescribeAddresses still listed it a moment after): record it now.
    await finishRelease(run, track, a.version, prior.at, RECORDED_LATER);
    return;
  }
  if (!check.ok) {
    entry(a, check.reason === 'gone' ? 'gone' : 'skipped', `not released: ${check.detail}`);
    return;
  }
  if (run.dryRun) {
    entry(a, 'would-release', 'every check passed');
    return;
  }
  track.releaseAttempt = { runId: run.runId, at: run.now };
  if (!(await save(a))) {
    entry(a, 'conflict', 'skipped: a concurrent sweep changed the address');
    return;
  }
  try {
    await run.deps.ec2.releaseAddress(d.allocationId);
  } catch (err) {
    await releaseRefused(a, prior, err);
    return;
  }
  await finishRelease(
    run,
    track,
    a.version,
    run.deps.clock.now().toISOString(),
    'released after every check passed',
  );
}

/** ReleaseAddress refused: retry the run, block the address, record an earlier release of ours, or let it be. */
async function releaseRefused(
  a: Attempt,
  prior: AddressTrack['releaseAttempt'],
  err: unknown,
): Promise<void> {
  const code = err instanceof AwsCallError ? err.code : '';
  const f = releaseFailure(code, err instanceof AwsCallError ? err.detail : String(err));
  if (f.outcome === 'retry') throw err;
  if (f.outcome === 'block') {
    await block(
      a,
      f.reason,
      f.detail,
      f.retryAfterHours === null ? null : addHours(a.run.now, f.retryAfterHours),
    );
    return;
  }
  if (f.outcome === 'gone' && prior) {
    await finishRelease(a.run, a.track, a.version, prior.at, RECORDED_LATER);
    return;
  }
  // In use again, or gone before our call reached it (not our release: the next sweep records it gone).
  a.track.releaseAttempt = null;
  await save(a);
  entry(a, f.outcome === 'gone' ? 'gone' : 'skipped', f.detail);
}

/** Keeps the address, alerting once per reason; a later run retries (after `retryAfter`, when given). */
async function block(
  a: Attempt,
  reason: BlockReason,
  detail: string,
  retryAfter: string | null,
): Promise<void> {
  const { run, d, track } = a;
  if (run.dryRun) {
    entry(a, 'would-block', detail);
    return;
  }
  const alertId = `release-blocked#${reason}`;
  const repeat = track.alerts[alertId] !== undefined;
  track.block = {
    reason,
    at: track.block?.reason === reason ? track.block.at : run.now,
    detail,
    retryAfter,
  };
  track.releaseAttempt = null;
  if (!repeat) {
    const sentAt = await sendAlert(
      run,
      addressAlertKey(track, alertId),
      { kind: 'release-blocked', address: run.facts(d), reason, detail, retryAfter },
      d.allocationId,
    );
    if (sentAt) track.alerts = { ...track.alerts, [alertId]: sentAt };
  }
  await save(a);
  run.result.releases.push({
    allocationId: d.allocationId,
    publicIp: d.observed.publicIp,
    outcome: 'blocked',
    detail,
    repeat,
  });
}

/** Records a release by eip-keeper (once, atomically with the track and the episode's end) and alerts. */
async function finishRelease(
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
  const committed = await run.deps.store.commit({
    track: next,
    expectedVersion: version,
    release: record,
    ...(ep
      ? {
          trackWithoutClose: { ...next, ledger: ledgerWithRelease(t.ledger, releasedAt, rateUsd) },
          close: {
            ...episodeRecord(t.allocationId, t.publicIp, ep, 'orphan'),
            end: releasedAt,
            endReason: 'released' as const,
          },
        }
      : {}),
  });
  if (!committed.ok) {
    throw new Error(`track of ${t.allocationId} changed while its release was being recorded`);
  }
  run.finalTracks.set(t.allocationId, next);
  run.result.releases.push({
    allocationId: t.allocationId,
    publicIp: t.publicIp,
    outcome: 'released',
    detail: committed.releaseRecorded ? detail : `${detail} (already recorded)`,
  });
  const observed: ObservedAddress = { allocationId: t.allocationId, publicIp: t.publicIp, tags: t.tags };
  const classification: Classification = {
    kind: 'orphan',
    reason: t.reason,
    idle: ep ? { since: start, source: ep.source, hours: idleHours } : null,
  };
  await sendAlert(
    run,
    addressAlertKey(t, 'released'),
    {
      kind: 'released',
      address: run.facts({ observed, classification, track: t }, classification),
      releasedAt,
      projectedMonthlySavingUsd: projectedMonthlySaving(rateUsd),
    },
    t.allocationId,
  );
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
      if (committed.ok) run.finalTracks.set(t.allocationId, next);
    } catch (err) {
      recordFailure(run, t.allocationId, err);
    }
  }
}
