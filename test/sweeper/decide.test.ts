/** The sweeper's pure decisions: classification, idle episodes, the run plan and the last-moment checks. */
import { describe, expect, it } from 'vitest';
import { parseAppConfig } from '../../shared/config/schema';
import { type ClassifyConfig, classify, trackIdle } from '../../shared/sweeper/classify';
import { killSwitchFromValue } from '../../shared/sweeper/decide';
import type { FormerPoolFacts } from '../../shared/sweeper/decide-membership';
import { checkLiveBeforeRelease, dnsBlock, releaseFailure } from '../../shared/sweeper/decide-release';
import { addressesNamedBy, indexDnsReferences } from '../../shared/sweeper/dns';
import { ADDRESS_KINDS, type AddressKind, type ObservedAddress } from '../../shared/sweeper/model';
import { addr, config, episode, history, hoursAgo, NOW, notice, plan, track } from './support/plan';

const CFG: ClassifyConfig = {
  sweeper: { graceHours: 24, exemptTagKeys: ['owner-approved'] },
  pools: [{ name: 'payments', idleAlertHours: 6 }],
};

const idleFor = (h: number) => ({ since: hoursAgo(h), source: 'history' as const });

describe('classify', () => {
  const former: FormerPoolFacts = {
    pool: 'payments',
    evidence: 'tag-removed',
    untaggedAt: hoursAgo(2),
    untaggedBy: 'alice',
    keeperAssociatedAt: null,
    approved: false,
  };
  const cases: Array<[string, ObservedAddress, number | null, AddressKind, FormerPoolFacts?]> = [
    [
      'an associated address is in use',
      addr({ associationId: 'eipassoc-1', networkInterfaceId: 'eni-1' }),
      null,
      'in-use',
    ],
    ['an address on an instance is in use', addr({ instanceId: 'i-0123' }), null, 'in-use'],
    ['a load balancer address is service-managed', addr({ serviceManaged: 'alb' }), 100, 'service-managed'],
    [
      'an associated service-managed address is still service-managed',
      addr({ serviceManaged: 'nlb', associationId: 'eipassoc-2' }),
      null,
      'service-managed',
    ],
    ['a BYOIP address is byoip', addr({ publicIpv4Pool: 'ipv4pool-ec2-0123456789abcdef0' }), 100, 'byoip'],
    ['a pool member idle is pool-idle', addr({ tags: { 'eip-keeper:pool': 'payments' } }), 1, 'pool-idle'],
    ['a keep-tagged address is exempt', addr({ tags: { 'eip-keeper:keep': '' } }), 100, 'exempt'],
    ['a configured exemption key exempts', addr({ tags: { 'owner-approved': 'x' } }), 100, 'exempt'],
    ['an unowned address within the grace period is idle', addr(), 23.9, 'idle'],
    ['an unowned address idle exactly the grace period is still idle', addr(), 24, 'idle'],
    ['an unowned address idle past the grace period is an orphan', addr(), 24.01, 'orphan'],
    ['an address that was a pool member is a former pool member', addr(), 100, 'former-pool', former],
    [
      'a former pool member tagged to keep is exempt',
      addr({ tags: { 'eip-keeper:keep': '' } }),
      100,
      'exempt',
      former,
    ],
  ];
  for (const [name, a, hours, kind, was] of cases) {
    it(name, () => {
      expect(classify(a, hours === null ? null : idleFor(hours), CFG, NOW, was ?? null).kind).toBe(kind);
    });
  }

  it('covers every kind', () => {
    expect(new Set(cases.map((c) => c[3]))).toEqual(new Set(ADDRESS_KINDS));
  });

  it('ranks service-managed over BYOIP over in-use over pool over exempt', () => {
    const all = { 'eip-keeper:pool': 'payments', 'eip-keeper:keep': 'y' };
    const base = addr({
      tags: all,
      associationId: 'a',
      publicIpv4Pool: 'ipv4pool-ec2-1',
      serviceManaged: 'alb',
    });
    expect(classify(base, null, CFG, NOW).kind).toBe('service-managed');
    expect(classify({ ...base, serviceManaged: undefined }, null, CFG, NOW).kind).toBe('byoip');
    expect(
      classify({ ...base, serviceManaged: undefined, publicIpv4Pool: 'amazon' }, null, CFG, NOW).kind,
    ).toBe('in-use');
    const idle = addr({ tags: all });
    expect(classify(idle, idleFor(50), CFG, NOW).kind).toBe('pool-idle');
    expect(classify(addr({ tags: { 'eip-keeper:keep': 'y' } }), idleFor(50), CFG, NOW).kind).toBe('exempt');
  });

  it("alerts a pool member only past its pool's limit", () => {
    const pool = addr({ tags: { 'eip-keeper:pool': 'payments' } });
    expect(classify(pool, idleFor(6), CFG, NOW).pool).toMatchObject({ overLimit: false, idleAlertHours: 6 });
    expect(classify(pool, idleFor(6.5), CFG, NOW).pool).toMatchObject({ overLimit: true, configured: true });
  });

  it('treats a pool tag naming an unknown pool as a pool member with the default 24 h limit', () => {
    const c = classify(addr({ tags: { 'eip-keeper:pool': 'ghost' } }), idleFor(30), CFG, NOW);
    expect(c.kind).toBe('pool-idle');
    expect(c.pool).toEqual({ name: 'ghost', configured: false, idleAlertHours: 24, overLimit: true });
    expect(c.reason).toContain('not in the configuration');
  });

  it('says which tag exempts the address', () => {
    expect(classify(addr({ tags: { 'owner-approved': 'q1' } }), idleFor(30), CFG, NOW).exemptBy).toBe(
      'owner-approved',
    );
  });

  it('keeps the idle facts and their source', () => {
    const c = classify(addr(), { since: hoursAgo(30), source: 'first-observation' }, CFG, NOW);
    expect(c.idle).toEqual({ since: hoursAgo(30), source: 'first-observation', hours: 30 });
  });
});

const actor = { type: 'IAMUser', userName: 'bob' };
describe('trackIdle', () => {
  it('opens an episode idle since the history says', () => {
    const c = trackIdle(
      addr(),
      history({ idleSince: hoursAgo(5) }),
      { episode: null, lastSeenInUseAt: null },
      NOW,
      0.005,
    );
    expect(c.opened).toEqual({ key: NOW, start: hoursAgo(5), source: 'history', rateUsd: 0.005 });
  });

  it('opens an episode at the first observation when there is no history', () => {
    const c = trackIdle(addr(), undefined, { episode: null, lastSeenInUseAt: null }, NOW, 0.005);
    expect(c.opened).toEqual({ key: NOW, start: NOW, source: 'first-observation', rateUsd: 0.005 });
  });

  it('does not trust a history that says associated while EC2 says idle', () => {
    const h = history({ status: 'associated', idleSince: null });
    expect(trackIdle(addr(), h, { episode: null, lastSeenInUseAt: null }, NOW, 0.005).opened?.source).toBe(
      'first-observation',
    );
  });

  it('does not trust a history idle-since older than a sweep that saw the address in use', () => {
    const c = trackIdle(
      addr(),
      history({ idleSince: hoursAgo(10) }),
      { episode: null, lastSeenInUseAt: hoursAgo(2) },
      NOW,
      0.005,
    );
    expect(c.opened).toMatchObject({ start: NOW, source: 'first-observation' });
  });

  it('ends the episode when the address is in use again, at the association time the history gives', () => {
    const h = history({
      status: 'associated',
      holder: {
        associationId: 'a',
        eniId: 'eni-1',
        privateIp: null,
        instanceId: null,
        since: hoursAgo(1),
        by: actor,
        eventId: 'e',
      },
    });
    const c = trackIdle(
      addr({ associationId: 'a', networkInterfaceId: 'eni-1' }),
      h,
      { episode: episode(hoursAgo(20)), lastSeenInUseAt: null },
      NOW,
      0.005,
    );
    expect(c.current).toBeNull();
    expect(c.closed).toMatchObject({ end: hoursAgo(1), reason: 'in-use' });
  });

  it('ends the episode at the observation when the history has not caught up', () => {
    const c = trackIdle(
      addr({ associationId: 'a' }),
      undefined,
      { episode: episode(hoursAgo(20)), lastSeenInUseAt: null },
      NOW,
      0.005,
    );
    expect(c.closed?.end).toBe(NOW);
  });

  it('splits the episode when the history shows an association between two sweeps', () => {
    const h = history({
      idleSince: hoursAgo(1),
      lastHolder: {
        associationId: 'a',
        eniId: 'eni-1',
        privateIp: null,
        instanceId: null,
        since: hoursAgo(3),
        by: actor,
        eventId: 'e',
        ended: {
          kind: 'disassociated',
          at: hoursAgo(1),
          by: actor,
          eventName: 'DisassociateAddress',
          eventId: 'f',
        },
      },
    });
    const c = trackIdle(addr(), h, { episode: episode(hoursAgo(20)), lastSeenInUseAt: null }, NOW, 0.005);
    expect(c.closed).toMatchObject({ end: hoursAgo(3), reason: 'reassociated' });
    expect(c.opened).toMatchObject({ start: hoursAgo(1), source: 'history' });
  });

  it('moves a first-observation start earlier when late history arrives', () => {
    const c = trackIdle(
      addr(),
      history({ idleSince: hoursAgo(30) }),
      { episode: episode(hoursAgo(20)), lastSeenInUseAt: null },
      NOW,
      0.005,
    );
    expect(c.revised).toMatchObject({ key: hoursAgo(20), start: hoursAgo(30), source: 'history' });
  });

  it('keeps a running episode unchanged', () => {
    const ep = episode(hoursAgo(20), 'history');
    const c = trackIdle(
      addr(),
      history({ idleSince: hoursAgo(20) }),
      { episode: ep, lastSeenInUseAt: null },
      NOW,
      0.005,
    );
    expect(c).toEqual({ current: ep });
  });
});

describe('killSwitchFromValue', () => {
  it.each([
    ['on', true],
    ['ON ', true],
    ['true', true],
    ['off', false],
    ['false', false],
    ['', false],
    ['maybe', true],
    [undefined, true],
  ])('reads %j as on=%s', (value, on) => {
    expect(killSwitchFromValue(value).on).toBe(on);
  });
});

describe('planSweep', () => {
  describe('an address in use that no sweep needed to rewrite', () => {
    // Written while in use 10 h ago, unchanged since; the last sweep (1 h ago) saw it in use too. The history says
    // it went idle 5 h ago: it missed an association, since a sweep saw the address in use after that.
    const inUse = track({
      classification: 'in-use',
      episode: null,
      lastSeenAt: hoursAgo(10),
      lastSeenInUseAt: hoursAgo(10),
      lastSeenHolder: { networkInterfaceId: 'eni-1', privateIp: null, instanceId: null },
    });
    const tracks = new Map([[inUse.allocationId, inUse]]);
    const idleHistory = new Map([[inUse.allocationId, history({ idleSince: hoursAgo(5) })]]);

    it('counts as seen in use by the last sweep: an older history idle-since is not trusted', () => {
      const p = plan({ tracks, history: idleHistory, lastRunAt: hoursAgo(1) });
      expect(p.decisions[0]?.track.episode).toMatchObject({ start: NOW, source: 'first-observation' });
      expect(p.decisions[0]?.track.lastSeenInUseAt).toBe(hoursAgo(1));
    });

    it('trusts that history when no sweep is known to have run since it was written', () => {
      const p = plan({ tracks, history: idleHistory, lastRunAt: null });
      expect(p.decisions[0]?.track.episode).toMatchObject({ start: hoursAgo(5), source: 'history' });
    });

    it('keeps its own time for an address idle when last written', () => {
      const idle = track({ lastSeenInUseAt: hoursAgo(60) });
      const p = plan({ tracks: new Map([[idle.allocationId, idle]]), lastRunAt: hoursAgo(1) });
      expect(p.decisions[0]?.track.lastSeenInUseAt).toBe(hoursAgo(60));
    });
  });

  it('alerts a new orphan once and holds its release until the notice has gone out', () => {
    const p = plan({ tracks: new Map([['eipalloc-0000000000000000a', track({})]]) });
    expect(p.decisions[0]?.alerts).toEqual(['orphan']);
    expect(p.decisions[0]?.release).toEqual({ action: 'hold', reason: 'notice-not-sent' });
    expect(p.releaseQueue).toEqual([]);
  });

  it('sends no alert again for an orphan already alerted', () => {
    const t = track({
      alerts: { orphan: hoursAgo(2) },
      notice: notice(hoursAgo(2), hoursAgo(-10)),
    });
    const p = plan({ tracks: new Map([[t.allocationId, t]]) });
    expect(p.decisions[0]?.alerts).toEqual([]);
    expect(p.decisions[0]?.release).toEqual({
      action: 'hold',
      reason: 'notice-period',
      until: hoursAgo(-10),
    });
  });

  it('releases after the notice period', () => {
    const t = track({
      alerts: { orphan: hoursAgo(13) },
      notice: notice(hoursAgo(13), hoursAgo(1)),
    });
    expect(plan({ tracks: new Map([[t.allocationId, t]]) }).releaseQueue).toEqual([t.allocationId]);
  });

  it('sends a release notice for an orphan alerted while release was off', () => {
    const t = track({ alerts: { orphan: hoursAgo(30) } });
    const p = plan({ tracks: new Map([[t.allocationId, t]]) });
    expect(p.decisions[0]?.alerts).toEqual(['release-notice']);
  });

  it('never releases when release is off', () => {
    const t = track({
      alerts: { orphan: hoursAgo(30) },
      notice: notice(hoursAgo(30), hoursAgo(18)),
    });
    const p = plan({ tracks: new Map([[t.allocationId, t]]), config: config({}) });
    expect(p.decisions[0]?.release).toEqual({ action: 'hold', reason: 'release-disabled' });
    expect(p.decisions[0]?.alerts).toEqual([]);
  });

  it('holds every due release while the kill switch is on', () => {
    const t = track({
      alerts: { orphan: hoursAgo(30) },
      notice: notice(hoursAgo(30), hoursAgo(18)),
    });
    const p = plan({ tracks: new Map([[t.allocationId, t]]), killSwitch: { on: true, detail: '"on"' } });
    expect(p.decisions[0]?.release).toEqual({ action: 'hold', reason: 'kill-switch' });
    expect(p.releaseQueue).toEqual([]);
  });

  it('releases at most maxPerRun, oldest idle first, and holds the rest for the cap', () => {
    const ids = ['eipalloc-0000000000000000c', 'eipalloc-0000000000000000a', 'eipalloc-0000000000000000b'];
    const starts = [70, 50, 60];
    const tracks = new Map(
      ids.map((id, i) => [
        id,
        track({
          allocationId: id,
          episode: episode(hoursAgo(starts[i] as number)),
          alerts: { orphan: hoursAgo(30) },
          notice: notice(hoursAgo(30), hoursAgo(18)),
        }),
      ]),
    );
    const p = plan({
      addresses: ids.map((allocationId) => addr({ allocationId })),
      tracks,
      config: config({ release: { enabled: true, maxPerRun: 2 } }),
    });
    expect(p.releaseQueue).toEqual(['eipalloc-0000000000000000c', 'eipalloc-0000000000000000b']);
    expect(p.decisions.find((d) => d.allocationId === 'eipalloc-0000000000000000a')?.release).toEqual({
      action: 'hold',
      reason: 'cap',
    });
  });

  it('waits for a blocked release to be retried', () => {
    const t = track({
      alerts: { orphan: hoursAgo(30) },
      notice: notice(hoursAgo(30), hoursAgo(18)),
      block: { reason: 'locked', at: hoursAgo(1), detail: 'locked', retryAfter: hoursAgo(-23) },
    });
    expect(plan({ tracks: new Map([[t.allocationId, t]]) }).decisions[0]?.release).toMatchObject({
      reason: 'blocked',
    });
  });

  it('starts a new episode clean when the address was in use in between', () => {
    const t = track({
      episode: null,
      classification: 'in-use',
      alerts: { orphan: hoursAgo(80) },
      notice: notice(hoursAgo(80), hoursAgo(60)),
    });
    const d = plan({ tracks: new Map([[t.allocationId, t]]) }).decisions[0];
    expect(d?.track.alerts).toEqual({});
    expect(d?.track.notice).toBeNull();
    expect(d?.classification.kind).toBe('idle');
  });

  it('drops the notice of an orphan that was tagged to keep', () => {
    const t = track({
      alerts: { orphan: hoursAgo(5) },
      notice: notice(hoursAgo(5), hoursAgo(-7)),
    });
    const d = plan({
      addresses: [addr({ tags: { 'eip-keeper:keep': 'yes' } })],
      tracks: new Map([[t.allocationId, t]]),
    }).decisions[0];
    expect(d?.classification.kind).toBe('exempt');
    expect(d?.track.notice).toBeNull();
    expect(d?.release).toBeNull();
  });

  it('alerts an idle pool member past its limit, once, and never plans its release', () => {
    const pooled = addr({ tags: { 'eip-keeper:pool': 'payments' } });
    const cfg = parseAppConfig(
      {
        sweeper: { release: { enabled: true } },
        pools: [
          {
            name: 'payments',
            cluster: 'prod',
            vpcId: 'vpc-0123456789abcdef0',
            members: ['198.51.100.1'],
            selector: { descriptionPrefix: 'x' },
            idleAlertHours: 6,
          },
        ],
      },
      't',
    );
    const first = plan({
      addresses: [pooled],
      config: cfg,
      tracks: new Map([[pooled.allocationId, track({})]]),
    });
    expect(first.decisions[0]?.alerts).toEqual(['pool-idle']);
    expect(first.decisions[0]?.release).toBeNull();
    const again = plan({
      addresses: [pooled],
      config: cfg,
      tracks: new Map([[pooled.allocationId, track({ alerts: { 'pool-idle': hoursAgo(1) } })]]),
    });
    expect(again.decisions[0]?.alerts).toEqual([]);
  });

  it('reports the tracked addresses that disappeared, in allocation-id order, and whether our release was in progress', () => {
    const gone = track({ allocationId: 'eipalloc-0000000000000000z' });
    const ours = track({
      allocationId: 'eipalloc-0000000000000000y',
      releaseAttempt: { runId: 'r0', at: hoursAgo(1) },
    });
    const p = plan({
      addresses: [],
      tracks: new Map([
        [gone.allocationId, gone],
        [ours.allocationId, ours],
      ]),
    });
    expect(p.vanished.map((v) => [v.allocationId, v.ourRelease, v.at])).toEqual([
      ['eipalloc-0000000000000000y', true, hoursAgo(1)],
      ['eipalloc-0000000000000000z', false, NOW],
    ]);
  });

  it('finds the one that disappeared when another is listed twice (as many listed as tracked)', () => {
    const listed = addr({ allocationId: 'eipalloc-0000000000000000a' });
    const gone = track({ allocationId: 'eipalloc-0000000000000000b' });
    const p = plan({
      addresses: [listed, { ...listed }],
      tracks: new Map([
        [listed.allocationId, track({ allocationId: listed.allocationId })],
        [gone.allocationId, gone],
      ]),
    });
    expect(p.vanished.map((v) => v.allocationId)).toEqual([gone.allocationId]);
  });

  it('finds none gone when every tracked address is listed', () => {
    const a = addr({ allocationId: 'eipalloc-0000000000000000a' });
    const b = addr({ allocationId: 'eipalloc-0000000000000000b' });
    const p = plan({
      addresses: [b, a],
      tracks: new Map([
        [a.allocationId, track({ allocationId: a.allocationId })],
        [b.allocationId, track({ allocationId: b.allocationId, status: 'gone' })],
      ]),
    });
    expect(p.vanished).toEqual([]);
  });
});

describe('checkLiveBeforeRelease', () => {
  const decided = addr({ tags: { Name: 'old' } });
  it('passes an address that is unchanged', () => {
    expect(checkLiveBeforeRelease(decided, { ...decided }, [])).toEqual({ ok: true });
  });
  it('refuses an address that is gone', () => {
    expect(checkLiveBeforeRelease(decided, undefined, [])).toMatchObject({ ok: false, reason: 'gone' });
  });
  it('refuses an address associated since the decision', () => {
    expect(
      checkLiveBeforeRelease(decided, { ...decided, associationId: 'x', networkInterfaceId: 'eni-9' }, []),
    ).toMatchObject({ ok: false, reason: 'associated' });
  });
  it('refuses an address whose tags changed since the decision', () => {
    expect(checkLiveBeforeRelease(decided, { ...decided, tags: { Name: 'new' } }, [])).toMatchObject({
      ok: false,
      reason: 'tags-changed',
    });
    expect(checkLiveBeforeRelease(decided, { ...decided, tags: {} }, [])).toMatchObject({
      reason: 'tags-changed',
    });
  });
  it('refuses an owned address even if the decision somehow had it', () => {
    const kept = addr({ tags: { 'eip-keeper:keep': '1' } });
    expect(checkLiveBeforeRelease(kept, kept, [])).toMatchObject({ ok: false, reason: 'not-orphan' });
    const alb = addr({ serviceManaged: 'alb' });
    expect(checkLiveBeforeRelease(alb, alb, [])).toMatchObject({ reason: 'not-orphan' });
  });
});

describe('DNS', () => {
  it('finds A records, EC2 host name CNAMEs and SPF ip4 mechanisms naming an address', () => {
    expect(addressesNamedBy('A', ['198.51.100.10', ' 192.0.2.1 '])).toEqual(['198.51.100.10', '192.0.2.1']);
    expect(addressesNamedBy('CNAME', ['ec2-198-51-100-10.eu-west-1.compute.amazonaws.com.'])).toEqual([
      '198.51.100.10',
    ]);
    expect(addressesNamedBy('CNAME', ['ec2-198-51-100-10.compute-1.amazonaws.com'])).toEqual([
      '198.51.100.10',
    ]);
    expect(addressesNamedBy('CNAME', ['lb.example.com.'])).toEqual([]);
    expect(
      addressesNamedBy('TXT', ['"v=spf1 ip4:198.51.100.10 ip4:192.0.2.0/24 ip4:192.0.2.7/32 -all"']),
    ).toEqual(['198.51.100.10', '192.0.2.7']);
    expect(addressesNamedBy('TXT', ['"ip4:198.51.100.100"'])).toEqual(['198.51.100.100']);
    expect(addressesNamedBy('MX', ['10 198.51.100.10'])).toEqual([]);
  });

  it('blocks a release when a record points at the IP, and when Route 53 could not be read', () => {
    const byIp = indexDnsReferences([
      {
        zone: 'example.com.',
        privateZone: false,
        records: [{ name: 'api.example.com.', type: 'A', values: ['198.51.100.10'] }],
      },
    ]);
    expect(dnsBlock('198.51.100.10', { status: 'ok', byIp })).toMatchObject({
      reason: 'dangling-dns',
      refs: [{ name: 'api.example.com.', type: 'A', zone: 'example.com.', privateZone: false }],
    });
    expect(dnsBlock('198.51.100.11', { status: 'ok', byIp })).toBeNull();
    expect(dnsBlock('198.51.100.11', { status: 'failed', error: 'AccessDenied' })).toMatchObject({
      reason: 'dns-unverified',
    });
  });
});

describe('releaseFailure', () => {
  it.each([
    ['InvalidIPAddress.InUse', 'skip'],
    ['InvalidAllocationID.NotFound', 'gone'],
    ['InvalidAddress.Locked', 'block'],
    ['InvalidAddress.PtrSet', 'block'],
    ['UnauthorizedOperation', 'block'],
    ['RequestLimitExceeded', 'retry'],
    ['InternalError', 'retry'],
  ])('maps %s to %s', (code, outcome) => {
    expect(releaseFailure(code, 'm').outcome).toBe(outcome);
  });

  it('retries a locked or PTR-blocked address only after a day', () => {
    expect(releaseFailure('InvalidAddress.Locked', 'm')).toMatchObject({
      reason: 'locked',
      retryAfterHours: 24,
    });
    expect(releaseFailure('InvalidAddress.PtrSet', 'm')).toMatchObject({
      reason: 'ptr-set',
      retryAfterHours: 24,
    });
  });
});
