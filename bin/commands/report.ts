/**
 * `eip-keeper report`: the cost ledger for finance — idle hours and their cost per address, releases, dollars
 * reclaimed and the projected monthly saving — for one month (`--month`), or month by month (`--from/--to`), as a
 * table, CSV, JSON or a self-contained HTML page with a chart. From the deployment's table in the region of the
 * current credentials (the SDK honours AWS_ENDPOINT_URL_DYNAMODB). Figures stop at the ledger's last write.
 */
import { DEFAULT_CONFIG } from '../../shared/config/schema';
import { createDocumentClient } from '../../shared/store/client';
import { DynamoSweepStore } from '../../shared/sweeper/dynamo-sweep-store';
import {
  addMonths,
  ledgerFreshness,
  ledgerStart,
  missingDataReason,
  ReportPeriodError,
  reportMonths,
  rollUpTrend,
} from '../../shared/sweeper/finance';
import { monthOf, rollUpMonth } from '../../shared/sweeper/ledger';
import {
  formatReportCsv,
  formatReportTable,
  formatTrendCsv,
  formatTrendTable,
  type ReportHeader,
  reportJson,
  trendJson,
} from '../../shared/sweeper/report';
import { formatReportHtml } from '../../shared/sweeper/report-html';
import { noPositionals, parseOptions } from '../args';
import { cliAccount, cliConnection, cliTable, DeploymentLookup } from '../context';
import { REPORT_OPTIONS } from './catalog';
import { writeOutput } from './output';
import { type CliCommand, UsageError } from './types';

const FORMATS = ['table', 'csv', 'json', 'html'] as const;
type Format = (typeof FORMATS)[number];

function asOfOption(value: string | undefined): string {
  if (value === undefined) return new Date().toISOString();
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new UsageError(`--as-of ${value} is not a time (use ISO 8601)`);
  return new Date(t).toISOString();
}

function periodOf(values: { month?: string; from?: string; to?: string }, now: string) {
  try {
    return reportMonths({ ...values, now });
  } catch (err) {
    if (err instanceof ReportPeriodError) throw new UsageError(err.message);
    throw err;
  }
}

export const reportCommand: CliCommand = {
  name: 'report',
  async run(args) {
    const { values, positionals } = parseOptions(args, REPORT_OPTIONS);
    noPositionals(positionals);
    const format = (values.format ?? 'table') as Format;
    if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
    const requestedAsOf = asOfOption(values['as-of']);
    const { months, trend } = periodOf(values, requestedAsOf);
    if (values.org) {
      const { orgReport } = await import('./report-org');
      return orgReport(values, format, months[months.length - 1] as string, requestedAsOf);
    }

    const { region } = await cliConnection(values);
    const deployment = new DeploymentLookup(region, values);
    const tableName = (await cliTable(values, deployment)) as string;
    const accountId = (await cliAccount(values, deployment)) ?? null;
    const sweepMinutes =
      (await deployment.tryGet())?.config.sweeper.scheduleMinutes ?? DEFAULT_CONFIG.sweeper.scheduleMinutes;
    const doc = createDocumentClient({ region });
    try {
      const store = new DynamoSweepStore(doc, tableName, 400);
      const [episodes, releases, lastRun] = await Promise.all([
        store.listEpisodes(),
        store.listReleases(),
        store.lastRun(),
      ]);
      const freshness = ledgerFreshness({ requestedAsOf, lastWriteAt: lastRun?.at ?? null, sweepMinutes });
      const { asOf } = freshness;
      const start = ledgerStart(episodes, releases);
      const last = months[months.length - 1] as string;
      const header: ReportHeader = {
        accountId,
        region,
        table: tableName,
        generatedAt: requestedAsOf,
        freshness,
      };
      // A page of one month still charts the months before it that the ledger knows (up to a year).
      const chartMonths = format === 'html' && !trend ? trailingMonths(last, start) : months;
      const series = rollUpTrend(episodes, releases, chartMonths, asOf, freshness.lastWriteAt);
      if (series.every((m) => !m.hasData))
        header.noData = missingDataReason(last, freshness.lastWriteAt, start) ?? 'No data for these months.';
      const report = rollUpMonth(episodes, releases, last, asOf);
      const out = render(format, trend, { report, series, asOf, header });
      await writeOutput(out, values.out);
      return 0;
    } finally {
      doc.destroy();
    }
  },
};

/** Up to twelve months ending with `last`, none before the month the ledger starts. */
function trailingMonths(last: string, ledgerStartAt: string | null): string[] {
  const first = ledgerStartAt ? monthOf(ledgerStartAt) : last;
  const months: string[] = [];
  for (let i = 11; i >= 0; i--) {
    const m = addMonths(last, -i);
    if (m >= first) months.push(m);
  }
  return months.length > 0 ? months : [last];
}

function render(
  format: Format,
  trend: boolean,
  r: {
    report: ReturnType<typeof rollUpMonth>;
    series: ReturnType<typeof rollUpTrend>;
    asOf: string;
    header: ReportHeader;
  },
): string {
  if (format === 'html') return formatReportHtml(r.series, r.report, r.asOf, r.header);
  if (trend) {
    if (format === 'json') return JSON.stringify(trendJson(r.series, r.asOf, r.header), null, 2);
    if (format === 'csv') return formatTrendCsv(r.series, r.asOf, r.header);
    return formatTrendTable(r.series, r.asOf, r.header);
  }
  if (format === 'json') return JSON.stringify(reportJson(r.report, r.header), null, 2);
  if (format === 'csv') return formatReportCsv(r.report, r.header);
  return formatReportTable(r.report, r.header);
}
