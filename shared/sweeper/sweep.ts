/**
 * One sweep: gather (one DescribeAddresses, the inventory, the sweeper's own state, the kill switch, the price),
 * plan (pure, `decide.ts`), then apply — state and ledger writes, alerts, and the releases with their last-moment
 * checks. No AWS import here: everything outside goes through the ports (`ports.ts`, `sweep-store.ts`).
 *
 * Safety of a release, in order: only an `orphan`; releasing enabled; the notice sent at least `noticeHours` ago;
 * the kill switch read this run and off; within `maxPerRun`; no Route 53 record points at the IP (and Route 53 could
 * be read); the address re-read live just before is still unassociated with unchanged tags; a lease on the track
 * (versioned write) so a concurrent sweep keeps off; then ReleaseAddress, whose errors are each handled.
 *
 * Idempotency: every write is conditional (see dynamo-sweep-store/), so a retried run (same `runId`) or a
 * concurrent one never counts an hour or a release twice, nor sends an alert twice.
 */
import type { AppConfig } from '../config/schema';
import { describeActor } from '../events/cloudtrail';
import type { EipState } from '../inventory/fold';
import { forEachLimit } from '../runtime/concurrency';
import type { Clock, Log, MetricsSink } from '../runtime/context';
import type { EniRecord } from '../store/inventory-store';
import type { AddressFacts, AlertContext, AlertSpec, DigestItem, DnsFacts, LastHolderFacts } from './alerts';
import { formatTime, renderAlert } from './alerts';
import type { Classification } from './classify';
import {
  type AddressDecision,
  checkLiveBeforeRelease,
  dnsBlock,
  type HoldReason,
  type KillSwitchState,
  killSwitchFromValue,
  noticeFor,
  planSweep,
  releaseFailure,
} from './decide';
import { indexDnsReferences } from './dns';
import { ledgerWithClosedEpisode, ledgerWithRelease, monthToDate, projectedMonthlySaving } from './ledger';
import {
  ADDRESS_KINDS,
  type AddressKind,
  type AddressTrack,
  addHours,
  type DnsLookup,
  hoursBetween,
  type IdleEpisodeRecord,
  type ObservedAddress,
  POOL_TAG,
  type ReleaseRecord,
} from './model';
import {
  type AlertPort,
  AwsCallError,
  type DnsPort,
  type Ec2Port,
  type InventoryPort,
  type KillSwitchPort,
  type PricePort,
} from './ports';
import type { AlertKey, SweepStore, TrackCommit } from './sweep-store';

export interface SweeperDeps {
  ec2: Ec2Port;
  dns: DnsPort;
  killSwitch: KillSwitchPort;
  alerts: AlertPort;
  /** Present when `sweeper.usePricingApi` is on. */
  price?: PricePort;
  inventory: InventoryPort;
  store: SweepStore;
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

export type ReleaseOutcome =
  | 'released'
  | 'would-release'
  | 'skipped'
  | 'blocked'
  | 'would-block'
  | 'gone'
  | 'conflict'
  | 'failed';

export interface SweepResult {
  runId: string;
  at: string;
  dryRun: boolean;
  addresses: number;
  counts: Record<AddressKind, number>;
  killSwitch: KillSwitchState;
  release: { enabled: boolean; maxPerRun: number; noticeHours: number };
  rate: { usdPerHour: number; source: 'configured' | 'pricing-api' | 'configured (pricing API failed)' };
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
  }[];
  alerts: {
    kind: string;
    allocationId?: string;
    subject: string;
    status: 'sent' | 'already-sent' | 'would-send';
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

/** Some addresses could not be processed (AWS or table errors); everything else was. Thrown so Lambda retries. */
export class SweepIncompleteError extends Error {
  override readonly name = 'SweepIncompleteError';
  constructor(
    readonly runId: string,
    readonly failures: { allocationId: string; error: string }[],
  ) {
    super(
      `sweep ${runId} left ${failures.length} address(es) unfinished: ${failures
        .map((f) => `${f.allocationId}: ${f.error}`)
        .join('; ')}`,
    );
  }
}

const PRICE_CACHE_MS = 24 * 3_600_000;
/** Addresses alerted in parallel (each is independent; releases stay sequential). */
const CONCURRENCY = 8;

/**
 * The track fields whose change must be written: all but the "last seen" bookkeeping and the wording
 * (`lastSeenAt`, `lastRunId`, `lastSeenInUseAt`, `reason`). Typed so that a new field cannot be forgotten here.
 */
const MATERIAL_FIELDS = Object.keys({
  allocationId: true,
  publicIp: true,
  firstSeenAt: true,
  status: true,
  classification: true,
  tags: true,
  lastSeenHolder: true,
  episode: true,
  alerts: true,
  notice: true,
  block: true,
  releaseAttempt: true,
  releasedAt: true,
  ledger: true,
} satisfies Record<
  Exclude<keyof AddressTrack, 'lastSeenAt' | 'lastRunId' | 'lastSeenInUseAt' | 'reason'>,
  true
>) as (keyof AddressTrack)[];

/** True when the two tracks differ in something that must be written. */
function materiallyDifferent(a: AddressTrack, b: AddressTrack): boolean {
  return MATERIAL_FIELDS.some((key) => !sameValue(a[key], b[key]));
}

/** Structural equality of JSON-like values, whatever the order of object keys. */
function sameValue(x: unknown, y: unknown): boolean {
  if (x === y) return true;
  if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
  if (Array.isArray(x) || Array.isArray(y)) {
    return (
      Array.isArray(x) && Array.isArray(y) && x.length === y.length && x.every((v, i) => sameValue(v, y[i]))
    );
  }
  const xs = x as Record<string, unknown>;
  const ys = y as Record<string, unknown>;
  const keys = Object.keys(xs);
  return (
    keys.length === Object.keys(ys).length &&
    keys.every((k) => Object.hasOwn(ys, k) && sameValue(xs[k], ys[k]))
  );
}

const KIND_ORDER: readonly AddressKind[] = ADDRESS_KINDS;

function clusterOf(eni: EniRecord | undefined): string | null {
  if (!eni?.tags) return null;
  const named = eni.tags['cluster.k8s.amazonaws.com/name'];
  if (named) return named;
  for (const key of Object.keys(eni.tags).sort()) {
    const m = /^kubernetes\.io\/cluster\/(.+)$/.exec(key);
    if (m) return m[1] as string;
  }
  return null;
}

function lastHolderFacts(
  observed: ObservedAddress,
  history: EipState | undefined,
  track: AddressTrack,
  enis: ReadonlyMap<string, EniRecord>,
): LastHolderFacts | null {
  const pool = observed.tags[POOL_TAG] ?? null;
  const past = history?.lastHolder;
  if (past) {
    const eni = past.eniId ? enis.get(past.eniId) : undefined;
    return {
      eniId: past.eniId,
      privateIp: past.privateIp,
      instanceId: past.instanceId,
      cluster: clusterOf(eni),
      pool,
      securityGroupIds: eni?.securityGroupIds ?? [],
      eniDescription: eni?.description ?? null,
      since: past.since,
      ended: { kind: past.ended.kind, at: past.ended.at, by: describeActor(past.ended.by) },
      source: 'history',
    };
  }
  const seen = track.lastSeenHolder;
  if (seen) {
    const eni = seen.networkInterfaceId ? enis.get(seen.networkInterfaceId) : undefined;
    return {
      eniId: seen.networkInterfaceId,
      privateIp: seen.privateIp,
      instanceId: seen.instanceId,
      cluster: clusterOf(eni),
      pool,
      securityGroupIds: eni?.securityGroupIds ?? [],
      eniDescription: eni?.description ?? null,
      since: null,
      ended: null,
      source: 'sweep',
    };
  }
  return null;
}

function dnsFacts(ip: string, dns: DnsLookup | undefined): DnsFacts {
  if (!dns) return { status: 'not-checked' };
  if (dns.status === 'failed') return { status: 'failed', error: dns.error };
  return { status: 'ok', refs: dns.byIp.get(ip) ?? [] };
}

function episodeRecord(
  allocationId: string,
  publicIp: string,
  episode: NonNullable<AddressTrack['episode']>,
  classification: AddressKind,
): IdleEpisodeRecord {
  return { allocationId, publicIp, ...episode, end: null, endReason: null, classification };
}

const holdText: Record<HoldReason, string> = {
  'release-disabled': 'release is off',
  'kill-switch': 'the kill switch is on',
  'notice-not-sent': 'the notice goes out first',
  'notice-period': 'notice period',
  blocked: 'blocked, retried later',
  cap: 'per-run release cap reached',
};

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** Builds a sweeper over its ports. The returned function runs one sweep. */
export function createSweeper(deps: SweeperDeps): (opts: SweepOptions) => Promise<SweepResult> {
  let priceCache: { at: number; usd: number } | undefined;
  /** The day whose digest this instance has seen sent (saves a claim attempt per run; the claim decides). */
  let lastDigestDate: string | undefined;

  async function hourlyRate(): Promise<SweepResult['rate']> {
    const configured = deps.config.sweeper.hourlyRateUsd;
    if (!deps.config.sweeper.usePricingApi || !deps.price)
      return { usdPerHour: configured, source: 'configured' };
    const nowMs = deps.clock.now().getTime();
    if (priceCache && nowMs - priceCache.at < PRICE_CACHE_MS) {
      return { usdPerHour: priceCache.usd, source: 'pricing-api' };
    }
    try {
      const usd = await deps.price.hourlyRate(deps.region);
      if (usd !== undefined && Number.isFinite(usd) && usd >= 0 && usd < 1) {
        priceCache = { at: nowMs, usd };
        return { usdPerHour: usd, source: 'pricing-api' };
      }
      deps.log.warn(
        'the Pricing API has no public IPv4 idle-address price for the region; using hourlyRateUsd',
        {
          region: deps.region,
        },
      );
    } catch (err) {
      deps.log.warn('Pricing API lookup failed; using hourlyRateUsd', { error: errorText(err) });
    }
    return { usdPerHour: configured, source: 'configured (pricing API failed)' };
  }

  async function readKillSwitch(): Promise<KillSwitchState> {
    const name = deps.config.sweeper.killSwitchParameter;
    try {
      return killSwitchFromValue(await deps.killSwitch.read(name));
    } catch (err) {
      deps.log.warn('kill switch unreadable: releases stopped for this run', { name, error: errorText(err) });
      return { on: true, detail: `unreadable (${errorText(err)}); releases stopped` };
    }
  }

  async function lookupDns(): Promise<DnsLookup> {
    try {
      return { status: 'ok', byIp: indexDnsReferences(await deps.dns.listZoneRecords()) };
    } catch (err) {
      deps.log.warn('Route 53 lookup failed: no address is released this run', { error: errorText(err) });
      return { status: 'failed', error: errorText(err) };
    }
  }

  return async function sweep(opts: SweepOptions): Promise<SweepResult> {
    const { runId } = opts;
    const dryRun = opts.dryRun ?? false;
    const { config } = deps;
    const now = deps.clock.now().toISOString();

    const [addresses, states, stored, lastRun, killSwitch, rate] = await Promise.all([
      deps.ec2.describeAddresses(),
      deps.inventory.listEipStates(),
      deps.store.listTracks(),
      deps.store.lastRun(),
      readKillSwitch(),
      hourlyRate(),
    ]);
    const history = new Map(states.map((s) => [s.allocationId, s]));
    const versions = new Map(stored.map((s) => [s.track.allocationId, s.version]));
    const previous = new Map(stored.map((s) => [s.track.allocationId, s.track]));
    const plan = planSweep({
      addresses,
      history,
      tracks: new Map(stored.map((s) => [s.track.allocationId, s.track])),
      config: { sweeper: config.sweeper, pools: config.pools },
      now,
      runId,
      rateUsd: rate.usdPerHour,
      killSwitch,
      lastRunAt: lastRun?.at ?? null,
    });

    const needsFacts = plan.decisions.filter(
      (d) => d.alerts.length > 0 || d.release?.action === 'release' || d.classification.kind === 'orphan',
    );
    const dns =
      needsFacts.length > 0 || plan.vanished.some((v) => v.ourRelease) ? await lookupDns() : undefined;
    const eniIds = new Set<string>();
    const tracked = [
      ...needsFacts.map((d) => d.track),
      ...plan.vanished.filter((v) => v.ourRelease).map((v) => v.track),
    ];
    for (const t of tracked) {
      const h = history.get(t.allocationId);
      const id = h?.lastHolder?.eniId ?? t.lastSeenHolder?.networkInterfaceId;
      if (id) eniIds.add(id);
    }
    const enis = eniIds.size > 0 ? await deps.inventory.getEniRecords(eniIds) : new Map<string, EniRecord>();

    const alertCtx: AlertContext = {
      accountId: deps.accountId,
      region: deps.region,
      subjectPrefix: config.alerts.subjectPrefix,
      release: config.sweeper.release,
      killSwitch,
      killSwitchParameter: config.sweeper.killSwitchParameter,
    };
    const facts = (
      d: Pick<AddressDecision, 'observed' | 'classification' | 'track'>,
      classification: Classification = d.classification,
    ): AddressFacts => {
      const ep = d.track.episode;
      const hours = classification.idle?.hours ?? 0;
      const f: AddressFacts = {
        allocationId: d.observed.allocationId,
        publicIp: d.observed.publicIp,
        tags: d.observed.tags,
        classification,
        idle: classification.idle,
        rateUsd: ep?.rateUsd ?? rate.usdPerHour,
        costAccruedUsd: hours * (ep?.rateUsd ?? rate.usdPerHour),
        lastHolder: lastHolderFacts(d.observed, history.get(d.observed.allocationId), d.track, enis),
        dns: dnsFacts(d.observed.publicIp, dns),
      };
      return f;
    };

    const result: SweepResult = {
      runId,
      at: now,
      dryRun,
      addresses: addresses.length,
      counts: Object.fromEntries(KIND_ORDER.map((k) => [k, 0])) as Record<AddressKind, number>,
      killSwitch,
      release: config.sweeper.release,
      rate,
      decisions: [],
      alerts: [],
      releases: [],
      vanished: [],
      ledger: null,
      story: [],
    };
    for (const d of plan.decisions) {
      result.counts[d.classification.kind] += 1;
      const ep = d.track.episode;
      result.decisions.push({
        allocationId: d.allocationId,
        publicIp: d.observed.publicIp,
        kind: d.classification.kind,
        reason: d.classification.reason,
        idleSince: d.classification.idle?.since ?? null,
        idleSource: d.classification.idle?.source ?? null,
        idleHours: d.classification.idle?.hours ?? null,
        costAccruedUsd: (d.classification.idle?.hours ?? 0) * (ep?.rateUsd ?? 0),
        ...(d.release?.action === 'hold'
          ? { hold: { reason: d.release.reason, ...(d.release.until ? { until: d.release.until } : {}) } }
          : {}),
      });
    }

    const failures: { allocationId: string; error: string }[] = [];

    /** Claims, publishes and confirms one alert; returns the time it counts as sent, or null in a dry run. */
    const sendAlert = async (
      key: AlertKey,
      spec: AlertSpec,
      allocationId?: string,
    ): Promise<string | null> => {
      const rendered = renderAlert(spec, alertCtx);
      const entry = { kind: spec.kind, ...(allocationId ? { allocationId } : {}), subject: rendered.subject };
      if (dryRun) {
        result.alerts.push({ ...entry, status: 'would-send' });
        return null;
      }
      const claim = await deps.store.claimAlert(key, runId, now, rendered.subject);
      if (claim.status === 'taken' && !(claim.state === 'pending' && claim.runId === runId)) {
        if (claim.state === 'pending') {
          // Claimed by a run that died between claim and confirmation: it may have been sent. Never send twice.
          deps.log.warn('alert claimed but never confirmed; not sending it again', {
            key,
            claimedBy: claim.runId,
          });
        }
        result.alerts.push({ ...entry, status: 'already-sent' });
        return claim.at;
      }
      let messageId: string;
      try {
        messageId = await deps.alerts.publish(rendered.subject, rendered.message);
      } catch (err) {
        await deps.store.dropAlertClaim(key, runId);
        throw err;
      }
      await deps.store.confirmAlert(key, runId, messageId);
      result.alerts.push({ ...entry, status: 'sent' });
      return now;
    };

    const episodeKeyOf = (t: AddressTrack) => t.episode?.key ?? 'none';

    // ---- Addresses present: state, ledger, alerts --------------------------------------------------------------
    const alertSpec = (d: AddressDecision, kind: AddressDecision['alerts'][number]): AlertSpec => {
      const releaseAfter =
        kind !== 'pool-idle' && config.sweeper.release.enabled
          ? noticeFor(now, config.sweeper.release.noticeHours).releaseAfter
          : null;
      if (kind === 'pool-idle') return { kind, address: facts(d) };
      if (kind === 'orphan') return { kind, address: facts(d), releaseAfter };
      return { kind, address: facts(d), releaseAfter: releaseAfter as string };
    };

    /** Current version of each track this run wrote (or read, when nothing needed writing). */
    const ready = new Map<string, number>();
    /** Every track as it stands after this run's writes: the month-to-date figures are summed from them. */
    const finalTracks = new Map(previous);
    const decisionOf = new Map(plan.decisions.map((d) => [d.allocationId, d]));
    /** The write an address needs this run (its state, an episode's start, revision or end), or null. */
    const writeOf = (d: AddressDecision): TrackCommit | null => {
      const prev = previous.get(d.allocationId);
      const { change } = d;
      const material =
        d.isNew ||
        change.closed !== undefined ||
        change.opened !== undefined ||
        change.revised !== undefined ||
        d.alerts.length > 0 ||
        d.release?.action === 'release' ||
        !prev ||
        materiallyDifferent(prev, d.track);
      if (!material) return null;
      return {
        track: d.track,
        expectedVersion: d.isNew ? 0 : (versions.get(d.allocationId) ?? 0),
        ...(change.closed
          ? {
              trackWithoutClose: { ...d.track, ledger: prev?.ledger ?? d.track.ledger },
              close: {
                ...episodeRecord(
                  d.allocationId,
                  d.observed.publicIp,
                  change.closed.episode,
                  prev?.classification ?? 'idle',
                ),
                end: change.closed.end,
                endReason: change.closed.reason,
              },
            }
          : {}),
        ...(d.track.episode &&
        (d.isNew || change.opened || change.revised || prev?.classification !== d.classification.kind)
          ? {
              upsert: episodeRecord(
                d.allocationId,
                d.observed.publicIp,
                d.track.episode,
                d.classification.kind,
              ),
            }
          : {}),
      };
    };

    if (dryRun) {
      await forEachLimit(
        plan.decisions.filter((d) => d.alerts.length > 0),
        CONCURRENCY,
        async (d) => {
          for (const kind of d.alerts) {
            await sendAlert(
              { scope: d.allocationId, id: `${episodeKeyOf(d.track)}#${kind}` },
              alertSpec(d, kind),
              d.allocationId,
            );
          }
        },
      );
    } else {
      // First every address's own write, all at once (batched by the store); an hourly run has few or none.
      const written = new Map<string, number>();
      const writes: { d: AddressDecision; commit: TrackCommit }[] = [];
      for (const d of plan.decisions) {
        const commit = writeOf(d);
        if (commit) writes.push({ d, commit });
        else written.set(d.allocationId, versions.get(d.allocationId) ?? 0);
      }
      const outcomes = await deps.store.commitMany(writes.map((w) => w.commit));
      for (const [i, { d }] of writes.entries()) {
        const outcome = outcomes[i];
        if (outcome?.status !== 'fulfilled') {
          const error = errorText(outcome?.reason);
          deps.log.error('sweep of an address failed', { allocationId: d.allocationId, error });
          failures.push({ allocationId: d.allocationId, error });
        } else if (!outcome.value.ok) {
          deps.log.warn('track changed by a concurrent sweep; address skipped this run', {
            allocationId: d.allocationId,
          });
        } else written.set(d.allocationId, outcome.value.version);
      }
      for (const [id, version] of written) {
        const d = decisionOf.get(id) as AddressDecision;
        finalTracks.set(id, d.track);
        if (d.alerts.length === 0) ready.set(id, version);
      }
      // Then the alerts the written addresses owe, each followed by a write of when it went out.
      await forEachLimit(
        plan.decisions.filter((d) => d.alerts.length > 0 && written.has(d.allocationId)),
        CONCURRENCY,
        async (d) => {
          try {
            let version = written.get(d.allocationId) as number;
            let alerted = false;
            for (const kind of d.alerts) {
              const sentAt = await sendAlert(
                { scope: d.allocationId, id: `${episodeKeyOf(d.track)}#${kind}` },
                alertSpec(d, kind),
                d.allocationId,
              );
              if (!sentAt) continue;
              d.track.alerts = { ...d.track.alerts, [kind]: sentAt };
              if (kind !== 'pool-idle' && config.sweeper.release.enabled) {
                d.track.notice = noticeFor(sentAt, config.sweeper.release.noticeHours);
              }
              alerted = true;
            }
            if (alerted) {
              const committed = await deps.store.commit({ track: d.track, expectedVersion: version });
              if (!committed.ok) {
                deps.log.warn(
                  'track changed by a concurrent sweep after its alerts; release skipped this run',
                  {
                    allocationId: d.allocationId,
                  },
                );
                return;
              }
              version = committed.version;
            }
            ready.set(d.allocationId, version);
          } catch (err) {
            deps.log.error('sweep of an address failed', {
              allocationId: d.allocationId,
              error: errorText(err),
            });
            failures.push({ allocationId: d.allocationId, error: errorText(err) });
          }
        },
      );
    }

    /** Records a release by eip-keeper (once, atomically with the track and the episode's end) and alerts. */
    async function finishRelease(
      t: AddressTrack,
      version: number,
      releasedAt: string,
      detail: string,
    ): Promise<void> {
      const ep = t.episode;
      const start = ep?.start ?? releasedAt;
      const idleHours = ep ? hoursBetween(start, releasedAt) : 0;
      const rateUsd = ep?.rateUsd ?? rate.usdPerHour;
      const record: ReleaseRecord = {
        allocationId: t.allocationId,
        publicIp: t.publicIp,
        releasedAt,
        runId: t.releaseAttempt?.runId ?? runId,
        rateUsd,
        idleSince: start,
        idleSource: ep?.source ?? 'first-observation',
        idleHours,
        idleCostUsd: idleHours * rateUsd,
        tags: t.tags,
      };
      const next: AddressTrack = {
        ...t,
        status: 'released',
        releasedAt,
        releaseAttempt: null,
        lastSeenAt: now,
        lastRunId: runId,
        ledger: ledgerWithRelease(
          ep ? ledgerWithClosedEpisode(t.ledger, ep, releasedAt, now) : t.ledger,
          releasedAt,
          rateUsd,
        ),
      };
      const committed = await deps.store.commit({
        track: next,
        expectedVersion: version,
        release: record,
        ...(ep
          ? {
              trackWithoutClose: { ...next, ledger: ledgerWithRelease(t.ledger, releasedAt, rateUsd) },
              close: {
                ...episodeRecord(t.allocationId, t.publicIp, ep, 'orphan'),
                end: releasedAt,
                endReason: 'released' as const,
              },
            }
          : {}),
      });
      if (!committed.ok) {
        throw new Error(`track of ${t.allocationId} changed while its release was being recorded`);
      }
      finalTracks.set(t.allocationId, next);
      result.releases.push({
        allocationId: t.allocationId,
        publicIp: t.publicIp,
        outcome: 'released',
        detail: committed.releaseRecorded ? detail : `${detail} (already recorded)`,
      });
      const observed: ObservedAddress = { allocationId: t.allocationId, publicIp: t.publicIp, tags: t.tags };
      const classification: Classification = {
        kind: 'orphan',
        reason: t.reason,
        idle: ep ? { since: start, source: ep.source, hours: idleHours } : null,
      };
      await sendAlert(
        { scope: t.allocationId, id: `${ep?.key ?? 'none'}#released` },
        {
          kind: 'released',
          address: facts({ observed, classification, track: t }, classification),
          releasedAt,
          projectedMonthlySavingUsd: projectedMonthlySaving(rateUsd),
        },
        t.allocationId,
      );
    }

    // ---- Addresses that disappeared ---------------------------------------------------------------------------
    for (const v of plan.vanished) {
      const t = v.track;
      result.vanished.push({
        allocationId: t.allocationId,
        publicIp: t.publicIp,
        releasedByUs: v.ourRelease,
      });
      if (dryRun) continue;
      try {
        const version = versions.get(t.allocationId) ?? 0;
        if (v.ourRelease) {
          await finishRelease(t, version, v.at, 'recorded by a retried run: the address is gone');
          continue;
        }
        const next: AddressTrack = {
          ...t,
          status: 'gone',
          lastSeenAt: now,
          lastRunId: runId,
          episode: null,
          notice: null,
          releaseAttempt: null,
          ledger:
            t.episode && v.closed
              ? ledgerWithClosedEpisode(t.ledger, t.episode, v.closed.end, now)
              : t.ledger,
        };
        const committed = await deps.store.commit({
          track: next,
          expectedVersion: version,
          ...(t.episode && v.closed
            ? {
                trackWithoutClose: { ...next, ledger: t.ledger },
                close: {
                  ...episodeRecord(t.allocationId, t.publicIp, t.episode, t.classification),
                  end: v.closed.end,
                  endReason: 'gone' as const,
                },
              }
            : {}),
        });
        if (committed.ok) finalTracks.set(t.allocationId, next);
      } catch (err) {
        failures.push({ allocationId: t.allocationId, error: errorText(err) });
      }
    }

    // ---- Releases (one at a time, oldest idle first) ------------------------------------------------------------
    for (const id of plan.releaseQueue) {
      const d = decisionOf.get(id) as AddressDecision;
      const entry = (outcome: ReleaseOutcome, detail: string) =>
        result.releases.push({ allocationId: id, publicIp: d.observed.publicIp, outcome, detail });
      if (!dryRun && !ready.has(id)) {
        entry('conflict', 'skipped: the address was not processed cleanly this run');
        continue;
      }
      let version = ready.get(id) ?? 0;
      const track = d.track;
      const save = async () => {
        const c = await deps.store.commit({ track, expectedVersion: version });
        if (c.ok) version = c.version;
        return c.ok;
      };
      const block = async (
        reason: NonNullable<AddressTrack['block']>['reason'],
        detail: string,
        retryAfter: string | null,
      ) => {
        if (dryRun) {
          entry('would-block', detail);
          return;
        }
        const alertId = `release-blocked#${reason}`;
        const repeat = track.alerts[alertId] !== undefined;
        track.block = {
          reason,
          at: track.block?.reason === reason ? track.block.at : now,
          detail,
          retryAfter,
        };
        track.releaseAttempt = null;
        if (!repeat) {
          const sentAt = await sendAlert(
            { scope: id, id: `${episodeKeyOf(track)}#${alertId}` },
            { kind: 'release-blocked', address: facts(d), reason, detail, retryAfter },
            id,
          );
          if (sentAt) track.alerts = { ...track.alerts, [alertId]: sentAt };
        }
        await save();
        result.releases.push({
          allocationId: id,
          publicIp: d.observed.publicIp,
          outcome: 'blocked',
          detail,
          repeat,
        });
      };
      try {
        const dnsVerdict = dnsBlock(d.observed.publicIp, dns ?? { status: 'failed', error: 'not looked up' });
        if (dnsVerdict) {
          const names = dnsVerdict.refs.map((r) => r.name).join(', ');
          await block(dnsVerdict.reason, names ? `${dnsVerdict.detail}: ${names}` : dnsVerdict.detail, null);
          continue;
        }
        // The last look before the release: the address, read live, must be exactly what the plan decided on.
        const live = await deps.ec2.describeAddress(id);
        const check = checkLiveBeforeRelease(d.observed, live, config.sweeper.exemptTagKeys);
        const prior = track.releaseAttempt;
        if (!check.ok && check.reason === 'gone' && prior && !dryRun) {
          // Our earlier attempt released it (DescribeAddresses still listed it a moment after): record it now.
          await finishRelease(
            track,
            version,
            prior.at,
            'recorded by a later run: the earlier release went through',
          );
          continue;
        }
        if (!check.ok) {
          entry(check.reason === 'gone' ? 'gone' : 'skipped', `not released: ${check.detail}`);
          continue;
        }
        if (dryRun) {
          entry('would-release', 'every check passed');
          continue;
        }
        track.releaseAttempt = { runId, at: now };
        if (!(await save())) {
          entry('conflict', 'skipped: a concurrent sweep changed the address');
          continue;
        }
        try {
          await deps.ec2.releaseAddress(id);
        } catch (err) {
          const code = err instanceof AwsCallError ? err.code : '';
          const f = releaseFailure(code, err instanceof AwsCallError ? err.detail : String(err));
          if (f.outcome === 'retry') throw err;
          if (f.outcome === 'block') {
            await block(
              f.reason,
              f.detail,
              f.retryAfterHours === null ? null : addHours(now, f.retryAfterHours),
            );
            continue;
          }
          if (f.outcome === 'gone' && prior) {
            await finishRelease(
              track,
              version,
              prior.at,
              'recorded by a later run: the earlier release went through',
            );
            continue;
          }
          // In use again, or gone before our call reached it (not our release: the next sweep records it gone).
          track.releaseAttempt = null;
          await save();
          entry(f.outcome === 'gone' ? 'gone' : 'skipped', f.detail);
          continue;
        }
        await finishRelease(
          track,
          version,
          deps.clock.now().toISOString(),
          'released after every check passed',
        );
      } catch (err) {
        deps.log.error('release failed', { allocationId: id, error: errorText(err) });
        failures.push({ allocationId: id, error: errorText(err) });
        entry('failed', errorText(err));
      }
    }

    // ---- Daily digest of what is still open --------------------------------------------------------------------
    const today = now.slice(0, 10);
    const dayStart = `${today}T00:00:00.000Z`;
    const digestItems: DigestItem[] = [];
    let monthlyCost = 0;
    for (const d of plan.decisions) {
      const t = d.track;
      // Open findings only: an address since kept, pooled elsewhere or in use has been dealt with.
      if (d.classification.kind !== 'orphan' && d.classification.kind !== 'pool-idle') continue;
      if (t.status !== 'present' || !d.classification.idle) continue;
      const alertedAt = Object.entries(t.alerts)
        .filter(([k]) => k === 'orphan' || k === 'pool-idle' || k.startsWith('release-blocked'))
        .map(([, at]) => at)
        .sort()[0];
      if (!alertedAt || alertedAt >= dayStart) continue;
      const epRate = t.episode?.rateUsd ?? rate.usdPerHour;
      monthlyCost += projectedMonthlySaving(epRate);
      const hold = d.release?.action === 'hold' ? d.release : undefined;
      const status =
        d.classification.kind === 'pool-idle'
          ? `pool member idle past its ${d.classification.pool?.idleAlertHours ?? '?'} h limit; never released`
          : t.block
            ? `release blocked: ${t.block.detail}`
            : hold
              ? `${holdText[hold.reason]}${hold.until ? ` until ${formatTime(hold.until)}` : ''}`
              : 'release due';
      digestItems.push({
        allocationId: d.allocationId,
        publicIp: d.observed.publicIp,
        kind: d.classification.kind,
        idleSince: d.classification.idle.since,
        idleHours: d.classification.idle.hours,
        costAccruedUsd: d.classification.idle.hours * epRate,
        status,
      });
    }
    if (digestItems.length > 0 && (dryRun || lastDigestDate !== today)) {
      try {
        const before = result.alerts.length;
        await sendAlert(
          { scope: 'DIGEST', id: today },
          { kind: 'digest', date: today, items: digestItems, monthlyCostUsd: monthlyCost },
        );
        if (!dryRun) {
          lastDigestDate = today;
          // Today's digest went out in an earlier run: not news.
          if (result.alerts[before]?.status === 'already-sent') result.alerts.splice(before, 1);
        }
      } catch (err) {
        failures.push({ allocationId: 'DIGEST', error: errorText(err) });
      }
    }

    // ---- This run saw every address: an address in use and unchanged need not be written to say so ------------
    if (!dryRun) {
      try {
        await deps.store.recordRun(now, runId);
      } catch (err) {
        failures.push({ allocationId: 'LAST-RUN', error: errorText(err) });
      }
    }

    // ---- Ledger figures and metrics ---------------------------------------------------------------------------
    if (!dryRun) {
      // From the tracks this run read and wrote: each carries its open episode and its share of the month.
      const figures = monthToDate(finalTracks.values(), now);
      result.ledger = {
        month: figures.month,
        idleCostUsd: figures.idleCostUsd,
        reclaimedUsd: figures.reclaimedUsd,
        projectedMonthlySavingUsd: figures.projectedMonthlySavingUsd,
      };
      const idleNow = plan.decisions.filter(
        (d) => d.classification.idle !== null && d.classification.kind !== 'service-managed',
      );
      deps.metrics.add('IdleAddresses', idleNow.length, 'Count');
      deps.metrics.add('OrphanAddresses', result.counts.orphan, 'Count');
      deps.metrics.add('IdleCostUsd', round6(figures.idleCostUsd), 'None');
      deps.metrics.add('ReclaimedUsd', round6(figures.reclaimedUsd), 'None');
      deps.metrics.add('ReclaimedMonthlyUsd', round6(figures.projectedMonthlySavingUsd), 'None');
      deps.metrics.add(
        'AddressesReleased',
        result.releases.filter((r) => r.outcome === 'released').length,
        'Count',
      );
      deps.metrics.add(
        'ReleasesBlocked',
        result.releases.filter((r) => r.outcome === 'blocked').length,
        'Count',
      );
      deps.metrics.add('AlertsSent', result.alerts.filter((a) => a.status === 'sent').length, 'Count');
    }

    result.story = storyOf(result);
    deps.log.info('sweep done', {
      runId,
      dryRun,
      counts: result.counts,
      alerts: result.alerts.length,
      releases: result.releases,
    });
    if (failures.length > 0) throw new SweepIncompleteError(runId, failures);
    return result;
  };
}

function round6(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

const RELEASE_WORDS: Record<ReleaseOutcome, string> = {
  released: 'released',
  'would-release': 'would release',
  skipped: 'release skipped',
  blocked: 'release blocked',
  'would-block': 'release would be blocked',
  gone: 'already gone',
  conflict: 'release skipped (concurrent sweep)',
  failed: 'release failed',
};

function storyOf(r: SweepResult): string[] {
  const counts = KIND_ORDER.filter((k) => r.counts[k] > 0)
    .map((k) => `${r.counts[k]} ${k}`)
    .join(', ');
  const capped = r.decisions.filter((d) => d.hold?.reason === 'cap').length;
  const killed = r.decisions.filter((d) => d.hold?.reason === 'kill-switch').length;
  const lines = [
    `${r.dryRun ? 'dry run' : 'sweep'} at ${formatTime(r.at)}: ${r.addresses} address${r.addresses === 1 ? '' : 'es'}${counts ? ` (${counts})` : ''}` +
      `; release ${r.release.enabled ? 'on' : 'off'}${r.release.enabled && r.killSwitch.on ? `, held by the kill switch (${killed} due)` : ''}` +
      `${capped > 0 ? `; ${capped} more due, over the per-run cap of ${r.release.maxPerRun}` : ''}`,
  ];
  for (const a of r.alerts) {
    const verb = a.status === 'sent' ? 'sent' : a.status === 'would-send' ? 'would send' : 'already sent';
    lines.push(`alert ${verb}: ${a.subject}`);
  }
  for (const x of r.releases) {
    if (x.repeat) continue;
    lines.push(`${RELEASE_WORDS[x.outcome]}: ${x.publicIp} (${x.allocationId}) — ${x.detail}`);
  }
  for (const v of r.vanished) {
    lines.push(
      `${v.publicIp} (${v.allocationId}) is gone${v.releasedByUs ? ' (released by eip-keeper)' : ''}`,
    );
  }
  return lines;
}
