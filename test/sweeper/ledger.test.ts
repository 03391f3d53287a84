/** The cost ledger's arithmetic: idle hours and cost per month, reclaimed dollars, projected saving. */
import { describe, expect, it } from 'vitest';
import {
  accruedFor,
  ledgerWithClosedEpisode,
  ledgerWithRelease,
  monthBounds,
  monthOf,
  monthToDate,
  overlapHours,
  projectedMonthlySaving,
  rollUpMonth,
} from '../../shared/sweeper/ledger';
import {
  type AddressTrack,
  EMPTY_TRACK_LEDGER,
  type IdleEpisodeRecord,
  type ReleaseRecord,
  type TrackLedger,
} from '../../shared/sweeper/model';

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

/**
 * The figures a sweep emits come from the tracks (open episode + the ledger each track carries); finance's report
 * comes from the episode and release items. Here one timeline is written both ways, as the sweep writes them, and the
 * two must agree at every hour, across a month boundary.
 */
describe('monthToDate, from the tracks', () => {
  type Track = Pick<AddressTrack, 'status' | 'episode' | 'ledger'>;
  const RATE = 0.005;
  const H = (iso: string) => iso;

  /** One address's life as the sweeps see it: its track, and the ledger items written in the same commits. */
  function address(id: string) {
    let track: Track = { status: 'present', episode: null, ledger: EMPTY_TRACK_LEDGER };
    const episodes: IdleEpisodeRecord[] = [];
    const releases: ReleaseRecord[] = [];
    return {
      get track() {
        return track;
      },
      episodes,
      releases,
      idleFrom(start: string) {
        track = { ...track, episode: { key: start, start, source: 'history', rateUsd: RATE } };
        episodes.push(ep({ allocationId: id, key: start, start, rateUsd: RATE }));
      },
      /** The sweep at `now` sees the address in use since `end`. */
      usedAt(end: string, now: string) {
        const open = track.episode as NonNullable<Track['episode']>;
        track = { ...track, episode: null, ledger: ledgerWithClosedEpisode(track.ledger, open, end, now) };
        Object.assign(episodes.at(-1) as IdleEpisodeRecord, { end, endReason: 'in-use' });
      },
      releasedAt(at: string) {
        const open = track.episode as NonNullable<Track['episode']>;
        const ledger: TrackLedger = ledgerWithRelease(
          ledgerWithClosedEpisode(track.ledger, open, at, at),
          at,
          RATE,
        );
        track = { ...track, status: 'released', ledger };
        Object.assign(episodes.at(-1) as IdleEpisodeRecord, { end: at, endReason: 'released' });
        releases.push(rel({ allocationId: id, releasedAt: at, rateUsd: RATE }));
      },
    };
  }

  it('equals rollUpMonth over the ledger items every hour, across the end of January', () => {
    const a = address('eipalloc-a'); // idle since December, released on 31 January
    const b = address('eipalloc-b'); // idle from 30 January, in use again on 1 February
    const c = address('eipalloc-c'); // idle twice in January, used in between
    const d = address('eipalloc-d'); // idle from 31 January on, never used
    a.idleFrom(H('2025-12-20T00:00:00.000Z'));
    b.idleFrom(H('2026-01-30T10:00:00.000Z'));
    c.idleFrom(H('2026-01-29T00:00:00.000Z'));
    c.usedAt(H('2026-01-29T05:30:00.000Z'), H('2026-01-29T06:00:00.000Z'));
    c.idleFrom(H('2026-01-30T00:00:00.000Z'));
    const steps: Array<[string, () => void]> = [
      ['2026-01-31T08:00:00.000Z', () => d.idleFrom('2026-01-31T07:15:00.000Z')],
      ['2026-01-31T20:00:00.000Z', () => a.releasedAt('2026-01-31T20:00:00.000Z')],
      // Seen in use at the first February sweep, in use since before midnight: no February hour.
      ['2026-02-01T01:00:00.000Z', () => c.usedAt('2026-01-31T23:40:00.000Z', '2026-02-01T01:00:00.000Z')],
      ['2026-02-01T09:00:00.000Z', () => b.usedAt('2026-02-01T08:20:00.000Z', '2026-02-01T09:00:00.000Z')],
    ];
    const all = [a, b, c, d];
    const checkAt = (now: string) => {
      const got = monthToDate(
        all.map((x) => x.track),
        now,
      );
      const want = rollUpMonth(
        all.flatMap((x) => x.episodes),
        all.flatMap((x) => x.releases),
        monthOf(now),
        now,
      ).totals;
      expect(got.idleHours, now).toBeCloseTo(want.idleHours, 9);
      expect(got.idleCostUsd, now).toBeCloseTo(want.idleCostUsd, 9);
      expect(got.reclaimedUsd, now).toBeCloseTo(want.reclaimedUsd, 9);
      expect(got.projectedMonthlySavingUsd, now).toBeCloseTo(want.projectedMonthlySavingUsd, 9);
    };
    let now = Date.parse('2026-01-31T00:00:00.000Z');
    for (const [at, happen] of steps) {
      for (; now < Date.parse(at); now += 3_600_000) checkAt(new Date(now).toISOString());
      happen();
    }
    for (const end = Date.parse('2026-02-02T00:00:00.000Z'); now <= end; now += 3_600_000) {
      checkAt(new Date(now).toISOString());
    }
    // In plain numbers on 2 February: b 8h20m, c none, d 48 h idle; a reclaimed since 1 February 00:00.
    const feb2 = monthToDate(
      all.map((x) => x.track),
      '2026-02-02T00:00:00.000Z',
    );
    expect(feb2.idleHours).toBeCloseTo(8 + 20 / 60 + 24, 9);
    expect(feb2.reclaimedUsd).toBeCloseTo(24 * RATE, 12);
    expect(feb2.projectedMonthlySavingUsd).toBeCloseTo(3.6, 12);
  });

  it('forgets the closed hours of an earlier month, and keeps a release whatever the track says since', () => {
    const ledger = ledgerWithRelease(
      ledgerWithClosedEpisode(
        EMPTY_TRACK_LEDGER,
        { start: '2026-01-10T00:00:00.000Z', rateUsd: RATE },
        '2026-01-10T10:00:00.000Z',
        '2026-01-10T11:00:00.000Z',
      ),
      '2026-01-10T10:00:00.000Z',
      RATE,
    );
    expect(ledger).toMatchObject({ month: '2026-01', closedHours: 10 });
    // An address listed again after its release is "present" with its old episode: only the release counts.
    const listedAgain: Track = {
      status: 'present',
      episode: { key: 'k', start: '2026-01-09T00:00:00.000Z', source: 'history', rateUsd: RATE },
      ledger,
    };
    const feb = monthToDate([listedAgain], '2026-02-01T10:00:00.000Z');
    expect(feb).toMatchObject({ idleHours: 0, idleCostUsd: 0 });
    expect(feb.reclaimedUsd).toBeCloseTo(10 * RATE, 12);
  });
});
