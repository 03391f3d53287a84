/**
 * What a sweep answers: the result opened from the plan (counts and each address's decision), then closed with the
 * month-to-date figures, the run's metrics and the story told to the CLI and the local region.
 */
import { formatTime } from './alerts-format';
import type { AddressDecision, HoldReason, KillSwitchState, SweepPlan } from './decide';
import { monthToDate } from './ledger';
import { ADDRESS_KINDS, type AddressKind, type AddressTrack } from './model';
import type { DecisionRow, HourlyRate, ReleaseOutcome, SweepResult, SweepRun } from './run';

/** The result of a run before anything is applied: what each address is, and why an orphan is held. */
export function openResult(opts: {
  runId: string;
  now: string;
  dryRun: boolean;
  addresses: number;
  killSwitch: KillSwitchState;
  release: SweepResult['release'];
  rate: HourlyRate;
  plan: SweepPlan;
}): SweepResult {
  const result: SweepResult = {
    runId: opts.runId,
    at: opts.now,
    dryRun: opts.dryRun,
    addresses: opts.addresses,
    counts: Object.fromEntries(ADDRESS_KINDS.map((k) => [k, 0])) as Record<AddressKind, number>,
    killSwitch: opts.killSwitch,
    release: opts.release,
    rate: opts.rate,
    decisions: [],
    alerts: [],
    releases: [],
    vanished: [],
    ledger: null,
    story: [],
  };
  for (const d of opts.plan.decisions) result.counts[d.classification.kind] += 1;
  const { plan } = opts;
  let rows: DecisionRow[] | undefined;
  Object.defineProperty(result, 'decisions', {
    enumerable: true,
    configurable: true,
    get: () => {
      rows ??= plan.decisions.map(decisionRow);
      return rows;
    },
    set: (value: DecisionRow[]) => {
      rows = value;
    },
  });
  return result;
}

function decisionRow(d: AddressDecision): DecisionRow {
  const ep = d.track.episode;
  return {
    allocationId: d.allocationId,
    publicIp: d.observed.publicIp,
    kind: d.classification.kind,
    reason: d.classification.reason,
    idleSince: d.classification.idle?.since ?? null,
    idleSource: d.classification.idle?.source ?? null,
    idleHours: d.classification.idle?.hours ?? null,
    costAccruedUsd: (d.classification.idle?.hours ?? 0) * (ep?.rateUsd ?? 0),
    ...(d.release?.action === 'hold'
      ? { hold: { reason: d.release.reason, ...(d.release.until ? { until: d.release.until } : {}) } }
      : {}),
    ...(d.change.rejected ? { rejectedIdleStart: d.change.rejected.start } : {}),
  };
}

/** Adds the month-to-date figures and the metrics (not in a dry run), then the story. */
export function closeResult(run: SweepRun): void {
  const { result } = run;
  if (!run.dryRun) {
    // From the tracks as they stand after the run: each carries its open episode and its share of the month.
    const figures = monthToDate(tracksAfter(run), run.now);
    result.ledger = {
      month: figures.month,
      idleCostUsd: figures.idleCostUsd,
      reclaimedUsd: figures.reclaimedUsd,
      projectedMonthlySavingUsd: figures.projectedMonthlySavingUsd,
    };
    const { metrics } = run.deps;
    metrics.add(
      'IdleAddresses',
      count(
        run.plan.decisions,
        (d) => d.classification.idle !== null && d.classification.kind !== 'service-managed',
      ),
      'Count',
    );
    metrics.add('OrphanAddresses', result.counts.orphan, 'Count');
    metrics.add('IdleCostUsd', round6(figures.idleCostUsd), 'None');
    metrics.add('ReclaimedUsd', round6(figures.reclaimedUsd), 'None');
    metrics.add('ReclaimedMonthlyUsd', round6(figures.projectedMonthlySavingUsd), 'None');
    metrics.add('AddressesReleased', result.releases.filter((r) => r.outcome === 'released').length, 'Count');
    metrics.add('ReleasesBlocked', result.releases.filter((r) => r.outcome === 'blocked').length, 'Count');
    metrics.add('AlertsSent', result.alerts.filter((a) => a.status === 'sent').length, 'Count');
    metrics.add('FormerPoolMembers', result.counts['former-pool'], 'Count');
    metrics.add(
      'TracksRejected',
      count(run.plan.decisions, (d) => d.change.rejected !== undefined),
      'Count',
    );
  }
  result.story = storyOf(result, run.plan);
}

function count<T>(list: readonly T[], test: (x: T) => boolean): number {
  let n = 0;
  for (const x of list) if (test(x)) n++;
  return n;
}

/** Every track as it stands after the run: the ones it changed, and the others as it read them. */
function* tracksAfter(run: SweepRun): Iterable<AddressTrack> {
  for (const t of run.previous.values()) if (!run.changedTracks.has(t.allocationId)) yield t;
  yield* run.changedTracks.values();
}

function round6(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

const ALERT_WORDS: Record<SweepResult['alerts'][number]['status'], string> = {
  sent: 'sent',
  'would-send': 'would send',
  'already-sent': 'already sent',
  'in-progress': 'being sent by another run',
};

const RELEASE_WORDS: Record<ReleaseOutcome, string> = {
  released: 'released',
  'would-release': 'would release',
  skipped: 'release skipped',
  refused: 'release refused',
  blocked: 'release blocked',
  'would-block': 'release would be blocked',
  gone: 'already gone',
  conflict: 'release skipped (concurrent sweep)',
  failed: 'release failed',
};

function storyOf(r: SweepResult, plan: SweepPlan): string[] {
  const counts = ADDRESS_KINDS.filter((k) => r.counts[k] > 0)
    .map((k) => `${r.counts[k]} ${k}`)
    .join(', ');
  const held = (reason: HoldReason) => (d: AddressDecision) =>
    d.release?.action === 'hold' && d.release.reason === reason;
  const capped = count(plan.decisions, held('cap'));
  const killed = count(plan.decisions, held('kill-switch'));
  const lines = [
    `${r.dryRun ? 'dry run' : 'sweep'} at ${formatTime(r.at)}: ${r.addresses} address${r.addresses === 1 ? '' : 'es'}${counts ? ` (${counts})` : ''}` +
      `; release ${r.release.enabled ? 'on' : 'off'}${r.release.enabled && r.killSwitch.on ? `, held by the kill switch (${killed} due)` : ''}` +
      `${capped > 0 ? `; ${capped} more due, over the per-run cap of ${r.release.maxPerRun}` : ''}`,
  ];
  for (const d of plan.decisions) {
    if (d.change.rejected) {
      lines.push(
        `${d.observed.publicIp} (${d.allocationId}): its track said idle since ${formatTime(d.change.rejected.start)}, which nothing confirms; idle time starts again`,
      );
    }
  }
  for (const a of r.alerts) {
    const verb = ALERT_WORDS[a.status];
    lines.push(`alert ${verb}: ${a.subject}`);
  }
  for (const x of r.releases) {
    if (x.repeat) continue;
    lines.push(`${RELEASE_WORDS[x.outcome]}: ${x.publicIp} (${x.allocationId}) — ${x.detail}`);
  }
  for (const v of r.vanished) {
    lines.push(
      `${v.publicIp} (${v.allocationId}) is gone${v.releasedByUs ? ' (released by eip-keeper)' : ''}`,
    );
  }
  return lines;
}

/** Entries of each list the Lambda handler's answer keeps. */
export const ANSWER_LIST_MAX = 100;

/** What the Lambda handler answers: the result without a decision per address, each list cut (see `sweepAnswer`). */
export interface SweepAnswer extends Omit<SweepResult, 'decisions'> {
  /** Entries left out of each list (beyond the first `ANSWER_LIST_MAX`); the story ends saying so. */
  omitted: { alerts: number; releases: number; vanished: number; story: number };
}

/**
 * The result as the Lambda handler answers it: counts, the run's alerts, releases, vanished addresses and story (the
 * first 100 of each, with how many were left out) and the month's figures, without a decision per address.
 * Lambda sends a function's answer whole (up to 6 MB for a synchronous invocation, an operator's `aws lambda
 * invoke`), and the whole result is about 230 bytes per address: 2.3 MB to serialise after every run of 10,000
 * addresses, and about 27,000 would fail the invocation once the sweep is done. The CLI and the local region keep the
 * whole result.
 */
export function sweepAnswer(r: SweepResult): SweepAnswer {
  // Field by field: the decisions are built when read.
  const { runId, at, dryRun, addresses, counts, killSwitch, release, rate, ledger } = r;
  const { alerts, releases, vanished, story } = r;
  const rest = { runId, at, dryRun, addresses, counts, killSwitch, release, rate, ledger };
  const cut = <T>(list: T[]): T[] => list.slice(0, ANSWER_LIST_MAX);
  const left = (list: unknown[]) => Math.max(0, list.length - ANSWER_LIST_MAX);
  const omitted = {
    alerts: left(alerts),
    releases: left(releases),
    vanished: left(vanished),
    story: left(story),
  };
  return {
    ...rest,
    alerts: cut(alerts),
    releases: cut(releases),
    vanished: cut(vanished),
    story:
      omitted.story > 0
        ? [...cut(story), `… and ${omitted.story} more lines (the logs have the run)`]
        : story,
    omitted,
  };
}
