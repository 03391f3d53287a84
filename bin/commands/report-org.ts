/**
 * `eip-keeper report --org`: the organization report from the hub's table (docs/hub.md), one line per member account
 * and region and the organization's total, for one month. The hub publishes no deployment document: `--table` names
 * its table.
 */
import { DynamoHubRecords } from '../../shared/hub/dynamo-hub-records';
import { formatOrgReportTable, orgReportJson, rollUpOrganization } from '../../shared/hub/report';
import { createDocumentClient } from '../../shared/store/client';
import { cliConnection } from '../context';
import { writeOutput } from './output';
import { UsageError } from './types';

export async function orgReport(
  values: { table?: string; region?: string; out?: string },
  format: string,
  month: string,
  asOf: string,
): Promise<number> {
  if (!values.table)
    throw new UsageError("--org needs --table: the hub's table (the hub stack's HubTableName output)");
  if (format !== 'table' && format !== 'json') throw new UsageError('--org writes --format table or json');
  const { region } = await cliConnection(values);
  const doc = createDocumentClient({ region });
  try {
    const records = new DynamoHubRecords(doc, values.table);
    const [episodes, releases, findings] = await Promise.all([
      records.list('episode'),
      records.list('release'),
      records.list('finding'),
    ]);
    const report = rollUpOrganization({ episodes, releases, findings }, month, asOf);
    const out =
      format === 'json' ? JSON.stringify(orgReportJson(report), null, 2) : formatOrgReportTable(report);
    await writeOutput(out, values.out);
    return 0;
  } finally {
    doc.destroy();
  }
}
