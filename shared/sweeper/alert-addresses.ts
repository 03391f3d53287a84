/**
 * The alerts the addresses of a run owe, after their own writes: notices one by one up to the per-sweep limit, the
 * rest in one summary (`decide-alerts.ts`), everything else one by one; then each address whose alerts went out is
 * written again, with when (and, for a notice, with SNS's MessageId). A dry run only renders them.
 */
import { forEachLimit } from '../runtime/concurrency';
import type { SummaryItem } from './alerts';
import { type AddressDecision, noticeFor } from './decide';
import { noticeOwed, planAlertBatch, summaryMember } from './decide-alerts';
import { SUMMARY_SCOPE } from './keys';
import { projectedMonthlySaving } from './ledger';
import { errorText, recordFailure, type SweepRun } from './run';
import {
  ALERT_CONCURRENCY,
  type Delivered,
  recordDelivered,
  sendAddressAlerts,
  sendAlert,
} from './send-alerts';
import type { AlertKey } from './sweep-store';

/** The run's summary claim: one per run id, so a retried attempt finds what the first one sent. */
const summaryKey = (run: SweepRun): AlertKey => ({ scope: SUMMARY_SCOPE, id: run.runId });

function summaryItem(run: SweepRun, d: AddressDecision): SummaryItem {
  const facts = run.facts(d);
  return {
    allocationId: d.allocationId,
    publicIp: d.observed.publicIp,
    idleSince: facts.idle?.since ?? run.now,
    idleHours: facts.idle?.hours ?? 0,
    costAccruedUsd: facts.costAccruedUsd,
    name: d.observed.tags.Name ?? null,
  };
}

/** Sends the run's summary of the notices over the limit; the delivered summary, or null. */
async function sendSummary(
  run: SweepRun,
  members: readonly AddressDecision[],
  alertedOneByOne: number,
): Promise<Delivered | null> {
  const { release } = run.deps.config.sweeper;
  const items = members.map((d) => summaryItem(run, d));
  const spec = {
    kind: 'orphan-summary' as const,
    items,
    alertedOneByOne,
    releaseAfter: release.enabled ? noticeFor(run.now, release.noticeHours).releaseAfter : null,
    monthlyCostUsd: members.reduce((sum, d) => sum + projectedMonthlySaving(run.facts(d).rateUsd), 0),
  };
  return sendAlert(run, summaryKey(run), spec, undefined, members.map(summaryMember));
}

/** Alerts the addresses that owe alerts; `written` holds the version of each address written this run. */
export async function alertAddresses(run: SweepRun, written: ReadonlyMap<string, number>): Promise<void> {
  const { deps } = run;
  const owed = run.plan.decisions.filter(
    (d) => d.alerts.length > 0 && (run.dryRun || written.has(d.allocationId)),
  );
  const prior =
    !run.dryRun && owed.some((d) => noticeOwed(d))
      ? await deps.store.readAlertClaim(summaryKey(run))
      : undefined;
  const batch = planAlertBatch(
    owed,
    deps.config.sweeper.maxOrphanAlertsPerRun,
    prior?.sent ? new Set(prior.sent.members ?? []) : null,
  );
  const alerted = new Set<AddressDecision>();
  const failed = new Set<AddressDecision>();
  const note = (d: AddressDecision, delivered: Delivered) => {
    recordDelivered(run, d.track, noticeOwed(d) as string, delivered);
    alerted.add(d);
  };

  if (prior?.sent) for (const d of batch.covered) note(d, { key: summaryKey(run), ...prior.sent });
  await forEachLimit(batch.individual, ALERT_CONCURRENCY, async (d) => {
    try {
      if (await sendAddressAlerts(run, d)) alerted.add(d);
    } catch (err) {
      deps.log.error('alert of an address failed', { allocationId: d.allocationId, error: errorText(err) });
      recordFailure(run, d.allocationId, err);
      failed.add(d);
    }
  });
  if (batch.summarized.length > 0) {
    try {
      const delivered = await sendSummary(run, batch.summarized, batch.individual.filter(noticeOwed).length);
      if (delivered) for (const d of batch.summarized) note(d, delivered);
    } catch (err) {
      recordFailure(run, SUMMARY_SCOPE, err);
      for (const d of batch.summarized) failed.add(d);
    }
  }
  if (!run.dryRun) await writeAlerted(run, owed, written, alerted, failed);
}

/** Writes the tracks whose alerts went out; the rest stay as written (their alerts are owed again next run). */
async function writeAlerted(
  run: SweepRun,
  owed: readonly AddressDecision[],
  written: ReadonlyMap<string, number>,
  alerted: ReadonlySet<AddressDecision>,
  failed: ReadonlySet<AddressDecision>,
): Promise<void> {
  const { deps } = run;
  await forEachLimit(owed, ALERT_CONCURRENCY, async (d) => {
    if (failed.has(d)) return;
    let version = written.get(d.allocationId) as number;
    try {
      if (alerted.has(d)) {
        const committed = await deps.store.commit({ track: d.track, expectedVersion: version });
        if (!committed.ok) {
          deps.log.warn('track changed by a concurrent sweep after its alerts; release skipped this run', {
            allocationId: d.allocationId,
          });
          return;
        }
        version = committed.version;
      }
      run.ready.set(d.allocationId, version);
    } catch (err) {
      deps.log.error('sweep of an address failed', { allocationId: d.allocationId, error: errorText(err) });
      recordFailure(run, d.allocationId, err);
    }
  });
}
