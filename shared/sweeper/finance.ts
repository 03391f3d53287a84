/**
 * What the finance report reads off the ledger before it prints anything, pure: which months it covers (never a month
 * that has not begun), up to when the ledger can vouch for its figures (its last write: the last sweep), whether there
 * is any data at all, and the month-by-month trend.
 */
import { type MonthlyReport, monthBounds, monthOf, rollUpMonth } from './ledger';
import { type IdleEpisodeRecord, MS_PER_HOUR, type ReleaseRecord } from './model';

/** The longest trend a report covers (ten years of months). */
export const MAX_TREND_MONTHS = 120;

/** A report period that cannot be: not a month, in the future, from after to, too long. */
export class ReportPeriodError extends Error {
  override readonly name = 'ReportPeriodError';
}

/** `2026-01` plus `n` months. */
export function addMonths(month: string, n: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const d = new Date(Date.UTC(y, m - 1 + n, 1));
  return d.toISOString().slice(0, 7);
}

function checkMonth(option: string, month: string, current: string): void {
  try {
    monthBounds(month);
  } catch {
    throw new ReportPeriodError(`${option} ${month} is not a month (use YYYY-MM)`);
  }
  if (month > current)
    throw new ReportPeriodError(
      `${option} ${month} is in the future: the ledger has nothing past ${current} yet`,
    );
}

/**
 * The months a report covers: `month` alone (default: the month of `now`), or `from`..`to` for a trend (`to`
 * defaults to the month of `now`). Every month must have begun by `now` (UTC).
 */
export function reportMonths(opts: { month?: string; from?: string; to?: string; now: string }): {
  months: string[];
  trend: boolean;
} {
  const current = monthOf(opts.now);
  if (opts.month !== undefined && (opts.from !== undefined || opts.to !== undefined))
    throw new ReportPeriodError('give --month, or --from/--to, not both');
  if (opts.from === undefined && opts.to === undefined) {
    const month = opts.month ?? current;
    checkMonth('--month', month, current);
    return { months: [month], trend: false };
  }
  if (opts.from === undefined) throw new ReportPeriodError('--to needs --from');
  const to = opts.to ?? current;
  checkMonth('--from', opts.from, current);
  checkMonth('--to', to, current);
  if (opts.from > to) throw new ReportPeriodError(`--from ${opts.from} is after --to ${to}`);
  const months: string[] = [];
  for (let m = opts.from; m <= to; m = addMonths(m, 1)) {
    months.push(m);
    if (months.length > MAX_TREND_MONTHS)
      throw new ReportPeriodError(`a trend covers at most ${MAX_TREND_MONTHS} months`);
  }
  return { months, trend: true };
}

export interface LedgerFreshness {
  /** The instant figures are counted up to: the requested one, or the ledger's last write when that is earlier. */
  asOf: string;
  /** The last sweep that wrote the ledger; null when no sweep ever did. */
  lastWriteAt: string | null;
  /** Hours between the ledger's last write and the requested instant (0 when the ledger is newer). */
  ageHours: number;
  /** Older than two sweep intervals: the sweeper has probably stopped running. */
  stale: boolean;
}

/**
 * Up to when the ledger vouches for its figures. An open idle episode in the ledger says "idle since", not "still
 * idle now": past the last sweep nobody looked, so the figures stop there rather than run on to the month's end.
 */
export function ledgerFreshness(opts: {
  requestedAsOf: string;
  lastWriteAt: string | null;
  sweepMinutes: number;
}): LedgerFreshness {
  const { requestedAsOf, lastWriteAt } = opts;
  if (lastWriteAt === null) return { asOf: requestedAsOf, lastWriteAt, ageHours: 0, stale: false };
  const asOf = lastWriteAt < requestedAsOf ? lastWriteAt : requestedAsOf;
  const ageHours = Math.max(0, (Date.parse(requestedAsOf) - Date.parse(lastWriteAt)) / MS_PER_HOUR);
  return { asOf, lastWriteAt, ageHours, stale: ageHours * 60 > 2 * opts.sweepMinutes };
}

/** The first instant the ledger knows of (an idle start or a release), or null when it holds nothing. */
export function ledgerStart(
  episodes: readonly Pick<IdleEpisodeRecord, 'start'>[],
  releases: readonly Pick<ReleaseRecord, 'releasedAt'>[],
): string | null {
  const times = [...episodes.map((e) => e.start), ...releases.map((r) => r.releasedAt)].sort();
  return times[0] ?? null;
}

/** Why a month shows no figures, when it shows none: no sweep ever, or the month before the ledger starts. */
export function missingDataReason(
  month: string,
  lastWriteAt: string | null,
  start: string | null,
): string | undefined {
  if (lastWriteAt === null)
    return 'No data: no sweep has written this ledger yet (is the sweeper deployed, and is this the right table and region?).';
  if (start === null || monthBounds(month).to <= start)
    return `No data for this month: the ledger starts ${start ? `on ${start.slice(0, 10)}` : 'after it'}.`;
  if (monthBounds(month).from > lastWriteAt)
    return `No data for this month: the last sweep wrote the ledger on ${lastWriteAt.slice(0, 10)}.`;
  return undefined;
}

/** One month of a trend. */
export interface TrendMonth {
  month: string;
  totals: MonthlyReport['totals'];
  /** False for a month the ledger says nothing about (before it starts, after its last write). */
  hasData: boolean;
}

/** The month-by-month totals, each month counted up to `asOf` (a month after `asOf` has nothing). */
export function rollUpTrend(
  episodes: readonly IdleEpisodeRecord[],
  releases: readonly ReleaseRecord[],
  months: readonly string[],
  asOf: string,
  lastWriteAt: string | null,
): TrendMonth[] {
  const start = ledgerStart(episodes, releases);
  return months.map((month) => ({
    month,
    totals: rollUpMonth(episodes, releases, month, asOf).totals,
    hasData: missingDataReason(month, lastWriteAt, start) === undefined,
  }));
}
