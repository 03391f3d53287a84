/**
 * The checks that guard each release, at the last moment (pure): the address read live, the DNS records that name
 * it, and what a ReleaseAddress error means. `release.ts` applies them.
 */
import { exemptionTag, isAssociated, isByoip } from './classify';
import { type BlockReason, type DnsLookup, type DnsReference, type ObservedAddress, POOL_TAG } from './model';

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
