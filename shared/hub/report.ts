/**
 * The organization report: the sweeper's month roll-up (shared/sweeper/ledger.ts `rollUpMonth`) of each member
 * account and region, over the ledger the hub keeps of it, and the organization's totals as their sum. Each row is
 * the member's own report of the same month and instant, figure for figure, with the auditor's findings open now by
 * severity (the last change the hub has of each: opened, or resolved). Pure: the records come in, text goes out.
 */
import { SEVERITY_ORDER, type Severity } from '../auditor/checks/result';
import { formatUsd } from '../sweeper/alerts-format';
import { type MonthlyReport, rollUpMonth } from '../sweeper/ledger';
import type { HubItem, MemberKey } from './model';

export type ReportTotals = MonthlyReport['totals'];

/** Open readiness findings by severity. */
export type FindingCounts = Record<Severity, number>;

export interface OrgReportRow extends MemberKey {
  totals: ReportTotals;
  openFindings: FindingCounts;
}

export interface OrgReport {
  month: string;
  asOf: string;
  rows: OrgReportRow[];
  totals: ReportTotals;
  openFindings: FindingCounts;
}

type Episode = Extract<HubItem, { kind: 'episode' }>;
type Release = Extract<HubItem, { kind: 'release' }>;
type FindingItem = Extract<HubItem, { kind: 'finding' }>;

const noFindings = (): FindingCounts =>
  Object.fromEntries(SEVERITY_ORDER.map((s) => [s, 0])) as FindingCounts;

/** Each finding's last change is kept (ordered by its time): `new` is open, `resolved` is not. */
export function countOpenFindings(findings: readonly FindingItem[]): FindingCounts {
  const counts = noFindings();
  for (const f of findings)
    if (f.data.change === 'new' && SEVERITY_ORDER.includes(f.data.severity as Severity))
      counts[f.data.severity as Severity] += 1;
  return counts;
}

function addFindings(a: FindingCounts, b: FindingCounts): FindingCounts {
  return Object.fromEntries(SEVERITY_ORDER.map((s) => [s, a[s] + b[s]])) as FindingCounts;
}

const ZERO: ReportTotals = {
  idleAddresses: 0,
  idleHours: 0,
  idleCostUsd: 0,
  releasedThisMonth: 0,
  reclaimedUsd: 0,
  projectedMonthlySavingUsd: 0,
  orphansIdleNow: 0,
  orphanMonthlyCostUsd: 0,
};

/** Field by field. */
export function addTotals(a: ReportTotals, b: ReportTotals): ReportTotals {
  const out = { ...a };
  for (const k of Object.keys(ZERO) as (keyof ReportTotals)[]) out[k] = a[k] + b[k];
  return out;
}

/** One row per member account and region with a ledger record or a finding, sorted by account then region. */
export function rollUpOrganization(
  records: { episodes: readonly Episode[]; releases: readonly Release[]; findings: readonly FindingItem[] },
  month: string,
  asOf: string,
): OrgReport {
  const { episodes, releases, findings } = records;
  const key = (r: MemberKey) => `${r.account}#${r.region}`;
  const members = new Map<string, MemberKey>();
  for (const r of [...episodes, ...releases, ...findings])
    members.set(key(r), { account: r.account, region: r.region });
  const rows = [...members.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, m]) => {
      const own = rollUpMonth(
        episodes.filter((e) => key(e) === k).map((e) => e.data),
        releases.filter((r) => key(r) === k).map((r) => r.data),
        month,
        asOf,
      );
      const openFindings = countOpenFindings(findings.filter((f) => key(f) === k));
      return { ...m, totals: own.totals, openFindings };
    });
  return {
    month,
    asOf,
    rows,
    totals: rows.reduce((sum, r) => addTotals(sum, r.totals), ZERO),
    openFindings: rows.reduce((sum, r) => addFindings(sum, r.openFindings), noFindings()),
  };
}

const COLUMNS = [
  'Account',
  'Region',
  'Idle addr',
  'Idle h',
  'Idle cost',
  'Released',
  'Reclaimed',
  'Saving/mo',
  'Orphans now',
  ...SEVERITY_ORDER.map((s) => `${s[0]?.toUpperCase()}${s.slice(1)}`),
];

function cells(first: string, second: string, t: ReportTotals, open: FindingCounts): string[] {
  return [
    first,
    second,
    String(t.idleAddresses),
    t.idleHours.toFixed(1),
    formatUsd(t.idleCostUsd),
    String(t.releasedThisMonth),
    formatUsd(t.reclaimedUsd),
    formatUsd(t.projectedMonthlySavingUsd),
    String(t.orphansIdleNow),
    ...SEVERITY_ORDER.map((s) => String(open[s])),
  ];
}

/** The report as a table for people: one line per account and region, then the organization's total. */
export function formatOrgReportTable(r: OrgReport): string {
  const lines = [
    COLUMNS,
    ...r.rows.map((row) => cells(row.account, row.region, row.totals, row.openFindings)),
    cells('Organization', `${r.rows.length} deployments`, r.totals, r.openFindings),
  ];
  const widths = COLUMNS.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? '').length)));
  const text = lines.map((l) =>
    l.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  '),
  );
  return [
    `Organization report, ${r.month}, as of ${r.asOf}: every member account and region the hub has a ledger or findings of; Critical to Info: readiness findings open now.`,
    '',
    ...text.slice(0, -1),
    '-'.repeat(text[0]?.length ?? 0),
    text[text.length - 1],
  ].join('\n');
}

/** The report for tools: amounts unrounded, as the member reports' JSON gives them. */
export function orgReportJson(r: OrgReport): object {
  return { schema: 'eip-keeper.org-report', version: 1, ...r };
}
