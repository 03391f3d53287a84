/**
 * Release safety on the simulated region: the address that changes between the decision and the release, dry run,
 * kill switch, per-run cap, notice period, AWS refusals, retries and concurrent sweeps. Grace is 1 h and the notice
 * 0 h unless a test says otherwise, so an address first seen at +1 h is an orphan (and notified) at +3 h and due at
 * the +4 h sweep.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AppConfigInput } from '../../shared/config/schema';
import type { Ec2Port } from '../../shared/sweeper/ports';
import { type SweeperDeps, SweepIncompleteError } from '../../shared/sweeper/sweeper';
import {
  alertTarget,
  ENI,
  type SweeperRegion,
  startSweeperRegion,
  VPC_STATE,
  wrapStore,
} from './support/region';

const V = 'eipalloc-0000000000000b001';
const W = 'eipalloc-0000000000000b002';
const X = 'eipalloc-0000000000000b003';

const CONFIG: AppConfigInput = {
  sweeper: {
    graceHours: 1,
    release: { enabled: true, noticeHours: 0, maxPerRun: 5, allowShortPeriods: true },
  },
};

function state(
  extra: Record<string, unknown> = {},
  addresses: unknown[] = [{ allocationId: V, publicIp: '198.51.100.21' }],
) {
  return {
    ...VPC_STATE,
    addresses,
    ssmParameters: [{ name: '/eip-keeper/kill-switch', value: 'off' }],
    ...extra,
  };
}

const rigs: SweeperRegion[] = [];
async function rig(opts: Parameters<typeof startSweeperRegion>[0]): Promise<SweeperRegion> {
  const r = await startSweeperRegion(opts);
  rigs.push(r);
  return r;
}
afterEach(async () => {
  await Promise.all(rigs.splice(0).map((r) => r.stop()));
});

/** Sweeps at +1 h (first seen) and +3 h (orphan, notice sent), and moves to +4 h, when the release is due. */
async function untilDue(r: SweeperRegion): Promise<void> {
  await r.advanceTo(1);
  await r.sweep();
  await r.advanceTo(3);
  const notified = await r.sweep();
  expect(notified.alerts.map((a) => a.kind)).toContain('orphan');
  await r.advanceTo(4);
}

const addressIds = (r: SweeperRegion) => r.region.ec2.addresses().map((a) => a.allocationId);

function wrapEc2(base: Ec2Port, over: Partial<Ec2Port>): Ec2Port {
  return {
    describeAddresses: over.describeAddresses ?? (() => base.describeAddresses()),
    describeAddress: over.describeAddress ?? ((id) => base.describeAddress(id)),
    releaseAddress: over.releaseAddress ?? ((id) => base.releaseAddress(id)),
  };
}

describe('an address that changes between the decision and the release', () => {
  it('is not released when it is associated after the sweep decided, before the live re-read', async () => {
    // The test's EC2 adapter makes a real AssociateAddress call, as alice, just before the sweeper's live re-read:
    // the sweep has already read DescribeAddresses and planned the release.
    let r!: SweeperRegion;
    let injected = false;
    r = await rig({
      config: CONFIG,
      state: state(),
      wrap: (deps) => ({
        ...deps,
        ec2: wrapEc2(deps.ec2, {
          describeAddress: async (id) => {
            if (id === V && !injected) {
              injected = true;
              await r.associate(V);
            }
            return deps.ec2.describeAddress(id);
          },
        }),
      }),
    });
    await untilDue(r);

    const result = await r.sweep();

    expect(injected).toBe(true);
    expect(result.releases).toEqual([
      {
        allocationId: V,
        publicIp: '198.51.100.21',
        outcome: 'skipped',
        detail: `not released: associated again (${ENI})`,
      },
    ]);
    expect(r.calls('ReleaseAddress')).toBe(0);
    expect(r.region.ec2.addressById.get(V)?.association?.networkInterfaceId).toBe(ENI);
  });

  it('is not released when it is associated after the live re-read, just before ReleaseAddress', async () => {
    let r!: SweeperRegion;
    r = await rig({
      config: CONFIG,
      state: state(),
      wrap: (deps) => ({
        ...deps,
        ec2: wrapEc2(deps.ec2, {
          releaseAddress: async (id) => {
            await r.associate(id);
            return deps.ec2.releaseAddress(id);
          },
        }),
      }),
    });
    await untilDue(r);

    const result = await r.sweep();

    expect(result.releases[0]).toMatchObject({
      outcome: 'skipped',
      detail: expect.stringContaining('InvalidIPAddress.InUse'),
    });
    expect(addressIds(r)).toContain(V);
    const track = (await r.store.listTracks()).find((t) => t.track.allocationId === V);
    expect(track?.track.releaseAttempt).toBeNull();
    expect(track?.track.releasedAt).toBeNull();
  });

  it('is not released when someone tags it to keep after the sweep decided', async () => {
    let r!: SweeperRegion;
    r = await rig({
      config: CONFIG,
      state: state(),
      wrap: (deps) => ({
        ...deps,
        ec2: wrapEc2(deps.ec2, {
          describeAddress: async (id) => {
            await r.tag(id, { 'eip-keeper:keep': 'changed my mind' });
            return deps.ec2.describeAddress(id);
          },
        }),
      }),
    });
    await untilDue(r);

    const result = await r.sweep();

    expect(result.releases[0]).toMatchObject({
      outcome: 'skipped',
      detail: 'not released: its tags changed since the sweep read them',
    });
    expect(addressIds(r)).toContain(V);
  });
});

describe('dry run', () => {
  it('changes nothing and says what it would do', async () => {
    const r = await rig({ config: CONFIG, state: state() });
    await r.advanceTo(1);
    await r.sweep();
    await r.advanceTo(3);
    const before = await r.region.tableItemsByKind();

    const dry = await r.sweep({ dryRun: true });

    expect(dry.dryRun).toBe(true);
    expect(dry.alerts).toEqual([
      {
        kind: 'orphan',
        allocationId: V,
        subject: expect.stringContaining('Orphaned Elastic IP 198.51.100.21'),
        status: 'would-send',
      },
    ]);
    expect(dry.story[0]).toMatch(/^dry run at 2026-01-05 12:00 UTC: 1 address \(1 orphan\)/);
    expect(await r.region.tableItemsByKind()).toEqual(before);
    expect(r.messages()).toEqual([]);

    await r.sweep();
    await r.advanceTo(4);
    const tableAtDue = await r.region.tableItemsByKind();
    const published = r.messages().length;
    const due = await r.sweep({ dryRun: true });

    expect(due.releases).toEqual([
      { allocationId: V, publicIp: '198.51.100.21', outcome: 'would-release', detail: 'every check passed' },
    ]);
    expect(r.calls('ReleaseAddress')).toBe(0);
    expect(addressIds(r)).toContain(V);
    expect(await r.region.tableItemsByKind()).toEqual(tableAtDue);
    expect(r.messages()).toHaveLength(published);
    expect(r.region.metrics.filter((m) => m.functionId === 'SweeperUnderTest' && m.at === due.at)).toEqual(
      [],
    );
  });
});

describe('kill switch', () => {
  it('holds every release while it is on, read again on every run', async () => {
    const r = await rig({ config: CONFIG, state: state() });
    await untilDue(r);
    r.region.ssm.put('/eip-keeper/kill-switch', 'on');

    const held = await r.sweep();

    expect(held.killSwitch).toEqual({ on: true, detail: '"on"' });
    expect(held.releases).toEqual([]);
    expect(held.decisions.find((d) => d.allocationId === V)?.hold).toEqual({ reason: 'kill-switch' });
    expect(held.story[0]).toContain('held by the kill switch (1 due)');
    expect(r.calls('ReleaseAddress')).toBe(0);

    r.region.ssm.put('/eip-keeper/kill-switch', 'off');
    await r.advanceTo(5);
    const released = await r.sweep();

    expect(released.releases.map((x) => x.outcome)).toEqual(['released']);
    expect(r.calls('GetParameter')).toBeGreaterThanOrEqual(4);
  });

  it('counts a missing kill-switch parameter as on', async () => {
    const r = await rig({ config: CONFIG, state: state({ ssmParameters: [] }) });
    await untilDue(r);

    const result = await r.sweep();

    expect(result.killSwitch.on).toBe(true);
    expect(result.killSwitch.detail).toContain('missing');
    expect(addressIds(r)).toContain(V);
  });
});

describe('per-run cap', () => {
  it('releases at most maxPerRun per sweep, the rest at the next', async () => {
    const r = await rig({
      config: {
        sweeper: {
          graceHours: 1,
          release: { enabled: true, noticeHours: 0, maxPerRun: 2, allowShortPeriods: true },
        },
      },
      state: state({}, [
        { allocationId: X, publicIp: '198.51.100.23' },
        { allocationId: V, publicIp: '198.51.100.21' },
        { allocationId: W, publicIp: '198.51.100.22' },
      ]),
    });
    await untilDue(r);

    const first = await r.sweep();

    expect(first.releases.map((x) => [x.allocationId, x.outcome])).toEqual([
      [V, 'released'],
      [W, 'released'],
    ]);
    expect(first.decisions.find((d) => d.allocationId === X)?.hold).toEqual({ reason: 'cap' });
    expect(first.story[0]).toContain('1 more due, over the per-run cap of 2');

    await r.advanceTo(5);
    const second = await r.sweep();

    expect(second.releases.map((x) => [x.allocationId, x.outcome])).toEqual([[X, 'released']]);
    expect(r.region.ec2.addresses()).toEqual([]);
  });
});

describe('notice period', () => {
  it('releases only at the first sweep after noticeHours have passed since the notice', async () => {
    const r = await rig({
      config: {
        sweeper: { graceHours: 1, release: { enabled: true, noticeHours: 6, allowShortPeriods: true } },
      },
      state: state(),
    });
    await r.advanceTo(1);
    await r.sweep();
    await r.advanceTo(3);
    const notice = await r.sweep();
    const alert = r.messages()[0];

    expect(notice.alerts[0]?.subject).toBe(
      // With the release time, the allocation id no longer fits SNS's 100 characters: it is in the body.
      '[eip-keeper] Orphaned Elastic IP 198.51.100.21 - release after 2026-01-05 18:00 UTC',
    );
    expect(alert && JSON.parse(alert.message).email).toContain(
      'released at the first sweep after 2026-01-05 18:00 UTC',
    );
    for (const hour of [4, 5, 6, 7, 8]) {
      await r.advanceTo(hour);
      const waiting = await r.sweep();
      expect(waiting.decisions[0]?.hold).toEqual({
        reason: 'notice-period',
        until: '2026-01-05T18:00:00.000Z',
      });
    }
    expect(r.calls('ReleaseAddress')).toBe(0);

    await r.advanceTo(9);
    const released = await r.sweep();

    expect(released.releases.map((x) => x.outcome)).toEqual(['released']);
    expect(r.messages().map((m) => alertTarget(m).kind)).toEqual(['orphan', 'released']);
  });
});

describe('AWS refusals', () => {
  it('blocks and alerts once on a reverse-DNS record, and tries again only a day later', async () => {
    const r = await rig({
      config: CONFIG,
      state: state({}, [{ allocationId: V, publicIp: '198.51.100.21', ptrSet: true }]),
    });
    await untilDue(r);

    const blocked = await r.sweep();

    expect(blocked.releases[0]).toMatchObject({ outcome: 'blocked', detail: expect.stringContaining('PTR') });
    for (const hour of [5, 6, 27]) {
      await r.advanceTo(hour);
      await r.sweep();
    }
    expect(r.calls('ReleaseAddress')).toBe(1);
    await r.advanceTo(28);
    await r.sweep();
    expect(r.calls('ReleaseAddress')).toBe(2);
    const kinds = r.messages().map((m) => `${alertTarget(m).kind} ${m.subject}`);
    expect(kinds.filter((k) => k.startsWith('release-blocked'))).toEqual([
      'release-blocked [eip-keeper] Elastic IP release blocked 198.51.100.21 (eipalloc-0000000000000b001) - ptr-set',
    ]);
    expect(addressIds(r)).toContain(V);
  });

  it('blocks when Route 53 cannot be read: it never releases an address whose DNS it could not check', async () => {
    const r = await rig({
      config: CONFIG,
      state: state(),
      wrap: (deps) => ({
        ...deps,
        dns: {
          listZoneRecords: async () => {
            throw Object.assign(new Error('User is not authorized to perform route53:ListHostedZones'), {
              name: 'AccessDenied',
            });
          },
        },
      }),
    });
    await untilDue(r);

    const result = await r.sweep();

    expect(result.releases[0]).toMatchObject({
      outcome: 'blocked',
      detail: expect.stringContaining('Route 53 lookup failed'),
    });
    expect(r.calls('ReleaseAddress')).toBe(0);
    const email = JSON.parse(r.messages().at(-1)?.message ?? '{}').email as string;
    expect(email).toContain('could not read the Route 53 records');
  });

  it('blocks, alerts and names the records when DNS still points at the address', async () => {
    const r = await rig({
      config: CONFIG,
      state: state({
        hostedZones: [
          {
            name: 'corp.example',
            private: true,
            records: [
              { name: 'mail.corp.example', type: 'TXT', values: ['"v=spf1 ip4:198.51.100.21 -all"'] },
            ],
          },
        ],
      }),
    });
    await untilDue(r);

    const result = await r.sweep();

    expect(result.releases[0]).toMatchObject({
      outcome: 'blocked',
      detail: '1 DNS record points at it: mail.corp.example.',
    });
    expect(addressIds(r)).toContain(V);
    expect(JSON.parse(r.messages().at(-1)?.message ?? '{}').email).toContain(
      'mail.corp.example. (TXT record in private zone corp.example.)',
    );
  });
});

describe('retries and concurrent sweeps', () => {
  it('counts and alerts nothing twice when the same run is retried', async () => {
    const r = await rig({ config: CONFIG, state: state() });
    await untilDue(r);
    await r.sweep({ runId: 'scheduled-1' });
    const alerts = r.messages().length;
    const table = await r.region.tableItemsByKind();

    const again = await r.sweep({ runId: 'scheduled-1' });

    expect(again.alerts).toEqual([]);
    expect(r.messages()).toHaveLength(alerts);
    const after = await r.region.tableItemsByKind();
    expect(after['sweep-release']).toEqual(table['sweep-release']);
    expect(after['sweep-idle']).toEqual(table['sweep-idle']);
  });

  it('finishes a release interrupted after ReleaseAddress exactly once, when Lambda retries the run', async () => {
    let crash = true;
    const r = await rig({
      config: CONFIG,
      state: state(),
      wrap: (deps): SweeperDeps => {
        const store = deps.store;
        const wrapped = wrapStore(store, {
          commit: async (c) => {
            if (c.release && crash) {
              crash = false;
              throw new Error('Task timed out after 300.00 seconds');
            }
            return store.commit(c);
          },
        });
        return { ...deps, store: wrapped };
      },
    });
    await untilDue(r);

    await expect(r.sweep({ runId: 'scheduled-7' })).rejects.toThrow(SweepIncompleteError);
    expect(addressIds(r)).not.toContain(V);
    expect(r.messages().map((m) => alertTarget(m).kind)).toEqual(['orphan']);

    await r.advanceTo(4.05);
    const retried = await r.sweep({ runId: 'scheduled-7' });
    await r.sweep({ runId: 'scheduled-7' });

    expect(retried.releases).toEqual([
      expect.objectContaining({
        allocationId: V,
        outcome: 'released',
        detail: expect.stringContaining('retried run'),
      }),
    ]);
    const releases = await r.store.listReleases();
    expect(releases).toHaveLength(1);
    expect(releases[0]?.releasedAt).toBe('2026-01-05T13:00:00.000Z');
    expect(r.messages().map((m) => alertTarget(m).kind)).toEqual(['orphan', 'released']);
    const episodes = await r.store.listEpisodes(V);
    expect(episodes.map((e) => [e.end, e.endReason])).toEqual([['2026-01-05T13:00:00.000Z', 'released']]);
  });

  it('records an interrupted release at the next run even if DescribeAddresses still lists the released address', async () => {
    let crash = true;
    let stale: Awaited<ReturnType<Ec2Port['describeAddresses']>> | undefined;
    const r = await rig({
      config: CONFIG,
      state: state(),
      wrap: (deps): SweeperDeps => ({
        ...deps,
        ec2: wrapEc2(deps.ec2, {
          // EC2 is eventually consistent: one more listing still shows the address released a moment ago.
          describeAddresses: async () => {
            if (stale) {
              const old = stale;
              stale = undefined;
              return old;
            }
            return deps.ec2.describeAddresses();
          },
        }),
        store: wrapStore(deps.store, {
          commit: async (c) => {
            if (c.release && crash) {
              crash = false;
              stale = [{ allocationId: V, publicIp: '198.51.100.21', publicIpv4Pool: 'amazon', tags: {} }];
              throw new Error('Task timed out after 300.00 seconds');
            }
            return deps.store.commit(c);
          },
        }),
      }),
    });
    await untilDue(r);
    await expect(r.sweep({ runId: 'scheduled-8' })).rejects.toThrow(SweepIncompleteError);

    await r.advanceTo(5);
    const next = await r.sweep({ runId: 'scheduled-9' });

    expect(next.releases).toEqual([
      expect.objectContaining({
        outcome: 'released',
        detail: expect.stringContaining('earlier release went through'),
      }),
    ]);
    expect((await r.store.listReleases()).map((x) => x.releasedAt)).toEqual(['2026-01-05T13:00:00.000Z']);
    expect(r.messages().map((m) => alertTarget(m).kind)).toEqual(['orphan', 'released']);
    expect(r.calls('ReleaseAddress')).toBe(1);
  });

  it('sends an alert whose publish failed exactly once, at the retry', async () => {
    let fail = true;
    const r = await rig({
      config: { sweeper: { graceHours: 1 } },
      state: state(),
      wrap: (deps) => ({
        ...deps,
        alerts: {
          publish: async (n) => {
            if (fail) {
              fail = false;
              throw Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
            }
            return deps.alerts.publish(n);
          },
        },
      }),
    });
    await r.advanceTo(1);
    await r.sweep();
    await r.advanceTo(3);

    await expect(r.sweep({ runId: 'run-3' })).rejects.toThrow(SweepIncompleteError);
    await r.sweep({ runId: 'run-3' });
    await r.sweep({ runId: 'run-4' });

    expect(r.messages().map((m) => alertTarget(m).kind)).toEqual(['orphan']);
  });

  it('releases once when two sweeps run at the same moment (the schedule and an operator)', async () => {
    const r = await rig({ config: CONFIG, state: state() });
    await untilDue(r);

    const results = await Promise.all([r.sweep({ runId: 'scheduled' }), r.sweep({ runId: 'cli' })]);

    const outcomes = results.flatMap((x) => x.releases.map((y) => y.outcome)).sort();
    expect(outcomes).toContain('released');
    expect(outcomes.filter((o) => o === 'released')).toHaveLength(1);
    expect(
      r.region.server.calls.filter((c) => c.action === 'ReleaseAddress' && c.outcome === 'ok'),
    ).toHaveLength(1);
    expect(await r.store.listReleases()).toHaveLength(1);
    expect(r.messages().filter((m) => alertTarget(m).kind === 'released')).toHaveLength(1);
  });
});

describe('price', () => {
  it('uses the Pricing API price when asked, and the configured one when the API fails', async () => {
    const r = await rig({
      config: { sweeper: { graceHours: 1, usePricingApi: true, hourlyRateUsd: 0.005 } },
      state: state(),
    });
    r.region.pricing.setIdleAddressPrice('eu-west-1', 0.0045);
    await r.advanceTo(1);

    const priced = await r.sweep();

    expect(priced.rate).toEqual({ usdPerHour: 0.0045, source: 'pricing-api' });
    expect((await r.store.listEpisodes(V))[0]?.rateUsd).toBe(0.0045);

    const fresh = await rig({
      config: { sweeper: { graceHours: 1, usePricingApi: true, hourlyRateUsd: 0.005 } },
      state: state(),
    });
    fresh.region.pricing.fail = true;
    await fresh.advanceTo(1);
    const fallback = await fresh.sweep();

    expect(fallback.rate).toEqual({ usdPerHour: 0.005, source: 'configured (pricing API failed)' });
    expect(fresh.region.logs.some((l) => l.level === 'warn' && l.message.includes('Pricing API'))).toBe(true);
  });
});
