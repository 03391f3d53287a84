/**
 * DynamoDB throttles eip-keeper's table while pods come and go: the SDK's retries absorb moderate throttling, Lambda's
 * retries and the reconciler absorb a storm, and whatever failed shows in the DLQ and the metrics.
 */
import { describe, expect, it } from 'vitest';
import { regionPerTest } from '../support/region';
import { FaultRegion, MINUTE, RECONCILE_PERIOD } from './support/region';

const startRegion = regionPerTest(FaultRegion.start);

describe('DynamoDB throttling', () => {
  it('loses nothing while 30% of all table requests are throttled', async () => {
    const rig = await startRegion({ eips: 5, faults: { dynamodbThrottling: 0.3 } });
    const first = await rig.createPods(4);
    await rig.advance(2 * MINUTE);
    await rig.deletePods(first.slice(0, 1));
    await rig.createPods(2);
    await rig.advance(3 * MINUTE);
    rig.setFaults({ dynamodbThrottling: false });

    await rig.advance(RECONCILE_PERIOD);

    expect(await rig.problems()).toEqual([]);
    // Visible: DynamoDB's ThrottledRequests metric counts them. Which operations drew a throttle depends on how the
    // concurrent handlers interleave, so only the total is asserted.
    const throttled = ['TransactWriteItems', 'Query', 'PutItem', 'UpdateItem', 'GetItem', 'BatchGetItem'].map(
      (o) => rig.metric('ThrottledRequests', { Operation: o }),
    );
    expect(throttled.reduce((a, b) => a + b, 0)).toBeGreaterThan(5);
    expect(rig.region.bus.dlq).toEqual([]);
    expect(rig.silentlyLost()).toEqual([]);
    expect(rig.poolReleasesOrAllocations()).toEqual([]);
  });

  it('recovers from a 7-minute storm on every claim and release transaction by the next reconcile', async () => {
    const rig = await startRegion({ eips: 4 });
    const before = await rig.createPods(2);
    rig.setFaults({ dynamodbThrottling: { probability: 1, operations: ['TransactWriteItems'] } });
    const during = await rig.createPods(2);
    await rig.deletePods(before.slice(0, 1));
    await rig.advance(7 * MINUTE);
    // The SDK gave up on every transaction, so did Lambda after two retries: the events are in the DLQ.
    expect(rig.unserved(during)).toEqual(during);
    expect(
      rig.region.bus.dlq.map((d) => [d.functionId, (d.event.detail as { eventName: string }).eventName]),
    ).toEqual(
      expect.arrayContaining([
        ['KeeperEvents', 'CreateNetworkInterface'],
        ['KeeperEvents', 'DeleteNetworkInterface'],
      ]),
    );
    rig.setFaults({ dynamodbThrottling: false });

    await rig.advance(RECONCILE_PERIOD);

    expect(rig.unserved(during)).toEqual([]);
    expect(await rig.problems()).toEqual([]);
    expect(rig.metric('ThrottledRequests', { Operation: 'TransactWriteItems' })).toBeGreaterThan(0);
    expect(rig.metric('Errors', { FunctionName: 'KeeperEvents' })).toBeGreaterThanOrEqual(6);
    expect(rig.metric('ReconcileRepairs')).toBeGreaterThan(0);
    expect(rig.silentlyLost()).toEqual([]);
    expect(rig.poolReleasesOrAllocations()).toEqual([]);
  });

  it('recovers when throttled transactions come back cancelled (ThrottlingError), which the SDK does not retry', async () => {
    const rig = await startRegion({
      eips: 5,
      faults: { dynamodbThrottling: { probability: 0.4, cancelTransactions: true } },
    });
    const pods = await rig.createPods(4);
    await rig.deletePods(pods.slice(0, 2));
    await rig.createPods(2);
    await rig.advance(4 * MINUTE);
    expect(rig.failedInvocations().map((i) => i.error)).toContainEqual(
      expect.stringMatching(/^TransactionCanceledException: .*ThrottlingError/),
    );
    rig.setFaults({ dynamodbThrottling: false });

    await rig.advance(RECONCILE_PERIOD);

    expect(await rig.problems()).toEqual([]);
    expect(rig.silentlyLost()).toEqual([]);
    expect(rig.poolReleasesOrAllocations()).toEqual([]);
  });
});
