/**
 * Sending the keeper's security alerts once each: the alert's dedup key is claimed in the pool's partition first
 * (one claimer sends), the notification is published, then confirmed. A publish that fails forgets the claim and
 * fails the invocation (the retry sends it); a runtime that dies in between leaves an unconfirmed claim the reconciler
 * sends after the grace (`resendUnsentAlerts`).
 */
import type { Notification } from '../notify/notification';
import type { KeeperCore } from './core';
import type { PoolSnapshot } from './model';

/** A claim lives this long: a condition that lasts (an ENI that stays) is alerted again after it. */
export const SECURITY_ALERT_TTL_DAYS = 30;

const expiresAt = (iso: string) => Math.floor(Date.parse(iso) / 1000) + SECURITY_ALERT_TTL_DAYS * 86_400;

/** Sends the alert unless one with its dedup key was claimed already; true when this call sent it. */
export async function sendSecurityAlert(core: KeeperCore, pool: string, n: Notification): Promise<boolean> {
  const at = core.now();
  const key = n.dedupKey;
  if (!(await core.store.claimAlert(pool, key, JSON.stringify(n), at, expiresAt(at)))) return false;
  try {
    await core.alerts.publish(n);
  } catch (err) {
    await core.bestEffort('forgetting the alert claim', () => core.store.releaseAlert(pool, key));
    throw err;
  }
  await core.store.confirmAlert(pool, key, core.now());
  core.metrics.add('KeeperSecurityAlerts', 1, 'Count', core.dims(pool));
  core.log.warn('security alert sent', { pool, kind: n.kind, key });
  return true;
}

/** The security alerts of the pool claimed longer than the grace ago and never confirmed, sent now (once each). */
export async function resendUnsentAlerts(core: KeeperCore, snapshot: PoolSnapshot): Promise<number> {
  const nowMs = Date.parse(core.now());
  let sent = 0;
  for (const a of snapshot.unsentAlerts ?? []) {
    if (nowMs - Date.parse(a.claimedAt) <= core.graceMs) continue;
    if (!(await core.store.reclaimAlert(a.pool, a.key, a.claimedAt, core.now()))) continue;
    await core.alerts.publish(JSON.parse(a.notification) as Notification);
    await core.store.confirmAlert(a.pool, a.key, core.now());
    core.metrics.add('KeeperSecurityAlerts', 1, 'Count', core.dims(a.pool));
    sent += 1;
  }
  return sent;
}
