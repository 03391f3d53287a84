/**
 * Announces what an audit changed, as an outbox: claim each pending record (a lease, so that of two concurrent audits
 * only one announces it), publish, then mark the records announced; a failed publish gives the claims back and fails,
 * so a later audit announces. Notifications are at least once, never lost.
 */
import type { NotificationPort } from '../notify/ports';
import { type ChangeNotice, changeNotification } from './alerts';
import type { AuditRecord, FindingStore } from './finding-store';
import type { NotifierPort } from './ports';

/** How long an audit holds the right to announce a record (longer than the function timeout). */
export const ANNOUNCE_LEASE_MS = 15 * 60_000;

const pending = (r: AuditRecord) =>
  (r.state === 'open' && r.announced === 'none') || (r.state === 'resolved' && r.announced === 'open');

export interface Announced {
  opened: AuditRecord[];
  resolved: AuditRecord[];
}

export async function announceChanges(
  deps: { store: FindingStore; notifier: NotifierPort },
  records: AuditRecord[],
  notice: Omit<ChangeNotice, 'opened' | 'resolved'>,
  now: Date,
): Promise<Announced> {
  const until = new Date(now.getTime() + ANNOUNCE_LEASE_MS).toISOString();
  const claimed: AuditRecord[] = [];
  for (const r of records.filter(pending)) {
    const c = await deps.store.claim(r, notice.at, until);
    if (c) claimed.push(c);
  }
  const opened = claimed.filter((r) => r.state === 'open');
  const resolved = claimed.filter((r) => r.state === 'resolved');
  if (claimed.length === 0) return { opened, resolved };
  try {
    await deps.notifier.publish({ ...notice, opened, resolved });
  } catch (err) {
    for (const r of claimed) await deps.store.release(r);
    throw err;
  }
  for (const r of claimed) await deps.store.markAnnounced(r, notice.at);
  return { opened, resolved };
}

/** Announces on the alert topic: what an audit changed, as one notification (alerts.ts). */
export function topicAnnouncer(topic: NotificationPort, subjectPrefix: string): NotifierPort {
  return {
    async publish(notice) {
      await topic.publish(changeNotification(subjectPrefix, notice));
    },
  };
}
