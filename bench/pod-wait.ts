/**
 * `podWait`: what a pod waits for, from its ENI's CreateNetworkInterface to the pool EIP on that ENI, in virtual
 * time. CloudTrail's events reach EventBridge after a log-normal delay (`DELIVERY`); every AWS call a function makes
 * takes a modelled round trip on the virtual clock (`CALL_LATENCY_MS`), so the handler's own time is counted too.
 * Two loads: a steady churn (pods created at a constant rate, each deleted after a lifetime) and a burst of
 * thousands at once with EC2 throttling at AWS's rates. Each pod's wait is split into its parts: the delivery delay
 * (AWS's), the wait for a free handler (reserved concurrency: ours), the handler until the association (ours, plus
 * any throttling back-off), and Lambda's retries. Then one event lost: the reconciler serves the pod on its period.
 */
import type { RetryStrategyV2 } from '@smithy/types';
import type { EventBridgeEvent } from '../local/core/types';
import type { InvocationInfo, LogNormalDelay } from '../local/eventbridge/router';
import { SimulatedRegion } from '../local/region';
import { type FunctionSpec, keeperEvents, keeperReconciler } from '../shared/app/functions';
import { formatTable, percentile, TARGETS } from './measure';
import { benchPool, type PodNetwork, SimulatedPods, seedPodNetwork, startPods, stopPods } from './pods';

const POOL = 'wait';
const NETWORK: PodNetwork = {
  vpcId: 'vpc-0be0c0a000000e001',
  subnetId: 'subnet-0be0c0a000000e001',
  securityGroupId: 'sg-0be0c0a000000e001',
  subnetCidr: '10.0.0.0/18',
};

/**
 * CloudTrail → EventBridge delivery: median 15 s, 99th percentile 5 minutes. AWS promises no figure (best effort);
 * CloudTrail's "about 5 minutes on average" is for its log files, and events on EventBridge usually arrive within
 * seconds to a minute, so the median is taken well below it and its 5 minutes kept as the tail (docs/performance.md).
 */
export const DELIVERY: LogNormalDelay = { medianSeconds: 15, p99Seconds: 300 };

/**
 * Round trips of the calls a function makes, on the virtual clock. AWS publishes none for EC2's API; these are
 * conservative round trips from inside the region (DynamoDB: "single-digit millisecond"; every call pays the
 * request overhead, EC2 calls their own on top).
 */
export const CALL_LATENCY_MS = { request: 10, ec2Describe: 100, ec2Mutate: 150, other: 50 };

/** The parts of the waits of one load, in seconds (p50 and p99 over the pods). */
export interface WaitFigures {
  pods: number;
  served: number;
  /** CreateNetworkInterface → the pool EIP on the ENI. */
  wait: Percentiles;
  /** AWS's: the event's delivery delay. */
  delivery: Percentiles;
  /** Ours: the event waited for a free handler (KeeperEvents' reserved concurrency). */
  queue: Percentiles;
  /** Ours: the handler's start until the association (throttling back-off included when EC2 throttles). */
  handler: Percentiles;
  /** Ours: queue + handler. */
  ours: Percentiles;
  /** Pods whose association needed Lambda to retry the invocation (after 1 or 2 minutes). */
  retried: number;
  /** Pods the reconciler served before their event arrived (left out of the parts, counted in `wait`). */
  servedByReconciler: number;
  /** Throttled EC2 attempts by the keeper. */
  throttledCalls: number;
}

export interface Percentiles {
  p50: number;
  p99: number;
  max: number;
}

export interface PodWaitResult {
  delivery: LogNormalDelay;
  callLatencyMs: typeof CALL_LATENCY_MS;
  steady: WaitFigures & { podsPerMinute: number; lifetimeMinutes: number };
  burst: WaitFigures;
  /** One CreateNetworkInterface event lost: the wait until the reconciler served the pod, and the period. */
  lostEvent: { waitSeconds: number; reconcilePeriodSeconds: number };
  wallMs: number;
}

interface PodTimes {
  createdMs: number;
  associatedMs?: number;
}

interface Delivery {
  putMs: number;
  dueMs: number;
  startMs: number;
  attempt: number;
}

/** The keeper's functions, each AWS call costing its round trip on the virtual clock. */
function withCallLatency(spec: FunctionSpec, sleep: (ms: number) => Promise<void>): FunctionSpec {
  const delayed = (inner: RetryStrategyV2): RetryStrategyV2 => ({
    acquireInitialRetryToken: async (scope) => {
      await sleep(CALL_LATENCY_MS.request);
      return inner.acquireInitialRetryToken(scope);
    },
    refreshRetryTokenForRetry: (token, info) => inner.refreshRetryTokenForRetry(token, info),
    recordSuccess: (token) => inner.recordSuccess(token),
  });
  return {
    ...spec,
    load: async () => {
      const mod = await spec.load();
      return {
        createHandler: (ctx) =>
          mod.createHandler({
            ...ctx,
            aws: {
              ...ctx.aws,
              ...(ctx.aws.retryStrategy ? { retryStrategy: delayed(ctx.aws.retryStrategy) } : {}),
            },
          }),
      };
    },
  };
}

function percentiles(values: readonly number[]): Percentiles {
  return {
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    max: values.length ? Math.max(...values) : Number.NaN,
  };
}

/** A region with the keeper, delivery delays and call latencies, and the bookkeeping of every pod's wait. */
async function waitRegion(dynamoEndpoint: string, poolSize: number) {
  const holder: { region?: SimulatedRegion } = {};
  const sleep = (ms: number) => (holder.region as SimulatedRegion).bus.scheduler.sleep(ms);
  const region = await SimulatedRegion.start({
    dynamoEndpoint,
    // A pool of a thousand listed members is larger than the stack can publish, and IAM evaluation needs the stack
    // synthesized with it: this bench runs without IAM (docs/performance.md).
    iam: false,
    config: { pools: [benchPool(POOL, NETWORK, poolSize)] },
    functions: [withCallLatency(keeperEvents, sleep), withCallLatency(keeperReconciler, sleep)],
    concurrency: 10,
  });
  holder.region = region;
  seedPodNetwork(region, NETWORK, { name: POOL, size: poolSize, extraAddresses: 10 });
  await region.invoke('KeeperReconciler');

  // EC2's own round trip, for calls of a function (the controller creating ENIs is not the keeper).
  const intercept = region.faults.intercept.bind(region.faults);
  region.faults.intercept = async (service, action, req) => {
    if (req.caller.functionId) {
      await sleep(
        service !== 'ec2'
          ? CALL_LATENCY_MS.other
          : action.startsWith('Describe')
            ? CALL_LATENCY_MS.ec2Describe
            : CALL_LATENCY_MS.ec2Mutate,
      );
    }
    return intercept(service, action, req);
  };

  const pods = new Map<string, PodTimes>();
  const eniOfEvent = new Map<string, string>();
  const put = region.bus.put.bind(region.bus);
  region.bus.put = (event: EventBridgeEvent) => {
    const d = event.detail as {
      eventName?: string;
      errorCode?: string;
      requestParameters?: { networkInterfaceId?: string };
      responseElements?: { networkInterface?: { networkInterfaceId?: string } };
    };
    const now = region.clock.nowMs();
    if (!d.errorCode && d.eventName === 'CreateNetworkInterface') {
      const eni = d.responseElements?.networkInterface?.networkInterfaceId;
      if (eni) {
        pods.set(eni, { createdMs: now });
        eniOfEvent.set(event.id, eni);
      }
    }
    if (!d.errorCode && d.eventName === 'AssociateAddress') {
      const pod = pods.get(String(d.requestParameters?.networkInterfaceId));
      if (pod && pod.associatedMs === undefined) pod.associatedMs = now;
    }
    put(event);
  };
  const deliveries = new Map<string, Delivery[]>();
  const wrap = region.bus.wrapInvocation;
  region.bus.wrapInvocation = (info: InvocationInfo, invoke) => {
    if (info.functionId === 'KeeperEvents') {
      const list = deliveries.get(info.eventId) ?? [];
      list.push({
        putMs: info.putMs ?? 0,
        dueMs: info.dueMs ?? 0,
        startMs: region.clock.nowMs(),
        attempt: info.attempt,
      });
      deliveries.set(info.eventId, list);
    }
    return wrap ? wrap(info, invoke) : invoke();
  };
  // Pods start and end as EKS does it: the VPC resource controller, as the cluster role, behind a node's trunk ENI.
  const controller = new SimulatedPods(region);
  return { region, pods, eniOfEvent, deliveries, controller };
}

type WaitRegion = Awaited<ReturnType<typeof waitRegion>>;

/** The waits of the pods created since `callsBefore`, split into their parts. */
function figuresOf(w: WaitRegion, enis: readonly string[], callsBefore: number): WaitFigures {
  const eventOf = new Map([...w.eniOfEvent].map(([event, eni]) => [eni, event]));
  const parts = { wait: [], delivery: [], queue: [], handler: [], ours: [] } as Record<string, number[]>;
  let served = 0;
  let retried = 0;
  let servedByReconciler = 0;
  for (const eni of enis) {
    const pod = w.pods.get(eni);
    if (pod?.associatedMs === undefined) continue;
    served += 1;
    parts.wait?.push((pod.associatedMs - pod.createdMs) / 1000);
    const list = (w.deliveries.get(eventOf.get(eni) ?? '') ?? []).filter(
      (d) => d.startMs <= (pod.associatedMs as number),
    );
    const last = list.at(-1);
    if (!last) {
      servedByReconciler += 1;
      continue;
    }
    const first = list[0] as Delivery;
    if (list.length > 1) retried += 1;
    const delivery = first.dueMs - first.putMs;
    const queue = last.startMs - last.dueMs;
    const handler = pod.associatedMs - last.startMs;
    parts.delivery?.push(delivery / 1000);
    parts.queue?.push(queue / 1000);
    parts.handler?.push(handler / 1000);
    parts.ours?.push((queue + handler) / 1000);
  }
  const throttledCalls = w.region.server.calls
    .slice(callsBefore)
    // A throttled call is recorded before its caller's function is known: the keeper's functions act as eip-keeper.
    .filter((c) => c.actor === 'eip-keeper' && c.outcome === 'throttled').length;
  return {
    pods: enis.length,
    served,
    wait: percentiles(parts.wait ?? []),
    delivery: percentiles(parts.delivery ?? []),
    queue: percentiles(parts.queue ?? []),
    handler: percentiles(parts.handler ?? []),
    ours: percentiles(parts.ours ?? []),
    retried,
    servedByReconciler,
    throttledCalls,
  };
}

/** `podsPerMinute` pods created evenly for `minutes`, each deleted `lifetimeMinutes` after it was created. */
async function steadyChurn(
  dynamoEndpoint: string,
  opts: { podsPerMinute: number; minutes: number; lifetimeMinutes: number },
  log: (line: string) => void,
): Promise<PodWaitResult['steady']> {
  const alive = opts.podsPerMinute * opts.lifetimeMinutes;
  const w = await waitRegion(dynamoEndpoint, alive + 50);
  try {
    w.region.setFaults({ ec2Throttling: true, delivery: { delaySeconds: { logNormal: DELIVERY } } });
    const callsBefore = w.region.server.calls.length;
    const stepMs = 60_000 / opts.podsPerMinute;
    const created: { eni: string; atMs: number }[] = [];
    const total = opts.podsPerMinute * opts.minutes;
    for (let i = 0; i < total; i++) {
      const [eni] = await startPods(w.controller, NETWORK, 1);
      created.push({ eni: eni as string, atMs: w.region.clock.nowMs() });
      const expired = created.filter(
        (c) => c.atMs > 0 && w.region.clock.nowMs() - c.atMs >= opts.lifetimeMinutes * 60_000,
      );
      await stopPods(
        w.controller,
        expired.map((c) => c.eni),
      );
      for (const c of expired) c.atMs = 0;
      await w.region.advance(stepMs);
      if (i % 100 === 99) log(`podWait: steady churn, ${i + 1} of ${total} pods created`);
    }
    // The last events' deliveries (the delay's tail), then the figures.
    await w.region.advance(15 * 60_000);
    return {
      ...figuresOf(
        w,
        created.map((c) => c.eni),
        callsBefore,
      ),
      podsPerMinute: opts.podsPerMinute,
      lifetimeMinutes: opts.lifetimeMinutes,
    };
  } finally {
    w.controller.close();
    await w.region.stop();
  }
}

/** `enis` pods at once onto a pool of as many, EC2 throttling on; then one pod whose event is lost. */
async function burstAndLoss(
  dynamoEndpoint: string,
  enis: number,
  log: (line: string) => void,
): Promise<{ burst: WaitFigures; lostEvent: PodWaitResult['lostEvent'] }> {
  const w = await waitRegion(dynamoEndpoint, enis + 1);
  try {
    w.region.setFaults({ delivery: { delaySeconds: { logNormal: DELIVERY } } });
    const created = await startPods(w.controller, NETWORK, enis);
    w.region.setFaults({ ec2Throttling: true });
    const callsBefore = w.region.server.calls.length;
    log(`podWait: burst of ${created.length} pods`);
    const deadline = w.region.clock.nowMs() + 2 * 3_600_000;
    const unserved = () => created.some((eni) => w.pods.get(eni)?.associatedMs === undefined);
    while (unserved() && w.region.clock.nowMs() < deadline) await w.region.advance(30_000);
    const burst = figuresOf(w, created, callsBefore);

    // One pod whose CreateNetworkInterface event never arrives, created just after a reconcile.
    const period = w.region.config.reconcile.scheduleMinutes * 60_000;
    w.region.setFaults({
      ec2Throttling: false,
      delivery: { drop: 1, dropEventNames: ['CreateNetworkInterface'] },
    });
    const [lost] = await startPods(w.controller, NETWORK, 1);
    const pod = w.pods.get(lost as string) as PodTimes;
    for (let t = 0; t < 3 * period && pod.associatedMs === undefined; t += 10_000)
      await w.region.advance(10_000);
    return {
      burst,
      lostEvent: {
        waitSeconds: pod.associatedMs !== undefined ? (pod.associatedMs - pod.createdMs) / 1000 : Number.NaN,
        reconcilePeriodSeconds: period / 1000,
      },
    };
  } finally {
    w.controller.close();
    await w.region.stop();
  }
}

export async function runPodWait(opts: {
  dynamoEndpoint: string;
  enis: number;
  podsPerMinute: number;
  minutes: number;
  log: (line: string) => void;
}): Promise<PodWaitResult> {
  const started = performance.now();
  const steady = await steadyChurn(
    opts.dynamoEndpoint,
    { podsPerMinute: opts.podsPerMinute, minutes: opts.minutes, lifetimeMinutes: 3 },
    opts.log,
  );
  const { burst, lostEvent } = await burstAndLoss(opts.dynamoEndpoint, opts.enis, opts.log);
  return {
    delivery: DELIVERY,
    callLatencyMs: CALL_LATENCY_MS,
    steady,
    burst,
    lostEvent,
    wallMs: performance.now() - started,
  };
}

export function renderPodWait(r: PodWaitResult, v: Record<string, string>): string[] {
  const row = (name: string, f: WaitFigures, target = ''): (string | number)[] => [
    name,
    `${f.served}/${f.pods}`,
    f.wait.p50,
    f.wait.p99,
    f.delivery.p50,
    f.delivery.p99,
    f.queue.p99,
    f.handler.p99,
    f.ours.p50,
    f.ours.p99,
    f.retried,
    f.servedByReconciler,
    f.throttledCalls,
    target,
  ];
  return [
    '',
    `podWait: CreateNetworkInterface → pool EIP on the ENI, virtual seconds; delivery log-normal (median ${r.delivery.medianSeconds} s, p99 ${r.delivery.p99Seconds} s); calls ${r.callLatencyMs.ec2Describe}/${r.callLatencyMs.ec2Mutate} ms (EC2 describe/mutate) + ${r.callLatencyMs.request} ms each`,
    formatTable(
      [
        'load',
        'served',
        'wait p50',
        'wait p99',
        'delivery p50',
        'delivery p99',
        'queue p99',
        'handler p99',
        'ours p50',
        'ours p99',
        'retried',
        'by reconciler',
        'throttled',
        'verdict',
      ],
      [
        row(
          `steady ${r.steady.podsPerMinute}/min`,
          r.steady,
          `${v['podWait.steady.oursP99'] ?? ''} (ours p99 ≤ ${TARGETS.oursP99Seconds} s)`,
        ),
        row(`burst ${r.burst.pods}`, r.burst),
      ],
    ),
    `  event lost: served by the reconciler after ${r.lostEvent.waitSeconds.toFixed(1)} s (period ${r.lostEvent.reconcilePeriodSeconds} s: the worst case)`,
  ];
}
