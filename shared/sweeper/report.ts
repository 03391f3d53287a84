/**
 * The finance report as it prints: a table for people, CSV for spreadsheets, JSON for tools. Pure formatting of a
 * `MonthlyReport` (ledger.ts); amounts are computed unrounded and rounded only here.
 */
import { formatTime, formatUsd } from './alerts-format';
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

export interface ReportHeader {
  region?: string;
  table?: string;
}

/** The report as a table a finance reader can take in at a glance. */
export function formatReportTable(report: MonthlyReport, header: ReportHeader = {}): string {
  const name = monthName(report.month);
  const toDate = report.asOf < report.to;
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
  const where = [header.region, header.table ? `table ${header.table}` : undefined]
    .filter(Boolean)
    .join(', ');
  return [
    `eip-keeper — cost of idle Elastic IPs, ${name} (UTC)${where ? `, ${where}` : ''}`,
    `${toDate ? 'Month to date' : 'Whole month'}, as of ${formatTime(report.asOf)}. Price: ${rateText(report.rates)}.`,
    '',
    ...(rows.length === 0
      ? ['No idle Elastic IP and no release in this month.']
      : [line(cols), ...rows.map(line)]),
    '',
    `Totals for ${name}`,
    ...totals.map(([k, v, note]) => `  ${k.padEnd(tw)}  ${v.padStart(vw)}${note ? `  ${note}` : ''}`),
    '',
    'Amounts are rounded to cents; totals are summed before rounding. CSV and JSON carry 6 decimals.',
  ].join('\n');
}

/** One CSV cell: quoted when needed, and never read as a spreadsheet formula. */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  let s = typeof value === 'number' ? String(value) : value;
  if (/^[=+\-@\t\r]/.test(s) && typeof value !== 'number') s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

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
] as const;

export function formatReportCsv(report: MonthlyReport): string {
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
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return lines.join('\n');
}

export function reportJson(report: MonthlyReport, header: ReportHeader = {}): unknown {
  const r6 = (o: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'number' ? round6(v) : v]));
  return {
    ...header,
    month: report.month,
    from: report.from,
    to: report.to,
    asOf: report.asOf,
    ratesUsdPerHour: report.rates,
    hoursPerMonth: 720,
    totals: r6(report.totals),
    rows: report.rows.map((r) => r6({ ...r })),
  };
}
