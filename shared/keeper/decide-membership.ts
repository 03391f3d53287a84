/**
 * Which tagged addresses are a pool's members, as plain functions (no AWS import, no I/O). The pool tag alone proves
 * nothing: anyone allowed `ec2:CreateTags` can tag an idle address of theirs `eip-keeper:pool=<name>`. A member is an
 * address tagged with the pool's name AND approved: listed in the pool's `members` (by allocation id or public IP),
 * or allocated into the pool by eip-keeper itself (`allocateOnExhaustion`, recorded on its claim item). A tagged
 * address that is not approved is never handed out and is reported; a listed one that is not tagged is not a member
 * either (IAM lets the keeper associate only addresses tagged with a configured pool name).
 */
import type { PoolConfig } from '../config/schema';
import type { ClaimRecord, PoolAddress } from './model';

/** The address is listed in the pool's configuration (by allocation id or public IP). */
export function isListed(pool: PoolConfig, address: Pick<PoolAddress, 'allocationId' | 'publicIp'>): boolean {
  return pool.members.includes(address.allocationId) || pool.members.includes(address.publicIp);
}

export interface Membership {
  /** Tagged with the pool's name and approved. */
  members: PoolAddress[];
  /** Tagged with the pool's name, not approved: never handed out, reported. */
  unapproved: PoolAddress[];
  /** Listed in the configuration, but no address tagged with the pool's name matches (untagged, or released). */
  untagged: string[];
}

/**
 * Splits the addresses tagged with the pool's name (DescribeAddresses) into members and unapproved ones, and names
 * the listed entries that match none of them. `claims`: the pool's claim items, which record what eip-keeper
 * allocated into the pool.
 */
export function membershipOf(
  pool: PoolConfig,
  tagged: readonly PoolAddress[],
  claims: readonly Pick<ClaimRecord, 'allocationId' | 'allocatedByKeeper'>[] = [],
): Membership {
  const allocated = new Set(claims.filter((c) => c.allocatedByKeeper).map((c) => c.allocationId));
  const members: PoolAddress[] = [];
  const unapproved: PoolAddress[] = [];
  for (const a of tagged) {
    if (a.pool !== pool.name) continue;
    if (isListed(pool, a) || allocated.has(a.allocationId)) members.push(a);
    else unapproved.push(a);
  }
  const matched = new Set(members.flatMap((a) => [a.allocationId, a.publicIp]));
  return { members, unapproved, untagged: pool.members.filter((m) => !matched.has(m)) };
}

/** The approved members among the tagged addresses (see `membershipOf`). */
export function approvedMembers(
  pool: PoolConfig,
  tagged: readonly PoolAddress[],
  claims?: readonly Pick<ClaimRecord, 'allocationId' | 'allocatedByKeeper'>[],
): PoolAddress[] {
  return membershipOf(pool, tagged, claims).members;
}

/**
 * The configuration snippet that approves today's tagged members of each pool (the migration from tag-only pools):
 * `members` as allocation ids, in the order of their public IPs.
 */
export function membersSnippet(tagged: readonly PoolAddress[]): Record<string, string[]> {
  const byPool: Record<string, PoolAddress[]> = {};
  for (const a of tagged) (byPool[a.pool] ??= []).push(a);
  return Object.fromEntries(
    Object.entries(byPool)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([pool, list]) => [
        pool,
        [...list].sort((a, b) => (a.publicIp < b.publicIp ? -1 : 1)).map((a) => a.allocationId),
      ]),
  );
}
