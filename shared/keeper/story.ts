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
  /** The pool members this invocation last read from EC2, by pool. */
  readonly addresses = new Map<string, PoolAddress[]>();
  /** Holder tag changes, made by `flushHolderTags`. */
  readonly tagChanges: HolderTagChange[] = [];
  add(pool: string, text: string): void {
    this.lines.push(`pool ${pool}: ${text}`);
  }
  /** `allocationId` is associated with its claim holder `eniId` (`seen`: the address as last described, if it was). */
  tagHolder(pool: PoolConfig, allocationId: string, eniId: string, seen?: PoolAddress): void {
    if (!pool.tagHolder) return;
    const pending = this.tagChanges.some((c) => c.allocationId === allocationId);
    if (seen?.holderTag === eniId && !pending) return;
    this.tagChanges.push({ op: 'tag', allocationId, eniId });
  }
  /** The pool of each address whose holder tag this invocation removes. */
  private readonly untagPools = new Map<string, string>();
  /** `allocationId` is no longer held by `eniId`. */
  untagHolder(pool: PoolConfig, allocationId: string, eniId: string): void {
    if (!pool.tagHolder) return;
    this.tagChanges.push({ op: 'untag', allocationId, eniId });
    this.untagPools.set(allocationId, pool.name);
  }
  /**
   * False for an address this invocation last read outside its pool (its pool tag removed): IAM lets the keeper tag
   * pool members only, so such an address keeps its holder tag (docs/keeper.md).
   */
  mayUntag(allocationId: string): boolean {
    const pool = this.untagPools.get(allocationId);
    const members = pool === undefined ? undefined : this.addresses.get(pool);
    return !members || members.some((a) => a.allocationId === allocationId);
  }
}

/**
 * Makes the story's tag changes in as few calls as the tag sets allow. A failed call is logged and left to the
 * reconciler (which repairs tag drift every period): the association it describes stands either way.
 */
export async function flushHolderTags(core: KeeperCore, story: Story): Promise<void> {
  const changes = story.tagChanges.splice(0).filter((c) => c.op === 'tag' || story.mayUntag(c.allocationId));
  for (const call of holderTagCalls(changes)) {
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
