/**
 * One sweep as data: what the sweeper is built over (`SweeperDeps`), what a run is asked (`SweepOptions`), what it
 * answers (`SweepResult`), and the run context every step of a sweep works on (`SweepRun`): the plan, the facts
 * gathered for it, the versions of the tracks it holds and the result it builds.
 */
import type { AppConfig } from '../config/schema';
import type { NotificationPort } from '../notify/ports';
import type { Clock, Log, MetricsSink } from '../runtime/context';
import type { FindingsPublisher } from '../securityhub/publisher';
import type { AddressFacts, AlertContext } from './alerts';
import type { Classification } from './classify';
import type { AddressDecision, HoldReason, KillSwitchState, SweepPlan } from './decide';
import type { AddressKind, AddressTrack, DnsLookup } from './model';
import type { DnsPort, Ec2Port, InventoryPort, KillSwitchPort, PricePort } from './ports';
import type { OutboxItem, SweepStore } from './sweep-store';

export interface SweeperDeps {
  ec2: Ec2Port;
  dns: DnsPort;
  killSwitch: KillSwitchPort;
  /** The alert topic. */
  alerts: NotificationPort;
  /** Present when `sweeper.usePricingApi` is on. */
  price?: PricePort;
  inventory: InventoryPort;
  store: SweepStore;
  /** Present when `securityHub.enabled`: the orphans as Security Hub findings. */
  findings?: FindingsPublisher;
  config: AppConfig;
  accountId: string;
  region: string;
  clock: Clock;
  log: Log;
  metrics: MetricsSink;
}

export interface SweepOptions {
  /** Identifies the run: the scheduled event's id, so Lambda's retries of it are the same run. */
  runId: string;
  /** Read everything, decide everything, write and publish nothing, release nothing. */
  dryRun?: boolean;
}

/** What one sweeper instance carries from run to run (a warm Lambda container keeps it). */
export interface SweeperMemory {
  /** The Pricing API's last answer, and when it was read (epoch ms). */
  price?: { at: number; usd: number };
  /** The day whose digest this instance has seen sent (saves a claim attempt per run; the claim decides). */
  digestDate?: string;
}

export interface HourlyRate {
  usdPerHour: number;
  source: 'configured' | 'pricing-api' | 'configured (pricing API failed)';
}

export type ReleaseOutcome =
  | 'released'
  | 'would-release'
  | 'skipped'
  /** The table does not prove the notice (see `checkReleaseEvidence`): the notice goes out again first. */
  | 'refused'
  | 'blocked'
  | 'would-block'
  | 'gone'
  | 'conflict'
  | 'failed';

/** One address's decision, as a run's result reports it. */
export type DecisionRow = SweepResult['decisions'][number];

export interface SweepResult {
  runId: string;
  at: string;
  dryRun: boolean;
  addresses: number;
  counts: Record<AddressKind, number>;
  killSwitch: KillSwitchState;
  release: { enabled: boolean; maxPerRun: number; noticeHours: number };
  rate: HourlyRate;
  /**
   * Each address's decision. Built on first read, from the plan: the Lambda handler's answer leaves them out
   * (`sweepAnswer`), so a scheduled run never builds them; the CLI and the local region read them.
   */
  decisions: {
    allocationId: string;
    publicIp: string;
    kind: AddressKind;
    reason: string;
    idleSince: string | null;
    idleSource: string | null;
    idleHours: number | null;
    costAccruedUsd: number;
    hold?: { reason: HoldReason; until?: string };
    /** The idle start the stored track claimed, rejected as unconfirmed (the episode started again). */
    rejectedIdleStart?: string;
  }[];
  alerts: {
    kind: string;
    allocationId?: string;
    subject: string;
    /** `in-progress`: another run holds its claim and may be publishing it; not counted as sent. */
    status: 'sent' | 'already-sent' | 'would-send' | 'in-progress';
  }[];
  releases: {
    allocationId: string;
    publicIp: string;
    outcome: ReleaseOutcome;
    detail: string;
    /** Blocked again for the reason already alerted (left out of the story). */
    repeat?: boolean;
  }[];
  vanished: { allocationId: string; publicIp: string; releasedByUs: boolean }[];
  ledger: {
    month: string;
    idleCostUsd: number;
    reclaimedUsd: number;
    projectedMonthlySavingUsd: number;
  } | null;
  /** Lines for the local story and the CLI. */
  story: string[];
}

export interface SweepFailure {
  /** The address, or `DIGEST` / `LAST-RUN` for the run's own writes. */
  allocationId: string;
  error: string;
}

/** Some addresses could not be processed (AWS or table errors); everything else was. Thrown so Lambda retries. */
export class SweepIncompleteError extends Error {
  override readonly name = 'SweepIncompleteError';
  constructor(
    readonly runId: string,
    readonly failures: SweepFailure[],
  ) {
    super(
      `sweep ${runId} left ${failures.length} address(es) unfinished: ${failures
        .map((f) => `${f.allocationId}: ${f.error}`)
        .join('; ')}`,
    );
  }
}

/** What the alerts say about an address (its classification, unless another is given). */
export type FactsOf = (
  d: Pick<AddressDecision, 'observed' | 'classification' | 'track'>,
  classification?: Classification,
) => AddressFacts;

/** The context of one run, passed to each step of the sweep instead of variables they share. */
export interface SweepRun {
  readonly deps: SweeperDeps;
  readonly runId: string;
  readonly dryRun: boolean;
  /** The run's time: every decision and write of the run uses it. */
  readonly now: string;
  readonly plan: SweepPlan;
  /** The decisions of the addresses in the release queue, by allocation id. */
  readonly queued: ReadonlyMap<string, AddressDecision>;
  readonly rate: HourlyRate;
  /** Route 53's records by IP, when the run needed them (undefined: not looked up). */
  readonly dns: DnsLookup | undefined;
  readonly facts: FactsOf;
  readonly alertContext: AlertContext;
  /** "Released" alerts earlier runs left in the outbox, as this run read them. */
  readonly outbox: readonly OutboxItem[];
  /** The stored tracks as this run read them, and their versions. */
  readonly previous: ReadonlyMap<string, AddressTrack>;
  readonly versions: ReadonlyMap<string, number>;
  /** Current version of each queued address's track, once written with its alerts out: these may be released. */
  readonly ready: Map<string, number>;
  /**
   * The tracks this run changed, as written: with `previous` for the others, every track as it stands after the run
   * (the month-to-date figures are summed from them). An address left unwritten is unchanged in what they count.
   */
  readonly changedTracks: Map<string, AddressTrack>;
  readonly result: SweepResult;
  readonly failures: SweepFailure[];
}

export function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** Notes a part of the run left unfinished: the sweep carries on, then throws `SweepIncompleteError`. */
export function recordFailure(run: SweepRun, allocationId: string, err: unknown): void {
  run.failures.push({ allocationId, error: errorText(err) });
}
