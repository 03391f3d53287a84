import { AllocateAddressCommand, EC2Client } from '@aws-sdk/client-ec2';
import { describe, expect, inject, it } from 'vitest';
import type { EventBridgeEvent } from '../../local/core/types';
import { SimulatedRegion } from '../../local/region';
import type { FunctionSpec } from '../../shared/app/functions';
import { clientOptions } from '../../shared/aws/clients';

/** A function that makes one mutating address call per event: what a burst of keeper events does to EC2. */
const allocator: FunctionSpec = {
  id: 'Allocator',
  entry: 'test-only',
  description: 'allocates one address per event',
  rules: [{ id: 'Burst', pattern: { source: ['test.burst'] } }],
  timeoutSeconds: 30,
  memoryMb: 128,
  permissions: [],
  load: async () => ({
    createHandler: (ctx) => {
      const ec2 = new EC2Client(clientOptions(ctx.aws, 'ec2'));
      return async () => (await ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }))).AllocationId;
    },
  }),
};

function burstEvent(n: number): EventBridgeEvent {
  return {
    version: '0',
    id: `burst-${n}`,
    'detail-type': 'Burst',
    source: 'test.burst',
    account: '111122223333',
    time: '2026-01-05T09:00:00Z',
    region: 'eu-west-1',
    resources: [],
    detail: {},
  };
}

describe('SDK back-off on the virtual clock', () => {
  it('serves a burst over the EC2 address bucket at AWS rates in virtual time, without failures', async () => {
    const region = await SimulatedRegion.start({
      dynamoEndpoint: inject('dynamoEndpoint'),
      functions: [allocator],
      concurrency: 100,
      throttleClock: 'virtual',
      // The allocator is no function of the stack: no role of the stack's may allocate untagged addresses.
      iam: false,
    });
    try {
      region.ec2.addressLimit = 1_000;
      region.setFaults({ ec2Throttling: true });
      const start = region.clock.nowMs();
      for (let n = 0; n < 100; n++) region.bus.put(burstEvent(n));
      await region.settle();
      const elapsedS = (region.clock.nowMs() - start) / 1000;
      const ok = region.bus.invocations.filter((i) => i.outcome === 'ok');
      expect(ok).toHaveLength(100);
      expect(new Set(ok.map((i) => i.result)).size).toBe(100);
      expect(region.bus.dlq).toEqual([]);
      // 50 burst tokens, then 5 per second: the other 50 calls cannot finish before 10 s of virtual time.
      const floorS = (100 - 50) / 5;
      expect(elapsedS).toBeGreaterThanOrEqual(floorS);
      expect(elapsedS).toBeLessThan(floorS * 4);
      expect(region.server.calls.filter((c) => c.outcome === 'throttled').length).toBeGreaterThan(0);
    } finally {
      await region.stop();
    }
  });
});
