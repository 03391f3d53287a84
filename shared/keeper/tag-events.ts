/**
 * A pool tag added to or removed from an address (CreateTags/DeleteTags on Elastic IPs, routed by the keeper's tag
 * rule): the pool concerned hears who did it, once per call and address. Adding the tag to an address the pool does
 * not list is the way an in-account principal would try to get their own address handed out: it is never handed
 * out, and this is the alert (the same one the reconciler sends when it finds such an address). Removing it from a
 * member takes the member out of IAM's reach (the keeper associates only pool-tagged addresses).
 */
import type { PoolConfig } from '../config/schema';
import { describeActor } from '../events/actor';
import type { AddressTagsChanged } from '../events/cloudtrail';
import { poolTagChangedAlert } from './alerts-security';
import type { KeeperCore } from './core';
import type { PoolTagChange } from './decide-event';
import { isListed } from './decide-membership';
import { sendSecurityAlert } from './security';
import type { Story } from './story';

/** Whether a configured pool lists the address, or holds a claim item for it (it was a member). */
async function knows(core: KeeperCore, pool: PoolConfig, allocationId: string): Promise<boolean> {
  return (
    pool.members.includes(allocationId) || (await core.store.getClaim(pool.name, allocationId)) !== undefined
  );
}

/**
 * The configured pools a change concerns, and how: the pool the call names gets the change as made; a pool that
 * knew the address loses it when the call removes the key or writes another pool's name over it.
 */
async function concerned(
  core: KeeperCore,
  change: PoolTagChange,
): Promise<{ pool: PoolConfig; change: 'added' | 'removed' }[]> {
  const out: { pool: PoolConfig; change: 'added' | 'removed' }[] = [];
  for (const p of core.pools) {
    if (p.name === change.pool) out.push({ pool: p, change: change.change });
    else if (
      (change.change === 'added' || change.pool === undefined) &&
      (await knows(core, p, change.allocationId))
    )
      out.push({ pool: p, change: 'removed' });
  }
  return out;
}

/** Alerts each configured pool a tag call changed; the number of alerts sent. */
export async function tellTagChanges(
  core: KeeperCore,
  changes: readonly PoolTagChange[],
  record: AddressTagsChanged,
  story: Story,
): Promise<number> {
  let sent = 0;
  for (const change of changes) {
    for (const { pool, change: how } of await concerned(core, change)) {
      // An address added by public IP in the configuration is listed too; the call names the allocation id only.
      const claim = await core.store.getClaim(pool.name, change.allocationId);
      const listed =
        isListed(pool, { allocationId: change.allocationId, publicIp: claim?.publicIp ?? '' }) ||
        claim?.allocatedByKeeper === true;
      const by = describeActor(record.actor);
      const alert = poolTagChangedAlert(core.subjectPrefix, {
        pool: pool.name,
        region: core.origin.region,
        accountId: core.origin.accountId,
        at: record.eventTime,
        change: how,
        allocationId: change.allocationId,
        by,
        eventId: record.eventId,
        listed,
      });
      const ok = await sendSecurityAlert(core, pool.name, alert);
      if (ok) sent += 1;
      story.add(
        pool.name,
        `${by} ${how === 'added' ? 'added the pool tag to' : 'removed the pool tag from'} ${change.allocationId}${listed ? '' : ' (not a listed member)'}${ok ? ': alert sent' : ''}`,
      );
    }
  }
  return sent;
}
