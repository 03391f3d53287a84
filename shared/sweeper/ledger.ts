/**
 * The cost ledger's arithmetic, for finance. Pure: idle episodes and releases in, hours and dollars out.
 *
 * - Idle cost: every hour an address spends unassociated costs its episode's rate (AWS bills every public IPv4
 *   address-hour; BYOIP addresses are not billed, so their rate is 0).
 * - Reclaimed: from the moment eip-keeper releases an address, each hour no longer billed is money reclaimed:
 *   rate × hours since the release.
 * - Projected monthly saving: rate × 720 h (a 30-day month) per released address.
 *
 * Amounts are computed unrounded from the stored times and rates; only presentation rounds.
 */
import {
  type AddressKind,
  type AddressTrack,
  HOURS_PER_MONTH,
  hoursBetween,
  type IdleEpisode,
  type IdleEpisodeRecord,
  MS_PER_HOUR,
  type ReleaseRecord,
  type TrackLedger,
} from './model';

/** `YYYY-MM` → [first instant, first instant of the next month) in UTC. */
export function monthBounds(month: string): { from: string; to: string } {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m) throw new RangeError(`not a month: ${month} (use YYYY-MM)`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  if (mo < 1 || mo > 12) throw new RangeError(`not a month: ${month} (use YYYY-MM)`);
  return {
    from: new Date(Date.UTC(y, mo - 1, 1)).toISOString(),
    to: new Date(Date.UTC(y, mo, 1)).toISOString(),
  };
}

export function monthOf(iso: string): string {
  return iso.slice(0, 7);
}

/** Hours of [start, end) that fall inside [from, to). */
export function overlapHours(start: string, end: string, from: string, to: string): number {
  return overlapHoursMs(Date.parse(start), Date.parse(end), Date.parse(from), Date.parse(to));
}

/** `overlapHours` of times already parsed (epoch ms): for a loop over every track with the same bounds. */
function overlapHoursMs(start: number, end: number, from: number, to: number): number {
  const s = Math.max(start, from);
  const e = Math.min(end, to);
  return e > s ? (e - s) / MS_PER_HOUR : 0;
}

/** Hours an episode lasted (up to `asOf` while it is still open). */
export function episodeHours(e: Pick<IdleEpisodeRecord, 'start' | 'end'>, asOf: string): number {
  const end = e.end === null || e.end > asOf ? asOf : e.end;
  return hoursBetween(e.start, end);
}

export function episodeCost(e: Pick<IdleEpisodeRecord, 'start' | 'end' | 'rateUsd'>, asOf: string): number {
  return episodeHours(e, asOf) * e.rateUsd;
}

export function projectedMonthlySaving(rateUsd: number): number {
  return rateUsd * HOURS_PER_MONTH;
}

export interface LedgerRow {
  allocationId: string;
  publicIp: string;
  /** The classification of the address's latest episode in the month. */
  classification: AddressKind | 'released';
  /** Start of the latest episode that overlaps the month. */
  idleSince: string | null;
  idleHours: number;
  idleCostUsd: number;
  /** True while the address is still idle at `asOf`. */
  idleNow: boolean;
  releasedAt: string | null;
  /** Hours since the release that fall in the month (up to `asOf`). */
  reclaimedHours: number;
  reclaimedUsd: number;
  /** rate × 720 h for an address eip-keeper released on or before `asOf`, else 0. */
  projectedMonthlySavingUsd: number;
}

export interface MonthlyReport {
  month: string;
  from: string;
  to: string;
  /** Figures count time up to this instant (the end of the month for a past month). */
  asOf: string;
  rows: LedgerRow[];
  totals: {
    idleAddresses: number;
    idleHours: number;
    idleCostUsd: number;
    releasedThisMonth: number;
    reclaimedUsd: number;
    /** Run-rate saving of every release so far. */
    projectedMonthlySavingUsd: number;
    /** Orphans idle at `asOf`: what releasing them would save per month. */
    orphansIdleNow: number;
    orphanMonthlyCostUsd: number;
  };
  /** Distinct rates used (USD per address-hour). */
  rates: number[];
}

/**
 * The month's roll-up: per address, idle hours and cost inside the month, release and reclaimed amount, and the
 * totals. Only time up to `asOf` counts (a month in progress is month-to-date).
 */
export function rollUpMonth(
  episodes: readonly IdleEpisodeRecord[],
  releases: readonly ReleaseRecord[],
  month: string,
  asOf: string,
): MonthlyReport {
  const { from, to } = monthBounds(month);
  const until = asOf < to ? asOf : to;
  const rows = new Map<string, LedgerRow>();
  const row = (allocationId: string, publicIp: string): LedgerRow => {
    let r = rows.get(allocationId);
    if (!r) {
      r = {
        allocationId,
        publicIp,
        classification: 'idle',
        idleSince: null,
        idleHours: 0,
        idleCostUsd: 0,
        idleNow: false,
        releasedAt: null,
        reclaimedHours: 0,
        reclaimedUsd: 0,
        projectedMonthlySavingUsd: 0,
      };
      rows.set(allocationId, r);
    }
    return r;
  };
  const rates = new Set<number>();
  const latestStart = new Map<string, string>();
  for (const e of episodes) {
    if (e.start >= until) continue;
    const end = e.end === null || e.end > until ? until : e.end;
    const hours = overlapHours(e.start, end, from, until);
    if (hours <= 0 && !(e.end === null && e.start < until && e.start >= from)) continue;
    const r = row(e.allocationId, e.publicIp);
    r.idleHours += hours;
    r.idleCostUsd += hours * e.rateUsd;
    rates.add(e.rateUsd);
    if (!latestStart.has(e.allocationId) || e.start > (latestStart.get(e.allocationId) as string)) {
      latestStart.set(e.allocationId, e.start);
      r.idleSince = e.start;
      r.classification = e.classification;
      r.idleNow = e.end === null || e.end > until;
    }
  }
  const allReleases = releases.filter((x) => x.releasedAt <= until);
  let projected = 0;
  let releasedThisMonth = 0;
  for (const x of allReleases) {
    const saving = projectedMonthlySaving(x.rateUsd);
    projected += saving;
    const reclaimedHours = overlapHours(x.releasedAt, until, from, until);
    const inMonth = x.releasedAt >= from;
    if (inMonth) releasedThisMonth += 1;
    if (reclaimedHours <= 0 && !inMonth) continue;
    const r = row(x.allocationId, x.publicIp);
    r.classification = 'released';
    r.idleNow = false;
    r.releasedAt = x.releasedAt;
    r.reclaimedHours = reclaimedHours;
    r.reclaimedUsd = reclaimedHours * x.rateUsd;
    r.projectedMonthlySavingUsd = saving;
    rates.add(x.rateUsd);
  }
  const sorted = [...rows.values()].sort((a, b) =>
    a.allocationId < b.allocationId ? -1 : a.allocationId > b.allocationId ? 1 : 0,
  );
  const orphansNow = sorted.filter((r) => r.idleNow && r.classification === 'orphan');
  const orphanRate = (id: string) =>
    episodes.find((e) => e.allocationId === id && (e.end === null || e.end > until))?.rateUsd ?? 0;
  return {
    month,
    from,
    to,
    asOf: until,
    rows: sorted,
    totals: {
      idleAddresses: sorted.filter((r) => r.idleHours > 0).length,
      idleHours: sum(sorted.map((r) => r.idleHours)),
      idleCostUsd: sum(sorted.map((r) => r.idleCostUsd)),
      releasedThisMonth,
      reclaimedUsd: sum(sorted.map((r) => r.reclaimedUsd)),
      projectedMonthlySavingUsd: projected,
      orphansIdleNow: orphansNow.length,
      orphanMonthlyCostUsd: sum(orphansNow.map((r) => projectedMonthlySaving(orphanRate(r.allocationId)))),
    },
    rates: [...rates].sort((a, b) => a - b),
  };
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

/** Idle hours and cost of one address's episodes up to `asOf` (all time): what an alert quotes as "cost accrued". */
export function accruedFor(
  episodes: readonly Pick<IdleEpisodeRecord, 'start' | 'end' | 'rateUsd'>[],
  asOf: string,
): { hours: number; costUsd: number } {
  let hours = 0;
  let costUsd = 0;
  for (const e of episodes) {
    const h = episodeHours(e, asOf);
    hours += h;
    costUsd += h * e.rateUsd;
  }
  return { hours, costUsd };
}

/**
 * A track's ledger once the idle episode `episode` ended at `end`, as counted by the sweep at `now`: the episode's
 * hours inside the current month are added (a ledger still holding an earlier month starts the month afresh).
 */
export function ledgerWithClosedEpisode(
  ledger: TrackLedger,
  episode: Pick<IdleEpisode, 'start' | 'rateUsd'>,
  end: string,
  now: string,
): TrackLedger {
  const month = monthOf(now);
  const { from, to } = monthBounds(month);
  const base = ledger.month === month ? ledger : { ...ledger, month, closedHours: 0, closedCostUsd: 0 };
  const hours = overlapHours(episode.start, end, from, to);
  return {
    ...base,
    closedHours: base.closedHours + hours,
    closedCostUsd: base.closedCostUsd + hours * episode.rateUsd,
  };
}

/** A track's ledger once eip-keeper released the address at `at`, reclaiming `rateUsd` an hour. */
export function ledgerWithRelease(ledger: TrackLedger, at: string, rateUsd: number): TrackLedger {
  return { ...ledger, released: { at, rateUsd } };
}

export interface MonthToDate {
  month: string;
  idleHours: number;
  idleCostUsd: number;
  reclaimedUsd: number;
  projectedMonthlySavingUsd: number;
}

/**
 * The month-to-date figures of `rollUpMonth` (idle cost, reclaimed, projected saving), from the tracks alone: the open
 * episode of each present address, the episodes that ended this month (the track's ledger), and the releases. Equal
 * to `rollUpMonth` over the episode and release items up to float rounding, because every episode end and release
 * is written to the track's ledger in the same commit that writes it to those items.
 */
export function monthToDate(
  tracks: Iterable<Pick<AddressTrack, 'status' | 'episode' | 'ledger'>>,
  now: string,
): MonthToDate {
  const month = monthOf(now);
  const { from } = monthBounds(month);
  let idleHours = 0;
  let idleCostUsd = 0;
  let reclaimedUsd = 0;
  let projected = 0;
  // The month's start and now parsed once for every track of the region.
  const fromMs = Date.parse(from);
  const nowMs = Date.parse(now);
  const hoursToNow = (start: string) => overlapHoursMs(Date.parse(start), nowMs, fromMs, nowMs);
  for (const t of tracks) {
    const released = t.ledger.released;
    if (t.status === 'present' && t.episode && !released && t.episode.start < now) {
      const hours = hoursToNow(t.episode.start);
      idleHours += hours;
      idleCostUsd += hours * t.episode.rateUsd;
    }
    if (t.ledger.month === month) {
      idleHours += t.ledger.closedHours;
      idleCostUsd += t.ledger.closedCostUsd;
    }
    if (released && released.at <= now) {
      projected += projectedMonthlySaving(released.rateUsd);
      reclaimedUsd += hoursToNow(released.at) * released.rateUsd;
    }
  }
  return { month, idleHours, idleCostUsd, reclaimedUsd, projectedMonthlySavingUsd: projected };
}
