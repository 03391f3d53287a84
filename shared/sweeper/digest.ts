/**
 * The daily digest: once a day, every finding still open that was alerted before that day (an orphan, a pool member
 * idle past its limit), what it has cost, and what happens to it next — on as many pages as it takes.
 */
import type { DigestItem } from './alerts';
import { DIGEST_PAGE_ROWS } from './alerts-digest';
import { formatTime } from './alerts-format';
import type { AddressDecision, HoldReason } from './decide';
import { DIGEST_SCOPE } from './keys';
import { projectedMonthlySaving } from './ledger';
import { recordFailure, type SweeperMemory, type SweepRun } from './run';
import { sendAlert } from './send-alerts';

const holdText: Record<HoldReason, string> = {
  'release-disabled': 'release is off',
  'kill-switch': 'the kill switch is on',
  'notice-not-sent': 'the notice goes out first',
  'notice-period': 'notice period',
  blocked: 'blocked, retried later',
  cap: 'per-run release cap reached',
};

/** The classes a digest lists, and the alerts that opened them. */
const FINDING_KINDS = new Set(['orphan', 'pool-idle', 'former-pool']);
const FINDING_ALERTS = new Set(['orphan', 'pool-idle', 'former-pool-member']);

/** The open findings alerted before `dayStart`, and what they would cost over a month. */
export function openFindings(
  decisions: readonly AddressDecision[],
  rateUsd: number,
  dayStart: string,
): { items: DigestItem[]; monthlyCostUsd: number } {
  const items: DigestItem[] = [];
  let monthlyCostUsd = 0;
  for (const d of decisions) {
    const t = d.track;
    // Open findings only: an address since kept, pooled elsewhere or in use has been dealt with.
    if (!FINDING_KINDS.has(d.classification.kind)) continue;
    if (t.status !== 'present' || !d.classification.idle) continue;
    const alertedAt = Object.entries(t.alerts)
      .filter(([k]) => FINDING_ALERTS.has(k) || k.startsWith('release-blocked'))
      .map(([, at]) => at)
      .sort()[0];
    if (!alertedAt || alertedAt >= dayStart) continue;
    const epRate = t.episode?.rateUsd ?? rateUsd;
    monthlyCostUsd += projectedMonthlySaving(epRate);
    const hold = d.release?.action === 'hold' ? d.release : undefined;
    const status =
      d.classification.kind === 'pool-idle'
        ? `pool member idle past its ${d.classification.pool?.idleAlertHours ?? '?'} h limit; never released`
        : d.classification.kind === 'former-pool' && !d.release
          ? 'former pool member: never released by the sweep unless approved'
          : t.block
            ? `release blocked: ${t.block.detail}`
            : hold
              ? `${holdText[hold.reason]}${hold.until ? ` until ${formatTime(hold.until)}` : ''}`
              : 'release due';
    items.push({
      allocationId: d.allocationId,
      publicIp: d.observed.publicIp,
      kind: d.classification.kind,
      idleSince: d.classification.idle.since,
      idleHours: d.classification.idle.hours,
      costAccruedUsd: d.classification.idle.hours * epRate,
      status,
    });
  }
  return { items, monthlyCostUsd };
}

/** The claim id of one page of a day's digest (the first page keeps the day alone). */
const pageId = (date: string, page: number): string => (page === 1 ? date : `${date}#${page}`);

/**
 * Sends today's digest, every open finding on one page or more, unless this instance saw it all sent (each page's
 * alert claim makes it once a day whatever the instance).
 */
export async function sendDigest(run: SweepRun, memory: SweeperMemory): Promise<void> {
  const today = run.now.slice(0, 10);
  const { items, monthlyCostUsd } = openFindings(
    run.plan.decisions,
    run.rate.usdPerHour,
    `${today}T00:00:00.000Z`,
  );
  if (items.length === 0 || (!run.dryRun && memory.digestDate === today)) return;
  const pages = Math.ceil(items.length / DIGEST_PAGE_ROWS);
  let delivered = true;
  for (let page = 1; page <= pages; page++) {
    const rows = items.slice((page - 1) * DIGEST_PAGE_ROWS, page * DIGEST_PAGE_ROWS);
    try {
      const before = run.result.alerts.length;
      const sent = await sendAlert(
        run,
        { scope: DIGEST_SCOPE, id: pageId(today, page) },
        { kind: 'digest', date: today, items: rows, open: items.length, page, pages, monthlyCostUsd },
      );
      if (!sent) delivered = false;
      // A page that went out in an earlier run is not news.
      if (run.result.alerts[before]?.status === 'already-sent') run.result.alerts.splice(before, 1);
    } catch (err) {
      delivered = false;
      recordFailure(run, `${DIGEST_SCOPE}#${page}`, err);
    }
  }
  if (!run.dryRun && delivered) memory.digestDate = today;
}
