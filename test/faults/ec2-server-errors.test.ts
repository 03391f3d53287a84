/**
 * EC2 answers 20% of calls with HTTP 503, with a two-minute total outage in the middle, while pods come and go.
 */
import { describe, expect, it } from 'vitest';
import { regionPerTest } from '../support/region';
import { FaultRegion, MINUTE, RECONCILE_PERIOD } from './support/region';

const startRegion = regionPerTest(FaultRegion.start);

describe('EC2 server errors', () => {
  it('loses nothing through 20% of 503s and a two-minute outage, and every failed invocation shows', async () => {
    const rig = await startRegion({ eips: 5, faults: { ec2ServerErrors: 0.2 } });
    const first = await rig.createPods(3);
    await rig.advance(2 * MINUTE);
    const late = await rig.createPodsQuietly(2);
    await rig.deletePodsQuietly(first.slice(0, 1));
    rig.setFaults({ ec2ServerErrors: 1 });
    await rig.advance(2 * MINUTE);
    expect(rig.unserved(late)).toEqual(late);
    rig.setFaults({ ec2ServerErrors: 0.2 });
    await rig.advance(2 * MINUTE);
    rig.setFaults({ ec2ServerErrors: 0 });

    await rig.advance(RECONCILE_PERIOD);

    expect(await rig.problems()).toEqual([]);
    // The SDK retried most 503s away; what it could not, failed the invocation, visible as Lambda's Errors metric,
    // and Lambda's retries outlasted the outage.
    expect(rig.region.server.calls.filter((c) => c.outcome === 'fault:503').length).toBeGreaterThan(20);
    const failed = rig.failedInvocations('KeeperEvents');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((i) => /Unavailable/.test(i.error ?? ''))).toBe(true);
    expect(rig.metric('Errors', { FunctionName: 'KeeperEvents' })).toBe(failed.length);
    expect(rig.region.bus.dlq).toEqual([]);
    expect(rig.silentlyLost()).toEqual([]);
    expect(rig.poolReleasesOrAllocations()).toEqual([]);
  });
});
