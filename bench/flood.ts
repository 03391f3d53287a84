/**
 * `flood`: someone allowed ec2:CreateNetworkInterface creates (then deletes) 10,000 ENIs no pool can serve within a
 * minute each, while real pods start. Measures what the flood costs the keeper (invocations per 1,000 events, EC2
 * calls, the time an invocation takes) and the extra delay a real pod sees: none while creations are filtered out by
 * the rules' content filters; for deletions, which no filter can tell apart (the record names the ENI only), the
 * queue Lambda would build at the keeper's reserved concurrency, from the measured invocation time. Whatever that
 * queue, the reconciler serves a pod within one period.
 */
import { CreateNetworkInterfaceCommand, DeleteNetworkInterfaceCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { EventBridgeEvent } from '../local/core/types';
import { SimulatedRegion } from '../local/region';
import { aroundHandler } from '../local/region-parts/functions';
import { type FunctionSpec, keeperEvents, keeperReconciler } from '../shared/app/functions';
import { clientOptions } from '../shared/aws/clients';
import { floodQueueDelaySeconds, formatTable } from './measure';
import { BENCH_CLUSTER, benchPool, type PodNetwork, SimulatedPods, seedPodNetwork } from './pods';

const NETWORK: PodNetwork = {
  vpcId: 'vpc-0f100d0000000f001',
  subnetId: 'subnet-0f100d0000000f001',
  securityGroupId: 'sg-0f100d0000000f001',
  subnetCidr: '10.0.0.0/20',
};
const FLOOD_SUBNET = 'subnet-0f100d0000000f002';
const FLOOD_SG = 'sg-0f100d0000000f002';
const FLOOD_SECONDS = 60;
/** Calls in flight at once while flooding (the simulated EC2 API's clients). */
const PARALLEL = 50;

export interface FloodResult {
  floodEnis: number;
  /** KeeperEvents invocations per 1,000 flood ENI creations (target 0: the rules' content filters drop them). */
  createInvocationsPer1000: number;
  /** KeeperEvents invocations per 1,000 flood ENI deletions (no filter can tell a pod's deletion from another's). */
  deleteInvocationsPer1000: number;
  /** EC2 calls the keeper made per 1,000 flood deletions (an ENI that held nothing costs table reads only). */
  ec2CallsPer1000Deletes: number;
  /** Mean wall time of a keeper invocation for a flood deletion in the simulated region, ms. */
  deleteInvocationMs: number;
  /** Extra seconds (virtual) before a pod started mid-flood of creations had its EIP, against one without flood. */
  podDelayDuringCreatesSeconds: number;
  /**
   * Extra seconds a pod created half-way through the deletions would wait in Lambda's queue: a fluid queue at the
   * keeper's reserved concurrency with the measured invocation time (the simulated region runs handlers in no virtual
   * time, so the queue is computed, not timed).
   */
  podDelayDuringDeletesSeconds: number;
  reconcilePeriodSeconds: number;
  /** Real pods started during the run, and how many had their EIP at the end. */
  pods: number;
  podsServed: number;
  wallMs: number;
}

/** KeeperEvents with each invocation's wall time recorded, by the event name it handled. */
function timed(spec: FunctionSpec, durations: Map<string, number[]>): FunctionSpec {
  return aroundHandler(spec, async (event, handle) => {
    const started = performance.now();
    try {
      return await handle(event);
    } finally {
      const name = String((event as EventBridgeEvent).detail?.eventName ?? 'other');
      durations.set(name, [...(durations.get(name) ?? []), performance.now() - started]);
    }
  });
}

/** Runs `count` calls `PARALLEL` at a time, spread evenly over `seconds` of virtual time. */
async function spread(
  region: SimulatedRegion,
  count: number,
  seconds: number,
  call: (i: number) => Promise<unknown>,
  midway: () => Promise<void>,
): Promise<void> {
  const stepMs = (seconds * 1000 * PARALLEL) / count;
  for (let i = 0; i < count; i += PARALLEL) {
    await Promise.all(Array.from({ length: Math.min(PARALLEL, count - i) }, (_, j) => call(i + j)));
    if (i <= count / 2 && i + PARALLEL > count / 2) await midway();
    await region.advance(stepMs);
  }
}

/** Virtual ms from an ENI's creation to the AssociateAddress that gave it an EIP (CloudTrail order). */
function servedAfterMs(region: SimulatedRegion, eniId: string): number {
  let created: number | undefined;
  for (const e of region.bus.events) {
    const d = e.detail as {
      eventName?: string;
      requestParameters?: Record<string, unknown>;
      responseElements?: Record<string, unknown>;
      errorCode?: string;
    };
    if (d.errorCode) continue;
    const eni = (d.responseElements?.networkInterface as { networkInterfaceId?: string } | undefined)
      ?.networkInterfaceId;
    if (d.eventName === 'CreateNetworkInterface' && eni === eniId) created = Date.parse(e.time);
    if (
      d.eventName === 'AssociateAddress' &&
      d.requestParameters?.networkInterfaceId === eniId &&
      created !== undefined
    )
      return Date.parse(e.time) - created;
  }
  return Number.NaN;
}

export async function runFlood(opts: {
  floodEnis: number;
  dynamoEndpoint: string;
  log: (line: string) => void;
}): Promise<FloodResult> {
  const wallStart = performance.now();
  const durations = new Map<string, number[]>();
  const region = await SimulatedRegion.start({
    dynamoEndpoint: opts.dynamoEndpoint,
    config: { pools: [benchPool('flood', NETWORK, 4)] },
    functions: [timed(keeperEvents, durations), keeperReconciler],
    concurrency: 10,
  });
  const pods = new SimulatedPods(region);
  const mallory = new EC2Client({ ...clientOptions(region.connection('mallory'), 'ec2'), maxAttempts: 10 });
  try {
    seedPodNetwork(region, NETWORK, { name: 'flood', size: 4, extraAddresses: 4, nodes: 2 });
    region.ec2.addSubnet({
      subnetId: FLOOD_SUBNET,
      vpcId: NETWORK.vpcId,
      availabilityZone: 'eu-west-1a',
      cidrBlock: '10.0.128.0/17',
    });
    region.ec2.addSecurityGroup({ groupId: FLOOD_SG, groupName: 'not-a-pod', vpcId: NETWORK.vpcId });
    await region.invoke('KeeperReconciler');
    const start = () =>
      pods.startBranchPod({ cluster: BENCH_CLUSTER, securityGroupIds: [NETWORK.securityGroupId] });
    const baseline = await start();
    await region.settle();

    const keeperCalls = () => region.bus.invocations.filter((i) => i.functionId === 'KeeperEvents').length;
    const ec2Calls = () =>
      region.server.calls.filter((c) => c.actor === 'eip-keeper' && c.service === 'ec2').length;
    const flood: string[] = [];
    let during: Awaited<ReturnType<typeof start>> | undefined;
    const before = keeperCalls();
    opts.log(`flood: creating ${opts.floodEnis} ENIs no pool can serve over ${FLOOD_SECONDS} s`);
    await spread(
      region,
      opts.floodEnis,
      FLOOD_SECONDS,
      async () => {
        const out = await mallory.send(
          new CreateNetworkInterfaceCommand({
            SubnetId: FLOOD_SUBNET,
            Groups: [FLOOD_SG],
            Description: 'flood',
          }),
        );
        flood.push(out.NetworkInterface?.NetworkInterfaceId as string);
      },
      async () => {
        during = await start();
      },
    );
    const createInvocations = keeperCalls() - before - 1;

    opts.log(`flood: deleting them over ${FLOOD_SECONDS} s`);
    const beforeDeletes = keeperCalls();
    const ec2Before = ec2Calls();
    // No pod starts meanwhile: every keeper invocation and EC2 call of this phase is the flood's.
    await spread(
      region,
      flood.length,
      FLOOD_SECONDS,
      (i) => mallory.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: flood[i] })),
      async () => undefined,
    );
    const deleteInvocations = keeperCalls() - beforeDeletes;
    const deleteEc2Calls = ec2Calls() - ec2Before;
    const deleteMs = durations.get('DeleteNetworkInterface') ?? [];
    const meanDeleteMs = deleteMs.reduce((s, n) => s + n, 0) / Math.max(1, deleteMs.length);
    const after = await start();
    await region.advance(5 * 60_000);

    const all = [baseline, during, after].flatMap((p) => (p ? [p] : []));
    const served = all.filter((p) => region.ec2.addressOn(p.eniId, p.privateIp) !== undefined).length;
    const baseMs = servedAfterMs(region, baseline.eniId);
    return {
      floodEnis: flood.length,
      createInvocationsPer1000: (createInvocations * 1000) / flood.length,
      deleteInvocationsPer1000: (deleteInvocations * 1000) / flood.length,
      ec2CallsPer1000Deletes: (deleteEc2Calls * 1000) / flood.length,
      deleteInvocationMs: meanDeleteMs,
      podDelayDuringCreatesSeconds: during
        ? (servedAfterMs(region, during.eniId) - baseMs) / 1000
        : Number.NaN,
      podDelayDuringDeletesSeconds: floodQueueDelaySeconds({
        arrivalsPerSecond: flood.length / FLOOD_SECONDS,
        serviceSeconds: meanDeleteMs / 1000,
        concurrency: keeperEvents.reservedConcurrency ?? 1,
        atSeconds: FLOOD_SECONDS / 2,
      }),
      reconcilePeriodSeconds: region.config.reconcile.scheduleMinutes * 60,
      pods: all.length,
      podsServed: served,
      wallMs: performance.now() - wallStart,
    };
  } finally {
    mallory.destroy();
    pods.close();
    await region.stop();
  }
}

export function renderFlood(f: FloodResult, verdict: string): string {
  return [
    `flood: ${f.floodEnis} ENIs no pool can serve, created then deleted, ${FLOOD_SECONDS} s each; real pods start meanwhile`,
    formatTable(
      ['figure', 'value', 'target', 'verdict'],
      [
        ['keeper invocations per 1,000 creations', f.createInvocationsPer1000, '0', verdict],
        ['keeper invocations per 1,000 deletions', f.deleteInvocationsPer1000, '', ''],
        ['keeper EC2 calls per 1,000 deletions', f.ec2CallsPer1000Deletes, '', ''],
        ['extra delay of a pod during the creations (s)', f.podDelayDuringCreatesSeconds, '', ''],
        [
          'extra delay of a pod during the deletions (s, queue model)',
          f.podDelayDuringDeletesSeconds,
          `≤ ${f.reconcilePeriodSeconds} (one reconcile)`,
          f.podDelayDuringDeletesSeconds <= f.reconcilePeriodSeconds ? 'met' : 'MISSED',
        ],
      ],
    ),
    `  a deletion's keeper invocation: ${f.deleteInvocationMs.toFixed(1)} ms (simulated region); pods served ${f.podsServed}/${f.pods}; wall time ${(f.wallMs / 1000).toFixed(1)} s`,
  ].join('\n');
}
