/**
 * An ENI that matches a pool's selector but is not a proven pod of its cluster: never served, and the security team
 * is told once per ENI (who created it, when, where, why it is not a pod, what to do).
 */
import type { PoolConfig } from '../config/schema';
import { describeActor } from '../events/actor';
import { unprovenEniAlert } from './alerts-security';
import type { KeeperCore } from './core';
import type { IdentityVerdict } from './decide-identity';
import type { EniView } from './model';
import { sendSecurityAlert } from './security';
import type { Story } from './story';

type Refusal = Extract<IdentityVerdict, { kind: 'refused' }>;

/** Counts and, for a suspect, alerts (once per ENI) the refusal of an ENI that matched the pool. */
export async function refuseUnproven(
  core: KeeperCore,
  pool: PoolConfig,
  eni: EniView,
  verdict: Refusal,
  story: Story,
): Promise<void> {
  const why = verdict.reasons.join('; ');
  core.log.warn('not a proven pod ENI: no pool address', { pool: pool.name, eniId: eni.eniId, reasons: why });
  if (!verdict.suspect) {
    story.add(pool.name, `${eni.eniId} is not served: ${why}`);
    return;
  }
  core.metrics.add('UnprovenEnis', 1, 'Count', core.dims(pool.name));
  const c = verdict.creation;
  const sent = await sendSecurityAlert(
    core,
    pool.name,
    unprovenEniAlert(core.subjectPrefix, {
      pool: pool.name,
      cluster: pool.cluster,
      region: core.origin.region,
      accountId: core.origin.accountId,
      at: core.now(),
      eniId: eni.eniId,
      ...(eni.vpcId ? { vpcId: eni.vpcId } : {}),
      ...(eni.subnetId ? { subnetId: eni.subnetId } : {}),
      securityGroupIds: eni.securityGroupIds,
      description: eni.description,
      ...(c ? { creator: describeActor(c.actor), createdAt: c.at } : {}),
      reasons: verdict.reasons,
    }),
  );
  story.add(
    pool.name,
    `${eni.eniId} looks like a pod ENI but is not one (${why}): no pool address${sent ? '; security alert sent' : ''}`,
  );
}
