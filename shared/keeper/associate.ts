/**
 * Making EC2 agree with a claim: associating an EIP the claim holds with its target (AllowReassociation=false, so an
 * EIP associated by anyone else is never taken back), or confirming the association a held claim already has.
 *
 * AllowReassociation=false protects the EIP, not the target: AWS silently displaces an address already on the target
 * IP. So the caller associates only a target its latest describe showed without a public address, and after the call
 * the target is described again: it must hold exactly the pool EIP. Anything else is a displacement by someone else,
 * which is alerted, and the EIP goes back to the pool.
 */
import type { PoolConfig } from '../config/schema';
import { displacedAlert } from './alerts-security';
import { recordManual } from './announce';
import { type KeeperCore, podIp, releaseClaim } from './core';
import { associationTarget, claimInHand } from './decide-serve';
import { type ClaimRecord, type PoolAddress, sameTarget, type Target } from './model';
import type { AssociateOutcome } from './ports';
import { sendSecurityAlert } from './security';
import type { ServeOutcome } from './serve';
import type { Story } from './story';

/**
 * Associates an EIP our claim holds with its target. `undefined` means "this EIP cannot be had, try another"
 * (someone associated it elsewhere, or it left the pool).
 */
export async function associateClaimed(
  core: KeeperCore,
  pool: PoolConfig,
  claim: ClaimRecord,
  publicIp: string,
  target: Target,
  story: Story,
  opts: { count: boolean; verb: string },
): Promise<ServeOutcome | undefined> {
  const { store, log } = core;
  const { allocationId } = claim;
  let outcome: AssociateOutcome;
  try {
    outcome = await core.ec2.associate(allocationId, target);
  } catch (err) {
    // Throttled past the SDK's retries, or EC2 failed: undo the claim and let Lambda retry the event.
    await core.bestEffort('releasing the claim after a failed association', () =>
      releaseClaim(core, pool.name, allocationId, target, 'associate-failed', { idle: false }),
    );
    throw err;
  }
  switch (outcome.kind) {
    case 'associated': {
      await store.recordAssociation(pool.name, allocationId, target, outcome.associationId, core.now());
      const after = await targetHolds(core, target, allocationId);
      if (after.kind === 'other') {
        await displaced(core, pool, { allocationId, publicIp }, target, after.publicIp, story);
        return { kind: 'has-public-ip', ...(after.publicIp ? { publicIp: after.publicIp } : {}) };
      }
      story.tagHolder(pool, allocationId, target.eniId);
      if (opts.count) core.metrics.add('AssociationsMade', 1, 'Count', core.dims(pool.name));
      story.add(pool.name, `${opts.verb} ${publicIp} to ${podIp(target)}`);
      log.info('associated pool EIP', { pool: pool.name, allocationId, publicIp, ...target });
      return { kind: 'associated', allocationId, publicIp };
    }
    case 'already-associated':
      return alreadyAssociated(core, pool, allocationId, publicIp, target, story);
    case 'target-gone':
      await releaseClaim(core, pool.name, allocationId, target, 'eni-gone', { idle: false });
      await store.removeWaiter(pool.name, target);
      story.add(pool.name, `${podIp(target)} is gone (${outcome.code}); nothing to do`);
      return { kind: 'eni-gone' };
    case 'address-gone':
      await releaseClaim(core, pool.name, allocationId, target, 'address-gone', { idle: false });
      await store.retire(pool.name, allocationId);
      return undefined;
    case 'rejected':
      await releaseClaim(core, pool.name, allocationId, target, 'associate-rejected', { idle: false });
      log.error('AWS refused the association; the reconciler will try again', {
        pool: pool.name,
        allocationId,
        ...target,
        code: outcome.code,
        message: outcome.message,
      });
      story.add(pool.name, `could not give ${publicIp} to ${podIp(target)}: ${outcome.code}`);
      return { kind: 'failed', code: outcome.code };
  }
}

/**
 * `Resource.AlreadyAssociated`: the EIP is on the target already (a duplicate got there first), on something else
 * (recorded as manually held), or free while the target's IP holds another address (never replaced).
 */
async function alreadyAssociated(
  core: KeeperCore,
  pool: PoolConfig,
  allocationId: string,
  publicIp: string,
  target: Target,
  story: Story,
): Promise<ServeOutcome | undefined> {
  const fresh = (await core.ec2.describePoolAddresses([pool.name], [allocationId])).find(
    (a) => a.allocationId === allocationId,
  );
  if (fresh?.association && sameTarget(associationTarget(fresh), target)) {
    if (fresh.association.associationId) {
      await core.store.recordAssociation(
        pool.name,
        allocationId,
        target,
        fresh.association.associationId,
        core.now(),
      );
    }
    story.tagHolder(pool, allocationId, target.eniId, fresh);
    return { kind: 'kept', allocationId, publicIp };
  }
  if (fresh?.association) {
    await recordManual(core, pool, fresh, story, target);
    return undefined;
  }
  // The EIP is free, so the target's IP holds another address: never replaced.
  await releaseClaim(core, pool.name, allocationId, target, 'target-has-address', { idle: false });
  story.add(pool.name, `${podIp(target)} already has a public address: left as it is`);
  return { kind: 'has-public-ip' };
}

/** The target already holds `claim`: make EC2 agree (idempotent for duplicates and re-runs). */
export async function settleHeld(
  core: KeeperCore,
  pool: PoolConfig,
  claim: ClaimRecord,
  address: PoolAddress | undefined,
  target: Target,
  story: Story,
): Promise<ServeOutcome | undefined> {
  if (!address) {
    await releaseClaim(core, pool.name, claim.allocationId, target, 'left-pool', { idle: true });
    await core.store.retire(pool.name, claim.allocationId);
    return undefined;
  }
  if (address.association) {
    if (sameTarget(associationTarget(address), target)) {
      const assoc = address.association.associationId;
      if (assoc && claim.holder?.associationId !== assoc) {
        await core.store.recordAssociation(pool.name, claim.allocationId, target, assoc, core.now());
      }
      story.tagHolder(pool, claim.allocationId, target.eniId, address);
      story.add(pool.name, `${podIp(target)} keeps ${address.publicIp}`);
      return { kind: 'kept', allocationId: claim.allocationId, publicIp: address.publicIp };
    }
    await recordManual(core, pool, address, story, target);
    return undefined;
  }
  if (claimInHand(claim, Date.parse(core.now()))) {
    story.add(pool.name, `${podIp(target)} is being given ${address.publicIp} by another invocation`);
    return { kind: 'in-hand', allocationId: claim.allocationId, publicIp: address.publicIp };
  }
  return associateClaimed(core, pool, claim, address.publicIp, target, story, { count: false, verb: 'gave' });
}

/** What the target holds right after the association: the pool EIP (or nothing: it went), or another address. */
async function targetHolds(
  core: KeeperCore,
  target: Target,
  allocationId: string,
): Promise<{ kind: 'ours-or-gone' } | { kind: 'other'; publicIp?: string }> {
  const eni = (await core.ec2.describeEnis([target.eniId])).get(target.eniId);
  const pub = eni?.publicIps?.[target.privateIp];
  return pub && pub.allocationId !== allocationId
    ? { kind: 'other', ...(pub.publicIp ? { publicIp: pub.publicIp } : {}) }
    : { kind: 'ours-or-gone' };
}

/**
 * A pool EIP displaced from its pod by an association eip-keeper did not make: its claim is let go (it is idle now,
 * back in the pool), the pod keeps what it holds, and the security team hears of it once.
 */
export async function displaced(
  core: KeeperCore,
  pool: PoolConfig,
  eip: { allocationId: string; publicIp: string },
  holder: Target,
  nowHolds: string | undefined,
  story: Story,
): Promise<void> {
  if (await releaseClaim(core, pool.name, eip.allocationId, holder, 'displaced', { idle: true }))
    story.untagHolder(pool, eip.allocationId, holder.eniId);
  story.add(
    pool.name,
    `${eip.publicIp} was displaced from ${podIp(holder)} by ${nowHolds ?? 'another address'}: back in the pool, never taken back; alert sent`,
  );
  await sendSecurityAlert(
    core,
    pool.name,
    displacedAlert(core.subjectPrefix, {
      pool: pool.name,
      region: core.origin.region,
      accountId: core.origin.accountId,
      at: core.now(),
      allocationId: eip.allocationId,
      publicIp: eip.publicIp,
      holder,
      ...(nowHolds ? { nowHolds } : {}),
    }),
  );
}
