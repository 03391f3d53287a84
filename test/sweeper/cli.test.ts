/**
 * `eip-keeper sweep` and `eip-keeper report`, called through `run(args)` against a simulated region reached the way
 * a user reaches AWS: credentials and AWS_ENDPOINT_URL_* in the environment, the table and topic from the stack's
 * outputs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportCommand } from '../../bin/commands/report';
import { sweepCommand } from '../../bin/commands/sweep';
import { UsageError } from '../../bin/commands/types';
import { accessKeyIdFor } from '../../local/core/identities';
import { captureOutput } from '../support/cli';
import { at, type SweeperRegion, startSweeperRegion, VPC_STATE } from './support/region';

const V = 'eipalloc-0000000000000c001';
const W = 'eipalloc-0000000000000c002';

let r: SweeperRegion;
const saved = { ...process.env };

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
  // A ledger to report on: V is first seen at +1 h, an orphan at +3 h, released at +4 h; W stays idle, exempt.
  for (const h of [1, 3, 4]) {
    await r.advanceTo(h);
    await r.sweep();
  }
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: accessKeyIdFor('eip-keeper'),
    AWS_SECRET_ACCESS_KEY: 'simulated',
    AWS_ENDPOINT_URL_EC2: r.region.endpoint,
    AWS_ENDPOINT_URL_SNS: r.region.endpoint,
    AWS_ENDPOINT_URL_SSM: r.region.endpoint,
    AWS_ENDPOINT_URL_ROUTE_53: r.region.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: r.region.dynamoEndpoint,
    EIP_KEEPER_TABLE: r.region.tableName,
  });
  delete process.env.AWS_PROFILE;
  delete process.env.EIP_KEEPER_TOPIC_ARN;
  delete process.env.EIP_KEEPER_CONFIG;
});

afterAll(async () => {
  process.env = saved;
  await r?.stop();
});

describe('eip-keeper report', () => {
  it('prints the month as JSON with the figures of the ledger', async () => {
    const { code, out } = await captureOutput(() =>
      reportCommand.run(['--month', '2026-01', '--format', 'json', '--as-of', at(10)]),
    );

    expect(code).toBe(0);
    const json = JSON.parse(out);
    expect(json).toMatchObject({ month: '2026-01', asOf: at(10), region: 'eu-west-1', hoursPerMonth: 720 });
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

  it('prints a table a finance reader can read', async () => {
    const { code, out } = await captureOutput(() =>
      reportCommand.run(['--month', '2026-01', '--as-of', at(10)]),
    );

    expect(code).toBe(0);
    expect(out).toContain('eip-keeper — cost of idle Elastic IPs, January 2026 (UTC), eu-west-1');
    expect(out).toContain('Month to date, as of 2026-01-05 19:00 UTC. Price: $0.005 per address-hour.');
    expect(out).toMatch(
      /eipalloc-0000000000000c001 +198\.51\.100\.31 +released +2026-01-05 10:00 UTC +3\.0 +\$0\.02 +2026-01-05 13:00 UTC +\$0\.03 +\$3\.60/,
    );
    expect(out).toMatch(/Monthly saving from releases +\$3\.60 +every release so far, per 30-day month/);
  });

  it('prints CSV with one row per address', async () => {
    const { code, out } = await captureOutput(() =>
      reportCommand.run(['--month', '2026-01', '--format', 'csv', '--as-of', at(10)]),
    );

    expect(code).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines[0]).toBe(
      'month,allocation_id,public_ip,status,idle_since,idle_hours,idle_cost_usd,released_at,reclaimed_hours,reclaimed_usd,projected_monthly_saving_usd',
    );
    expect(lines).toContain(`2026-01,${V},198.51.100.31,released,${at(1)},3,0.015,${at(4)},6,0.03,3.6`);
    expect(lines).toHaveLength(3);
  });

  it('refuses a bad month or format as a usage error', async () => {
    await expect(reportCommand.run(['--month', '2026-13'])).rejects.toThrow(UsageError);
    await expect(reportCommand.run(['--format', 'xml'])).rejects.toThrow(UsageError);
  });
});

describe('eip-keeper sweep', () => {
  it('--dry-run --json changes nothing and reports what it would do', async () => {
    const before = await r.region.tableItemsByKind();
    const published = r.messages().length;

    const { code, out } = await captureOutput(() => sweepCommand.run(['--dry-run', '--json']));

    expect(code).toBe(0);
    const result = JSON.parse(out);
    expect(result).toMatchObject({ dryRun: true, addresses: 1, counts: { exempt: 1 } });
    expect(result.story[0]).toMatch(/^dry run at [0-9-]+ [0-9:]+ UTC: 1 address/);
    expect(await r.region.tableItemsByKind()).toEqual(before);
    expect(r.messages()).toHaveLength(published);
  });

  it('needs the alert topic unless it is a dry run', async () => {
    await expect(sweepCommand.run([])).rejects.toThrow(/no alert topic/);
  });

  it('sweeps for real with the topic given, and prints what it found', async () => {
    const { code, out } = await captureOutput(() => sweepCommand.run(['--topic', r.region.topicArn]));

    expect(code).toBe(0);
    expect(out).toMatch(/^sweep at [0-9-]+ [0-9:]+ UTC: 1 address \(1 exempt\); release off/m);
    expect(out).toMatch(/eipalloc-0000000000000c002 +198\.51\.100\.32 +exempt/);
    expect(r.calls('DescribeAddresses')).toBeGreaterThan(0);
  });
});
