/**
 * The fault switches themselves behave as AWS does: DynamoDB throttles in its own error format (so the SDK's retry
 * runs), Lambda ends a crashed or timed-out invocation without running any more of it, at the right virtual time,
 * and retries it; duplicate storms deliver each event several times; the same seed fails the same invocations.
 */
import { DynamoDBClient, GetItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { VirtualClock } from '../../local/core/clock';
import type { EventBridgeEvent } from '../../local/core/types';
import { LocalEventBridge, type RouteTarget } from '../../local/eventbridge/router';
import { InvocationFaults } from '../../local/invocation-faults';
import { SimulatedRegion } from '../../local/region';
import { usesFaultLayer } from '../../local/scenario/runner';
import { parseScenario } from '../../local/scenario/schema';
import type { FunctionSpec } from '../../shared/app/functions';
import { clientOptions } from '../../shared/aws/clients';
import { createDocumentClient } from '../../shared/store/client';
import { regionPerTest } from '../support/region';

/** A function that writes one item per event and logs when its `finally` runs. */
const probe: FunctionSpec = {
  id: 'Probe',
  entry: 'test/faults/switches.test.ts',
  description: 'writes one item per event',
  rules: [],
  timeoutSeconds: 20,
  memoryMb: 128,
  permissions: [],
  load: async () => ({
    createHandler: (ctx) => {
      const doc = createDocumentClient(ctx.aws);
      return async (event) => {
        const id = (event as { id: string }).id;
        try {
          await doc.send(
            new PutCommand({
              TableName: ctx.env.tableName,
              Item: { PK: `PROBE#${id}`, SK: 'x', kind: 'probe' },
            }),
          );
          return 'written';
        } finally {
          ctx.log.warn('probe finally ran');
        }
      };
    },
  }),
};

const event = (id: string): EventBridgeEvent => ({
  version: '0',
  id,
  'detail-type': 'Probe',
  source: 'test',
  account: '111122223333',
  time: '2026-01-05T09:00:00Z',
  region: 'eu-west-1',
  resources: [],
  detail: {},
});

/** A region with only the probe deployed, stopped after each test; the fault layer unless told otherwise. */
const startProbeRegion = regionPerTest((opts: { faultLayer?: boolean } = {}) =>
  SimulatedRegion.start({
    dynamoEndpoint: inject('dynamoEndpoint'),
    functions: [probe],
    faultLayer: opts.faultLayer ?? true,
  }),
);

function ddbOf(r: SimulatedRegion) {
  return new DynamoDBClient(clientOptions(r.connection('eip-keeper'), 'dynamodb'));
}

describe('DynamoDB throttling', () => {
  it('answers in DynamoDB’s error format, so the SDK retries it as throttling, and counts ThrottledRequests', async () => {
    const region = await startProbeRegion();
    region.setFaults({ dynamodbThrottling: { probability: 1, operations: ['GetItem'] } });
    const ddb = ddbOf(region);
    const get = ddb.send(
      new GetItemCommand({ TableName: region.tableName, Key: { PK: { S: 'a' }, SK: { S: 'b' } } }),
    );

    await expect(get).rejects.toMatchObject({
      name: 'ProvisionedThroughputExceededException',
      $metadata: { attempts: 8 },
    });
    expect(region.metrics.filter((m) => m.name === 'ThrottledRequests')).toHaveLength(8);
    expect(region.metrics[0]?.dimensions).toEqual({ Operation: 'GetItem' });
    ddb.destroy();
  });

  it('can fail transactions with a ThrottlingError cancellation reason, which the SDK does not retry', async () => {
    const region = await startProbeRegion();
    region.setFaults({ dynamodbThrottling: { probability: 1, cancelTransactions: true } });
    const ddb = ddbOf(region);
    const put = (pk: string) => ({
      Put: { TableName: region.tableName, Item: { PK: { S: pk }, SK: { S: 'x' } } },
    });
    const tx = ddb.send(new TransactWriteItemsCommand({ TransactItems: [put('a'), put('b')] }));

    await expect(tx).rejects.toMatchObject({
      name: 'TransactionCanceledException',
      CancellationReasons: [{ Code: 'ThrottlingError' }, { Code: 'None' }],
      $metadata: { attempts: 1 },
    });
    ddb.destroy();
  });

  it('lets everything through once switched off', async () => {
    const region = await startProbeRegion();
    region.setFaults({ dynamodbThrottling: 1 });
    region.setFaults({ dynamodbThrottling: false });

    await region.invoke('Probe', event('e1'));

    expect(region.bus.invocations.map((i) => i.outcome)).toEqual(['ok']);
    expect(region.metrics.filter((m) => m.name === 'ThrottledRequests')).toEqual([]);
  });
});

describe('handler crashes and timeouts', () => {
  it('ends a crashed invocation before its call reaches AWS, runs none of its finally, and retries it a minute later', async () => {
    const region = await startProbeRegion();
    region.setFaults({ handlerCrash: { function: 'Probe', probability: 1, before: 'PutItem' } });

    await region.invoke('Probe', event('e1'));
    region.setFaults({ handlerCrash: false });
    await region.advance(60_000);

    expect(region.bus.invocations.map((i) => [i.at, i.attempt, i.outcome, i.error])).toEqual([
      [
        '2026-01-05T09:00:00.000Z',
        1,
        'error',
        'Runtime.ExitError: Runtime exited with error: signal: killed',
      ],
      ['2026-01-05T09:01:00.000Z', 2, 'ok', undefined],
    ]);
    expect(region.logs.map((l) => l.message)).toEqual(['probe finally ran']);
    expect((await region.tableItemsByKind()).probe).toHaveLength(1);
    expect(region.metrics.filter((m) => m.name === 'Errors').map((m) => m.dimensions)).toEqual([
      { FunctionName: 'Probe' },
    ]);
  });

  it('ends an invocation right after a call AWS answered (`after`): the write is made, the invocation fails', async () => {
    const region = await startProbeRegion();
    region.setFaults({ handlerCrash: { function: 'Probe', probability: 1, after: 'PutItem' } });

    await region.invoke('Probe', event('e1'));
    const items = (await region.tableItemsByKind()).probe ?? [];
    region.setFaults({ handlerCrash: false });
    await region.advance(60_000);

    expect(items).toHaveLength(1);
    expect(region.bus.invocations.map((i) => [i.attempt, i.outcome])).toEqual([
      [1, 'error'],
      [2, 'ok'],
    ]);
  });

  it('lets an invocation that never makes the `after` call complete', async () => {
    const region = await startProbeRegion();
    region.setFaults({ handlerCrash: { function: 'Probe', probability: 1, after: 'DeleteItem' } });

    await region.invoke('Probe', event('e1'));

    expect(region.bus.invocations.map((i) => i.outcome)).toEqual(['ok']);
  });

  it('holds a timed-out invocation until the function’s timeout has passed, then sends the event to the DLQ after three', async () => {
    const region = await startProbeRegion();
    region.setFaults({ handlerTimeout: { function: 'Probe', probability: 1 } });

    await region.invoke('Probe', event('e1'));
    await region.advance(10 * 60_000);

    expect(region.bus.invocations.map((i) => [i.at, i.error])).toEqual([
      // Each attempt starts a minute, then two, after the previous one timed out 20 s in.
      ['2026-01-05T09:00:00.000Z', 'Sandbox.Timedout: Task timed out after 20.00 seconds'],
      ['2026-01-05T09:01:20.000Z', 'Sandbox.Timedout: Task timed out after 20.00 seconds'],
      ['2026-01-05T09:03:40.000Z', 'Sandbox.Timedout: Task timed out after 20.00 seconds'],
    ]);
    expect(region.bus.dlq.map((d) => [d.eventId, d.reason, d.attempts])).toEqual([
      ['e1', 'retries-exhausted', 3],
    ]);
  });

  it('stops an invocation whose SDK back-off runs past its timeout', async () => {
    const region = await startProbeRegion();
    region.setFaults({ dynamodbThrottling: 1, handlerTimeout: { probability: 0 } });

    await region.invoke('Probe', event('e1'));

    expect(region.bus.invocations.map((i) => i.error)).toEqual([
      'Sandbox.Timedout: Task timed out after 20.00 seconds',
    ]);
    expect(region.clock.nowMs() - Date.parse('2026-01-05T09:00:00Z')).toBeGreaterThanOrEqual(20_000);
    expect(region.metrics.filter((m) => m.name === 'ThrottledRequests').length).toBeGreaterThan(1);
    expect(region.logs).toEqual([]);
  });

  it('fails the same invocations for the same seed, whatever order they run in', async () => {
    const failedWith = async (seed: number, ids: string[]) => {
      const clock = new VirtualClock();
      const bus = new LocalEventBridge(clock, [], { accountId: '111122223333', region: 'eu-west-1' });
      const faults = new InvocationFaults(seed, clock, bus.scheduler);
      faults.set({ handlerCrash: { probability: 0.5 } });
      const failed: string[] = [];
      for (const id of ids) {
        const info = { functionId: 'F', ruleId: 'r', eventId: id, attempt: 1 };
        await faults.run(info, async () => 'ok').catch(() => failed.push(id));
      }
      return failed.sort();
    };
    const ids = Array.from({ length: 40 }, (_, i) => `event-${i}`);

    const a = await failedWith(7, ids);
    expect(await failedWith(7, [...ids].reverse())).toEqual(a);
    expect(await failedWith(8, ids)).not.toEqual(a);
    expect(a.length).toBeGreaterThan(10);
    expect(a.length).toBeLessThan(30);
  });
});

describe('duplicate storms', () => {
  it('delivers every event between 3 and 5 times', async () => {
    const clock = new VirtualClock();
    const seen = new Map<string, number>();
    const target: RouteTarget = {
      functionId: 'F',
      ruleId: 'r',
      pattern: { source: ['test'] },
      invoke: async (e) => seen.set(e.id, (seen.get(e.id) ?? 0) + 1),
    };
    const bus = new LocalEventBridge(clock, [target], { accountId: '111122223333', region: 'eu-west-1' });
    bus.setFaults({ duplicate: 1, copies: { min: 3, max: 5 } });
    for (let i = 0; i < 30; i++) bus.put(event(`e${i}`));
    await bus.drain();

    const counts = [...seen.values()];
    expect(counts).toHaveLength(30);
    expect(Math.min(...counts)).toBe(3);
    expect(Math.max(...counts)).toBe(5);
  });
});

describe('scenario switches', () => {
  it('starts the fault layer only for scenarios that use a switch needing it, at the start or in a step', () => {
    const parse = (raw: object) => parseScenario({ name: 'x', ...raw }, 'x.json');
    expect(usesFaultLayer(parse({ faults: { ec2ServerErrors: 0.2 } }))).toBe(false);
    expect(usesFaultLayer(parse({ faults: { dynamodbThrottling: 0.2 } }))).toBe(true);
    expect(
      usesFaultLayer(
        parse({
          steps: [
            { repeat: 2, steps: [{ faults: { handlerTimeout: { function: 'Sweeper', probability: 1 } } }] },
          ],
        }),
      ),
    ).toBe(true);
  });

  it('refuses DynamoDB and handler faults on a region started without the fault layer', async () => {
    const region = await startProbeRegion({ faultLayer: false });
    expect(() => region.setFaults({ handlerCrash: { probability: 1 } })).toThrow(/faultLayer: true/);
  });
});
