/** Pure helpers of the benchmarks: floors, medians, ratios, the table. */
import type { BucketRate } from '../local/core/throttle';

/**
 * EC2 calls eip-keeper makes that change an address or its tags: what `allMutatingCallsPerAssociation` counts
 * (throttled attempts excluded: EC2 did nothing with them, and their cost shows in `completionVsFloor`).
 */
export const KEEPER_MUTATING_CALLS = [
  'AssociateAddress',
  'DisassociateAddress',
  'CreateTags',
  'DeleteTags',
  'AllocateAddress',
  'ReleaseAddress',
];

/** Seconds a token bucket needs to grant `calls` tokens, starting full: the burst is free, the rest at the refill rate. */
export function tokenBucketFloorSeconds(calls: number, rate: BucketRate): number {
  return Math.max(0, calls - rate.capacity) / rate.refillPerSecond;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * The extra wait of an event that arrives `atSeconds` into a flood of `arrivalsPerSecond` events for the same
 * function, served by `concurrency` invocations of `serviceSeconds` each (a fluid queue: the backlog grows at arrival
 * rate minus service rate, and the event waits for the backlog ahead of it to be served).
 */
export function floodQueueDelaySeconds(q: {
  arrivalsPerSecond: number;
  serviceSeconds: number;
  concurrency: number;
  atSeconds: number;
}): number {
  const serviceRate = q.concurrency / q.serviceSeconds;
  const backlog = Math.max(0, q.arrivalsPerSecond - serviceRate) * q.atSeconds;
  return backlog / serviceRate;
}

/** The `p`th percentile (nearest rank) of the values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

/** The lowest and the highest of repeated measurements of one figure. */
export interface Spread {
  min: number;
  max: number;
}

/** The median of repeated measurements, and their spread. */
export function spreadOf(values: readonly number[]): Spread & { median: number } {
  if (values.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN };
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/** A spread as printed beside its median: `1.08–1.13`. */
export function spreadText(s: Spread): string {
  return `${formatNumber(s.min)}–${formatNumber(s.max)}`;
}

/** `a[i] / b[i]` for each pair of interleaved measurements (ours and the reference, taken back to back). */
export function pairedRatios(a: readonly number[], b: readonly number[]): number[] {
  if (a.length !== b.length) throw new Error(`unpaired measurements: ${a.length} and ${b.length}`);
  return a.map((x, i) => x / (b[i] as number));
}

/** The targets the benchmark holds eip-keeper to (docs/performance.md). */
export const TARGETS = {
  completionVsFloor: 1.2,
  mutatingCallsPerAssociation: 1.05,
  doubleAssignments: 0,
  lost: 0,
  ratioVsDescribeFloor: 1.5,
  ratioVsBareSdk: 1.15,
  /** Seconds of virtual time a pod waits for eip-keeper itself (not delivery, not throttling), 99th percentile. */
  oursP99Seconds: 1,
  /** Keeper invocations per 1,000 creations of ENIs no pool can serve. */
  floodCreateInvocationsPer1000: 0,
} as const;

/** `value ≤ limit`, as the verdict printed next to a figure. */
export function verdict(value: number, limit: number): 'met' | 'MISSED' {
  return Number.isFinite(value) && value <= limit ? 'met' : 'MISSED';
}

/** A plain-text table: a header row, a rule, the rows; numbers right-aligned. */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly (string | number)[])[],
): string {
  const cells = [header, ...rows].map((r) => r.map((c) => (typeof c === 'number' ? formatNumber(c) : c)));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const numeric = header.map((_, i) => rows.every((r) => typeof r[i] === 'number'));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => (numeric[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [
    line(cells[0] ?? []),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...cells.slice(1).map(line),
  ].join('\n');
}

/** Integers as they are, others with up to 3 significant decimals. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return String(n);
  return Math.abs(n) >= 100 ? n.toFixed(1) : Math.abs(n) >= 10 ? n.toFixed(2) : n.toFixed(3);
}
