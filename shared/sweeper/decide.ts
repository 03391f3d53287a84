/**
 * The sweeper's plan for one run. Pure: the orchestrator (sweeper.ts) gathers the inputs through adapters, calls these
 * functions, and applies what they return; the checks that guard each release are in `decide-release.ts`.
 */
import type { PoolConfig, SweeperConfig } from '../config/schema';
import type { EipState } from '../inventory/model';
import {
  type Classification,
  checkIdleStart,
  classify,
  type EpisodeChange,
  isAssociated,
  isByoip,
  trackIdle,
} from './classify';
import { formerPoolFacts, poolSeenNow } from './decide-membership';
import { ledgerWithClosedEpisode } from './ledger';
import {
  type AddressTrack,
  type AlertKind,
  addHours,
  EMPTY_TRACK_LEDGER,
  type ObservedAddress,
} from './model';

/** The kill switch as read this run. `on` stops every release; unreadable or unknown values count as on. */
export interface KillSwitchState {
  on: boolean;
  /** What was read, for the story and the alerts (`off`, `on`, `missing`, `unreadable: …`). */
  detail: string;
}

/** Reads a kill-switch parameter value: `on`/`true` stop releases, `off`/`false`/empty allow them, anything else stops. */
export function killSwitchFromValue(value: string | undefined): KillSwitchState {
  if (value === undefined) return { on: true, detail: 'missing (releases stopped until it exists)' };
  const v = value.trim().toLowerCase();
  if (v === 'on' || v === 'true') return { on: true, detail: `"${v}"` };
  if (v === 'off' || v === 'false' || v === '') return { on: false, detail: `"${v}"` };
  return { on: true, detail: `unrecognised value (releases stopped; use "on" or "off")` };
}

export interface PlanConfig {
  sweeper: SweeperConfig;
  pools: PoolConfig[];
}

export interface PlanInput {
  addresses: readonly ObservedAddress[];
  history: ReadonlyMap<string, EipState>;
  tracks: ReadonlyMap<string, AddressTrack>;
  config: PlanConfig;
  now: string;
  runId: string;
  /** Price of an address-hour this run (configured or from the Pricing API). */
  rateUsd: number;
  killSwitch: KillSwitchState;
  /** When the last sweep that read every address ran (null before the first, or when unknown). */
  lastRunAt: string | null;
}

export type HoldReason =
  | 'release-disabled'
  | 'kill-switch'
  | 'notice-not-sent'
  | 'notice-period'
  | 'blocked'
  | 'cap';

export interface AddressDecision {
  allocationId: string;
  observed: ObservedAddress;
  classification: Classification;
  change: EpisodeChange;
  /** The track to write (alerts and notices are added once they are sent). */
  track: AddressTrack;
  /** The stored track's presence (a new address is written unconditionally). */
  isNew: boolean;
  /** Alerts this run owes for this address. */
  alerts: Extract<AlertKind, 'orphan' | 'release-notice' | 'pool-idle' | 'former-pool-member'>[];
  /** For an orphan (or an approved former pool member): release now, or why not. */
  release: { action: 'release' } | { action: 'hold'; reason: HoldReason; until?: string } | null;
}

export interface VanishedDecision {
  allocationId: string;
  track: AddressTrack;
  /** True when a release by eip-keeper was in progress (a retried run finishes recording it). */
  ourRelease: boolean;
  /** When it disappeared: the history's release time, else now. */
  at: string;
  closed?: { end: string };
}

export interface SweepPlan {
  decisions: AddressDecision[];
  vanished: VanishedDecision[];
  /** Allocation ids to release this run, oldest idle first, at most `maxPerRun`. */
  releaseQueue: string[];
}

const laterOf = (a: string, b: string): string => (a > b ? a : b);

function releaseRate(address: ObservedAddress, rateUsd: number): number {
  return isByoip(address) ? 0 : rateUsd;
}

function emptyTrack(a: ObservedAddress, now: string, runId: string): AddressTrack {
  return {
    allocationId: a.allocationId,
    publicIp: a.publicIp,
    firstSeenAt: now,
    lastSeenAt: now,
    lastRunId: runId,
    status: 'present',
    classification: 'in-use',
    reason: '',
    tags: a.tags,
    poolSeen: null,
    lastSeenInUseAt: null,
    lastSeenHolder: null,
    episode: null,
    alerts: {},
    notice: null,
    block: null,
    releaseAttempt: null,
    releasedAt: null,
    ledger: EMPTY_TRACK_LEDGER,
  };
}

/**
 * When a sweep last saw the address in use. A track is written only when it changes, so one that was in use when
 * last written (no idle episode) and is still present was seen in use by every sweep since, up to the last one
 * that read every address. (If that sweep saw it idle but failed to write it, this errs late: an older history
 * idle-since is then distrusted, and the idle time starts later, never earlier.)
 */
function lastSeenInUse(stored: AddressTrack, lastRunAt: string | null, now: string): string | null {
  const recorded = stored.lastSeenInUseAt;
  const stillInUse = stored.status === 'present' && stored.episode === null && recorded !== null;
  if (!stillInUse || !lastRunAt || lastRunAt >= now || lastRunAt <= recorded) return recorded;
  return lastRunAt;
}

/** No alerts: the track's own record when it holds none already (every address in use, every run). */
function noAlerts(alerts: AddressTrack['alerts']): AddressTrack['alerts'] {
  for (const _ in alerts) return {};
  return alerts;
}

/** The holder an associated address has now: the one last seen when it is the same (most addresses, every run). */
function holderNow(
  observed: ObservedAddress,
  seen: AddressTrack['lastSeenHolder'],
): AddressTrack['lastSeenHolder'] {
  const networkInterfaceId = observed.networkInterfaceId ?? null;
  const privateIp = observed.privateIp ?? null;
  const instanceId = observed.instanceId ?? null;
  if (
    seen &&
    seen.networkInterfaceId === networkInterfaceId &&
    seen.privateIp === privateIp &&
    seen.instanceId === instanceId
  ) {
    return seen;
  }
  return { networkInterfaceId, privateIp, instanceId };
}

/** An orphan, or a former pool member the operator approved, past its grace period: released after its notice. */
const releasable = (c: Classification): boolean =>
  c.kind === 'orphan' ||
  (c.kind === 'former-pool' && c.formerPool?.approved === true && c.formerPool.overGrace);

/** The alerts an address owes this run and, for one that may be released, whether it is released now or why not. */
function alertsAndRelease(
  classification: Classification,
  track: AddressTrack,
  config: SweeperConfig,
  killSwitch: KillSwitchState,
  now: string,
): Pick<AddressDecision, 'alerts' | 'release'> {
  const alerts: AddressDecision['alerts'] = [];
  const { kind } = classification;
  if (kind === 'pool-idle' && classification.pool?.overLimit && !track.alerts['pool-idle']) {
    alerts.push('pool-idle');
  }
  if (kind === 'former-pool' && classification.formerPool?.overGrace && !track.alerts['former-pool-member']) {
    alerts.push('former-pool-member');
  }
  // An address no longer releasable (tagged to keep, re-associated, back in its pool) loses its pending notice.
  if (!releasable(classification)) {
    if (track.notice) track.notice = null;
    return { alerts, release: null };
  }
  const rel = config.release;
  // A notice counts only as SNS accepted it: one recorded without its MessageId goes out again.
  const notice = track.notice?.messageId ? track.notice : null;
  const releaseAfter = notice ? laterOf(notice.releaseAfter, addHours(notice.sentAt, rel.noticeHours)) : '';
  // An orphan's first alert is its notice; a former pool member's notice follows its own alert.
  if (kind === 'orphan' && !track.alerts.orphan) alerts.push('orphan');
  else if (rel.enabled && !notice) alerts.push('release-notice');
  let release: AddressDecision['release'];
  if (!rel.enabled) release = { action: 'hold', reason: 'release-disabled' };
  else if (!notice) release = { action: 'hold', reason: 'notice-not-sent' };
  else if (now < releaseAfter) release = { action: 'hold', reason: 'notice-period', until: releaseAfter };
  else if (track.block?.retryAfter && now < track.block.retryAfter)
    release = { action: 'hold', reason: 'blocked', until: track.block.retryAfter };
  else if (killSwitch.on) release = { action: 'hold', reason: 'kill-switch' };
  else release = { action: 'release' };
  return { alerts, release };
}

/** Plans one address: classify it, advance its idle episode, and decide the alerts and the release it is due. */
export function decideAddress(
  observed: ObservedAddress,
  history: EipState | undefined,
  stored: AddressTrack | undefined,
  input: Omit<PlanInput, 'addresses' | 'history' | 'tracks'>,
): AddressDecision {
  const { now, runId, config, killSwitch } = input;
  const prev = stored ?? emptyTrack(observed, now, runId);
  const lastSeenInUseAt = stored ? lastSeenInUse(stored, input.lastRunAt, now) : null;
  const rate = releaseRate(observed, input.rateUsd);
  const change = checkIdleStart(
    trackIdle(observed, history, { episode: prev.episode, lastSeenInUseAt }, now, rate),
    prev.firstSeenAt,
    history,
    () => trackIdle(observed, history, { episode: null, lastSeenInUseAt }, now, rate),
    now,
  );
  const current = change.current;
  const poolSeen = poolSeenNow(observed, prev.poolSeen, now);
  const classification = classify(
    observed,
    current ? { since: current.start, source: current.source } : null,
    config,
    now,
    formerPoolFacts(observed, history, poolSeen, config.sweeper),
  );
  const newEpisode = change.opened !== undefined || current === null;
  const track: AddressTrack = {
    ...prev,
    publicIp: observed.publicIp,
    lastSeenAt: now,
    lastRunId: runId,
    status: 'present',
    classification: classification.kind,
    reason: classification.reason,
    tags: observed.tags,
    poolSeen,
    lastSeenInUseAt: isAssociated(observed) ? now : lastSeenInUseAt,
    lastSeenHolder: isAssociated(observed) ? holderNow(observed, prev.lastSeenHolder) : prev.lastSeenHolder,
    episode: current,
    // Alerts, notices and blocks belong to an idle episode: a new episode starts clean.
    alerts: newEpisode ? noAlerts(prev.alerts) : prev.alerts,
    notice: newEpisode ? null : prev.notice,
    block: newEpisode ? null : prev.block,
    // A lease of an earlier run survives while the episode lasts: DescribeAddresses may still list an address a
    // moment after its release, and the lease is how a later run knows that release was ours.
    releaseAttempt: newEpisode ? null : prev.releaseAttempt,
    releasedAt: null,
    // The episode that ended is counted into the month's figures in the same commit that ends it.
    ledger: change.closed
      ? ledgerWithClosedEpisode(prev.ledger, change.closed.episode, change.closed.end, now)
      : prev.ledger,
  };

  const { alerts, release } = alertsAndRelease(classification, track, config.sweeper, killSwitch, now);
  return {
    allocationId: observed.allocationId,
    observed,
    classification,
    change,
    track,
    isNew: stored === undefined,
    alerts,
    release,
  };
}

const byAllocationId = (a: { allocationId: string }, b: { allocationId: string }): number =>
  a.allocationId < b.allocationId ? -1 : a.allocationId > b.allocationId ? 1 : 0;

/** The addresses in allocation-id order (as DescribeAddresses usually lists them already: then not copied). */
function inAllocationIdOrder(addresses: readonly ObservedAddress[]): readonly ObservedAddress[] {
  for (let i = 1; i < addresses.length; i++) {
    if (byAllocationId(addresses[i - 1] as ObservedAddress, addresses[i] as ObservedAddress) > 0) {
      return [...addresses].sort(byAllocationId);
    }
  }
  return addresses;
}

/**
 * The tracks of addresses present when last seen that DescribeAddresses no longer lists. `decisions` are in
 * allocation-id order (a repeated address is next to itself).
 */
function presentUnlisted(
  tracks: ReadonlyMap<string, AddressTrack>,
  decisions: readonly AddressDecision[],
): AddressTrack[] {
  let present = 0;
  for (const t of tracks.values()) if (t.status === 'present') present++;
  let presentListed = 0;
  let last: string | undefined;
  for (const d of decisions) {
    if (d.allocationId !== last && tracks.get(d.allocationId)?.status === 'present') presentListed++;
    last = d.allocationId;
  }
  // Each present track is of a distinct listed address: none vanished (most runs), and no set of the listed is built.
  if (presentListed === present) return [];
  const listed = new Set<string>();
  for (const d of decisions) listed.add(d.allocationId);
  const out: AddressTrack[] = [];
  for (const t of tracks.values()) if (t.status === 'present' && !listed.has(t.allocationId)) out.push(t);
  return out;
}

/** Plans a whole run: every observed address, every tracked address that disappeared, and the release queue. */
export function planSweep(input: PlanInput): SweepPlan {
  const decisions = inAllocationIdOrder(input.addresses).map((a) =>
    decideAddress(a, input.history.get(a.allocationId), input.tracks.get(a.allocationId), input),
  );
  const vanished: VanishedDecision[] = [];
  // In allocation-id order, whatever order the tracks were read in (the story lists them).
  const tracked = presentUnlisted(input.tracks, decisions);
  tracked.sort(byAllocationId);
  for (const track of tracked) {
    const history = input.history.get(track.allocationId);
    const at =
      track.releaseAttempt?.at ??
      (history?.releasedAt && history.releasedAt <= input.now ? history.releasedAt : input.now);
    const v: VanishedDecision = {
      allocationId: track.allocationId,
      track,
      ourRelease: track.releaseAttempt !== null,
      at,
    };
    if (track.episode) v.closed = { end: laterOf(at, track.episode.start) };
    vanished.push(v);
  }
  const due = decisions
    .filter((d) => d.release?.action === 'release')
    .sort((a, b) => {
      const x = a.track.episode?.start ?? '';
      const y = b.track.episode?.start ?? '';
      return x < y ? -1 : x > y ? 1 : a.allocationId < b.allocationId ? -1 : 1;
    });
  const cap = input.config.sweeper.release.maxPerRun;
  for (const d of due.slice(cap)) d.release = { action: 'hold', reason: 'cap' };
  return { decisions, vanished, releaseQueue: due.slice(0, cap).map((d) => d.allocationId) };
}

/** The notice an alert of kind `orphan`/`release-notice` starts, when releasing is on. */
export function noticeFor(sentAt: string, noticeHours: number): { sentAt: string; releaseAfter: string } {
  return { sentAt, releaseAfter: addHours(sentAt, noticeHours) };
}
