/**
 * What the sweeper believes before it releases (pure): a notice counts only with SNS's MessageId and a confirmed
 * claim that matches it; an idle start older than the sweeper's first sight needs the history; and however many
 * orphans appear at once, few alerts go out one by one.
 */
import { describe, expect, it } from 'vitest';
import { checkIdleStart, idleStartConfirmed, trackIdle } from '../../shared/sweeper/classify';
import type { AddressDecision } from '../../shared/sweeper/decide';
import { planAlertBatch, summaryMember } from '../../shared/sweeper/decide-alerts';
import { checkReleaseEvidence } from '../../shared/sweeper/decide-release';
import type { IdleEpisodeRecord } from '../../shared/sweeper/model';
import type { StoredAlertClaim } from '../../shared/sweeper/sweep-store';
import { addr, episode, history, hoursAgo, NOW, notice, plan, track } from './support/plan';

const A = 'eipalloc-0000000000000000a';
const EP = episode(hoursAgo(50));
const DUE = track({ alerts: { orphan: hoursAgo(30) }, notice: notice(hoursAgo(30), hoursAgo(18)) });

const sentClaim = (over: Partial<NonNullable<StoredAlertClaim['sent']>> = {}): StoredAlertClaim => ({
  state: 'sent',
  runId: 'r0',
  at: hoursAgo(30),
  sent: { sentAt: hoursAgo(30), messageId: `msg-${hoursAgo(30)}`, ...over },
});
const ledgerEpisode = (over: Partial<IdleEpisodeRecord> = {}): IdleEpisodeRecord => ({
  allocationId: A,
  publicIp: '198.51.100.10',
  ...EP,
  end: null,
  endReason: null,
  classification: 'orphan',
  ...over,
});
const evidence = (over: Partial<Parameters<typeof checkReleaseEvidence>[0]> = {}) =>
  checkReleaseEvidence({
    track: DUE,
    claim: sentClaim(),
    episode: ledgerEpisode(),
    noticeHours: 12,
    now: NOW,
    ...over,
  });

describe('checkReleaseEvidence', () => {
  it('accepts a notice whose confirmed claim and open idle episode agree with the track', () => {
    expect(evidence()).toEqual({ ok: true });
  });

  it.each([
    [
      'the claim was never confirmed (the run died before SNS took it)',
      { claim: { state: 'pending', runId: 'r0', at: hoursAgo(30) } as StoredAlertClaim },
    ],
    ['there is no claim at all (a notice written into the track by hand)', { claim: undefined }],
    ['the claim has another MessageId', { claim: sentClaim({ messageId: 'forged' }) }],
    ['the claim was sent later than the track says', { claim: sentClaim({ sentAt: hoursAgo(2) }) }],
    [
      'the idle episode has ended on the ledger',
      { episode: ledgerEpisode({ end: hoursAgo(40), endReason: 'in-use' }) },
    ],
    ['the idle episode on the ledger starts later', { episode: ledgerEpisode({ start: hoursAgo(20) }) }],
    ['there is no idle episode on the ledger', { episode: undefined }],
    ['the notice period, as configured now, is not over', { noticeHours: 48 }],
  ])('refuses when %s', (_, over) => {
    expect(evidence(over).ok).toBe(false);
  });

  it('refuses a notice without a MessageId, whatever the table holds', () => {
    const unconfirmed = track({
      ...DUE,
      notice: { ...(DUE.notice as NonNullable<typeof DUE.notice>), messageId: '' },
    });

    expect(evidence({ track: unconfirmed })).toEqual({
      ok: false,
      detail: 'its notice has no SNS MessageId on record',
      episode: 'keep',
    });
  });

  it('refuses a notice whose alert was about another idle episode of the address', () => {
    const other = track({
      ...DUE,
      notice: {
        ...(DUE.notice as NonNullable<typeof DUE.notice>),
        alert: { scope: A, id: `${hoursAgo(90)}#orphan` },
      },
    });

    expect(evidence({ track: other }).ok).toBe(false);
  });

  it('accepts a summary as the notice only for the addresses it names, in this idle episode', () => {
    const summarized = track({
      ...DUE,
      notice: { ...(DUE.notice as NonNullable<typeof DUE.notice>), alert: { scope: 'SUMMARY', id: 'run-1' } },
    });

    expect(evidence({ track: summarized, claim: sentClaim({ members: [`${A}#${EP.key}`] }) })).toEqual({
      ok: true,
    });
    expect(evidence({ track: summarized, claim: sentClaim({ members: [`${A}#${hoursAgo(90)}`] }) }).ok).toBe(
      false,
    );
  });
});

describe('a notice recorded without its MessageId', () => {
  it('is not a notice: the release notice goes out again and the release waits for it', () => {
    const old = track({
      alerts: { orphan: hoursAgo(30) },
      notice: { ...notice(hoursAgo(30), hoursAgo(18)), messageId: undefined as unknown as string },
    });

    const d = plan({ tracks: new Map([[A, old]]) }).decisions[0];

    expect(d?.alerts).toEqual(['release-notice']);
    expect(d?.release).toEqual({ action: 'hold', reason: 'notice-not-sent' });
  });

  it('waits for the longer of the recorded and the configured notice period', () => {
    const t = track({ alerts: { orphan: hoursAgo(10) }, notice: notice(hoursAgo(10), hoursAgo(9)) });

    const d = plan({ tracks: new Map([[A, t]]) }).decisions[0];

    expect(d?.release).toEqual({ action: 'hold', reason: 'notice-period', until: hoursAgo(-2) });
  });
});

describe('idle start', () => {
  it('is believed from the sweeper’s first sight on', () => {
    expect(idleStartConfirmed(episode(hoursAgo(50)), hoursAgo(60), undefined)).toBe(true);
  });

  it('is believed before the first sight only while the history says idle since then or earlier', () => {
    const start = episode(hoursAgo(80), 'history');

    expect(idleStartConfirmed(start, hoursAgo(60), history({ idleSince: hoursAgo(80) }))).toBe(true);
    expect(idleStartConfirmed(start, hoursAgo(60), history({ idleSince: hoursAgo(70) }))).toBe(false);
    expect(idleStartConfirmed(start, hoursAgo(60), history({ status: 'associated' }))).toBe(false);
    expect(idleStartConfirmed(start, hoursAgo(60), undefined)).toBe(false);
  });

  it('of an edited track is rejected: the episode ends with no idle time and the next starts now', () => {
    // Edited: idle "since 500 h ago", first seen 100 h ago, nothing in the history says so.
    const edited = episode(hoursAgo(500), 'history');
    const carried = trackIdle(addr(), undefined, { episode: edited, lastSeenInUseAt: null }, NOW, 0.005);

    const c = checkIdleStart(
      carried,
      hoursAgo(100),
      undefined,
      () => trackIdle(addr(), undefined, { episode: null, lastSeenInUseAt: null }, NOW, 0.005),
      NOW,
    );

    expect(c.rejected).toEqual({ start: hoursAgo(500) });
    expect(c.closed).toEqual({ episode: { ...edited, start: NOW }, end: NOW, reason: 'rejected' });
    expect(c.current).toMatchObject({ key: NOW, start: NOW, source: 'first-observation' });
  });

  it('of an edited track costs the address its notice: grace and notice start again', () => {
    const edited = track({
      firstSeenAt: hoursAgo(30),
      episode: { ...episode(hoursAgo(500), 'history'), key: hoursAgo(30) },
      alerts: { orphan: hoursAgo(29) },
      notice: notice(hoursAgo(29), hoursAgo(17)),
    });

    const d = plan({ tracks: new Map([[A, edited]]) }).decisions[0];

    expect(d?.classification.kind).toBe('idle');
    expect(d?.track.notice).toBeNull();
    expect(d?.track.alerts).toEqual({});
    expect(d?.change.rejected).toEqual({ start: hoursAgo(500) });
  });
});

describe('planAlertBatch', () => {
  const orphan = (i: number, idleHours: number): AddressDecision => {
    const allocationId = `eipalloc-${String(i).padStart(17, '0')}`;
    const [d] = plan({
      addresses: [addr({ allocationId })],
      tracks: new Map([[allocationId, track({ allocationId, episode: episode(hoursAgo(idleHours)) })]]),
    }).decisions;
    return d as AddressDecision;
  };
  const ids = (ds: AddressDecision[]) => ds.map((d) => d.allocationId);
  const many = Array.from({ length: 200 }, (_, i) => orphan(i, 30 + (i % 7)));

  it('alerts the longest idle one by one up to the limit, and summarizes every other', () => {
    const b = planAlertBatch(many, 10, null);

    expect(b.individual).toHaveLength(10);
    expect(b.individual.every((d) => (d.classification.idle?.hours ?? 0) === 36)).toBe(true);
    expect(b.summarized).toHaveLength(190);
    expect(new Set([...ids(b.individual), ...ids(b.summarized)]).size).toBe(200);
  });

  it('never summarizes again what this run’s summary already covered, nor sends a second summary', () => {
    const first = planAlertBatch(many, 10, null);
    const sent = new Set(first.summarized.map(summaryMember));

    const retried = planAlertBatch(many, 10, sent);

    expect(ids(retried.covered).sort()).toEqual(ids(first.summarized).sort());
    expect(ids(retried.individual)).toEqual(ids(first.individual));
    expect(retried.summarized).toEqual([]);
    expect(retried.deferred).toEqual([]);
  });

  it('sends everything one by one under the limit', () => {
    const b = planAlertBatch(many.slice(0, 3), 10, null);

    expect(b.individual).toHaveLength(3);
    expect(b.summarized).toEqual([]);
  });
});
