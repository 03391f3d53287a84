/**
 * Former pool members (pure): what shows an address was a pool member, that its grace period counts from its untag,
 * that it is alerted as such once, and that the sweep releases it only when the configuration approves it (with its
 * public IP), after its own notice.
 */
import { describe, expect, it } from 'vitest';
import { formerPoolFacts, poolSeenNow } from '../../shared/sweeper/decide-membership';
import type { AddressTrack } from '../../shared/sweeper/model';
import { addr, config, episode, history, hoursAgo, NOW, notice, plan, track } from './support/plan';

const A = 'eipalloc-0000000000000000a';
const alice = { type: 'IAMUser', userName: 'alice', arn: 'arn:aws:iam::111122223333:user/alice' };
const keeperRole = {
  type: 'AssumedRole',
  userName: 'eip-keeper-function',
  roleArn: 'arn:aws:iam::111122223333:role/eip-keeper-function',
};
const untagged = (hours: number) =>
  history({
    idleSince: hoursAgo(200),
    pool: {
      tagged: false,
      first: {
        kind: 'added',
        pool: 'payments',
        at: hoursAgo(300),
        by: alice,
        eventName: 'CreateTags',
        eventId: 'e1',
      },
      last: {
        kind: 'removed',
        pool: null,
        at: hoursAgo(hours),
        by: alice,
        eventName: 'DeleteTags',
        eventId: 'e2',
      },
      lastRemoval: {
        kind: 'removed',
        pool: null,
        at: hoursAgo(hours),
        by: alice,
        eventName: 'DeleteTags',
        eventId: 'e2',
      },
    },
  });
const NO_APPROVALS = config({}).sweeper;

describe('formerPoolFacts', () => {
  it('names the pool, who removed its tag and when, from the history', () => {
    expect(formerPoolFacts(addr(), untagged(5), null, NO_APPROVALS)).toEqual({
      pool: 'payments',
      evidence: 'tag-removed',
      untaggedAt: hoursAgo(5),
      untaggedBy: 'alice',
      keeperAssociatedAt: null,
      approved: false,
    });
  });

  it('knows a pool member by the keeper’s association when the tag’s history predates the inventory', () => {
    const h = history({ keeperAssociation: { at: hoursAgo(40), by: keeperRole, eventId: 'e9' } });

    expect(formerPoolFacts(addr(), h, null, NO_APPROVALS)).toMatchObject({
      evidence: 'keeper-association',
      keeperAssociatedAt: hoursAgo(40),
      pool: null,
    });
  });

  it('knows a pool member by what a sweep saw, with nothing in the history', () => {
    const seen = { pool: 'payments', at: hoursAgo(90), goneAt: hoursAgo(3) };

    expect(formerPoolFacts(addr(), undefined, seen, NO_APPROVALS)).toMatchObject({
      evidence: 'seen-tagged',
      pool: 'payments',
      untaggedAt: hoursAgo(3),
    });
  });

  it('is nothing for an address still tagged, or one nothing shows in a pool', () => {
    expect(
      formerPoolFacts(addr({ tags: { 'eip-keeper:pool': 'payments' } }), untagged(5), null, NO_APPROVALS),
    ).toBeNull();
    expect(formerPoolFacts(addr(), history({ idleSince: hoursAgo(50) }), null, NO_APPROVALS)).toBeNull();
  });

  it('is approved only for the allocation id and public IP listed together', () => {
    const cfg = (publicIp: string) =>
      config({ release: { approvedFormerPoolMembers: [{ allocationId: A, publicIp }] } }).sweeper;

    expect(formerPoolFacts(addr(), untagged(5), null, cfg('198.51.100.10'))?.approved).toBe(true);
    expect(formerPoolFacts(addr(), untagged(5), null, cfg('198.51.100.99'))?.approved).toBe(false);
  });
});

describe('poolSeenNow', () => {
  it('notes the first sweep that saw the tag, and the first that saw it gone, and nothing in between', () => {
    const tagged = addr({ tags: { 'eip-keeper:pool': 'payments' } });
    const first = poolSeenNow(tagged, null, hoursAgo(10));

    expect(first).toEqual({ pool: 'payments', at: hoursAgo(10), goneAt: null });
    expect(poolSeenNow(tagged, first, hoursAgo(9))).toBe(first);
    expect(poolSeenNow(addr(), first, hoursAgo(8))).toEqual({ ...first, goneAt: hoursAgo(8) });
  });
});

describe('a former pool member in the plan', () => {
  const idleMember = (over: Partial<AddressTrack> = {}) =>
    track({
      episode: episode(hoursAgo(200), 'history'),
      firstSeenAt: hoursAgo(250),
      classification: 'pool-idle',
      ...over,
    });
  const decide = (
    hoursSinceUntag: number,
    t = idleMember(),
    cfg = config({ release: { enabled: true, noticeHours: 24 } }),
  ) =>
    plan({ tracks: new Map([[A, t]]), history: new Map([[A, untagged(hoursSinceUntag)]]), config: cfg })
      .decisions[0];

  it('counts its grace period from the untag, not from when it went idle', () => {
    const d = decide(5);

    expect(d?.classification.kind).toBe('former-pool');
    expect(d?.classification.formerPool).toMatchObject({ graceSince: hoursAgo(5), overGrace: false });
    expect(d?.alerts).toEqual([]);
    expect(d?.release).toBeNull();
  });

  it('is alerted as a former pool member past the grace, and never planned for release', () => {
    const d = decide(25);

    expect(d?.alerts).toEqual(['former-pool-member']);
    expect(d?.release).toBeNull();
  });

  it('is not alerted again, and still never released, a week on with release on', () => {
    const d = decide(7 * 24, idleMember({ alerts: { 'former-pool-member': hoursAgo(143) } }));

    expect(d?.alerts).toEqual([]);
    expect(d?.release).toBeNull();
  });

  it('once approved, owes its release notice, and is released only after it', () => {
    const approved = config({
      release: {
        enabled: true,
        noticeHours: 24,
        approvedFormerPoolMembers: [{ allocationId: A, publicIp: '198.51.100.10' }],
      },
    });
    const alerted = idleMember({ alerts: { 'former-pool-member': hoursAgo(30) } });
    const notified = idleMember({
      alerts: { 'former-pool-member': hoursAgo(30), 'release-notice': hoursAgo(25) },
      notice: notice(hoursAgo(25), hoursAgo(1)),
    });

    expect(decide(50, alerted, approved)).toMatchObject({
      alerts: ['release-notice'],
      release: { action: 'hold', reason: 'notice-not-sent' },
    });
    expect(decide(50, notified, approved)?.release).toEqual({ action: 'release' });
    expect(
      plan({
        tracks: new Map([[A, notified]]),
        history: new Map([[A, untagged(50)]]),
        config: approved,
        now: NOW,
      }).releaseQueue,
    ).toEqual([A]);
  });
});
