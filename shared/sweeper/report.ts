/**
 * The finance report as it prints: a table for people, CSV for spreadsheets, JSON for tools (report-html.ts: the
 * page with the chart). Pure formatting of a `MonthlyReport` (ledger.ts) or a trend (finance.ts); amounts are
 * computed unrounded and rounded only here. Every format says whose figures they are (account, region, table) and
 * up to when they count (as-of: the ledger's last write).
 */
import { formatTime, formatUsd } from './alerts-format';
import type { LedgerFreshness, TrendMonth } from './finance';
import type { LedgerRow, MonthlyReport } from './ledger';

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

export function monthName(month: string): string {
  const [y, m] = month.split('-');
  return `${MONTHS[Number(m) - 1] ?? m} ${y}`;
}

const usd = formatUsd;
const hours = (n: number) => n.toFixed(1);
const round6 = (n: number) => Math.round(n * 1e6) / 1e6;

function rateText(rates: number[]): string {
  const paid = rates.filter((r) => r > 0);
  const shown = paid.length > 0 ? paid.map((r) => `$${r}`).join(', ') : '$0';
  return `${shown} per address-hour${rates.includes(0) ? ' (BYOIP addresses: $0, AWS does not bill them)' : ''}`;
}

function statusOf(r: LedgerRow): string {
  if (r.classification === 'released') return 'released';
  return r.idleNow ? `${r.classification}` : `${r.classification} (no longer idle)`;
}

/** Whose figures, and up to when: what every format states. */
export interface ReportHeader {
  accountId?: string | null;
  region?: string;
  table?: string;
  /** When the report was made (the requested as-of). */
  generatedAt?: string;
  freshness?: LedgerFreshness;
  /** Why there are no figures, when there are none (finance.ts missingDataReason). */
  noData?: string;
}

/** `3 h`, `2 days`: how long ago, for the freshness line. */
export function ageText(h: number): string {
  if (h < 1) return `${Math.round(h * 60)} min`;
  if (h < 48) return `${Math.round(h)} h`;
  return `${Math.round(h / 24)} days`;
}

/** The header lines every table shows: the account, and up to when the figures count and how old that is. */
function headerLines(header: ReportHeader, asOf: string, toDate: boolean, wholeMonth: boolean): string[] {
  const where = [
    `Account ${header.accountId ?? 'unknown'}`,
    header.region,
    header.table ? `table ${header.table}` : undefined,
  ].filter(Boolean);
  const f = header.freshness;
  const lastSweep =
    f?.lastWriteAt && f.lastWriteAt <= asOf
      ? `, the last sweep${f.ageHours > 0 ? ` (${ageText(f.ageHours)} before this report)` : ''}`
      : '';
  const when = toDate ? 'Month to date' : wholeMonth ? 'Whole month' : 'Figures';
  const lines = [`${where.join(', ')}.`, `${when}, as of ${formatTime(asOf)}${lastSweep}.`];
  if (f?.stale && f.lastWriteAt)
    lines.push(
      `Warning: the sweeper has not written the ledger since ${formatTime(f.lastWriteAt)} (${ageText(f.ageHours)}): is it running? Figures stop there.`,
    );
  return lines;
}

/** The report as a table a finance reader can take in at a glance. */
export function formatReportTable(report: MonthlyReport, header: ReportHeader = {}): string {
  const name = monthName(report.month);
  const cols = [
    'ALLOCATION ID',
    'PUBLIC IP',
    'STATUS',
    'IDLE SINCE',
    'IDLE HOURS',
    'IDLE COST',
    'RELEASED',
    'RECLAIMED',
    'SAVING/MONTH',
  ];
  const rows = report.rows.map((r) => [
    r.allocationId,
    r.publicIp,
    statusOf(r),
    r.idleSince ? formatTime(r.idleSince) : '-',
    hours(r.idleHours),
    usd(r.idleCostUsd),
    r.releasedAt ? formatTime(r.releasedAt) : '-',
    r.releasedAt ? usd(r.reclaimedUsd) : '-',
    r.releasedAt ? usd(r.projectedMonthlySavingUsd) : '-',
  ]);
  const right = new Set([4, 5, 7, 8]);
  const widths = cols.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (right.has(i) ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  const t = report.totals;
  const totals: Array<[string, string, string]> = [
    ['Idle addresses', String(t.idleAddresses), 'unassociated at some point this month'],
    ['Idle address-hours', hours(t.idleHours), ''],
    ['Cost of idle addresses', usd(t.idleCostUsd), 'what AWS billed for them while idle'],
    ['Released by eip-keeper', String(t.releasedThisMonth), 'this month'],
    ['Reclaimed', usd(t.reclaimedUsd), 'hours since each release × price, this month'],
    [
      'Monthly saving from releases',
      usd(t.projectedMonthlySavingUsd),
      'every release so far, per 30-day month',
    ],
    [
      'Orphans still idle',
      String(t.orphansIdleNow),
      `${usd(t.orphanMonthlyCostUsd)} per 30-day month until released or used`,
    ],
  ];
  const tw = Math.max(...totals.map(([k]) => k.length));
  const vw = Math.max(...totals.map(([, v]) => v.length));
  const body = header.noData
    ? [header.noData]
    : rows.length === 0
      ? ['No idle Elastic IP and no release in this month.']
      : [line(cols), ...rows.map(line)];
  return [
    `eip-keeper — cost of idle Elastic IPs, ${name} (UTC)`,
    ...headerLines(header, report.asOf, report.asOf < report.to, true),
    `Price: ${rateText(report.rates)}.`,
    '',
    ...body,
    '',
    `Totals for ${name}`,
    ...totals.map(([k, v, note]) => `  ${k.padEnd(tw)}  ${v.padStart(vw)}${note ? `  ${note}` : ''}`),
    '',
    'Amounts are rounded to cents; totals are summed before rounding. CSV and JSON carry 6 decimals.',
  ].join('\n');
}

/** One CSV cell: quoted when needed, and never read as a spreadsheet formula. */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let s = typeof value === 'number' ? String(value) : value;
  if (/^[=+\-@\t\r]/.test(s) && typeof value !== 'number') s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The columns every CSV row ends with: whose figures and up to when. */
const CSV_CONTEXT_COLUMNS = ['account_id', 'region', 'as_of'] as const;

export const CSV_COLUMNS = [
  'month',
  'allocation_id',
  'public_ip',
  'status',
  'idle_since',
  'idle_hours',
  'idle_cost_usd',
  'released_at',
  'reclaimed_hours',
  'reclaimed_usd',
  'projected_monthly_saving_usd',
  ...CSV_CONTEXT_COLUMNS,
] as const;

const contextCells = (header: ReportHeader, asOf: string) => [
  header.accountId ?? null,
  header.region ?? null,
  asOf,
];

export function formatReportCsv(report: MonthlyReport, header: ReportHeader = {}): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of report.rows) {
    lines.push(
      [
        report.month,
        r.allocationId,
        r.publicIp,
        statusOf(r),
        r.idleSince,
        round6(r.idleHours),
        round6(r.idleCostUsd),
        r.releasedAt,
        round6(r.reclaimedHours),
        round6(r.reclaimedUsd),
        round6(r.projectedMonthlySavingUsd),
        ...contextCells(header, report.asOf),
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return lines.join('\n');
}

const r6 = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'number' ? round6(v) : v]));

/** Whose figures and up to when, as JSON. */
function headerJson(header: ReportHeader, asOf: string): Record<string, unknown> {
  return {
    accountId: header.accountId ?? null,
    region: header.region ?? null,
    table: header.table ?? null,
    asOf,
    ledgerWrittenAt: header.freshness?.lastWriteAt ?? null,
    ledgerAgeHours: header.freshness ? round6(header.freshness.ageHours) : null,
    stale: header.freshness?.stale ?? false,
    noData: header.noData ?? null,
  };
}

export function reportJson(report: MonthlyReport, header: ReportHeader = {}): unknown {
  return {
    ...headerJson(header, report.asOf),
    month: report.month,
    from: report.from,
    to: report.to,
    ratesUsdPerHour: report.rates,
    hoursPerMonth: 720,
    totals: r6(report.totals),
    rows: report.rows.map((r) => r6({ ...r })),
  };
}

// --- Trend over months -----------------------------------------------------------------------------------------

export const TREND_CSV_COLUMNS = [
  'month',
  'idle_addresses',
  'idle_hours',
  'idle_cost_usd',
  'released',
  'reclaimed_usd',
  'projected_monthly_saving_usd',
  'orphans_idle',
  'has_data',
  ...CSV_CONTEXT_COLUMNS,
] as const;

/** A trend as a table: one line per month, then the sums. */
export function formatTrendTable(
  trend: readonly TrendMonth[],
  asOf: string,
  header: ReportHeader = {},
): string {
  const first = trend[0]?.month ?? '';
  const last = trend[trend.length - 1]?.month ?? '';
  const cols = [
    'MONTH',
    'IDLE ADDRESSES',
    'IDLE HOURS',
    'IDLE COST',
    'RELEASED',
    'RECLAIMED',
    'SAVING/MONTH',
  ];
  const rows = trend.map((m) =>
    m.hasData
      ? [
          m.month,
          String(m.totals.idleAddresses),
          hours(m.totals.idleHours),
          usd(m.totals.idleCostUsd),
          String(m.totals.releasedThisMonth),
          usd(m.totals.reclaimedUsd),
          usd(m.totals.projectedMonthlySavingUsd),
        ]
      : [m.month, 'no data', '', '', '', '', ''],
  );
  const sum = (f: (t: TrendMonth['totals']) => number) => trend.reduce((a, m) => a + f(m.totals), 0);
  rows.push([
    'total',
    '',
    hours(sum((t) => t.idleHours)),
    usd(sum((t) => t.idleCostUsd)),
    String(sum((t) => t.releasedThisMonth)),
    usd(sum((t) => t.reclaimedUsd)),
    '',
  ]);
  const widths = cols.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [
    `eip-keeper — cost of idle Elastic IPs, ${monthName(first)} to ${monthName(last)} (UTC)`,
    ...headerLines(header, asOf, false, false),
    '',
    ...(header.noData ? [header.noData] : [line(cols), ...rows.map(line)]),
    '',
    'SAVING/MONTH is the run rate of every release up to that month, per 30-day month. Amounts are rounded to cents.',
  ].join('\n');
}

export function formatTrendCsv(
  trend: readonly TrendMonth[],
  asOf: string,
  header: ReportHeader = {},
): string {
  const lines = [TREND_CSV_COLUMNS.join(',')];
  for (const m of trend) {
    const t = m.totals;
    lines.push(
      [
        m.month,
        t.idleAddresses,
        round6(t.idleHours),
        round6(t.idleCostUsd),
        t.releasedThisMonth,
        round6(t.reclaimedUsd),
        round6(t.projectedMonthlySavingUsd),
        t.orphansIdleNow,
        m.hasData ? 'true' : 'false',
        ...contextCells(header, asOf),
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return lines.join('\n');
}

export function trendJson(trend: readonly TrendMonth[], asOf: string, header: ReportHeader = {}): unknown {
  return {
    ...headerJson(header, asOf),
    from: trend[0]?.month ?? null,
    to: trend[trend.length - 1]?.month ?? null,
    hoursPerMonth: 720,
    months: trend.map((m) => ({ month: m.month, hasData: m.hasData, ...r6(m.totals) })),
  };
}
