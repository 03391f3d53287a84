import type { EventBridgeEvent } from '../local/core/types';
import { type CapacityTotals, DynamoDbMeter } from '../local/dynamodb-meter';
import { eventNameOf } from '../local/eventbridge/router';
import { SimulatedRegion } from '../local/region';
import { localContext } from '../local/runtime';
import {
  type FunctionSpec,
  inventoryRecorder,
  keeperEvents,
  keeperReconciler,
} from '../shared/app/functions';
import { createSweeper } from '../shared/sweeper/sweeper';
import { sweeperDepsFromContext } from '../shared/sweeper/wiring';
import { BENCH_CLUSTER, benchPool, type PodNetwork, SimulatedPods, seedPodNetwork, startPods } from './pods';

const VPC = 'vpc-0be0c0a000000d001';
const SUBNET = 'subnet-0be0c0a000000d001';
const SG = 'sg-0be0c0a000000d001';
const POOL = 'meter-pool';
const NETWORK: PodNetwork = { vpcId: VPC, subnetId: SUBNET, securityGroupId: SG, subnetCidr: '10.0.0.0/20' };

export interface CapacityRow {
  /** What happened: the event (and how the handler took it), or a sweep. */
  event: string;
  function: string;
  /** Events (or, for sweeps, addresses) the figures are divided by. */
  count: number;
  rcuPerEvent: number;
  wcuPerEvent: number;
  requestsPerEvent: number;
}

interface Tally {
  count: number;
  read: number;
  write: number;
  requests: number;
}

const requestsOf = (t: CapacityTotals) => Object.values(t.calls).reduce((s, n) => s + n, 0);

/** The totals of a meter, copied (the meter keeps adding to its own). */
function snapshot(t: CapacityTotals): { read: number; write: number; requests: number } {
  return { read: t.readUnits, write: t.writeUnits, requests: requestsOf(t) };
}

export async function runDynamoDbBench(opts: {
  dynamoEndpoint: string;
  enis: number;
  sweepAddresses: number;
  log: (line: string) => void;
}): Promise<CapacityRow[]> {
  const meters: DynamoDbMeter[] = [];
  const tallies = new Map<string, Tally & { function: string; event: string }>();
  const add = (fn: string, event: string, delta: { read: number; write: number; requests: number }) => {
    const key = `${fn}|${event}`;
    const t = tallies.get(key) ?? { function: fn, event, count: 0, read: 0, write: 0, requests: 0 };
    t.count += 1;
    t.read += delta.read;
    t.write += delta.write;
    t.requests += delta.requests;
    tallies.set(key, t);
  };
  /** The function, with its own metering proxy and a tally around each invocation. */
  const metered = (spec: FunctionSpec): FunctionSpec => ({
    ...spec,
    load: async () => {
      const mod = await spec.load();
      const meter = new DynamoDbMeter(opts.dynamoEndpoint);
      meters.push(meter);
      const endpoint = await meter.start();
      return {
        createHandler: (ctx) => {
          const handle = mod.createHandler({
            ...ctx,
            aws: { ...ctx.aws, endpoints: { ...ctx.aws.endpoints, dynamodb: endpoint } },
          });
          return async (event) => {
            const before = snapshot(meter.totals);
            const result = await handle(event);
            const after = snapshot(meter.totals);
            const e = event as EventBridgeEvent;
            const outcome = (result as { outcome?: string } | undefined)?.outcome;
            const name = eventNameOf(e) ?? e['detail-type'];
            add(spec.id, outcome ? `${name} (${outcome})` : name, {
              read: after.read - before.read,
              write: after.write - before.write,
              requests: after.requests - before.requests,
            });
            return result;
          };
        },
      };
    },
  });

  const region = await SimulatedRegion.start({
    dynamoEndpoint: opts.dynamoEndpoint,
    functions: [metered(inventoryRecorder), metered(keeperEvents), metered(keeperReconciler)],
    concurrency: 1,
    config: {
      pools: [benchPool(POOL, NETWORK, opts.enis)],
    },
  });
  const pods = new SimulatedPods(region);
  try {
    const state = region.ec2;
    seedPodNetwork(region, NETWORK, {
      name: POOL,
      size: opts.enis,
      extraAddresses: opts.sweepAddresses + 10,
    });
    await region.invoke('KeeperReconciler');

    const enis = await startPods(pods, NETWORK, opts.enis);
    await region.settle();
    await region.advance(60_000);
    for (const id of enis) await pods.stopBranchPod(BENCH_CLUSTER, id);
    await region.settle();
    opts.log(`dynamodb: ${enis.length} pods created and deleted`);

    // Sweeps, per address: the first sight of every address, the hourly run after it (which goes through the first
    // run's writes once to move the index of tracks past them), then an ordinary hourly run.
    for (let i = 0; i < opts.sweepAddresses; i++) {
      state.addAddress(
        i % 3 === 0 ? { tags: { 'eip-keeper:keep': 'yes' } } : { tags: { Name: `batch-${i}` } },
      );
    }
    const meter = new DynamoDbMeter(opts.dynamoEndpoint);
    meters.push(meter);
    const endpoint = await meter.start();
    const ctx = localContext({
      functionId: 'Sweeper',
      env: region.runtimeEnv(),
      config: region.config,
      aws: {
        ...region.connection('eip-keeper'),
        endpoints: { ...region.connection().endpoints, dynamodb: endpoint },
      },
      clock: region.clock,
      logs: region.logs,
      metrics: region.metrics,
    });
    const sweep = createSweeper(sweeperDepsFromContext(ctx));
    const addresses = state.addressById.size;
    for (const [label, runId] of [
      ['sweep, first sight (per address)', 'meter-1'],
      ['sweep, hourly after first sight (per address)', 'meter-2'],
      ['sweep, hourly (per address)', 'meter-3'],
    ] as const) {
      const before = snapshot(meter.totals);
      await sweep({ runId });
      const after = snapshot(meter.totals);
      tallies.set(`Sweeper|${label}`, {
        function: 'Sweeper',
        event: label,
        count: addresses,
        read: after.read - before.read,
        write: after.write - before.write,
        requests: after.requests - before.requests,
      });
      region.clock.advanceBy(3_600_000);
    }
  } finally {
    pods.close();
    await region.stop();
    for (const m of meters) await m.stop();
  }
  const round = (n: number) => Math.round(n * 100) / 100;
  return [...tallies.values()]
    .filter((t) => !t.event.startsWith('Scheduled Event'))
    .map((t) => ({
      event: t.event,
      function: t.function,
      count: t.count,
      rcuPerEvent: round(t.read / t.count),
      wcuPerEvent: round(t.write / t.count),
      requestsPerEvent: round(t.requests / t.count),
    }));
}
