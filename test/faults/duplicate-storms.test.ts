/**
 * A duplicate storm: EventBridge delivers every event 3 to 5 times, shuffled. Each pod still gets one association,
 * the inventory records each change once, and the duplicates show in the metrics.
 */
import { describe, expect, it } from 'vitest';
import { regionPerTest } from '../support/region';
import { FaultRegion, MINUTE, RECONCILE_PERIOD } from './support/region';

const startRegion = regionPerTest(FaultRegion.start);

describe('duplicate storms', () => {
  it('associates once per pod and records every change once when each event arrives 3 to 5 times', async () => {
    const rig = await startRegion({
      eips: 5,
      faults: { delivery: { duplicate: 1, copies: { min: 3, max: 5 }, reorder: true } },
    });
    const first = await rig.createPods(4);
    await rig.advance(MINUTE);
    await rig.deletePods(first.slice(0, 2));
    await rig.advance(MINUTE);
    const second = await rig.createPods(3);
    await rig.advance(MINUTE);
    rig.setFaults({ delivery: {} });

    await rig.advance(RECONCILE_PERIOD);

    expect(rig.unserved([...first.slice(2), ...second])).toEqual([]);
    const deliveries = rig.region.bus.invocations.filter((i) => i.functionId === 'KeeperEvents').length;
    expect(deliveries).toBeGreaterThanOrEqual(3 * 9);
    expect(rig.metric('AssociationsMade')).toBe(7);
    expect(rig.metric('ReconcileRepairs')).toBe(0);
    expect(rig.metric('InventoryDuplicateEvents')).toBeGreaterThan(0);
    expect(await rig.problems()).toEqual([]);
    expect(rig.failedInvocations()).toEqual([]);
    expect(rig.poolReleasesOrAllocations()).toEqual([]);
  });
});
