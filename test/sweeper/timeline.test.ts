/**
 * 48 simulated hours of the bundled demo scenario (local/scenarios/demo-sweeper.json), swept on the Sweeper's own
 * hourly schedule by the handler Lambda runs: which addresses survive, which alerts each one yields (and no repeats),
 * and the cost ledger checked against a recomputation from the scenario's timeline.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO_ROOT } from '../../infra/stack';
import { SimulatedRegion } from '../../local/region';
import { runOn } from '../../local/scenario/runner';
import { parseScenario } from '../../local/scenario/schema';
import { deliveredMessage, type PublishedMessage } from '../../local/sns/service';
import { createDocumentClient } from '../../shared/store/client';
import { DynamoSweepStore } from '../../shared/sweeper/dynamo-sweep-store';
import { ledgerFreshness } from '../../shared/sweeper/finance';
import { rollUpMonth } from '../../shared/sweeper/ledger';
import { formatReportTable } from '../../shared/sweeper/report';
import { alertTarget, at, emailOf, HOUR, START, SWEEPER_FUNCTIONS } from './support/region';

const scenario = parseScenario(
  JSON.parse(readFileSync(`${REPO_ROOT}local/scenarios/demo-sweeper.json`, 'utf8')),
  'demo-sweeper.json',
);

const A = {
  inUse: 'eipalloc-0000000000000a001',
  loadBalancer: 'eipalloc-0000000000000a002',
  byoip: 'eipalloc-0000000000000a003',
  pool: 'eipalloc-0000000000000a004',
  kept: 'eipalloc-0000000000000a005',
  approved: 'eipalloc-0000000000000a006',
  dns: 'eipalloc-0000000000000a007',
  locked: 'eipalloc-0000000000000a008',
  forgotten: 'eipalloc-0000000000000a009',
};

let region: SimulatedRegion;
let labels: Record<string, string>;
let messages: PublishedMessage[];

beforeAll(async () => {
  region = await SimulatedRegion.start({
    config: scenario.config,
    start: scenario.start,
    dynamoEndpoint: inject('dynamoEndpoint'),
    functions: SWEEPER_FUNCTIONS,
  });
  const result = await runOn(region, scenario);
  labels = result.output.labels;
  messages = region.sns.messages;
});

afterAll(async () => {
  await region?.stop();
});

const BATCH = () => labels['batch-ip'] as string;
const TRIAL = () => labels['trial-ip'] as string;

describe('48 hours of sweeping the demo account', () => {
  it('runs 48 hourly sweeps, none failing', () => {
    expect(region.clock.now().toISOString()).toBe(at(48));
    const sweeps = region.bus.invocations.filter((i) => i.functionId === 'Sweeper');
    expect(sweeps).toHaveLength(48);
    expect(sweeps.every((i) => i.outcome === 'ok')).toBe(true);
    expect(region.bus.dlq).toEqual([]);
  });

  it('never releases the in-use, load-balancer, BYOIP, pool, exempt, DNS-referenced or locked addresses', () => {
    const left = new Set(region.ec2.addresses().map((a) => a.allocationId));
    for (const id of [
      A.inUse,
      A.loadBalancer,
      A.byoip,
      A.pool,
      A.kept,
      A.approved,
      A.dns,
      A.locked,
      TRIAL(),
    ]) {
      expect(left.has(id), id).toBe(true);
    }
  });

  it('releases exactly the two orphans nothing protects', () => {
    const left = new Set(region.ec2.addresses().map((a) => a.allocationId));
    expect(left.has(BATCH())).toBe(false);
    expect(left.has(A.forgotten)).toBe(false);
    const releases = region.server.calls.filter((c) => c.action === 'ReleaseAddress');
    expect(releases.map((c) => c.outcome).sort()).toEqual(['Client.InvalidAddress.Locked', 'ok', 'ok']);
  });

  it('reads DescribeAddresses once per sweep, plus one live re-read per release attempted', () => {
    expect(region.server.callCounts('ec2').DescribeAddresses).toBe(48 + 3);
  });

  it('yields each address its expected alerts at the expected hours, and nothing else', () => {
    const got = messages.map((m) => {
      const t = alertTarget(m);
      const reason = /release blocked .* - ([a-z-]+)$/i.exec(m.subject ?? '')?.[1];
      return `${m.at} ${t.kind}${reason ? `#${reason}` : ''} ${t.allocationId}`;
    });
    expect([...got].sort()).toEqual(
      [
        `${at(8)} pool-idle ${A.pool}`,
        `${at(15)} digest DIGEST`,
        `${at(25)} orphan ${BATCH()}`,
        `${at(25)} orphan ${TRIAL()}`,
        `${at(26)} orphan ${A.dns}`,
        `${at(26)} orphan ${A.locked}`,
        `${at(26)} orphan ${A.forgotten}`,
        `${at(37)} released ${BATCH()}`,
        `${at(38)} release-blocked#dangling-dns ${A.dns}`,
        `${at(38)} release-blocked#locked ${A.locked}`,
        `${at(38)} released ${A.forgotten}`,
        `${at(39)} digest DIGEST`,
      ].sort(),
    );
    // Delivered in time order.
    expect(messages.map((m) => m.at)).toEqual(messages.map((m) => m.at).sort());
  });

  it('repeats no alert: one per finding, a daily digest instead of hourly reminders', () => {
    const keys = messages.map((m) => `${m.subject}`);
    expect(new Set(keys).size).toBe(keys.length);
    const digests = messages.filter((m) => alertTarget(m).kind === 'digest');
    expect(digests.map((m) => m.subject)).toEqual([
      '[eip-keeper] Daily digest 2026-01-06: 1 idle Elastic IP open (eu-west-1)',
      '[eip-keeper] Daily digest 2026-01-07: 3 idle Elastic IPs open (eu-west-1)',
    ]);
  });

  it('tells the orphan alert where the idle time comes from, who took the address off its pod, and the DNS risk', () => {
    const batch = emailOf(messages.find((m) => alertTarget(m).allocationId === BATCH()) as PublishedMessage);
    expect(batch).toContain("2026-01-05 09:30 UTC (from eip-keeper's CloudTrail history)");
    expect(batch).toMatch(/Taken off +its network interface was deleted by role eks-cluster-role/);
    expect(batch).toMatch(/Cluster +"prod"/);
    const forgotten = emailOf(
      messages.find((m) => alertTarget(m).allocationId === A.forgotten) as PublishedMessage,
    );
    expect(forgotten).toContain('first observation');
    const dns = emailOf(messages.find((m) => alertTarget(m).allocationId === A.dns) as PublishedMessage);
    expect(dns).toContain('api.example.com. (A record in public zone example.com.)');
  });

  it('keeps a ledger equal to a recomputation from the timeline', async () => {
    const store = new DynamoSweepStore(createDocumentClient(region.connection()), region.tableName, 400);
    const [episodes, releases] = await Promise.all([store.listEpisodes(), store.listReleases()]);
    const report = rollUpMonth(episodes, releases, '2026-01', at(48));

    // The timeline, independently: the first sweep (START + 1 h) first sees the seeded addresses; the recorder's
    // history dates the batch IP's idleness at its pod's death (09:30) and the trial IP's at its allocation (09:30).
    const rate = 0.005;
    const firstSweep = Date.parse(at(1));
    const end = Date.parse(at(48));
    const h = (from: number, to: number) => (to - from) / HOUR;
    const halfPast = Date.parse(START) + HOUR / 2;
    const expected: Record<string, { hours: number; rate: number; releasedAt?: number }> = {
      [A.loadBalancer]: { hours: h(firstSweep, end), rate },
      [A.byoip]: { hours: h(firstSweep, end), rate: 0 },
      [A.pool]: { hours: h(firstSweep, end), rate },
      [A.kept]: { hours: h(firstSweep, end), rate },
      [A.approved]: { hours: h(firstSweep, end), rate },
      [A.dns]: { hours: h(firstSweep, end), rate },
      [A.locked]: { hours: h(firstSweep, end), rate },
      [A.forgotten]: { hours: h(firstSweep, Date.parse(at(38))), rate, releasedAt: Date.parse(at(38)) },
      [BATCH()]: { hours: h(halfPast, Date.parse(at(37))), rate, releasedAt: Date.parse(at(37)) },
      [TRIAL()]: { hours: h(halfPast, end), rate },
    };
    expect(report.rows.map((r) => r.allocationId).sort()).toEqual(Object.keys(expected).sort());
    let idleHours = 0;
    let idleCost = 0;
    let reclaimed = 0;
    let projected = 0;
    for (const row of report.rows) {
      const e = expected[row.allocationId] as (typeof expected)[string];
      expect(row.idleHours, row.allocationId).toBeCloseTo(e.hours, 9);
      expect(row.idleCostUsd, row.allocationId).toBeCloseTo(e.hours * e.rate, 9);
      idleHours += e.hours;
      idleCost += e.hours * e.rate;
      if (e.releasedAt) {
        const hoursSince = h(e.releasedAt, end);
        expect(row.releasedAt).toBe(new Date(e.releasedAt).toISOString());
        expect(row.reclaimedUsd, row.allocationId).toBeCloseTo(hoursSince * e.rate, 9);
        expect(row.projectedMonthlySavingUsd).toBeCloseTo(e.rate * 720, 9);
        reclaimed += hoursSince * e.rate;
        projected += e.rate * 720;
      }
    }
    expect(report.totals.idleHours).toBeCloseTo(idleHours, 9);
    expect(report.totals.idleCostUsd).toBeCloseTo(idleCost, 9);
    expect(report.totals.reclaimedUsd).toBeCloseTo(reclaimed, 9);
    expect(report.totals.projectedMonthlySavingUsd).toBeCloseTo(projected, 9);
    expect(report.totals.releasedThisMonth).toBe(2);
    // In plain numbers: 450 idle address-hours, $2.015 of idle cost, $0.105 reclaimed so far, $7.20 a month.
    expect([idleHours, idleCost, reclaimed, projected].map((n) => Math.round(n * 1000) / 1000)).toEqual([
      450, 2.015, 0.105, 7.2,
    ]);
    // Every release is recorded once, with the idle time it ended.
    expect(releases.map((r) => [r.allocationId, r.idleHours]).sort()).toEqual(
      [
        [BATCH(), 36.5],
        [A.forgotten, 37],
      ].sort(),
    );
  });

  it('emits the finance metrics on every sweep', () => {
    const last = (name: string) => region.metrics.filter((m) => m.name === name).at(-1)?.value;
    expect(region.metrics.filter((m) => m.name === 'IdleCostUsd')).toHaveLength(48);
    expect(last('ReclaimedMonthlyUsd')).toBeCloseTo(7.2, 6);
    // Unassociated now, load balancer's excluded: BYOIP, pool, two exempt, DNS, locked, the trial IP.
    expect(last('IdleAddresses')).toBe(7);
    expect(last('IdleCostUsd')).toBeCloseTo(2.015, 6);
  });

  it('produced the sample alert and report that docs/sweeper.md shows', async () => {
    const doc = readFileSync(`${REPO_ROOT}docs/sweeper.md`, 'utf8');
    const orphan = messages.find(
      (m) => alertTarget(m).allocationId === BATCH() && alertTarget(m).kind === 'orphan',
    ) as PublishedMessage;
    expect(doc).toContain(emailOf(orphan));
    expect(doc).toContain(JSON.stringify(JSON.parse(deliveredMessage(orphan, 'https')), null, 2));
    const contract = readFileSync(`${REPO_ROOT}docs/notifications.md`, 'utf8');
    expect(contract).toContain(JSON.stringify(JSON.parse(deliveredMessage(orphan, 'sqs')), null, 2));
    for (const m of messages) expect(doc).toContain(m.subject);
    const store = new DynamoSweepStore(createDocumentClient(region.connection()), region.tableName, 400);
    const [episodes, releases] = await Promise.all([store.listEpisodes(), store.listReleases()]);
    expect(doc).toContain(
      formatReportTable(rollUpMonth(episodes, releases, '2026-01', at(48)), {
        accountId: '111122223333',
        region: 'eu-west-1',
        table: 'EipKeeper-Table1A2B3C4D-0123456789AB',
        freshness: ledgerFreshness({ requestedAsOf: at(48), lastWriteAt: at(48), sweepMinutes: 60 }),
      }),
    );
  });
});
