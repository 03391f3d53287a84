/**
 * The organization on the simulated region: three member accounts × two regions run eip-keeper's sweeper on their
 * own addresses and forward to the hub through the simulated EventBridge, each cross-account put evaluated against
 * the hub bus's policy. The organization report read from the hub's table (`eip-keeper report --org`) has one row
 * per member equal to the member's own report and totals equal to their sum, and each member's open readiness
 * findings by severity equal to its auditor's own; the hub's alerts name account and region; an account outside the
 * organization is refused and nothing of it is kept.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { reportCommand } from '../../bin/commands/report';
import { accessKeyIdFor } from '../../local/core/identities';
import { SimulatedOrganization } from '../../local/organization';
import { parseScenario } from '../../local/scenario/schema';
import { seedRegion } from '../../local/scenario/seed';
import { SEVERITY_ORDER } from '../../shared/auditor/checks/result';
import { DynamoFindingStore } from '../../shared/auditor/dynamo-finding-store';
import { DynamoHubRecords } from '../../shared/hub/dynamo-hub-records';
import { addTotals, type FindingCounts, type OrgReport, type ReportTotals } from '../../shared/hub/report';
import { createDocumentClient } from '../../shared/store/client';
import { DynamoSweepStore } from '../../shared/sweeper/dynamo-sweep-store';
import { rollUpMonth } from '../../shared/sweeper/ledger';
import { captureOutput } from '../support/cli';

const HOUR = 3_600_000;
const HUB = { accountId: '999988887777', region: 'eu-west-1' };
const ACCOUNTS = ['111111111111', '222222222222', '333333333333'];
const REGIONS = ['eu-west-1', 'us-east-1'];
const OUTSIDER = '555566667777';
const MONTH = '2026-03';
const AS_OF = '2026-03-01T12:00:00.000Z';

let org: SimulatedOrganization;
const saved = { ...process.env };

beforeAll(async () => {
  org = await SimulatedOrganization.start({
    organizationId: 'o-exampleorg1',
    hub: HUB,
    members: ACCOUNTS.flatMap((accountId) => REGIONS.map((region) => ({ accountId, region }))),
    outsiders: [{ accountId: OUTSIDER, region: 'eu-west-1' }],
    config: {
      sweeper: {
        graceHours: 2,
        release: { enabled: true, noticeHours: 1, maxPerRun: 1, allowShortPeriods: true },
      },
    },
    start: '2026-03-01T00:00:00Z',
    dynamoEndpoint: inject('dynamoEndpoint'),
  });
  // Each member a different number of idle addresses, so a row summed twice or left out shows in the totals.
  for (const [i, r] of [...org.members, ...org.outsiders].entries()) {
    r.ssm.put('/eip-keeper/kill-switch', 'off', 'String');
    for (let n = 0; n <= i % 3; n++) r.ec2.addAddress({});
  }
  await org.advance(6 * HOUR);
  // Every other deployment (the outsider too) has an EKS cluster whose node groups fail readiness checks.
  const audited = (await scenario()).state;
  for (const [i, r] of [...org.members, ...org.outsiders].entries()) {
    if (i % 2 !== 0) continue;
    seedRegion(r, audited, new Map());
    await r.invoke('Auditor');
  }
  await org.settle();
}, 300_000);

async function scenario() {
  const path = 'test/auditor/scenarios/audit-demo.json';
  return parseScenario(JSON.parse(await readFile(path, 'utf8')), path);
}

afterAll(async () => {
  process.env = { ...saved };
  await org?.stop();
});

/** The member's own report, from its own table, for the month and instant of the organization report. */
async function ownTotals(r: SimulatedOrganization['members'][number]): Promise<ReportTotals> {
  const doc = createDocumentClient(r.connection());
  const store = new DynamoSweepStore(doc, r.tableName, 400);
  const [episodes, releases] = await Promise.all([store.listEpisodes(), store.listReleases()]);
  doc.destroy();
  return rollUpMonth(episodes, releases, MONTH, AS_OF).totals;
}

/** The member's readiness findings open now, by severity, from its own auditor's records. */
async function ownOpenFindings(r: SimulatedOrganization['members'][number]): Promise<FindingCounts> {
  const doc = createDocumentClient(r.connection());
  const records = await new DynamoFindingStore(doc, r.tableName, 30).listRecords('prod');
  doc.destroy();
  const counts = Object.fromEntries(SEVERITY_ORDER.map((s) => [s, 0])) as FindingCounts;
  for (const f of records) if (f.state === 'open') counts[f.severity] += 1;
  return counts;
}

async function orgReportJson(): Promise<OrgReport> {
  Object.assign(process.env, {
    AWS_REGION: HUB.region,
    AWS_ACCESS_KEY_ID: accessKeyIdFor('eip-keeper'),
    AWS_SECRET_ACCESS_KEY: 'simulated',
    AWS_ENDPOINT_URL: org.hub.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: org.hub.dynamoEndpoint,
  });
  const { code, out } = await captureOutput(() =>
    reportCommand.run([
      '--org',
      '--table',
      org.hub.tableName,
      '--month',
      MONTH,
      '--as-of',
      AS_OF,
      '--format',
      'json',
    ]),
  );
  expect(code).toBe(0);
  return JSON.parse(out) as OrgReport;
}

describe('an organization of three accounts in two regions each, and its hub', () => {
  it("reports every member's own figures, and totals that are their sum", async () => {
    const report = await orgReportJson();
    expect(report.rows.map((r) => `${r.account} ${r.region}`)).toEqual(
      ACCOUNTS.flatMap((a) => REGIONS.map((r) => `${a} ${r}`)),
    );
    let sum: ReportTotals | undefined;
    for (const m of org.members) {
      const own = await ownTotals(m);
      const row = report.rows.find((r) => r.account === m.accountId && r.region === m.regionName);
      expect(row?.totals, `${m.accountId} ${m.regionName}`).toEqual(own);
      sum = sum ? addTotals(sum, own) : own;
    }
    expect(report.totals).toEqual(sum);
    // Something happened to report: idle time everywhere, and releases.
    expect(report.rows.every((r) => r.totals.idleHours > 0)).toBe(true);
    expect(report.totals.releasedThisMonth).toBeGreaterThan(0);
  });

  it("gives every member's open findings by severity as its own auditor has them, and their sum", async () => {
    const report = await orgReportJson();
    let sum = 0;
    for (const m of org.members) {
      const own = await ownOpenFindings(m);
      const row = report.rows.find((r) => r.account === m.accountId && r.region === m.regionName);
      expect(row?.openFindings, `${m.accountId} ${m.regionName}`).toEqual(own);
      sum += Object.values(own).reduce((a, b) => a + b, 0);
    }
    // Three deployments have failing node groups; the sum is the organization's.
    expect(sum).toBeGreaterThanOrEqual(3);
    expect(Object.values(report.openFindings).reduce((a, b) => a + b, 0)).toBe(sum);
  });

  it('prints the report as a table, one line per account and region and the total', async () => {
    const { out } = await captureOutput(() =>
      reportCommand.run(['--org', '--table', org.hub.tableName, '--month', MONTH, '--as-of', AS_OF]),
    );
    expect(out).toContain('111111111111  us-east-1');
    expect(out).toMatch(/Organization\s+6 deployments/);
  });

  it('sends the hub alerts naming the account and region they come from', () => {
    const subjects = org.hub.sns.messages.map((m) => m.subject ?? '');
    expect(subjects.length).toBeGreaterThan(0);
    const named = new Set(subjects.map((s) => /^\[(\d{12}) ([a-z0-9-]+)\] /.exec(s)?.slice(1, 3).join(' ')));
    expect(named).toEqual(new Set(ACCOUNTS.flatMap((a) => REGIONS.map((r) => `${a} ${r}`))));
  });

  it('refuses the account outside the organization, and keeps nothing of it', async () => {
    expect(org.refused.length).toBeGreaterThan(0);
    expect(new Set(org.refused.map((r) => r.account))).toEqual(new Set([OUTSIDER]));
    const records = new DynamoHubRecords(createDocumentClient(org.hub.connection()), org.hub.tableName);
    const kept = [
      ...(await records.list('episode')),
      ...(await records.list('release')),
      ...(await records.list('alert')),
      ...(await records.list('finding')),
    ];
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.some((r) => r.account === OUTSIDER)).toBe(false);
  });
});
