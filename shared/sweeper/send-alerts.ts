/**
 * Sending an alert: claim it on the table, publish it, confirm it. A claim another run holds means the alert went
 * out (or may have: a run that died between publish and confirm), so it is never sent twice; a failed publish gives
 * the claim back so a retry sends it.
 */

import { renderNotification } from '../notify/render';
import { forEachLimit } from '../runtime/concurrency';
import { type AlertSpec, alertNotification } from './alerts';
import { type AddressDecision, noticeFor } from './decide';
import type { AddressTrack } from './model';
import type { SweepRun } from './run';
import type { AlertKey } from './sweep-store';

/** Addresses alerted in parallel (each is independent; releases stay sequential). */
export const ALERT_CONCURRENCY = 8;

/** Claims, publishes and confirms one alert; returns the time it counts as sent, or null in a dry run. */
export async function sendAlert(
  run: SweepRun,
  key: AlertKey,
  spec: AlertSpec,
  allocationId?: string,
): Promise<string | null> {
  const { deps, result, runId, now } = run;
  const notification = alertNotification(spec, run.alertContext, `${key.scope}#${key.id}`);
  const { subject } = renderNotification(notification);
  const entry = { kind: spec.kind, ...(allocationId ? { allocationId } : {}), subject };
  if (run.dryRun) {
    result.alerts.push({ ...entry, status: 'would-send' });
    return null;
  }
  const claim = await deps.store.claimAlert(key, runId, now, subject);
  if (claim.status === 'taken' && !(claim.state === 'pending' && claim.runId === runId)) {
    if (claim.state === 'pending') {
      // Claimed by a run that died between claim and confirmation: it may have been sent. Never send twice.
      deps.log.warn('alert claimed but never confirmed; not sending it again', {
        key,
        claimedBy: claim.runId,
      });
    }
    result.alerts.push({ ...entry, status: 'already-sent' });
    return claim.at;
  }
  let messageId: string;
  try {
    ({ messageId } = await deps.alerts.publish(notification));
  } catch (err) {
    await deps.store.dropAlertClaim(key, runId);
    throw err;
  }
  await deps.store.confirmAlert(key, runId, messageId);
  result.alerts.push({ ...entry, status: 'sent' });
  return now;
}

/** The dedupe key of an alert about an address: one per idle episode and alert. */
export function addressAlertKey(track: AddressTrack, alertId: string): AlertKey {
  return { scope: track.allocationId, id: `${track.episode?.key ?? 'none'}#${alertId}` };
}

function alertSpec(run: SweepRun, d: AddressDecision, kind: AddressDecision['alerts'][number]): AlertSpec {
  const { release } = run.deps.config.sweeper;
  const releaseAfter =
    kind !== 'pool-idle' && release.enabled ? noticeFor(run.now, release.noticeHours).releaseAfter : null;
  if (kind === 'pool-idle') return { kind, address: run.facts(d) };
  if (kind === 'orphan') return { kind, address: run.facts(d), releaseAfter };
  return { kind, address: run.facts(d), releaseAfter: releaseAfter as string };
}

/**
 * Sends the alerts the plan owes for an address, noting each one sent on its track (and, for an orphan, when the
 * notice period started). True when anything was sent, so the track needs writing again.
 */
export async function sendAddressAlerts(run: SweepRun, d: AddressDecision): Promise<boolean> {
  const { release } = run.deps.config.sweeper;
  let alerted = false;
  for (const kind of d.alerts) {
    const sentAt = await sendAlert(
      run,
      addressAlertKey(d.track, kind),
      alertSpec(run, d, kind),
      d.allocationId,
    );
    if (!sentAt) continue;
    d.track.alerts = { ...d.track.alerts, [kind]: sentAt };
    if (kind !== 'pool-idle' && release.enabled) d.track.notice = noticeFor(sentAt, release.noticeHours);
    alerted = true;
  }
  return alerted;
}

/** A dry run: what each address's alerts would say, nothing claimed or published. */
export async function previewAlerts(run: SweepRun): Promise<void> {
  await forEachLimit(
    run.plan.decisions.filter((d) => d.alerts.length > 0),
    ALERT_CONCURRENCY,
    async (d) => {
      await sendAddressAlerts(run, d);
    },
  );
}
