/**
 * What the keeper tells: an EIP associated outside eip-keeper (recorded as a manual hold, alerted once, never taken
 * back), a pool that ran out (one alert per exhaustion episode, closed when an EIP is free again), and the alerts a
 * runtime that died mid-way left unsent (claimed again by the reconciler after the grace, so exactly one run sends
 * each).
 */
import type { PoolConfig } from '../config/schema';
import { untrustedEniSubject } from '../securityhub/subjects';
import { type ManuallyHeldInfo, manuallyHeldAlert, poolExhaustedAlert } from './alerts';
import { type KeeperCore, podIp } from './core';
import { manualHoldOf, unannouncedExhaustionWaiter, unannouncedHolds } from './decide-announce';
import { approvedMembers } from './decide-membership';
import { poolCounts, waitersInOrder } from './decide-serve';
import type { ManualHold, PoolAddress, PoolCounts, PoolSnapshot, Target } from './model';
import type { Story } from './story';

/** Records an association made outside eip-keeper (displacing our claim if it had one) and alerts once. */
export async function recordManual(
  core: KeeperCore,
  pool: PoolConfig,
  address: PoolAddress,
  story: Story,
  displaced?: Target,
): Promise<void> {
  const hold: ManualHold = {
    ...manualHoldOf(address),
    detectedAt: core.now(),
    ...(displaced ? { displaced } : {}),
  };
  const result = await core.store.markManualHold(pool.name, address.allocationId, hold, displaced);
  if (result !== 'recorded') return;
  if (displaced) story.untagHolder(pool, address.allocationId, displaced.eniId);
  const a = address.association ?? {};
  const where = a.eniId
    ? `${a.eniId}${a.privateIp ? ` (${a.privateIp})` : ''}`
    : (a.instanceId ?? 'elsewhere');
  story.add(
    pool.name,
    `${address.publicIp} was associated outside eip-keeper with ${where}: recorded as manually held, never taken back${displaced ? ` (${displaced.eniId} will get another EIP)` : ''}; alert sent`,
  );
  core.log.warn('pool EIP associated outside eip-keeper', {
    pool: pool.name,
    ...hold,
    allocationId: address.allocationId,
  });
  try {
    await announceManualHold(core, pool, address.allocationId, address.publicIp, hold);
  } catch (err) {
    // Un-record it so the retry (or the next reconcile) detects it again and alerts.
    await core.bestEffort('un-recording the manual hold', () =>
      core.store.clearManualHold(pool.name, address.allocationId, hold.associationId),
    );
    throw err;
  }
}

/**
 * Sends the alert of a manual hold whose sending this invocation claimed, then confirms it on the hold. A runtime
 * that dies between the claim and the confirmation leaves the hold unannounced; the reconciler claims it again
 * after the grace (`announceUnsent`).
 */
async function announceManualHold(
  core: KeeperCore,
  pool: PoolConfig,
  allocationId: string,
  publicIp: string,
  hold: ManualHold,
): Promise<void> {
  const info: ManuallyHeldInfo = {
    pool: pool.name,
    region: core.origin.region,
    accountId: core.origin.accountId,
    at: hold.detectedAt,
    publicIp,
    allocationId,
    associationId: hold.associationId,
    ...(hold.eniId ? { eniId: hold.eniId } : {}),
    ...(hold.privateIp ? { privateIp: hold.privateIp } : {}),
    ...(hold.instanceId ? { instanceId: hold.instanceId } : {}),
    ...(hold.displaced ? { displaced: hold.displaced } : {}),
  };
  await core.alerts.publish(manuallyHeldAlert(core.subjectPrefix, info));
  await core.store.confirmManualHoldAlert(pool.name, allocationId, hold.associationId, core.now());
  core.metrics.add('PoolManuallyHeld', 1, 'Count', core.dims(pool.name));
  // Never throws: a finding that did not reach Security Hub is imported by the next reconcile.
  await core.findings?.raise([untrustedEniSubject(info)]);
}

/** Opens the pool's exhaustion episode; the handler that opens it sends the episode's one alert. */
export async function exhausted(
  core: KeeperCore,
  pool: PoolConfig,
  target: Target,
  story: Story,
  addresses: PoolAddress[],
): Promise<void> {
  const { store } = core;
  const at = core.now();
  const episode = await store.openExhaustion(pool.name, at);
  if (episode === undefined) {
    if (!story.quiet)
      story.add(pool.name, `no free EIP for ${podIp(target)} (pool exhausted, already alerted)`);
    return;
  }
  const snapshot = await store.loadPool(pool.name);
  const counts = poolCounts(snapshot, addresses);
  const byId = new Map(addresses.map((a) => [a.allocationId, a]));
  const alert = poolExhaustedAlert(core.subjectPrefix, {
    pool: pool.name,
    region: core.origin.region,
    accountId: core.origin.accountId,
    at,
    episode,
    counts,
    waiting: waitersInOrder(snapshot.waiters),
    manuallyHeld: snapshot.claims.flatMap((c) =>
      c.manualHold
        ? [
            {
              publicIp: byId.get(c.allocationId)?.publicIp ?? c.publicIp ?? c.allocationId,
              allocationId: c.allocationId,
              ...(c.manualHold.eniId || c.manualHold.instanceId
                ? { heldBy: c.manualHold.eniId ?? c.manualHold.instanceId }
                : {}),
            },
          ]
        : [],
    ),
    allocateOnExhaustion: pool.allocateOnExhaustion,
  });
  try {
    await core.alerts.publish(alert);
  } catch (err) {
    await core.bestEffort('re-closing the exhaustion episode', () =>
      store.abandonExhaustion(pool.name, episode),
    );
    throw err;
  }
  await store.markExhaustionAlerted(pool.name, episode, core.now());
  core.metrics.add('PoolExhausted', 1, 'Count', core.dims(pool.name));
  core.log.info('pool exhausted', { pool: pool.name, episode, waiting: counts.waiting, size: counts.size });
  story.add(
    pool.name,
    `no free EIP for ${podIp(target)}: pool exhausted (${counts.size} EIPs, ${counts.waiting} ENI${counts.waiting === 1 ? '' : 's'} waiting); alert sent`,
  );
}

/**
 * The alerts a runtime that died mid-way left unsent, sent once. Manual holds recorded longer than the grace ago
 * whose alert was never confirmed: the runtime that recorded one died before its Publish (or before confirming it),
 * and every later run takes the recorded hold as known; each is claimed again (conditional on the claim it read, so
 * exactly one run sends it) and alerted. Holds EC2 no longer shows are left to the plan, which clears them. An
 * exhaustion episode opened longer than the grace ago and never announced: its opener died between opening it and
 * publishing the alert (a crash or timeout runs no clean-up), and every later handler takes it as announced; it is
 * re-closed and opened again, which sends its alert (exactly once: opening is conditional).
 */
export async function announceUnsent(
  core: KeeperCore,
  pool: PoolConfig,
  snapshot: PoolSnapshot,
  addresses: PoolAddress[],
  story: Story,
): Promise<void> {
  const nowMs = Date.parse(core.now());
  for (const { claim: c, hold, address } of unannouncedHolds(snapshot, addresses, nowMs, core.graceMs)) {
    const reclaimed = await core.store.reclaimManualHoldAlert(
      pool.name,
      c.allocationId,
      hold.associationId,
      hold.alertClaimedAt,
      core.now(),
    );
    if (!reclaimed) continue;
    await announceManualHold(core, pool, c.allocationId, address.publicIp, hold);
    story.add(
      pool.name,
      `${address.publicIp} has been held outside eip-keeper since ${hold.detectedAt}, and its alert was never sent: alert sent`,
    );
  }
  const first = unannouncedExhaustionWaiter(snapshot, Date.parse(core.now()), core.graceMs);
  if (!first || !snapshot.exhaustion) return;
  await core.store.abandonExhaustion(pool.name, snapshot.exhaustion.episode);
  await exhausted(core, pool, { eniId: first.eniId, privateIp: first.privateIp }, story, addresses);
}

/** Closes the exhaustion episode if an EIP is free now, and reports the pool's size and free count. */
export async function settlePool(
  core: KeeperCore,
  pool: PoolConfig,
  story: Story,
  addresses?: PoolAddress[],
): Promise<PoolCounts> {
  const snapshot = await core.store.loadPool(pool.name);
  let members = addresses ?? story.addresses.get(pool.name);
  if (!members) {
    members = approvedMembers(pool, await core.ec2.describePoolAddresses([pool.name]), snapshot.claims);
    story.sawMembers(pool.name, members, true);
  }
  const counts = poolCounts(snapshot, members);
  if (
    snapshot.exhaustion?.open &&
    counts.free > 0 &&
    (await core.store.closeExhaustion(pool.name, core.now()))
  ) {
    story.add(pool.name, `an EIP is free again: exhaustion episode ${snapshot.exhaustion.episode} is over`);
  }
  core.metrics.add('PoolSize', counts.size, 'Count', core.dims(pool.name));
  core.metrics.add('PoolFree', counts.free, 'Count', core.dims(pool.name));
  return counts;
}
