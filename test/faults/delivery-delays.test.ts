/**
 * EventBridge delivers every CloudTrail event 15 minutes late: the reconciler serves and frees pods long before their
 * events arrive, the late events change nothing, and the inventory catches up when they do.
 */
import { describe, expect, it } from 'vitest';
import { regionPerTest } from '../support/region';
import { FaultRegion } from './support/region';

const startRegion = regionPerTest(FaultRegion.start);

describe('15-minute delivery delays', () => {
  it('serves and frees pods by the next reconcile, and the late events change nothing', async () => {
    const rig = await startRegion({ eips: 4, faults: { delivery: { delaySeconds: 900 } } });

    const first = await rig.createPods(3);
    expect(rig.unserved(first)).toEqual(first);
    await rig.advanceTo(5);
    expect(await rig.problems({ inventory: false })).toEqual([]);

    await rig.deletePods(first.slice(0, 2));
    const second = await rig.createPods(3);
    await rig.advanceTo(10);
    expect(rig.unserved(second)).toEqual([]);
    expect(await rig.problems({ inventory: false })).toEqual([]);
    expect(rig.metric('ReconcileRepairs')).toBe(8);

    // Every event has arrived by now (the last, the sweeper's release of the orphan at 09:25, at 09:40): the
    // creations found their pods served, the deletions found nothing held.
    await rig.advanceTo(45);
    expect(rig.region.bus.backlog()).toBe(0);
    const keeperResults = rig.region.bus.invocations
      .filter((i) => i.functionId === 'KeeperEvents')
      .map((i) => (i.result as { outcome?: string }).outcome);
    expect(keeperResults).toHaveLength(8);
    expect(keeperResults.filter((o) => o !== 'unchanged' && o !== 'skipped')).toEqual([]);
    expect(rig.metric('AssociationsMade')).toBe(6);
    expect(await rig.problems()).toEqual([]);
    expect(rig.failedInvocations()).toEqual([]);
    // The sweeper did release the orphan meanwhile, never a pool EIP.
    expect(rig.region.ec2.addressById.has(rig.orphan)).toBe(false);
    expect(rig.poolReleasesOrAllocations()).toEqual([]);
  });
});
