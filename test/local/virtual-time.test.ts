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

/** A burst of 100 allocation events with throttling on: the virtual seconds it took and the throttled attempts. */
async function runBurst(): Promise<{ elapsedS: number; throttled: number; ok: unknown[]; dlq: unknown[] }> {
  const region = await SimulatedRegion.start({
    dynamoEndpoint: inject('dynamoEndpoint'),
    functions: [allocator],
    concurrency: 100,
    // The allocator is no function of the stack: no role of the stack's may allocate untagged addresses.
    iam: false,
  });
  try {
    region.ec2.addressLimit = 1_000;
    region.setFaults({ ec2Throttling: true });
    const start = region.clock.nowMs();
    for (let n = 0; n < 100; n++) region.bus.put(burstEvent(n));
    await region.settle();
    return {
      elapsedS: (region.clock.nowMs() - start) / 1000,
      throttled: region.server.calls.filter((c) => c.outcome === 'throttled').length,
      ok: region.bus.invocations.filter((i) => i.outcome === 'ok').map((i) => i.result),
      dlq: region.bus.dlq,
    };
  } finally {
    await region.stop();
  }
}

describe('SDK back-off on the virtual clock', () => {
  it('serves a burst over the EC2 address bucket at AWS rates in virtual time, without failures', async () => {
    const { elapsedS, throttled, ok, dlq } = await runBurst();

    expect(ok).toHaveLength(100);
    expect(new Set(ok).size).toBe(100);
    expect(dlq).toEqual([]);
    // 50 burst tokens, then 5 per second: the other 50 calls cannot finish before 10 s of virtual time.
    const floorS = (100 - 50) / 5;
    expect(elapsedS).toBeGreaterThanOrEqual(floorS);
    expect(elapsedS).toBeLessThan(floorS * 4);
    expect(throttled).toBeGreaterThan(0);
  });

  it('throttles the same run the same way every time', async () => {
    const first = await runBurst();
    const second = await runBurst();

    expect(second.throttled).toBe(first.throttled);
    expect(second.elapsedS).toBe(first.elapsedS);
  });

  it('refills no bucket while real time passes and virtual time stands still', async () => {
    const region = await SimulatedRegion.start({ dynamoEndpoint: inject('dynamoEndpoint'), functions: [] });
    const once = new EC2Client({
      ...clientOptions(region.connection('admin'), 'ec2'),
      retryStrategy: undefined,
      maxAttempts: 1,
    });
    try {
      region.ec2.addressLimit = 1_000;
      region.setFaults({ ec2Throttling: true });
      await Promise.all(Array.from({ length: 50 }, () => once.send(new AllocateAddressCommand({}))));
      // A slow machine: a second of real time would refill 5 tokens if buckets refilled on it.
      await new Promise((r) => setTimeout(r, 1_000));

      const attempt = once.send(new AllocateAddressCommand({}));

      await expect(attempt).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
    } finally {
      once.destroy();
      await region.stop();
    }
  });
});
