/**
 * `eip-keeper report [--month YYYY-MM] [--format table|csv|json]`: the cost ledger for finance — idle hours and
 * their cost per address, releases, dollars reclaimed and the projected monthly saving — from the table of the
 * current account and region (the SDK honours AWS_ENDPOINT_URL_DYNAMODB).
 */

import { createDocumentClient } from '../../shared/store/client';
import { DynamoSweepStore } from '../../shared/sweeper/dynamo-sweep-store';
import { monthBounds, monthOf, rollUpMonth } from '../../shared/sweeper/ledger';
import { formatReportCsv, formatReportTable, reportJson } from '../../shared/sweeper/report';
import { noPositionals, parseOptions } from '../args';
import { CONTEXT_OPTIONS, requireRegion, requireTable } from '../context';
import { type CliCommand, UsageError } from './types';

const FORMATS = ['table', 'csv', 'json'] as const;

export const reportCommand: CliCommand = {
  name: 'report',
  usage:
    'report [--month YYYY-MM] [--format table|csv|json] [--table <name>] [--as-of <ISO time>]   idle-EIP cost ledger',
  async run(args) {
    const { values, positionals } = parseOptions(args, {
      region: CONTEXT_OPTIONS.region,
      table: CONTEXT_OPTIONS.table,
      month: { type: 'string' },
      format: { type: 'string' },
      'as-of': { type: 'string' },
    });
    noPositionals(positionals);
    const format = (values.format ?? 'table') as (typeof FORMATS)[number];
    if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
    const now = new Date().toISOString();
    let asOf = now;
    if (values['as-of'] !== undefined) {
      const t = Date.parse(values['as-of']);
      if (Number.isNaN(t)) throw new UsageError(`--as-of ${values['as-of']} is not a time (use ISO 8601)`);
      asOf = new Date(t).toISOString();
    }
    const month = values.month ?? monthOf(asOf);
    try {
      monthBounds(month);
    } catch {
      throw new UsageError(`--month ${month} is not a month (use YYYY-MM)`);
    }
    const region = requireRegion(values);
    const tableName = requireTable(values);
    const doc = createDocumentClient({ region });
    try {
      const store = new DynamoSweepStore(doc, tableName, 400);
      const [episodes, releases] = await Promise.all([store.listEpisodes(), store.listReleases()]);
      const report = rollUpMonth(episodes, releases, month, asOf);
      const header = { region, table: tableName };
      const out =
        format === 'json'
          ? JSON.stringify(reportJson(report, header), null, 2)
          : format === 'csv'
            ? formatReportCsv(report)
            : formatReportTable(report, header);
      process.stdout.write(`${out}\n`);
      return 0;
    } catch (err) {
      const e = err as Error;
      process.stderr.write(`eip-keeper report: ${e.name}: ${e.message}\n`);
      return 1;
    } finally {
      doc.destroy();
    }
  },
};
