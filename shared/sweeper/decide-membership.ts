/**
 * Former pool members (pure). A pool address that lost its pool tag — infrastructure-as-code drift, a mistaken
 * untag, or someone who wanted it released — is still allowlisted by the pool's partners: it is never an orphan.
 * Three kinds of evidence, any one enough: the inventory's history of the pool tag (CreateTags/DeleteTags, the tag
 * an address was born with), an association the keeper's role made (it may associate pool members only), and a sweep
 * that saw the tag. Tags are written by anyone allowed ec2:CreateTags, so no tag can make an address releasable: only
 * the deployed configuration can (`sweeper.release.approvedFormerPoolMembers`, address and IP both).
 */
import type { SweeperConfig } from '../config/schema';
import { describeActor } from '../events/actor';
import type { EipState } from '../inventory/model';
import { type AddressTrack, type ObservedAddress, POOL_TAG } from './model';

export interface FormerPoolFacts {
  /** The pool it was in, when known (untrusted: a tag value). */
  pool: string | null;
  /** What shows it was a pool member, most telling first. */
  evidence: 'tag-removed' | 'tag-history' | 'keeper-association' | 'seen-tagged';
  /** When it left the pool: the untag (or the first sweep that saw it untagged); grace counts from here. */
  untaggedAt: string | null;
  /** Who removed the tag, as CloudTrail names them (untrusted), when known. */
  untaggedBy: string | null;
  /** When the keeper last associated it, when it did. */
  keeperAssociatedAt: string | null;
  /** Listed, with its public IP, in `sweeper.release.approvedFormerPoolMembers`. */
  approved: boolean;
}

/** The pool tag as this sweep saw it, carried on the track (first sight with it, first sight without). */
export function poolSeenNow(observed: ObservedAddress, prev: AddressTrack['poolSeen'], now: string) {
  const pool = observed.tags[POOL_TAG];
  if (pool !== undefined) {
    return prev && prev.pool === pool && prev.goneAt === null ? prev : { pool, at: now, goneAt: null };
  }
  return prev && prev.goneAt === null ? { ...prev, goneAt: now } : prev;
}

function approved(observed: ObservedAddress, config: Pick<SweeperConfig, 'release'>): boolean {
  return config.release.approvedFormerPoolMembers.some(
    (a) => a.allocationId === observed.allocationId && a.publicIp === observed.publicIp,
  );
}

/** The address's pool past, for an address that carries no pool tag now; null when nothing shows one. */
export function formerPoolFacts(
  observed: ObservedAddress,
  history: EipState | undefined,
  poolSeen: AddressTrack['poolSeen'],
  config: Pick<SweeperConfig, 'release'>,
): FormerPoolFacts | null {
  if (observed.tags[POOL_TAG] !== undefined) return null;
  const tags = history?.pool ?? null;
  const keeper = history?.keeperAssociation ?? null;
  const removal = tags?.lastRemoval ?? null;
  if (!tags && !keeper && !poolSeen) return null;
  const evidence: FormerPoolFacts['evidence'] = removal
    ? 'tag-removed'
    : tags
      ? 'tag-history'
      : keeper
        ? 'keeper-association'
        : 'seen-tagged';
  // The latest untag anyone knows of: the history's, or the first sweep that saw the tag gone.
  const untags = [removal?.at, poolSeen?.goneAt].filter((t): t is string => typeof t === 'string').sort();
  return {
    pool:
      removal?.pool ??
      (tags?.last.kind === 'added' ? tags.last.pool : tags?.first.pool) ??
      poolSeen?.pool ??
      null,
    evidence,
    untaggedAt: untags.at(-1) ?? null,
    untaggedBy: removal ? describeActor(removal.by) : null,
    keeperAssociatedAt: keeper?.at ?? null,
    approved: approved(observed, config),
  };
}
