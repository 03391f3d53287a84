/** The cost ledger's arithmetic: idle hours and cost per month, reclaimed dollars, projected saving. */
import { describe, expect, it } from 'vitest';
import {
  accruedFor,
  monthBounds,
  overlapHours,
  projectedMonthlySaving,
  rollUpMonth,
} from '../../shared/sweeper/ledger';
import type { IdleEpisodeRecord, ReleaseRecord } from '../../shared/sweeper/model';

const ep = (over: Partial<IdleEpisodeRecord>): IdleEpisodeRecord => ({
  allocationId: 'eipalloc-0000000000000000a',
  publicIp: '198.51.100.10',
  key: over.start ?? '2026-01-01T00:00:00.000Z',
  start: '2026-01-01T00:00:00.000Z',
  source: 'history',
  rateUsd: 0.005,
  end: null,
  endReason: null,
  classification: 'orphan',
  ...over,
});

const rel = (over: Partial<ReleaseRecord>): ReleaseRecord => ({
  allocationId: 'eipalloc-0000000000000000a',
  publicIp: '198.51.100.10',
  releasedAt: '2026-01-10T00:00:00.000Z',
  runId: 'r',
  rateUsd: 0.005,
  idleSince: '2026-01-01T00:00:00.000Z',
  idleSource: 'history',
  idleHours: 216,
  idleCostUsd: 1.08,
  tags: {},
  ...over,
});

describe('month arithmetic', () => {
  it('bounds a month in UTC, December included', () => {
    expect(monthBounds('2026-02')).toEqual({
      from: '2026-02-01T00:00:00.000Z',
      to: '2026-03-01T00:00:00.000Z',
    });
    expect(monthBounds('2025-12').to).toBe('2026-01-01T00:00:00.000Z');
    expect(() => monthBounds('2026-13')).toThrow(RangeError);
    expect(() => monthBounds('26-01')).toThrow(RangeError);
  });

  it('counts only the hours inside the window', () => {
    expect(
      overlapHours(
        '2026-01-31T20:00:00Z',
        '2026-02-01T04:00:00Z',
        '2026-02-01T00:00:00Z',
        '2026-03-01T00:00:00Z',
      ),
    ).toBe(4);
    expect(
      overlapHours(
        '2026-01-01T00:00:00Z',
        '2026-01-02T00:00:00Z',
        '2026-02-01T00:00:00Z',
        '2026-03-01T00:00:00Z',
      ),
    ).toBe(0);
  });

  it('quotes a 30-day month: $3.60 at $0.005 per hour', () => {
    expect(projectedMonthlySaving(0.005)).toBeCloseTo(3.6, 10);
  });
});

describe('rollUpMonth', () => {
  it('splits an episode that spans two months between them', () => {
    const e = ep({ start: '2026-01-31T12:00:00.000Z', end: '2026-02-01T06:00:00.000Z' });
    const jan = rollUpMonth([e], [], '2026-01', '2026-03-01T00:00:00.000Z');
    const feb = rollUpMonth([e], [], '2026-02', '2026-03-01T00:00:00.000Z');
    expect(jan.totals.idleHours).toBe(12);
    expect(feb.totals.idleHours).toBe(6);
    expect(jan.totals.idleCostUsd + feb.totals.idleCostUsd).toBeCloseTo(18 * 0.005, 12);
  });

  it('counts an open episode up to asOf only (month to date)', () => {
    const r = rollUpMonth(
      [ep({ start: '2026-01-05T00:00:00.000Z' })],
      [],
      '2026-01',
      '2026-01-06T00:00:00.000Z',
    );
    expect(r.asOf).toBe('2026-01-06T00:00:00.000Z');
    expect(r.rows[0]).toMatchObject({ idleHours: 24, idleNow: true, classification: 'orphan' });
    expect(r.totals).toMatchObject({ orphansIdleNow: 1 });
    expect(r.totals.orphanMonthlyCostUsd).toBeCloseTo(3.6, 10);
  });

  it('caps a past month at its end', () => {
    const r = rollUpMonth(
      [ep({ start: '2026-01-30T00:00:00.000Z' })],
      [],
      '2026-01',
      '2026-06-01T00:00:00.000Z',
    );
    expect(r.asOf).toBe('2026-02-01T00:00:00.000Z');
    expect(r.totals.idleHours).toBe(48);
  });

  it('reclaims the rate for every hour after a release, and projects rate × 720 h', () => {
    const e = ep({
      start: '2026-01-01T00:00:00.000Z',
      end: '2026-01-10T00:00:00.000Z',
      endReason: 'released',
    });
    const r = rollUpMonth([e], [rel({})], '2026-01', '2026-01-11T00:00:00.000Z');
    expect(r.rows[0]).toMatchObject({
      classification: 'released',
      idleHours: 216,
      releasedAt: '2026-01-10T00:00:00.000Z',
      reclaimedHours: 24,
    });
    expect(r.rows[0]?.reclaimedUsd).toBeCloseTo(0.12, 12);
    expect(r.totals.releasedThisMonth).toBe(1);
    expect(r.totals.projectedMonthlySavingUsd).toBeCloseTo(3.6, 12);
  });

  it('keeps counting a release of an earlier month as reclaimed in later months', () => {
    const r = rollUpMonth([], [rel({})], '2026-02', '2026-03-01T00:00:00.000Z');
    expect(r.rows[0]?.reclaimedHours).toBe(28 * 24);
    expect(r.totals.releasedThisMonth).toBe(0);
    expect(r.totals.projectedMonthlySavingUsd).toBeCloseTo(3.6, 12);
  });

  it('ignores a release after asOf', () => {
    const r = rollUpMonth(
      [],
      [rel({ releasedAt: '2026-01-20T00:00:00.000Z' })],
      '2026-01',
      '2026-01-15T00:00:00.000Z',
    );
    expect(r.rows).toEqual([]);
    expect(r.totals.projectedMonthlySavingUsd).toBe(0);
  });

  it('costs BYOIP idle hours nothing', () => {
    const r = rollUpMonth(
      [ep({ rateUsd: 0, classification: 'byoip' })],
      [],
      '2026-01',
      '2026-01-02T00:00:00.000Z',
    );
    expect(r.totals.idleHours).toBe(24);
    expect(r.totals.idleCostUsd).toBe(0);
    expect(r.rates).toEqual([0]);
  });

  it('adds up several episodes of one address into one row', () => {
    const r = rollUpMonth(
      [
        ep({
          key: 'a',
          start: '2026-01-01T00:00:00.000Z',
          end: '2026-01-01T10:00:00.000Z',
          classification: 'idle',
        }),
        ep({ key: 'b', start: '2026-01-02T00:00:00.000Z', end: null, classification: 'exempt' }),
      ],
      [],
      '2026-01',
      '2026-01-02T05:00:00.000Z',
    );
    expect(r.rows).toHaveLength(1);
    expect(r.rows[0]).toMatchObject({
      idleHours: 15,
      classification: 'exempt',
      idleSince: '2026-01-02T00:00:00.000Z',
    });
  });

  it('accrues an alert figure over episodes up to asOf', () => {
    expect(
      accruedFor(
        [{ start: '2026-01-01T00:00:00.000Z', end: null, rateUsd: 0.005 }],
        '2026-01-01T10:00:00.000Z',
      ),
    ).toEqual({ hours: 10, costUsd: 0.05 });
  });
});
