/**
 * The checks that guard each release, at the last moment (pure): the address read live, the DNS records that name
 * it, and what a ReleaseAddress error means. `release.ts` applies them.
 */
import { exemptionTag, isAssociated, isByoip } from './classify';
import {
  type AddressTrack,
  addHours,
  type BlockReason,
  type DnsLookup,
  type DnsReference,
  type IdleEpisodeRecord,
  type ObservedAddress,
  POOL_TAG,
} from './model';
import type { StoredAlertClaim } from './sweep-store';

/**
 * Unproven: what the table does prove wins. `episode`: keep the track's, take the ledger item's start (`ledger`), or
 * drop it (no open ledger item under its key: the next sweep opens a new one).
 */
export type EvidenceCheck = { ok: true } | { ok: false; detail: string; episode: 'keep' | 'ledger' | 'drop' };

const refused = (detail: string, episode: 'keep' | 'ledger' | 'drop' = 'keep'): EvidenceCheck => ({
  ok: false,
  detail,
  episode,
});

/**
 * The proof a release needs beyond the track, which one table write could forge: the notice's alert claim, written
 * when the notice was claimed and confirmed with the MessageId SNS gave it, and the idle episode's ledger item,
 * written with the track when the episode began. Both must agree with the track: the notice confirmed, about this
 * address and this idle episode, its period over; the episode open, starting when the track says.
 */
export function checkReleaseEvidence(input: {
  track: AddressTrack;
  claim: StoredAlertClaim | undefined;
  episode: IdleEpisodeRecord | undefined;
  noticeHours: number;
  now: string;
}): EvidenceCheck {
  const { track, claim, episode } = input;
  const { notice, episode: ep } = track;
  if (!ep) return refused('no idle episode on record');
  // The ledger first: an episode whose item is gone or ended, or starts elsewhere, is not this address's idle time.
  if (!episode || episode.end !== null) return refused('its idle episode is not open on the ledger', 'drop');
  if (episode.start !== ep.start) return refused('its idle episode on the ledger starts elsewhere', 'ledger');
  if (!notice) return refused('no notice on record');
  if (!notice.messageId) return refused('its notice has no SNS MessageId on record');
  const sent = claim?.sent;
  if (!sent || sent.messageId !== notice.messageId || sent.sentAt !== notice.sentAt) {
    return refused('no confirmed alert on the table matches its notice');
  }
  const about =
    notice.alert.scope === track.allocationId
      ? notice.alert.id.startsWith(`${ep.key}#`)
      : (sent.members ?? []).includes(`${track.allocationId}#${ep.key}`);
  if (!about) return refused('its notice is about another address or idle episode');
  if (input.now < addHours(notice.sentAt, input.noticeHours) || input.now < notice.releaseAfter) {
    return refused('its notice period is not over');
  }
  return { ok: true };
}

export type LiveCheck =
  | { ok: true }
  | {
      ok: false;
      reason: 'gone' | 'associated' | 'tags-changed' | 'not-orphan';
      detail: string;
    };

function sameTags(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

/**
 * The last check before ReleaseAddress: the address as read live a moment ago must still be the unassociated,
 * unowned address the plan decided on, with exactly the tags it had.
 */
export function checkLiveBeforeRelease(
  decided: ObservedAddress,
  live: ObservedAddress | undefined,
  exemptTagKeys: readonly string[],
): LiveCheck {
  if (!live) return { ok: false, reason: 'gone', detail: 'no longer in DescribeAddresses' };
  if (isAssociated(live)) {
    return {
      ok: false,
      reason: 'associated',
      detail: `associated again (${live.networkInterfaceId ?? live.instanceId ?? live.associationId})`,
    };
  }
  if (!sameTags(decided.tags, live.tags)) {
    return { ok: false, reason: 'tags-changed', detail: 'its tags changed since the sweep read them' };
  }
  if (
    live.serviceManaged ||
    isByoip(live) ||
    POOL_TAG in live.tags ||
    exemptionTag(live.tags, exemptTagKeys)
  ) {
    return { ok: false, reason: 'not-orphan', detail: 'it is owned, BYOIP, a pool member or exempt' };
  }
  return { ok: true };
}

/** DNS records that forbid releasing `ip`, or why DNS could not be verified; null when releasing is safe. */
export function dnsBlock(
  ip: string,
  dns: DnsLookup,
): {
  reason: Extract<BlockReason, 'dangling-dns' | 'dns-unverified'>;
  detail: string;
  refs: DnsReference[];
} | null {
  if (dns.status === 'failed') {
    return { reason: 'dns-unverified', detail: `Route 53 lookup failed: ${dns.error}`, refs: [] };
  }
  const refs = dns.byIp.get(ip) ?? [];
  if (refs.length === 0) return null;
  return {
    reason: 'dangling-dns',
    detail: `${refs.length} DNS record${refs.length === 1 ? '' : 's'} point${refs.length === 1 ? 's' : ''} at it`,
    refs,
  };
}

/** Hours before a release blocked by an address lock or PTR record (which need a person) is tried again. */
export const BLOCKED_RETRY_HOURS = 24;

export type ReleaseFailure =
  | { outcome: 'skip'; reason: 'associated'; detail: string }
  | { outcome: 'gone'; detail: string }
  | { outcome: 'block'; reason: BlockReason; detail: string; retryAfterHours: number | null }
  | { outcome: 'retry' };

/** What a ReleaseAddress error means for this address. */
export function releaseFailure(code: string, message: string): ReleaseFailure {
  switch (code) {
    case 'InvalidIPAddress.InUse':
      return {
        outcome: 'skip',
        reason: 'associated',
        detail: `associated again just before the release (${code})`,
      };
    case 'InvalidAllocationID.NotFound':
      return { outcome: 'gone', detail: `already released (${code})` };
    case 'InvalidAddress.Locked':
      return {
        outcome: 'block',
        reason: 'locked',
        detail: `AWS has locked the address to the account (${code}): ${message}`,
        retryAfterHours: BLOCKED_RETRY_HOURS,
      };
    case 'InvalidAddress.PtrSet':
      return {
        outcome: 'block',
        reason: 'ptr-set',
        detail: `a reverse-DNS (PTR) record is set on it (${code}): remove it first`,
        retryAfterHours: BLOCKED_RETRY_HOURS,
      };
    case 'UnauthorizedOperation':
    case 'AuthFailure':
    case 'AccessDenied':
      return {
        outcome: 'block',
        reason: 'release-error',
        detail: `denied by IAM (${code}); the role only releases addresses without pool or keep tags`,
        retryAfterHours: BLOCKED_RETRY_HOURS,
      };
    default:
      return { outcome: 'retry' };
  }
}
