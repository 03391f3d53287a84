/**
 * The sweeper's first decision: what an address is, and since when it has been idle. Pure: the inputs are what
 * DescribeAddresses said, what the inventory's history says (`EipState`), what the sweeper kept from earlier runs,
 * the configuration and the time.
 */
import type { PoolConfig, SweeperConfig } from '../config/schema';
import type { EipState } from '../inventory/model';
import { inlineText } from '../notify/escape';
import type { FormerPoolFacts } from './decide-membership';
import {
  type AddressKind,
  type EpisodeEndReason,
  hoursBetween,
  type IdleEpisode,
  type IdleSource,
  KEEP_TAG,
  type ObservedAddress,
  POOL_TAG,
} from './model';

/** What the classification needs from the configuration. */
export interface ClassifyConfig {
  sweeper: Pick<SweeperConfig, 'graceHours' | 'exemptTagKeys'>;
  pools: Pick<PoolConfig, 'name' | 'idleAlertHours'>[];
}

/** The pool-alert limit of a pool tag that names no configured pool. */
export const UNCONFIGURED_POOL_ALERT_HOURS = 24;

export interface IdleFacts {
  since: string;
  source: IdleSource;
  hours: number;
}

export interface PoolFacts {
  name: string;
  /** False when the tag names a pool the configuration does not define. */
  configured: boolean;
  idleAlertHours: number;
  /** Idle longer than the pool's limit. */
  overLimit: boolean;
}

/** A former pool member's past, and where its grace period stands (counted from its untag). */
export interface FormerPoolClass extends FormerPoolFacts {
  /** When its grace period began: the untag, or its idle start when that is later. */
  graceSince: string;
  /** Idle and untagged longer than the grace period: alerted (and, when approved, released after its notice). */
  overGrace: boolean;
}

export interface Classification {
  kind: AddressKind;
  /** One sentence saying why (eip-keeper's own words: no tag or actor text). */
  reason: string;
  /** Null while associated (and for service-managed / BYOIP addresses that are associated). */
  idle: IdleFacts | null;
  pool?: PoolFacts;
  /** The tag key that exempts it. */
  exemptBy?: string;
  formerPool?: FormerPoolClass;
}

export const isAssociated = (a: ObservedAddress): boolean =>
  Boolean(a.associationId || a.networkInterfaceId || a.instanceId);

export const isByoip = (a: ObservedAddress): boolean =>
  a.publicIpv4Pool !== undefined && a.publicIpv4Pool !== '' && a.publicIpv4Pool !== 'amazon';

/** The exemption tag key an address carries, if any (`eip-keeper:keep` first, then the configured ones). */
export function exemptionTag(
  tags: Record<string, string>,
  exemptTagKeys: readonly string[],
): string | undefined {
  if (KEEP_TAG in tags) return KEEP_TAG;
  return exemptTagKeys.find((k) => k in tags);
}

const fmtHours = (h: number): string => (Number.isInteger(h) ? `${h} h` : `${h.toFixed(1)} h`);

const EVIDENCE_TEXT: Record<FormerPoolFacts['evidence'], string> = {
  'tag-removed': 'its pool tag was removed',
  'tag-history': 'its history shows a pool tag',
  'keeper-association': 'the keeper associated it',
  'seen-tagged': 'a sweep saw its pool tag',
};

function formerPool(former: FormerPoolFacts, facts: IdleFacts, grace: number, now: string): Classification {
  const graceSince = former.untaggedAt && former.untaggedAt > facts.since ? former.untaggedAt : facts.since;
  const overGrace = hoursBetween(graceSince, now) > grace;
  const untag = former.untaggedAt
    ? ` (untagged ${former.untaggedAt.slice(0, 16).replace('T', ' ')} UTC)`
    : '';
  return {
    kind: 'former-pool',
    reason: `former pool member: ${EVIDENCE_TEXT[former.evidence]}${untag}; never released by the sweep${former.approved ? ' unless approved, as this one is' : ''}`,
    idle: facts,
    formerPool: { ...former, graceSince, overGrace },
  };
}

/**
 * Classifies one address. Precedence: service-managed, BYOIP, in use, pool member, exempt, former pool member, then
 * idle/orphan by the grace period. `idle` is the current idle episode (null when associated); `former` what shows
 * the address was a pool member (`decide-membership.ts`).
 */
export function classify(
  address: ObservedAddress,
  idle: { since: string; source: IdleSource } | null,
  config: ClassifyConfig,
  now: string,
  former: FormerPoolFacts | null = null,
): Classification {
  const facts: IdleFacts | null =
    idle && !isAssociated(address)
      ? { since: idle.since, source: idle.source, hours: hoursBetween(idle.since, now) }
      : null;
  if (address.serviceManaged) {
    return {
      kind: 'service-managed',
      reason: `owned by the AWS service "${address.serviceManaged}" (ServiceManaged): only that service may release it`,
      idle: facts,
    };
  }
  if (isByoip(address)) {
    return {
      kind: 'byoip',
      reason: `comes from your own address pool ${address.publicIpv4Pool} (BYOIP): eip-keeper never releases it`,
      idle: facts,
    };
  }
  if (isAssociated(address) || !facts) {
    const target = address.networkInterfaceId ?? address.instanceId ?? address.associationId ?? 'a target';
    return { kind: 'in-use', reason: `associated with ${target}`, idle: null };
  }
  const poolName = address.tags[POOL_TAG];
  if (poolName !== undefined) {
    const pool = config.pools.find((p) => p.name === poolName);
    const limit = pool?.idleAlertHours ?? UNCONFIGURED_POOL_ALERT_HOURS;
    const overLimit = facts.hours > limit;
    return {
      kind: 'pool-idle',
      reason: `member of pool ${JSON.stringify(inlineText(poolName, 63))}${pool ? '' : ' (not in the configuration)'}, idle ${fmtHours(round1(facts.hours))}${overLimit ? `, longer than the pool's ${fmtHours(limit)} limit` : ''}: pool addresses are never released`,
      idle: facts,
      pool: { name: poolName, configured: Boolean(pool), idleAlertHours: limit, overLimit },
    };
  }
  const exemptBy = exemptionTag(address.tags, config.sweeper.exemptTagKeys);
  if (exemptBy !== undefined) {
    return { kind: 'exempt', reason: `tagged ${exemptBy}: never released`, idle: facts, exemptBy };
  }
  const grace = config.sweeper.graceHours;
  if (former) return formerPool(former, facts, grace, now);
  if (facts.hours > grace) {
    return {
      kind: 'orphan',
      reason: `no pool, no exemption tag, idle longer than the ${fmtHours(grace)} grace period`,
      idle: facts,
    };
  }
  return {
    kind: 'idle',
    reason: `unassociated for ${fmtHours(round1(facts.hours))}, within the ${fmtHours(grace)} grace period`,
    idle: facts,
  };
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** What the previous runs left that the idle tracking needs. */
export interface IdleMemory {
  episode: IdleEpisode | null;
  lastSeenInUseAt: string | null;
}

export interface EpisodeChange {
  /** The episode after this observation (null while associated). */
  current: IdleEpisode | null;
  /** An episode that ended, and when. */
  closed?: { episode: IdleEpisode; end: string; reason: EpisodeEndReason };
  /** A new episode (to create in the ledger). */
  opened?: IdleEpisode;
  /** The current episode's start was moved earlier by late history. */
  revised?: IdleEpisode;
  /** The stored episode's start, rejected: nothing confirms it (see `checkIdleStart`). */
  rejected?: { start: string };
}

/** The history's idle-since, when the history agrees that the address is idle now and nothing we saw contradicts it. */
function historyIdleSince(history: EipState | undefined, memory: IdleMemory, now: string): string | null {
  if (history?.status !== 'idle' || !history.idleSince || history.idleSince > now) return null;
  // We saw it associated after the history says it went idle: the history is missing events. Do not trust it.
  if (memory.lastSeenInUseAt && history.idleSince < memory.lastSeenInUseAt) return null;
  return history.idleSince;
}

/**
 * Tracks idle episodes across runs. An address seen associated ends its episode (at the association time the
 * history gives, else now). An address seen idle continues its episode, opens one (idle since the history's time,
 * else now, the first observation), or — when the history shows an association and a new idleness since the
 * episode began — closes it and opens the next. Late history that puts the start earlier revises the start.
 */
export function trackIdle(
  address: ObservedAddress,
  history: EipState | undefined,
  memory: IdleMemory,
  now: string,
  rateUsd: number,
): EpisodeChange {
  const prev = memory.episode;
  if (isAssociated(address)) {
    if (!prev) return { current: null };
    const since = history?.status === 'associated' ? history.holder?.since : undefined;
    const end = since && since > prev.start && since <= now ? since : now;
    return { current: null, closed: { episode: prev, end, reason: 'in-use' } };
  }
  const fromHistory = historyIdleSince(history, memory, now);
  if (!prev) {
    const opened: IdleEpisode = {
      key: now,
      start: fromHistory ?? now,
      source: fromHistory ? 'history' : 'first-observation',
      rateUsd,
    };
    return { current: opened, opened };
  }
  const heldSince = history?.lastHolder?.since;
  if (fromHistory && fromHistory > prev.start && heldSince !== undefined && heldSince >= prev.start) {
    // Associated and idle again between two sweeps: the history saw what the sweeps missed.
    const opened: IdleEpisode = { key: now, start: fromHistory, source: 'history', rateUsd };
    return {
      current: opened,
      opened,
      closed: { episode: prev, end: heldSince, reason: 'reassociated' },
    };
  }
  if (fromHistory && fromHistory < prev.start && prev.source === 'first-observation') {
    const revised: IdleEpisode = { ...prev, start: fromHistory, source: 'history' };
    return { current: revised, revised };
  }
  return { current: prev };
}

/**
 * Whether an idle episode's start can be believed. The sweeper saw the address idle from its first sight of it on;
 * a start before that comes from the inventory's history, and holds only while the history still says so (idle,
 * since then or earlier). A track edited to say "idle since long ago", or whose history is gone, fails.
 */
export function idleStartConfirmed(
  episode: IdleEpisode,
  firstSeenAt: string,
  history: EipState | undefined,
): boolean {
  if (episode.start >= firstSeenAt) return true;
  return history?.status === 'idle' && history.idleSince !== null && history.idleSince <= episode.start;
}

/**
 * Keeps an episode carried over from earlier runs only if its start is confirmed; otherwise closes it with no idle
 * time (its ledger item is rewritten to start when it ends) and opens the next from what can be believed now — so
 * the grace period and any notice start again.
 */
export function checkIdleStart(
  change: EpisodeChange,
  firstSeenAt: string,
  history: EipState | undefined,
  reopen: () => EpisodeChange,
  now: string,
): EpisodeChange {
  const ep = change.current;
  if (!ep || change.opened || idleStartConfirmed(ep, firstSeenAt, history)) return change;
  const fresh = reopen();
  return {
    ...fresh,
    closed: { episode: { ...ep, start: now }, end: now, reason: 'rejected' },
    rejected: { start: ep.start },
  };
}
