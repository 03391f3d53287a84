/**
 * A conditional-check storm: far more pods than pool EIPs start at once and the keeper's invocations (as many as its
 * reserved concurrency) race for the same few claims. Every lost race is a conditional check that failed, never a
 * double assignment nor a lost pod; and as pods end, the handlers serving the same waiters associate each EIP once.
 */
import { describe, expect, it } from 'vitest';
import { regionPerTest } from '../support/region';
import { FaultRegion, RECONCILE_PERIOD } from './support/region';

const startRegion = regionPerTest(FaultRegion.start);

const keeperAssociations = (r: FaultRegion) => {
  const byOutcome: Record<string, number> = {};
  for (const c of r.region.server.calls)
    if (c.actor === 'eip-keeper' && c.action === 'AssociateAddress')
      byOutcome[c.outcome] = (byOutcome[c.outcome] ?? 0) + 1;
  return byOutcome;
};

describe('a conditional-check storm', () => {
  it('gives 10 EIPs to 10 of 50 racing pods, queues the other 40, and serves them in turn as pods end', async () => {
    const rig = await startRegion({ eips: 10, concurrency: 10 });
    const pods = await rig.createPodsQuietly(50);
    await rig.region.settle();

    expect(rig.unserved(pods)).toHaveLength(40);
    expect(keeperAssociations(rig)).toEqual({ ok: 10 });
    expect(rig.region.sns.messages.filter((m) => m.subject?.includes('exhausted'))).toHaveLength(1);
    expect(await rig.problems()).toEqual([]);

    const served = pods.filter((p) => rig.eipOf(p));
    await rig.deletePodsQuietly(served);
    await rig.region.settle();

    expect(rig.unserved(pods.filter((p) => !served.includes(p)))).toHaveLength(30);
    // One AssociateAddress per waiter served, however many deletions' handlers serve the same waiters at once.
    expect(keeperAssociations(rig)).toEqual({ ok: 20 });
    expect(await rig.problems()).toEqual([]);
    const holders = pods.filter((p) => rig.eipOf(p));
    expect(rig.holderTags()).toEqual(new Map(holders.map((p) => [rig.eipOf(p) as string, p])));

    await rig.advance(RECONCILE_PERIOD);

    // The storm left nothing for the reconciler to repair.
    expect(rig.metric('ReconcileRepairs')).toBe(0);
    expect(await rig.problems()).toEqual([]);
    expect(rig.failedInvocations()).toEqual([]);
    expect(rig.poolReleasesOrAllocations()).toEqual([]);
  });
});
