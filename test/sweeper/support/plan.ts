/** Literal data for the sweeper's pure decisions: one address, its history, its track and a plan over them. */
import { type DEFAULT_CONFIG, parseAppConfig } from '../../../shared/config/schema';
import type { EipState } from '../../../shared/inventory/model';
import { type KillSwitchState, type PlanInput, planSweep } from '../../../shared/sweeper/decide';
import {
  type AddressTrack,
  EMPTY_TRACK_LEDGER,
  type IdleEpisode,
  type ObservedAddress,
} from '../../../shared/sweeper/model';

export const NOW = '2026-01-06T12:00:00.000Z';
export const hoursAgo = (h: number) => new Date(Date.parse(NOW) - h * 3_600_000).toISOString();

export const addr = (over: Partial<ObservedAddress> = {}): ObservedAddress => ({
  allocationId: 'eipalloc-0000000000000000a',
  publicIp: '198.51.100.10',
  publicIpv4Pool: 'amazon',
  tags: {},
  ...over,
});

export const history = (over: Partial<EipState>): EipState => ({
  allocationId: 'eipalloc-0000000000000000a',
  publicIp: '198.51.100.10',
  status: 'idle',
  allocatedAt: hoursAgo(100),
  allocatedBy: null,
  releasedAt: null,
  releasedBy: null,
  holder: null,
  idleSince: null,
  lastHolder: null,
  lastChange: null,
  pool: null,
  keeperAssociation: null,
  inputCount: 1,
  ...over,
});

export const episode = (start: string, source: IdleEpisode['source'] = 'first-observation'): IdleEpisode => ({
  key: start,
  start,
  source,
  rateUsd: 0.005,
});

/** A configuration with the short notice periods these plans use allowed. */
export const config = (sweeper: { release?: Record<string, unknown> } & Record<string, unknown>) =>
  parseAppConfig(
    { sweeper: { ...sweeper, release: { ...sweeper.release, allowShortPeriods: true } }, pools: [] },
    'test',
  ) as typeof DEFAULT_CONFIG;

/** An orphan first seen 100 h ago, idle for 50 h (first observation), nothing alerted yet. */
export function track(over: Partial<AddressTrack>): AddressTrack {
  return {
    allocationId: 'eipalloc-0000000000000000a',
    publicIp: '198.51.100.10',
    firstSeenAt: hoursAgo(100),
    lastSeenAt: hoursAgo(1),
    lastRunId: 'r0',
    status: 'present',
    classification: 'orphan',
    reason: '',
    tags: {},
    poolSeen: null,
    lastSeenInUseAt: null,
    lastSeenHolder: null,
    episode: episode(hoursAgo(50)),
    alerts: {},
    notice: null,
    block: null,
    releaseAttempt: null,
    releasedAt: null,
    ledger: EMPTY_TRACK_LEDGER,
    ...over,
  };
}

/**
 * A track with every field set (typed: a field added to tracks must be added here), for tests that go through each
 * field: what a track stores and reads back, which changes are written.
 */
export const EVERY_FIELD_SET: { [K in keyof AddressTrack]: AddressTrack[K] } = {
  allocationId: 'eipalloc-00000000000000002',
  publicIp: '198.51.100.2',
  firstSeenAt: '2026-01-05T11:00:00.000Z',
  lastSeenAt: '2026-01-05T11:00:00.000Z',
  lastRunId: 'r2',
  status: 'released',
  classification: 'orphan',
  reason: 'unassociated for 1 h',
  tags: { Name: 'batch', team: 'web' },
  poolSeen: { pool: 'p', at: '2026-01-05T10:00:00.000Z', goneAt: '2026-01-05T11:00:00.000Z' },
  lastSeenInUseAt: '2026-01-05T11:00:00.000Z',
  lastSeenHolder: { networkInterfaceId: 'eni-0a', privateIp: '10.0.0.5', instanceId: null },
  episode: {
    key: '2026-01-05T10:00:00.000Z',
    start: '2026-01-05T10:00:00.000Z',
    source: 'history',
    rateUsd: 0.005,
  },
  alerts: { orphan: '2026-01-05T10:00:00.000Z', 'release-notice': '2026-01-05T11:00:00.000Z' },
  notice: {
    sentAt: '2026-01-05T11:00:00.000Z',
    releaseAfter: '2026-01-05T11:00:00.000Z',
    messageId: 'm',
    alert: { scope: 'x', id: 'y' },
  },
  block: {
    reason: 'dangling-dns',
    detail: 'a record',
    at: '2026-01-05T11:00:00.000Z',
    retryAfter: '2026-01-05T11:00:00.000Z',
  },
  releaseAttempt: { runId: 'r2', at: '2026-01-05T11:00:00.000Z' },
  releasedAt: '2026-01-05T11:00:00.000Z',
  ledger: { ...EMPTY_TRACK_LEDGER, month: '2026-01', closedHours: 1, closedCostUsd: 0.005 },
};

export const OFF: KillSwitchState = { on: false, detail: '"off"' };

/** A notice SNS accepted (its MessageId recorded), the orphan alert of the default track's episode. */
export function notice(sentAt: string, releaseAfter: string): NonNullable<AddressTrack['notice']> {
  return {
    sentAt,
    releaseAfter,
    messageId: `msg-${sentAt}`,
    alert: { scope: 'eipalloc-0000000000000000a', id: `${hoursAgo(50)}#orphan` },
  };
}

/** A plan with release on (12 h notice), over the default address unless told otherwise. */
export function plan(over: Partial<PlanInput>) {
  const input: PlanInput = {
    addresses: [addr()],
    history: new Map(),
    tracks: new Map(),
    config: config({ release: { enabled: true, noticeHours: 12 } }),
    now: NOW,
    runId: 'r1',
    rateUsd: 0.005,
    killSwitch: OFF,
    lastRunAt: null,
    ...over,
  };
  return planSweep(input);
}
