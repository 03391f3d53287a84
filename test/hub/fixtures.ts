/** Member events as EventBridge delivers them to the hub, for the hub's tests. */
import type { MemberEvent } from '../../shared/hub/model';
import type { Notification } from '../../shared/notify/notification';
import type { IdleEpisodeRecord, ReleaseRecord } from '../../shared/sweeper/model';

export const MEMBER = { account: '111122223333', region: 'eu-west-1' };

export function memberEvent(
  detailType: string,
  detail: unknown,
  over: Partial<MemberEvent> = {},
): MemberEvent {
  return {
    id: 'e-1',
    source: 'eip-keeper',
    'detail-type': detailType,
    ...MEMBER,
    time: '2026-03-01T10:00:00Z',
    detail,
    ...over,
  };
}

export function episode(over: Partial<IdleEpisodeRecord> = {}): IdleEpisodeRecord {
  return {
    allocationId: 'eipalloc-0a',
    publicIp: '203.0.113.10',
    key: '2026-03-01T00:00:00.000Z',
    start: '2026-03-01T00:00:00.000Z',
    source: 'first-observation',
    rateUsd: 0.005,
    end: null,
    endReason: null,
    classification: 'orphan',
    ...over,
  };
}

export function release(over: Partial<ReleaseRecord> = {}): ReleaseRecord {
  return {
    allocationId: 'eipalloc-0a',
    publicIp: '203.0.113.10',
    releasedAt: '2026-03-02T00:00:00.000Z',
    runId: 'run-1',
    rateUsd: 0.005,
    idleSince: '2026-03-01T00:00:00.000Z',
    idleSource: 'first-observation',
    idleHours: 24,
    idleCostUsd: 0.12,
    tags: {},
    ...over,
  };
}

export function notification(over: Partial<Notification> = {}): Notification {
  return {
    source: 'sweeper',
    kind: 'orphan',
    severity: 'high',
    subject: 'eip-keeper: orphaned Elastic IP 203.0.113.10',
    title: 'Orphaned Elastic IP 203.0.113.10',
    // What the member wrote: the hub trusts the envelope's account and region, not these.
    account: '000000000000',
    region: 'xx-nowhere-1',
    time: '2026-03-01T10:00:00Z',
    dedupKey: 'orphan#eipalloc-0a#2026-03-01',
    resources: ['eipalloc-0a'],
    facts: {},
    body: [['An address is idle.']],
    chat: { description: ['An address is idle.'], threadId: 'eip-keeper-orphan' },
    ...over,
  };
}
