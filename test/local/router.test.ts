import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../local/core/clock';
import type { EventBridgeEvent } from '../../local/core/types';
import { LocalEventBridge, type RouteTarget } from '../../local/eventbridge/router';
import { inventoryEventPattern } from '../../shared/events/patterns';

const origin = { accountId: '111122223333', region: 'eu-west-1' };

function apiCall(clock: VirtualClock, eventName: string, id: string): EventBridgeEvent {
  return {
    version: '0',
    id,
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.ec2',
    account: origin.accountId,
    time: clock.now().toISOString(),
    region: origin.region,
    resources: [],
    detail: { eventSource: 'ec2.amazonaws.com', eventName, eventID: id },
  };
}

function recordingTarget(behaviour: (e: EventBridgeEvent) => unknown = () => 'ok') {
  const seen: string[] = [];
  const target: RouteTarget = {
    functionId: 'Recorder',
    ruleId: 'InventoryEvents',
    pattern: inventoryEventPattern,
    invoke: async (e) => {
      seen.push(e.id);
      return behaviour(e);
    },
  };
  return { seen, target };
}

describe('local EventBridge router', () => {
  it('delivers a matching event to the rule target and ignores a non-matching one', async () => {
    const clock = new VirtualClock();
    const { seen, target } = recordingTarget();
    const bus = new LocalEventBridge(clock, [target], origin);
    bus.put(apiCall(clock, 'AssociateAddress', 'e1'));
    bus.put(apiCall(clock, 'RunInstances', 'e2'));
    await bus.drain();
    expect(seen).toEqual(['e1']);
  });

  it('retries a failing handler after 1 and 2 minutes, then records the event in the DLQ', async () => {
    const clock = new VirtualClock();
    const { seen, target } = recordingTarget(() => {
      throw new Error('boom');
    });
    const bus = new LocalEventBridge(clock, [target], origin);
    bus.put(apiCall(clock, 'AssociateAddress', 'e1'));
    await bus.drain();
    expect(seen).toHaveLength(1);
    await bus.advanceTo(clock.nowMs() + 60_000);
    expect(seen).toHaveLength(2);
    await bus.advanceTo(clock.nowMs() + 120_000);
    expect(seen).toHaveLength(3);
    expect(bus.dlq).toHaveLength(1);
    expect(bus.dlq[0]).toMatchObject({ reason: 'retries-exhausted', attempts: 3, error: 'Error: boom' });
  });

  it('succeeds on a retry without anything reaching the DLQ', async () => {
    const clock = new VirtualClock();
    let calls = 0;
    const { target } = recordingTarget(() => {
      calls += 1;
      if (calls === 1) throw new Error('transient');
      return 'ok';
    });
    const bus = new LocalEventBridge(clock, [target], origin);
    bus.put(apiCall(clock, 'AssociateAddress', 'e1'));
    await bus.advanceTo(clock.nowMs() + 10 * 60_000);
    expect(calls).toBe(2);
    expect(bus.dlq).toEqual([]);
  });

  it('holds a delayed event until the clock reaches its delivery time', async () => {
    const clock = new VirtualClock();
    const { seen, target } = recordingTarget();
    const bus = new LocalEventBridge(clock, [target], origin);
    bus.setFaults({ delaySeconds: 900 });
    bus.put(apiCall(clock, 'AssociateAddress', 'e1'));
    await bus.advanceTo(clock.nowMs() + 899_000);
    expect(seen).toEqual([]);
    await bus.advanceTo(clock.nowMs() + 1_000);
    expect(seen).toEqual(['e1']);
  });

  it('delivers every event twice when duplication is certain', async () => {
    const clock = new VirtualClock();
    const { seen, target } = recordingTarget();
    const bus = new LocalEventBridge(clock, [target], origin);
    bus.setFaults({ duplicate: 1 });
    bus.put(apiCall(clock, 'AssociateAddress', 'e1'));
    await bus.drain();
    expect(seen).toEqual(['e1', 'e1']);
  });

  it('drops only the event names it is told to drop, and records them', async () => {
    const clock = new VirtualClock();
    const { seen, target } = recordingTarget();
    const bus = new LocalEventBridge(clock, [target], origin);
    bus.setFaults({ drop: 1, dropEventNames: ['DeleteNetworkInterface'] });
    bus.put(apiCall(clock, 'DeleteNetworkInterface', 'e1'));
    bus.put(apiCall(clock, 'AssociateAddress', 'e2'));
    await bus.drain();
    expect(seen).toEqual(['e2']);
    expect(bus.dropped.map((d) => d.eventId)).toEqual(['e1']);
  });

  it('sends an event older than the maximum event age to the DLQ instead of the handler', async () => {
    const clock = new VirtualClock();
    const { seen, target } = recordingTarget();
    const bus = new LocalEventBridge(clock, [target], origin);
    bus.setFaults({ delaySeconds: 7 * 3600 });
    bus.put(apiCall(clock, 'AssociateAddress', 'e1'));
    await bus.advanceTo(clock.nowMs() + 8 * 3600_000);
    expect(seen).toEqual([]);
    expect(bus.dlq[0]?.reason).toBe('max-event-age');
  });

  it('fires a schedule once per period while the clock advances', async () => {
    const clock = new VirtualClock();
    const fired: string[] = [];
    const bus = new LocalEventBridge(clock, [], origin);
    bus.addSchedule(
      {
        functionId: 'Reconciler',
        ruleId: 'ReconcileSchedule',
        invoke: async (e) => {
          fired.push(e.time);
        },
      },
      5,
    );
    await bus.advanceTo(clock.nowMs() + 16 * 60_000);
    expect(fired).toEqual(['2026-01-05T09:05:00Z', '2026-01-05T09:10:00Z', '2026-01-05T09:15:00Z']);
  });

  it('delivers the same set of events whatever the reordering seed', async () => {
    const orders = [];
    for (const seed of [1, 2, 3]) {
      const clock = new VirtualClock();
      const { seen, target } = recordingTarget();
      const bus = new LocalEventBridge(clock, [target], origin, { seed, concurrency: 1 });
      bus.setFaults({ reorder: true, reorderWindowSeconds: 30 });
      for (const id of ['a', 'b', 'c', 'd', 'e']) bus.put(apiCall(clock, 'AssociateAddress', id));
      await bus.advanceTo(clock.nowMs() + 60_000);
      expect([...seen].sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
      orders.push(seen.join(''));
    }
    expect(new Set(orders).size).toBeGreaterThan(1);
  });
});
