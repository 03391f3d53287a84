/**
 * Sending an alert: claim it on the table, publish it, confirm it with SNS's MessageId. An alert counts as sent only
 * once confirmed: a claim another run left unconfirmed (it died between claim and confirmation) is taken over after
 * the lease and the alert published again — at least once, never zero times; a failed publish gives the claim back
 * so a retry sends it.
 */

import type { Notification } from '../notify/notification';
import { renderNotification } from '../notify/render';
import { type AlertSpec, alertNotification } from './alerts';
import { type AddressDecision, noticeFor } from './decide';
import type { AddressTrack, Notice } from './model';
import type { SweepResult, SweepRun } from './run';
import type { AlertKey, SentAlert } from './sweep-store';

/** Addresses alerted in parallel (each is independent; releases stay sequential). */
export const ALERT_CONCURRENCY = 8;

/**
 * How long a claim another run holds counts as that run publishing it: twice the Sweeper's 5-minute timeout, after
 * which Lambda has stopped that run for sure.
 */
export const ALERT_CLAIM_LEASE_MS = 10 * 60_000;

/** An alert SNS accepted, and its claim. */
export interface Delivered extends SentAlert {
  key: AlertKey;
}

type Entry = Omit<SweepResult['alerts'][number], 'status' | 'subject'>;

/**
 * Claims, publishes and confirms one notification. Returns it as delivered (now, or by an earlier run), or null when
 * it cannot count as sent: a dry run, or another run is publishing it right now.
 */
export async function deliver(
  run: SweepRun,
  key: AlertKey,
  notification: Notification,
  entry: Entry,
  members?: string[],
): Promise<Delivered | null> {
  const { deps, result, runId, now } = run;
  const { subject } = renderNotification(notification);
  const line = { ...entry, subject };
  if (run.dryRun) {
    result.alerts.push({ ...line, status: 'would-send' });
    return null;
  }
  const claim = await deps.store.claimAlert(key, runId, now, subject, ALERT_CLAIM_LEASE_MS);
  if (claim.status === 'sent') {
    result.alerts.push({ ...line, status: 'already-sent' });
    const { status: _, ...sent } = claim;
    return { key, ...sent };
  }
  if (claim.status === 'in-progress') {
    deps.log.warn('alert being sent by another run; not counted as sent', { key, claimedBy: claim.runId });
    result.alerts.push({ ...line, status: 'in-progress' });
    return null;
  }
  let messageId: string;
  try {
    ({ messageId } = await deps.alerts.publish(notification));
  } catch (err) {
    await deps.store.dropAlertClaim(key, runId);
    throw err;
  }
  // The notice period starts when SNS took it, not when the sweep began.
  const sent: SentAlert = {
    sentAt: deps.clock.now().toISOString(),
    messageId,
    ...(members ? { members } : {}),
  };
  if (!(await deps.store.confirmAlert(key, runId, sent))) {
    deps.log.warn('alert claim taken over by another run while publishing; that run confirms it', { key });
    result.alerts.push({ ...line, status: 'sent' });
    return null;
  }
  result.alerts.push({ ...line, status: 'sent' });
  return { key, ...sent };
}

/** Builds one alert and delivers it (see `deliver`); a summary names the `members` it is the notice of. */
export function sendAlert(
  run: SweepRun,
  key: AlertKey,
  spec: AlertSpec,
  allocationId?: string,
  members?: string[],
): Promise<Delivered | null> {
  const notification = alertNotification(spec, run.alertContext, `${key.scope}#${key.id}`);
  return deliver(
    run,
    key,
    notification,
    { kind: spec.kind, ...(allocationId ? { allocationId } : {}) },
    members,
  );
}

/** The dedupe key of an alert about an address: one per idle episode and alert. */
export function addressAlertKey(track: AddressTrack, alertId: string): AlertKey {
  return { scope: track.allocationId, id: `${track.episode?.key ?? 'none'}#${alertId}` };
}

/** The notice a delivered orphan alert, release notice or summary gives, when releasing is on. */
export function noticeOf(d: Delivered, noticeHours: number): Notice {
  return { ...noticeFor(d.sentAt, noticeHours), messageId: d.messageId, alert: d.key };
}

function alertSpec(run: SweepRun, d: AddressDecision, kind: AddressDecision['alerts'][number]): AlertSpec {
  const { release } = run.deps.config.sweeper;
  const releaseAfter = release.enabled ? noticeFor(run.now, release.noticeHours).releaseAfter : null;
  if (kind === 'pool-idle' || kind === 'former-pool-member') return { kind, address: run.facts(d) };
  if (kind === 'orphan') return { kind, address: run.facts(d), releaseAfter };
  return { kind, address: run.facts(d), releaseAfter: releaseAfter as string };
}

/** Notes a delivered alert on the address's track (and, for a notice, when the notice period started). */
export function recordDelivered(run: SweepRun, track: AddressTrack, kind: string, d: Delivered): void {
  const { release } = run.deps.config.sweeper;
  track.alerts = { ...track.alerts, [kind]: d.sentAt };
  if ((kind === 'orphan' || kind === 'release-notice') && release.enabled) {
    track.notice = noticeOf(d, release.noticeHours);
  }
}

/**
 * Sends the alerts the plan owes for an address, noting each one delivered on its track. True when anything was
 * delivered, so the track needs writing again.
 */
export async function sendAddressAlerts(run: SweepRun, d: AddressDecision): Promise<boolean> {
  let alerted = false;
  for (const kind of d.alerts) {
    const delivered = await sendAlert(
      run,
      addressAlertKey(d.track, kind),
      alertSpec(run, d, kind),
      d.allocationId,
    );
    if (!delivered) continue;
    recordDelivered(run, d.track, kind, delivered);
    alerted = true;
  }
  return alerted;
}
