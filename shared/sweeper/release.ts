/**
 * Releases, one at a time, oldest idle first, each after its last-moment checks: no Route 53 record names the IP
 * (and Route 53 could be read); the address, read live, is still unassociated with unchanged tags; its notice is
 * proven by the table (`checkReleaseEvidence`); a slot of the run's `maxPerRun` is free (counted per run id, across
 * retries); a lease on the track (a versioned write) keeps a concurrent sweep off. Then ReleaseAddress, whose every
 * refusal is handled; `record-release.ts` records it.
 */
import type { AddressDecision } from './decide';
import { checkLiveBeforeRelease, checkReleaseEvidence, dnsBlock, releaseFailure } from './decide-release';
import { type AddressTrack, addHours, type BlockReason } from './model';
import { AwsCallError } from './ports';
import { finishRelease } from './record-release';
import { errorText, type ReleaseOutcome, recordFailure, type SweepRun } from './run';
import { addressAlertKey, sendAlert } from './send-alerts';

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
    const d = run.queued.get(id) as AddressDecision;
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
  if (!(await proven(a))) return;
  if (run.dryRun) {
    entry(a, 'would-release', 'every check passed');
    return;
  }
  const max = run.deps.config.sweeper.release.maxPerRun;
  if (!(await run.deps.store.claimReleaseSlot(run.runId, d.allocationId, max, run.now))) {
    entry(
      a,
      'skipped',
      `not released: this run has released ${max} already (retries and invocations of a run share its cap)`,
    );
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

/**
 * Reads the notice's claim and the episode's ledger item and checks them against the track. Unproven (a track edited
 * by hand or by another role, a notice recorded by an earlier version, or one whose claim has expired): the track
 * forgets what the table does not prove — its alerts and notice (the claims say what really went out: an alert
 * already sent is found there, not sent twice), and an episode start the ledger does not have — so the next sweeps
 * start the grace and notice periods from what is proven.
 */
async function proven(a: Attempt): Promise<boolean> {
  const { run, track } = a;
  const { store } = run.deps;
  const [claim, episode] = await Promise.all([
    track.notice ? store.readAlertClaim(track.notice.alert) : undefined,
    track.episode ? store.getEpisode(track.allocationId, track.episode.key) : undefined,
  ]);
  const evidence = checkReleaseEvidence({
    track,
    claim,
    episode,
    noticeHours: run.deps.config.sweeper.release.noticeHours,
    now: run.now,
  });
  if (evidence.ok) return true;
  run.deps.log.warn('release refused: the table does not prove its notice or idle time', {
    allocationId: track.allocationId,
    detail: evidence.detail,
  });
  run.deps.metrics.add('ReleasesRefused', 1, 'Count');
  if (!run.dryRun) {
    track.alerts = {};
    track.notice = null;
    if (evidence.episode === 'drop') track.episode = null;
    if (evidence.episode === 'ledger' && track.episode && episode) {
      track.episode = { ...track.episode, start: episode.start, source: episode.source };
    }
    await save(a);
  }
  entry(a, 'refused', `not released: ${evidence.detail}; its alerts and notice go out again first`);
  return false;
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
    if (sentAt) track.alerts = { ...track.alerts, [alertId]: sentAt.sentAt };
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
