/**
 * The finance figures a sweep reports and emits (idle cost, reclaimed, projected saving) come from the tracks alone,
 * not from the ledger items finance's report reads. Hourly sweeps across the end of January, with idle episodes that
 * start, end and span the month boundary and a release, must report at every run what `rollUpMonth` computes from
 * the episode and release items.
 */
import { DisassociateAddressCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monthOf, rollUpMonth } from '../../shared/sweeper/ledger';
import type { SweepResult } from '../../shared/sweeper/sweeper';
import { ENI, type SweeperRegion, startSweeperRegion, VPC_STATE } from './support/region';

const START = '2026-01-31T18:00:00.000Z';
const RELEASED = 'eipalloc-0000000000000c001';
const KEPT = 'eipalloc-0000000000000c002';
const USED_IN_FEBRUARY = 'eipalloc-0000000000000c003';
const ON_AND_OFF = 'eipalloc-0000000000000c004';
const ENI_2 = 'eni-0a1b2c3d4e5f60002';

let r: SweeperRegion;
const runs: { at: string; result: SweepResult; expected: ReturnType<typeof rollUpMonth>['totals'] }[] = [];

beforeAll(async () => {
  r = await startSweeperRegion({
    start: START,
    config: {
      sweeper: {
        graceHours: 1,
        release: { enabled: true, noticeHours: 0, maxPerRun: 5, allowShortPeriods: true },
      },
    },
    state: {
      ...VPC_STATE,
      networkInterfaces: [
        ...VPC_STATE.networkInterfaces,
        { ...VPC_STATE.networkInterfaces[0], id: ENI_2 } as (typeof VPC_STATE.networkInterfaces)[number],
      ],
      addresses: [
        { allocationId: RELEASED, publicIp: '198.51.100.31' },
        { allocationId: KEPT, publicIp: '198.51.100.32', tags: { 'eip-keeper:keep': 'partner' } },
        { allocationId: USED_IN_FEBRUARY, publicIp: '198.51.100.33', tags: { 'eip-keeper:pool': 'batch' } },
        { allocationId: ON_AND_OFF, publicIp: '198.51.100.34', networkInterfaceId: ENI_2 },
      ],
      ssmParameters: [{ name: '/eip-keeper/kill-switch', value: 'off' }],
    },
  });
  const disassociate = async (id: string) => {
    const associationId = r.region.ec2.addressById.get(id)?.association?.associationId;
    await r.admin.send(new DisassociateAddressCommand({ AssociationId: associationId }));
    await r.region.settle();
  };
  // Things happen between the hourly sweeps (hours after START).
  const between: Record<number, () => Promise<void>> = {
    2.5: () => disassociate(ON_AND_OFF), // idle from 20:30 (the history says so)
    5.25: () => r.associate(ON_AND_OFF, ENI_2), // in use again at 23:15: an episode that ended in January
    7.5: () => r.associate(USED_IN_FEBRUARY, ENI), // 01:30 on 1 February
  };
  for (let hour = 1; hour <= 10; hour++) {
    for (const [at, happen] of Object.entries(between)) {
      if (Number(at) > hour - 1 && Number(at) < hour) {
        await r.advanceTo(Number(at));
        await happen();
      }
    }
    await r.advanceTo(hour);
    const result = await r.sweep();
    const [episodes, releases] = await Promise.all([r.store.listEpisodes(), r.store.listReleases()]);
    runs.push({
      at: result.at,
      result,
      expected: rollUpMonth(episodes, releases, monthOf(result.at), result.at).totals,
    });
  }
});

afterAll(async () => {
  await r?.stop();
});

describe('month-to-date figures from the tracks, across the end of January', () => {
  it('went through the story: a release in January, an episode ended in each month', () => {
    expect(runs.map((x) => x.at.slice(5, 16))).toEqual([
      '01-31T19:00',
      '01-31T20:00',
      '01-31T21:00',
      '01-31T22:00',
      '01-31T23:00',
      '02-01T00:00',
      '02-01T01:00',
      '02-01T02:00',
      '02-01T03:00',
      '02-01T04:00',
    ]);
    expect(
      runs.flatMap((x) => x.result.releases.map((rel) => [x.at, rel.allocationId, rel.outcome])),
    ).toEqual([['2026-01-31T22:00:00.000Z', RELEASED, 'released']]);
    const kindAt = (i: number, id: string) =>
      runs[i]?.result.decisions.find((d) => d.allocationId === id)?.kind;
    expect(kindAt(2, ON_AND_OFF)).toBe('idle');
    expect(kindAt(5, ON_AND_OFF)).toBe('in-use');
    expect(kindAt(6, USED_IN_FEBRUARY)).toBe('pool-idle');
    expect(kindAt(7, USED_IN_FEBRUARY)).toBe('in-use');
  });

  it('reports, at every sweep, the idle cost, reclaimed amount and saving that the ledger items add up to', () => {
    for (const { at, result, expected } of runs) {
      expect(result.ledger?.month, at).toBe(monthOf(at));
      expect(result.ledger?.idleCostUsd, at).toBeCloseTo(expected.idleCostUsd, 9);
      expect(result.ledger?.reclaimedUsd, at).toBeCloseTo(expected.reclaimedUsd, 9);
      expect(result.ledger?.projectedMonthlySavingUsd, at).toBeCloseTo(expected.projectedMonthlySavingUsd, 9);
    }
  });

  it('starts February from the hours idle in February only', () => {
    const feb4 = runs.at(-1) as (typeof runs)[number];
    // 04:00 on 1 February: KEPT 4 h, USED_IN_FEBRUARY 1.5 h (until 01:30), RELEASED reclaiming for 4 h.
    expect(feb4.result.ledger?.idleCostUsd).toBeCloseTo((4 + 1.5) * 0.005, 9);
    expect(feb4.result.ledger?.reclaimedUsd).toBeCloseTo(4 * 0.005, 9);
    expect(feb4.result.ledger?.projectedMonthlySavingUsd).toBeCloseTo(3.6, 9);
  });
});
