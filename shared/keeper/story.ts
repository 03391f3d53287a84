/**
 * One invocation's narrative (shown by the local story and returned by the handler) and the holder tag changes it
 * defers: made in as few EC2 calls as the tag sets allow once the invocation's work is done (`flushHolderTags`),
 * never before an association, never in the way of the next one.
 */
import type { PoolConfig } from '../config/schema';
import type { KeeperCore } from './core';
import { type HolderTagChange, holderTagCalls } from './decide-holder-tags';
import type { PoolAddress } from './model';

export class Story {
  readonly lines: string[] = [];
  /** The reconciler runs every few minutes: it tells only what it changed. */
  constructor(readonly quiet = false) {}
  /** The pool members this invocation last read from EC2 in full, by pool. */
  readonly addresses = new Map<string, PoolAddress[]>();
  /**
   * Addresses this invocation saw carrying their pool's tag: the only ones whose holder tag it may change without
   * looking again (IAM lets the keeper tag only addresses tagged with a configured pool's name).
   */
  readonly tagged = new Set<string>();
  /** Holder tag changes, made by `flushHolderTags`. */
  readonly tagChanges: HolderTagChange[] = [];
  add(pool: string, text: string): void {
    this.lines.push(`pool ${pool}: ${text}`);
  }
  /** Members read from EC2 (`full`: every member of the pool, as counts need them). */
  sawMembers(pool: string, members: readonly PoolAddress[], full = false): void {
    for (const a of members) this.tagged.add(a.allocationId);
    if (full) this.addresses.set(pool, [...members]);
  }
  /** `allocationId` is associated with its claim holder `eniId` (`seen`: the address as last described, if it was). */
  tagHolder(pool: PoolConfig, allocationId: string, eniId: string, seen?: PoolAddress): void {
    if (!pool.tagHolder) return;
    const pending = this.tagChanges.some((c) => c.allocationId === allocationId);
    if (seen?.holderTag === eniId && !pending) return;
    this.tagChanges.push({ op: 'tag', allocationId, eniId });
  }
  /** `allocationId` is no longer held by `eniId`. */
  untagHolder(pool: PoolConfig, allocationId: string, eniId: string): void {
    if (pool.tagHolder) this.tagChanges.push({ op: 'untag', allocationId, eniId });
  }
}

/**
 * Makes the story's tag changes in as few calls as the tag sets allow, on addresses that still carry a configured
 * pool's tag only (one DescribeAddresses for those this invocation did not see tagged): IAM denies the keeper tag
 * calls on any other address, and a call it denies would only fail. A failed call is logged and left to the
 * reconciler (which repairs tag drift every period): the association it describes stands either way.
 */
export async function flushHolderTags(core: KeeperCore, story: Story): Promise<void> {
  const changes = story.tagChanges.splice(0);
  const unseen = [...new Set(changes.map((c) => c.allocationId).filter((id) => !story.tagged.has(id)))];
  if (unseen.length > 0) {
    const names = core.pools.map((p) => p.name);
    await core.bestEffort('reading the pool tags before holder tag changes', async () => {
      for (const a of await core.ec2.describePoolAddresses(names, unseen)) story.tagged.add(a.allocationId);
    });
  }
  const allowed = changes.filter((c) => story.tagged.has(c.allocationId));
  for (const call of holderTagCalls(allowed)) {
    try {
      if (call.op === 'tag') await core.ec2.tagHolder(call.allocationIds, call.eniId);
      else await core.ec2.untagHolder(call.allocationIds, call.eniId);
    } catch (err) {
      core.log.warn('holder tag not written (the reconciler repairs it)', {
        op: call.op,
        eniId: call.eniId,
        allocationIds: call.allocationIds,
        error: String(err),
      });
    }
  }
}
