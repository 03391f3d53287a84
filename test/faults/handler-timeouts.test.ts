/**
 * Invocations that hang and run into their configured timeout: Lambda stops them where they are (no clean-up runs),
 * retries them, and sends what still fails to the DLQ.
 */
import { describe, expect, it } from 'vitest';
import { regionPerTest } from '../support/region';
import { FaultRegion, MINUTE, RECONCILE_PERIOD } from './support/region';

const startRegion = regionPerTest(FaultRegion.start);

describe('handler timeouts', () => {
  it('repairs, by the first reconcile after the claims’ grace, claims whose association hung until the timeout', async () => {
    const rig = await startRegion({
      eips: 4,
      faults: {
        handlerTimeout: { function: 'KeeperEvents', probability: 1, before: 'AssociateAddress' },
      },
    });
    const pods = await rig.createPods(3);
    await rig.advanceTo(4);
    expect(rig.unserved(pods)).toEqual(pods);
    expect(rig.failedInvocations().map((i) => i.error)).toEqual(
      Array(6).fill('Sandbox.Timedout: Task timed out after 60.00 seconds'),
    );

    await rig.advanceTo(5);

    expect(rig.unserved(pods)).toEqual([]);
    expect(await rig.problems()).toEqual([]);
    // The third attempts either hung as well (DLQ) or found the reconciler's association and were done.
    expect(rig.silentlyLost()).toEqual([]);
    expect(rig.metric('Errors', { FunctionName: 'KeeperEvents' })).toBeGreaterThanOrEqual(6);
    expect(rig.poolReleasesOrAllocations()).toEqual([]);
  });

  it('loses nothing when a third of all invocations time out somewhere, once the DLQ of the recorder is redriven', async () => {
    const rig = await startRegion({ eips: 5, seed: 4, faults: { handlerTimeout: { probability: 0.3 } } });
    const first = await rig.createPods(4);
    await rig.advance(3 * MINUTE);
    await rig.deletePods(first.slice(0, 2));
    await rig.createPods(2);
    await rig.advance(3 * MINUTE);
    rig.setFaults({ handlerTimeout: false });

    await rig.advance(RECONCILE_PERIOD);

    const timedOut = new Set(rig.failedInvocations().map((i) => i.functionId));
    expect([...timedOut]).toEqual(expect.arrayContaining(['InventoryRecorder', 'KeeperEvents']));
    expect(rig.silentlyLost()).toEqual([]);
    expect(rig.metric('Errors')).toBe(rig.failedInvocations().length);
    // The keeper needs no redrive: the reconciler repaired whatever its lost events left behind.
    expect(await rig.problems({ inventory: false })).toEqual([]);
    // The inventory has no reconciler: its DLQ'd events are lost history until redriven.
    await rig.redrive('InventoryRecorder');
    expect(await rig.problems()).toEqual([]);
    expect(rig.poolReleasesOrAllocations()).toEqual([]);
  });
});
