/**
 * `eip-keeper sweep` and `eip-keeper report`, called through `run(args)` against a simulated region reached the way
 * a user reaches AWS: credentials and AWS_ENDPOINT_URL_* in the environment, and nothing else: the table, topic,
 * account and configuration come from the deployment the region published, as a stack publishes it.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportCommand } from '../../bin/commands/report';
import { sweepCommand } from '../../bin/commands/sweep';
import { UsageError } from '../../bin/commands/types';
import { accessKeyIdFor } from '../../local/core/identities';
import { publishDeployment } from '../../local/live';
import { captureOutput } from '../support/cli';
import { at, type SweeperRegion, startSweeperRegion, VPC_STATE } from './support/region';

const V = 'eipalloc-0000000000000c001';
const W = 'eipalloc-0000000000000c002';
const ACCOUNT = '111122223333';

let r: SweeperRegion;
let dir: string;
const saved = { ...process.env };
const report = (...args: string[]) => captureOutput(() => reportCommand.run(args));

beforeAll(async () => {
  r = await startSweeperRegion({
    config: {
      sweeper: { graceHours: 1, release: { enabled: true, noticeHours: 0, allowShortPeriods: true } },
    },
    state: {
      ...VPC_STATE,
      addresses: [
        { allocationId: V, publicIp: '198.51.100.31' },
        { allocationId: W, publicIp: '198.51.100.32', tags: { 'eip-keeper:keep': 'yes' } },
      ],
      ssmParameters: [{ name: '/eip-keeper/kill-switch', value: 'off' }],
    },
  });
  // A ledger to report on: V is first seen at +1 h, an orphan at +3 h, released at +4 h; W stays idle, exempt. The
  // last sweep, at +10 h, is the ledger's last write.
  for (const h of [1, 3, 4, 10]) {
    await r.advanceTo(h);
    await r.sweep();
  }
  publishDeployment(r.region);
  dir = await mkdtemp(join(tmpdir(), 'sweeper-cli-'));
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: accessKeyIdFor('eip-keeper'),
    AWS_SECRET_ACCESS_KEY: 'simulated',
    AWS_ENDPOINT_URL: r.region.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: r.region.dynamoEndpoint,
  });
  for (const k of [
    'AWS_PROFILE',
    'EIP_KEEPER_TABLE',
    'EIP_KEEPER_TOPIC_ARN',
    'EIP_KEEPER_CONFIG',
    'EIP_KEEPER_ACCOUNT_ID',
  ])
    delete process.env[k];
});

afterAll(async () => {
  process.env = saved;
  await r?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('eip-keeper report', () => {
  it('prints the month as JSON with the figures of the ledger, its account and as-of', async () => {
    const { code, out } = await report('--month', '2026-01', '--format', 'json', '--as-of', at(10));

    expect(code).toBe(0);
    const json = JSON.parse(out);
    expect(json).toMatchObject({
      month: '2026-01',
      asOf: at(10),
      accountId: ACCOUNT,
      region: 'eu-west-1',
      table: r.region.tableName,
      ledgerWrittenAt: at(10),
      stale: false,
      noData: null,
      hoursPerMonth: 720,
    });
    const byId = Object.fromEntries(json.rows.map((x: { allocationId: string }) => [x.allocationId, x]));
    expect(byId[V]).toMatchObject({
      classification: 'released',
      idleSince: at(1),
      idleHours: 3,
      idleCostUsd: 0.015,
      releasedAt: at(4),
      reclaimedHours: 6,
      reclaimedUsd: 0.03,
      projectedMonthlySavingUsd: 3.6,
    });
    expect(byId[W]).toMatchObject({
      classification: 'exempt',
      idleHours: 9,
      idleCostUsd: 0.045,
      idleNow: true,
    });
    expect(json.totals).toMatchObject({
      idleHours: 12,
      idleCostUsd: 0.06,
      reclaimedUsd: 0.03,
      releasedThisMonth: 1,
    });
  });

  it('prints a table a finance reader can read, saying whose figures and up to when', async () => {
    const { code, out } = await report('--month', '2026-01', '--as-of', at(10));

    expect(code).toBe(0);
    expect(out).toMatch(/^eip-keeper — cost of idle Elastic IPs, January 2026 \(UTC\)\n/);
    expect(out).toContain(`Account ${ACCOUNT}, eu-west-1, table ${r.region.tableName}.`);
    expect(out).toContain('Month to date, as of 2026-01-05 19:00 UTC, the last sweep.');
    expect(out).toMatch(
      /eipalloc-0000000000000c001 +198\.51\.100\.31 +released +2026-01-05 10:00 UTC +3\.0 +\$0\.02 +2026-01-05 13:00 UTC +\$0\.03 +\$3\.60/,
    );
    expect(out).toMatch(/Monthly saving from releases +\$3\.60 +every release so far, per 30-day month/);
  });

  it("stops the idle hours at the ledger's last write and says how old it is", async () => {
    const { out } = await report('--month', '2026-01', '--format', 'json', '--as-of', at(58));
    const table = await report('--month', '2026-01', '--as-of', at(58));

    const json = JSON.parse(out);
    expect(json).toMatchObject({ asOf: at(10), ledgerWrittenAt: at(10), ledgerAgeHours: 48, stale: true });
    expect(json.totals.idleHours).toBe(12);
    expect(table.out).toContain(
      'Month to date, as of 2026-01-05 19:00 UTC, the last sweep (2 days before this report).',
    );
    expect(table.out).toContain(
      'Warning: the sweeper has not written the ledger since 2026-01-05 19:00 UTC (2 days): is it running? Figures stop there.',
    );
  });

  it('says there is no data for a month before the ledger starts, rather than "no idle EIP"', async () => {
    const { code, out } = await report('--month', '2025-12', '--as-of', at(10));

    expect(code).toBe(0);
    expect(out).toContain('No data for this month: the ledger starts on 2026-01-05.');
    expect(out).not.toContain('No idle Elastic IP');
  });

  it('refuses a month that has not begun', async () => {
    await expect(report('--month', '2026-02', '--as-of', at(10))).rejects.toThrow(
      new UsageError('--month 2026-02 is in the future: the ledger has nothing past 2026-01 yet'),
    );
  });

  it('prints CSV with one row per address, each with the account, region and as-of', async () => {
    const { code, out } = await report('--month', '2026-01', '--format', 'csv', '--as-of', at(10));

    expect(code).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines[0]).toBe(
      'month,allocation_id,public_ip,status,idle_since,idle_hours,idle_cost_usd,released_at,reclaimed_hours,reclaimed_usd,projected_monthly_saving_usd,account_id,region,as_of',
    );
    expect(lines).toContain(
      `2026-01,${V},198.51.100.31,released,${at(1)},3,0.015,${at(4)},6,0.03,3.6,${ACCOUNT},eu-west-1,${at(10)}`,
    );
    expect(lines).toHaveLength(3);
  });

  it('prints a trend, one line per month, with the months the ledger knows nothing of marked', async () => {
    const { code, out } = await report('--from', '2025-11', '--to', '2026-01', '--as-of', at(10));
    const csv = await report('--from', '2025-11', '--format', 'csv', '--as-of', at(10));

    expect(code).toBe(0);
    expect(out).toMatch(/^eip-keeper — cost of idle Elastic IPs, November 2025 to January 2026 \(UTC\)/);
    expect(out).toMatch(/^2025-11 +no data$/m);
    expect(out).toMatch(/^2026-01 +2 +12\.0 +\$0\.06 +1 +\$0\.03 +\$3\.60$/m);
    expect(csv.out.trim().split('\n').slice(1)).toEqual([
      `2025-11,0,0,0,0,0,0,0,false,${ACCOUNT},eu-west-1,${at(10)}`,
      `2025-12,0,0,0,0,0,0,0,false,${ACCOUNT},eu-west-1,${at(10)}`,
      `2026-01,2,12,0.06,1,0.03,3.6,0,true,${ACCOUNT},eu-west-1,${at(10)}`,
    ]);
  });

  it('writes a self-contained HTML page with the chart to --out', async () => {
    const file = join(dir, 'report.html');
    const { code, out, err } = await report('--format', 'html', '--out', file, '--as-of', at(10));

    expect(code).toBe(0);
    expect(out).toBe('');
    expect(err).toContain(`wrote ${file}`);
    const html = await readFile(file, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('data-month="2026-01" data-series="idle" data-value="0.060000"');
    expect(html).toContain('data-month="2026-01" data-series="reclaimed" data-value="0.030000"');
    expect(html).not.toMatch(/(src|href)=["']?https?:/);
  });

  it('refuses a bad month, range or format as a usage error', async () => {
    await expect(report('--month', '2026-13')).rejects.toThrow(UsageError);
    await expect(report('--from', '2026-01', '--to', '2025-12', '--as-of', at(10))).rejects.toThrow(
      /--from 2026-01 is after --to 2025-12/,
    );
    await expect(report('--month', '2026-01', '--from', '2025-12')).rejects.toThrow(/not both/);
    await expect(report('--format', 'xml')).rejects.toThrow(UsageError);
  });
});

describe('eip-keeper sweep', () => {
  it('--dry-run --json changes nothing and reports what it would do, with the deployed configuration', async () => {
    const before = await r.region.tableItemsByKind();
    const published = r.messages().length;

    const { code, out } = await captureOutput(() => sweepCommand.run(['--dry-run', '--json']));

    expect(code).toBe(0);
    const result = JSON.parse(out);
    expect(result).toMatchObject({
      dryRun: true,
      addresses: 1,
      counts: { exempt: 1 },
      release: { enabled: true },
    });
    expect(result.story[0]).toMatch(/^dry run at [0-9-]+ [0-9:]+ UTC: 1 address/);
    expect(await r.region.tableItemsByKind()).toEqual(before);
    expect(r.messages()).toHaveLength(published);
  });

  it('--dry-run leads with the summary and where the configuration came from; --all lists every address', async () => {
    const { out } = await captureOutput(() => sweepCommand.run(['--dry-run']));
    const all = await captureOutput(() => sweepCommand.run(['--dry-run', '--all']));

    const lines = out.split('\n');
    expect(lines[0]).toMatch(/^dry run at .*: 1 address \(1 exempt\); release on$/);
    expect(lines[1]).toMatch(
      /^configuration from \/eip-keeper\/EipKeeper\/config in eu-west-1; price \$0\.005/,
    );
    expect(out).toContain('No address needs action.');
    expect(out).toContain('1 more need nothing (1 exempt): --all lists them.');
    expect(out).not.toContain(W);
    expect(all.out).toMatch(/eipalloc-0000000000000c002 +198\.51\.100\.32 +exempt/);
  });

  it('refuses a real sweep when no configuration can be found, and says what to pass', async () => {
    await expect(
      sweepCommand.run([
        '--stack',
        'NoSuchStack',
        '--table',
        r.region.tableName,
        '--topic',
        r.region.topicArn,
      ]),
    ).rejects.toMatchObject({
      name: 'NoConfigurationError',
      message: expect.stringMatching(/no configuration found.*Pass --config <eip-keeper\.yaml>/),
    });
  });

  it('sweeps for real on a --config file when no deployment is found', async () => {
    const file = join(dir, 'eip-keeper.yaml');
    await writeFile(file, 'sweeper:\n  graceHours: 1\n');

    const { code, out } = await captureOutput(() =>
      sweepCommand.run([
        '--stack',
        'NoSuchStack',
        '--config',
        file,
        '--table',
        r.region.tableName,
        '--topic',
        r.region.topicArn,
      ]),
    );

    expect(code).toBe(0);
    expect(out).toMatch(/^sweep at .*: 1 address \(1 exempt\); release off$/m);
  });

  it('sweeps for real with the deployment alone: its table, topic and configuration', async () => {
    const { code, out } = await captureOutput(() => sweepCommand.run([]));

    expect(code).toBe(0);
    expect(out).toMatch(/^sweep at [0-9-]+ [0-9:]+ UTC: 1 address \(1 exempt\); release on$/m);
    expect(r.calls('DescribeAddresses')).toBeGreaterThan(0);
  });
});
