/**
 * What a sweep reads. Before the plan, in parallel: one DescribeAddresses, the inventory's history, the sweeper's
 * tracks and last run, the kill switch and the price (cached a day). After it, only when the plan needs them for an
 * alert or a release: Route 53's records and the inventory's records of the last holders' ENIs.
 */
import { describeActor } from '../events/cloudtrail';
import type { EipState, EniRecord } from '../inventory/model';
import type { AddressFacts, AlertContext, DnsFacts, LastHolderFacts } from './alerts';
import type { Classification } from './classify';
import { type AddressDecision, type KillSwitchState, killSwitchFromValue, type SweepPlan } from './decide';
import { indexDnsReferences } from './dns';
import { type AddressTrack, type DnsLookup, type ObservedAddress, POOL_TAG } from './model';
import { openResult } from './result';
import {
  errorText,
  type FactsOf,
  type HourlyRate,
  type SweeperDeps,
  type SweeperMemory,
  type SweepOptions,
  type SweepRun,
} from './run';
import type { OutboxItem } from './sweep-store';

const PRICE_CACHE_MS = 24 * 3_600_000;

/** Everything the plan is made from. */
export interface SweepState {
  addresses: ObservedAddress[];
  history: Map<string, EipState>;
  /** The stored tracks, and the version of each. */
  previous: Map<string, AddressTrack>;
  versions: Map<string, number>;
  lastRunAt: string | null;
  killSwitch: KillSwitchState;
  rate: HourlyRate;
  /** "Released" alerts earlier runs left undelivered. */
  outbox: OutboxItem[];
}

export async function readState(deps: SweeperDeps, memory: SweeperMemory): Promise<SweepState> {
  const [addresses, states, stored, lastRun, killSwitch, rate, outbox] = await Promise.all([
    deps.ec2.describeAddresses(),
    deps.inventory.listEipStates(),
    deps.store.listTracks(),
    deps.store.lastRun(),
    readKillSwitch(deps),
    hourlyRate(deps, memory),
    deps.store.listOutbox(),
  ]);
  const history = new Map<string, EipState>();
  for (const s of states) history.set(s.allocationId, s);
  const previous = new Map<string, AddressTrack>();
  const versions = new Map<string, number>();
  for (const { track, version } of stored) {
    previous.set(track.allocationId, track);
    versions.set(track.allocationId, version);
  }
  return {
    addresses,
    history,
    previous,
    versions,
    lastRunAt: lastRun?.at ?? null,
    killSwitch,
    rate,
    outbox,
  };
}

async function hourlyRate(deps: SweeperDeps, memory: SweeperMemory): Promise<HourlyRate> {
  const configured = deps.config.sweeper.hourlyRateUsd;
  if (!deps.config.sweeper.usePricingApi || !deps.price)
    return { usdPerHour: configured, source: 'configured' };
  const nowMs = deps.clock.now().getTime();
  if (memory.price && nowMs - memory.price.at < PRICE_CACHE_MS) {
    return { usdPerHour: memory.price.usd, source: 'pricing-api' };
  }
  try {
    const usd = await deps.price.hourlyRate(deps.region);
    if (usd !== undefined && Number.isFinite(usd) && usd >= 0 && usd < 1) {
      memory.price = { at: nowMs, usd };
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

async function readKillSwitch(deps: SweeperDeps): Promise<KillSwitchState> {
  const name = deps.config.sweeper.killSwitchParameter;
  try {
    return killSwitchFromValue(await deps.killSwitch.read(name));
  } catch (err) {
    deps.log.warn('kill switch unreadable: releases stopped for this run', { name, error: errorText(err) });
    return { on: true, detail: `unreadable (${errorText(err)}); releases stopped` };
  }
}

async function lookupDns(deps: SweeperDeps): Promise<DnsLookup> {
  try {
    return { status: 'ok', byIp: indexDnsReferences(await deps.dns.listZoneRecords()) };
  } catch (err) {
    deps.log.warn('Route 53 lookup failed: no address is released this run', { error: errorText(err) });
    return { status: 'failed', error: errorText(err) };
  }
}

/** Reads what the plan's alerts and releases need to know, and opens the run over the plan. */
export async function openRun(
  deps: SweeperDeps,
  opts: SweepOptions,
  now: string,
  state: SweepState,
  plan: SweepPlan,
): Promise<SweepRun> {
  const { config } = deps;
  const dryRun = opts.dryRun ?? false;
  const needsFacts = plan.decisions.filter(
    (d) => d.alerts.length > 0 || d.release?.action === 'release' || d.classification.kind === 'orphan',
  );
  const ourReleases = plan.vanished.filter((v) => v.ourRelease);
  const dns = needsFacts.length > 0 || ourReleases.length > 0 ? await lookupDns(deps) : undefined;
  const eniIds = new Set<string>();
  for (const t of [...needsFacts.map((d) => d.track), ...ourReleases.map((v) => v.track)]) {
    const h = state.history.get(t.allocationId);
    const id = h?.lastHolder?.eniId ?? t.lastSeenHolder?.networkInterfaceId;
    if (id) eniIds.add(id);
  }
  const enis = eniIds.size > 0 ? await deps.inventory.getEniRecords(eniIds) : new Map<string, EniRecord>();
  const alertContext: AlertContext = {
    accountId: deps.accountId,
    region: deps.region,
    now,
    subjectPrefix: config.alerts.subjectPrefix,
    release: config.sweeper.release,
    killSwitch: state.killSwitch,
    killSwitchParameter: config.sweeper.killSwitchParameter,
  };
  return {
    deps,
    runId: opts.runId,
    dryRun,
    now,
    plan,
    queued: queuedDecisions(plan),
    rate: state.rate,
    dns,
    facts: factsOf(state, dns, enis),
    alertContext,
    outbox: state.outbox,
    previous: state.previous,
    versions: state.versions,
    ready: new Map(),
    changedTracks: new Map(),
    result: openResult({
      runId: opts.runId,
      now,
      dryRun,
      addresses: state.addresses.length,
      killSwitch: state.killSwitch,
      release: config.sweeper.release,
      rate: state.rate,
      plan,
    }),
    failures: [],
  };
}

function queuedDecisions(plan: SweepPlan): Map<string, AddressDecision> {
  const queue = new Set(plan.releaseQueue);
  const queued = new Map<string, AddressDecision>();
  if (queue.size === 0) return queued;
  for (const d of plan.decisions) if (queue.has(d.allocationId)) queued.set(d.allocationId, d);
  return queued;
}

function factsOf(
  state: Pick<SweepState, 'history' | 'rate'>,
  dns: DnsLookup | undefined,
  enis: ReadonlyMap<string, EniRecord>,
): FactsOf {
  return (d, classification: Classification = d.classification): AddressFacts => {
    const ep = d.track.episode;
    const hours = classification.idle?.hours ?? 0;
    return {
      allocationId: d.observed.allocationId,
      publicIp: d.observed.publicIp,
      tags: d.observed.tags,
      classification,
      idle: classification.idle,
      rateUsd: ep?.rateUsd ?? state.rate.usdPerHour,
      costAccruedUsd: hours * (ep?.rateUsd ?? state.rate.usdPerHour),
      lastHolder: lastHolderFacts(
        d.observed,
        state.history.get(d.observed.allocationId),
        d.track,
        enis,
        classification.formerPool?.pool ?? null,
      ),
      dns: dnsFacts(d.observed.publicIp, dns),
    };
  };
}

type Holder = Pick<LastHolderFacts, 'eniId' | 'privateIp' | 'instanceId' | 'since' | 'ended' | 'source'>;

/** The last holder from the history (CloudTrail), else as the sweeps last saw it. */
function holderOf(history: EipState | undefined, track: AddressTrack): Holder | null {
  const past = history?.lastHolder;
  if (past) {
    return {
      eniId: past.eniId,
      privateIp: past.privateIp,
      instanceId: past.instanceId,
      since: past.since,
      ended: { kind: past.ended.kind, at: past.ended.at, by: describeActor(past.ended.by) },
      source: 'history',
    };
  }
  const seen = track.lastSeenHolder;
  if (!seen) return null;
  return {
    eniId: seen.networkInterfaceId,
    privateIp: seen.privateIp,
    instanceId: seen.instanceId,
    since: null,
    ended: null,
    source: 'sweep',
  };
}

function lastHolderFacts(
  observed: ObservedAddress,
  history: EipState | undefined,
  track: AddressTrack,
  enis: ReadonlyMap<string, EniRecord>,
  /** The pool a former pool member was in: its holder held it as a pool member. */
  formerPool: string | null,
): LastHolderFacts | null {
  const holder = holderOf(history, track);
  if (!holder) return null;
  const { eniId, privateIp, instanceId, since, ended, source } = holder;
  const eni = eniId ? enis.get(eniId) : undefined;
  return {
    eniId,
    privateIp,
    instanceId,
    cluster: clusterOf(eni),
    pool: observed.tags[POOL_TAG] ?? formerPool,
    securityGroupIds: eni?.securityGroupIds ?? [],
    eniDescription: eni?.description ?? null,
    since,
    ended,
    source,
  };
}

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

function dnsFacts(ip: string, dns: DnsLookup | undefined): DnsFacts {
  if (!dns) return { status: 'not-checked' };
  if (dns.status === 'failed') return { status: 'failed', error: dns.error };
  return { status: 'ok', refs: dns.byIp.get(ip) ?? [] };
}
