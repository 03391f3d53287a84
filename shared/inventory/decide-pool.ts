/**
 * What an address's history says about pool membership (pure): the pool tag it was born with (AllocateAddress), the
 * pool tags added and removed since (CreateTags, DeleteTags: who and when), and the associations the keeper made —
 * the keeper's role may associate pool members only, so one such association proves the address was a pool member
 * even when the tag's own history predates the inventory.
 */
import type { Actor, AddressAllocated, AddressAssociated } from '../events/cloudtrail';
import {
  type EipHistoryEvent,
  POOL_TAG,
  type PoolTagChange,
  type PoolTagChanged,
  type PoolTagHistory,
} from './model';

/** What the fold needs to know beyond the history: which role is the keeper's. */
export interface FoldOptions {
  /** ARNs of the keeper functions' IAM roles (the stack passes them to the recorder). */
  keeperRoleArns: readonly string[];
}

export const NO_KEEPER: FoldOptions = { keeperRoleArns: [] };

/** A call made by the keeper: an assumed-role session of one of its roles (CloudTrail's session issuer). */
export function isKeeperActor(actor: Actor, keeperRoleArns: readonly string[]): boolean {
  return (
    actor.type === 'AssumedRole' && actor.roleArn !== undefined && keeperRoleArns.includes(actor.roleArn)
  );
}

export const isPoolTagEvent = (e: EipHistoryEvent): e is PoolTagChanged | AddressAllocated =>
  e.eventName === 'CreateTags' ||
  e.eventName === 'DeleteTags' ||
  (e.eventName === 'AllocateAddress' && e.tags?.[POOL_TAG] !== undefined);

function changeOf(e: PoolTagChanged | AddressAllocated): PoolTagChange {
  const base = { at: e.eventTime, by: e.actor, eventName: e.eventName, eventId: e.eventId };
  if (e.eventName === 'AllocateAddress') return { kind: 'added', pool: e.tags?.[POOL_TAG] ?? null, ...base };
  return { kind: e.change, pool: e.pool ?? null, ...base };
}

/** The pool-tag events of a history in order (`ordered`: sorted by time, then event id), as changes. */
export function poolTagEvents(ordered: readonly EipHistoryEvent[]): (PoolTagChanged | AddressAllocated)[] {
  return ordered.filter(isPoolTagEvent);
}

export function poolHistoryOf(events: readonly (PoolTagChanged | AddressAllocated)[]): PoolTagHistory | null {
  const changes = events.map(changeOf);
  const first = changes[0];
  const last = changes.at(-1);
  if (!first || !last) return null;
  const lastRemoval = [...changes].reverse().find((c) => c.kind === 'removed') ?? null;
  return { tagged: last.kind === 'added', first, last, lastRemoval };
}

/** The last association the keeper made, or undefined. */
export function lastKeeperAssociation(
  associations: readonly AddressAssociated[],
  options: FoldOptions,
): AddressAssociated | undefined {
  return [...associations].reverse().find((a) => isKeeperActor(a.actor, options.keeperRoleArns));
}
