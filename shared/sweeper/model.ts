/**
 * The sweeper's vocabulary: what it observes (DescribeAddresses), how it classifies an address, and what it keeps
 * per address between runs. Plain data only: no AWS import, no clock, no I/O.
 */

import { POOL_TAG } from '../inventory/model';

/** Tag that makes an address a member of a keeper pool (`eip-keeper:pool=<name>`): never released by the sweeper. */
export { POOL_TAG };
/** Tag (any value) that exempts an address from release. */
export const KEEP_TAG = 'eip-keeper:keep';
/** Hours in the month the projected saving is quoted for (AWS quotes $3.60 for a 30-day month at $0.005/h). */
export const HOURS_PER_MONTH = 720;

/** One address as DescribeAddresses returns it (the sweeper's only view of EC2). */
export interface ObservedAddress {
  allocationId: string;
  publicIp: string;
  associationId?: string;
  networkInterfaceId?: string;
  privateIp?: string;
  instanceId?: string;
  /** `amazon`, or the BYOIP pool the address comes from. */
  publicIpv4Pool?: string;
  /** Set for addresses a service owns (`alb`, `nlb`, ...). */
  serviceManaged?: string;
  networkBorderGroup?: string;
  tags: Record<string, string>;
}

/**
 * - `in-use`: associated with a network interface or instance.
 * - `service-managed`: owned by an AWS service (load balancer, NAT, ...): never touched.
 * - `byoip`: from a bring-your-own-IP pool: never released (and not charged by AWS).
 * - `pool-idle`: a keeper pool member, unassociated: alerted past the pool's limit, never released.
 * - `exempt`: tagged `eip-keeper:keep` or with a configured exemption key: never released.
 * - `former-pool`: was a pool member (its pool tag removed, the keeper associated it, or a sweep saw the tag), no
 *   longer tagged, unassociated: alerted past the grace period (counted from the untag); released only when the
 *   operator approved it by configuration, never by the sweep on its own.
 * - `idle`: unassociated, no owner, but still within the grace period.
 * - `orphan`: unassociated, no owner, idle longer than the grace period: alerted, released only when configured.
 */
export type AddressKind =
  | 'in-use'
  | 'service-managed'
  | 'byoip'
  | 'pool-idle'
  | 'exempt'
  | 'former-pool'
  | 'idle'
  | 'orphan';

export const ADDRESS_KINDS: readonly AddressKind[] = [
  'in-use',
  'service-managed',
  'byoip',
  'pool-idle',
  'exempt',
  'former-pool',
  'idle',
  'orphan',
];

/** Where an idle-since time comes from: our CloudTrail history, or the first sweep that saw the address idle. */
export type IdleSource = 'history' | 'first-observation';

/** An uninterrupted stretch during which an address was unassociated. */
export interface IdleEpisode {
  /** Stable identity of the episode (the time the sweeper opened it); the ledger item's sort key. */
  key: string;
  /** When the address became idle (may be revised earlier when late CloudTrail history arrives). */
  start: string;
  source: IdleSource;
  /** Price of one address-hour while this episode lasts (0 for BYOIP). */
  rateUsd: number;
}

/**
 * `rejected`: the track's idle start predated the sweeper's first sight of the address and nothing confirmed it (an
 * edited track, or lost history); the episode is closed with no idle time and the next begins now.
 */
export type EpisodeEndReason = 'in-use' | 'reassociated' | 'released' | 'gone' | 'rejected';

export type AlertKind =
  | 'orphan'
  | 'release-notice'
  | 'released'
  | 'release-blocked'
  | 'pool-idle'
  | 'digest'
  | 'orphan-summary'
  | 'former-pool-member';

/** Why a release did not happen although the address was due. */
export type BlockReason =
  | 'dangling-dns'
  | 'dns-unverified'
  | 'locked'
  | 'ptr-set'
  /** ReleaseAddress failed with an error that is neither retryable nor one of the above. */
  | 'release-error';

/**
 * A pre-release notice: the orphan alert, release notice or orphan summary that announced the release, as SNS
 * accepted it. A release needs one whose claim on the table confirms this MessageId (docs/sweeper.md).
 */
export interface Notice {
  /** When SNS accepted it: the notice period starts here. */
  sentAt: string;
  releaseAfter: string;
  messageId: string;
  /** Its alert claim (`SWEEP#<scope> / ALERT#<id>`). */
  alert: { scope: string; id: string };
}

/** What the sweeper keeps per address between runs (the `SWEEP#<allocationId> / TRACK` item). */
export interface AddressTrack {
  allocationId: string;
  publicIp: string;
  /** First sweep that saw the address. */
  firstSeenAt: string;
  /** Last sweep that saw the address (or recorded its disappearance). */
  lastSeenAt: string;
  lastRunId: string;
  status: 'present' | 'released' | 'gone';
  classification: AddressKind;
  reason: string;
  tags: Record<string, string>;
  /** Last sweep that saw the address associated. */
  lastSeenInUseAt: string | null;
  /** What that sweep saw it associated with (the last holder when the history has none). */
  lastSeenHolder: {
    networkInterfaceId: string | null;
    privateIp: string | null;
    instanceId: string | null;
  } | null;
  /** The current idle episode, null while associated. */
  episode: IdleEpisode | null;
  /**
   * The pool tag as the sweeps saw it: the pool, the first sweep that saw it with that tag, and the first that saw
   * it without (null while tagged). The sweeper's own evidence that an address was a pool member.
   */
  poolSeen: { pool: string; at: string; goneAt: string | null } | null;
  /** Alerts sent in the current episode: kind (with `#reason` for blocks) → time sent. */
  alerts: Record<string, string>;
  /** The pre-release notice of the current episode: an alert SNS accepted, and when the release may follow. */
  notice: Notice | null;
  /** The last reason a due release was blocked (retried after `retryAfter`, or every run when null). */
  block: { reason: BlockReason; at: string; detail: string; retryAfter: string | null } | null;
  /** A release in progress (a lease: a retried run finishes it, a concurrent sweep keeps off). */
  releaseAttempt: { runId: string; at: string } | null;
  releasedAt: string | null;
  /** This address's share of the month's cost figures, kept with the track so a sweep need not read the ledger. */
  ledger: TrackLedger;
}

/**
 * What the month-to-date figures need beyond the open episode: the idle time of episodes that already ended this
 * month, and the release. Written in the same versioned commit as the episode's end or the release, so it counts
 * each exactly once; `rollUpMonth` over the ledger items gives the same figures (docs/performance.md).
 */
export interface TrackLedger {
  /** UTC month (`YYYY-MM`) the closed figures belong to; figures of an earlier month count for nothing now. */
  month: string | null;
  /** Hours inside `month` of the episodes that ended (closed in that month's sweeps), and their cost. */
  closedHours: number;
  closedCostUsd: number;
  /** eip-keeper's release of the address, at the price it reclaims (kept even if the track is later rewritten). */
  released: { at: string; rateUsd: number } | null;
}

export const EMPTY_TRACK_LEDGER: TrackLedger = Object.freeze({
  month: null,
  closedHours: 0,
  closedCostUsd: 0,
  released: null,
});

/** The ledger's record of one idle episode (`SWEEP#<allocationId> / IDLE#<key>`). */
export interface IdleEpisodeRecord extends IdleEpisode {
  allocationId: string;
  publicIp: string;
  end: string | null;
  endReason: EpisodeEndReason | null;
  /** The last classification the episode had (orphan, pool-idle, exempt, ...). */
  classification: AddressKind;
}

/** The ledger's record of one release by eip-keeper (`SWEEP#<allocationId> / RELEASE`). */
export interface ReleaseRecord {
  allocationId: string;
  publicIp: string;
  releasedAt: string;
  runId: string;
  rateUsd: number;
  idleSince: string;
  idleSource: IdleSource;
  /** Idle hours of the episode the release ended, and their cost. */
  idleHours: number;
  idleCostUsd: number;
  tags: Record<string, string>;
}

/** A DNS record in one of the account's hosted zones that points at an address. */
export interface DnsReference {
  name: string;
  type: string;
  zone: string;
  privateZone: boolean;
}

/** Result of looking up the account's Route 53 records. */
export type DnsLookup =
  | { status: 'ok'; byIp: ReadonlyMap<string, DnsReference[]> }
  | { status: 'failed'; error: string };

export const MS_PER_HOUR = 3_600_000;

export function hoursBetween(fromIso: string, toIso: string): number {
  return Math.max(0, (Date.parse(toIso) - Date.parse(fromIso)) / MS_PER_HOUR);
}

export function addHours(iso: string, hours: number): string {
  return new Date(Date.parse(iso) + hours * MS_PER_HOUR).toISOString();
}
