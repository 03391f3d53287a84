/**
 * The `eip-keeper:holder` tag decisions, as plain functions over plain data: which tags disagree with the claims
 * and EC2 (`holderTagDrift`), and how few CreateTags/DeleteTags calls make a set of changes (`holderTagCalls`).
 */
import { associationTarget } from './decide-serve';
import { type PoolAddress, type PoolSnapshot, sameTarget } from './model';

/** One change of the holder tag: make it name `eniId`, or remove it where it names `eniId`. */
export interface HolderTagChange {
  op: 'tag' | 'untag';
  allocationId: string;
  eniId: string;
}

/**
 * The `eip-keeper:holder` tags that disagree with the claims and EC2 (for a pool with `tagHolder`): a member whose
 * claim holder it is associated with names that holder; a member held by a claim not associated yet keeps a tag
 * naming its holder (its association is being made or repaired, and tags it then); every other member names no one
 * but the ENI EC2 shows it on, so an idle address never claims a dead holder. Addresses owned by an AWS service are
 * not touched.
 */
export function holderTagDrift(snapshot: PoolSnapshot, addresses: readonly PoolAddress[]): HolderTagChange[] {
  const claims = new Map(snapshot.claims.map((c) => [c.allocationId, c]));
  const changes: HolderTagChange[] = [];
  for (const address of addresses) {
    if (address.serviceManaged) continue;
    const { allocationId, holderTag } = address;
    const holder = claims.get(allocationId)?.holder;
    const onHolder = holder !== undefined && sameTarget(associationTarget(address), holder);
    if (onHolder && holderTag !== holder.eniId) {
      changes.push({ op: 'tag', allocationId, eniId: holder.eniId });
      continue;
    }
    if (onHolder || holderTag === undefined) continue;
    if (holder && !address.association && holderTag === holder.eniId) continue;
    // Naming the ENI EC2 shows it on is never wrong (a claim newer than the snapshot, about to be adopted).
    if (holderTag === address.association?.eniId) continue;
    changes.push({ op: 'untag', allocationId, eniId: holderTag });
  }
  return changes;
}

/** A batch of holder tag changes that one CreateTags or DeleteTags call makes. */
export interface HolderTagCall {
  op: 'tag' | 'untag';
  /** The tag's value: the one written, or the one a removal requires (so it never removes a newer holder's tag). */
  eniId: string;
  allocationIds: string[];
}

/**
 * The EC2 calls that make `changes` (the last change of an address wins): one per operation and ENI id, since one
 * CreateTags (DeleteTags) writes (removes) the same tag on many resources. Removals name the value they remove.
 */
export function holderTagCalls(changes: readonly HolderTagChange[]): HolderTagCall[] {
  const last = new Map<string, HolderTagChange>();
  for (const c of changes) {
    last.delete(c.allocationId);
    last.set(c.allocationId, c);
  }
  const calls = new Map<string, HolderTagCall>();
  for (const c of last.values()) {
    const key = `${c.op}\u0000${c.eniId}`;
    const call = calls.get(key) ?? { op: c.op, eniId: c.eniId, allocationIds: [] };
    call.allocationIds.push(c.allocationId);
    calls.set(key, call);
  }
  return [...calls.values()];
}
