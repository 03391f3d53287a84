/**
 * A simulated region on the suite's DynamoDB Local, seeded with a world (world.ts), with some of eip-keeper's
 * functions deployed. Pods come and go as EKS makes them: the simulated VPC resource controller creates each pod's
 * branch ENI through the real EC2 API as the cluster role and ties it to a node's trunk ENI (local/eks/controller.ts),
 * so the functions hear about them through CloudTrail → EventBridge, as in AWS. The keeper's and the fault tests'
 * regions build on it.
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import { afterEach, inject } from 'vitest';
import { SimulatedPods } from '../../local/eks/controller';
import { type RegionFaults, SimulatedRegion } from '../../local/region';
import type { FunctionSpec } from '../../shared/app/functions';
import { clientOptions } from '../../shared/aws/clients';
import type { AppConfigInput } from '../../shared/config/schema';
import { CLUSTER, POD_SG, poolEipsOf, seedWorld, type WorldState } from './world';

export interface WorldRegionOptions {
  config: AppConfigInput;
  functions: FunctionSpec[];
  world: WorldState;
  /** Parallel deliveries (a function's reserved concurrency still caps it). Default 10. */
  concurrency?: number;
  /** Seed of ids and fault randomness. Default 1. */
  seed?: number;
  /** The proxy in front of DynamoDB and invocation tracking (DynamoDB and handler faults). */
  faultLayer?: boolean;
}

/** Starts the region and seeds the world: the region, and every seeded address's allocation id by label. */
export async function startWorldRegion(
  opts: WorldRegionOptions,
): Promise<{ region: SimulatedRegion; labels: Map<string, string>; pool: string[] }> {
  const region = await SimulatedRegion.start({
    dynamoEndpoint: inject('dynamoEndpoint'),
    config: opts.config,
    functions: opts.functions,
    concurrency: opts.concurrency ?? 10,
    seed: opts.seed ?? 1,
    faultLayer: opts.faultLayer,
  });
  const labels = seedWorld(region, opts.world);
  return { region, labels, pool: poolEipsOf(labels) };
}

/**
 * The setup and teardown of tests that each run their own region. Called once at the top of a test file, it returns
 * `start` (e.g. `FaultRegion.start`), which starts a region on the suite's DynamoDB Local, seeded and with its
 * functions deployed; every region it started is stopped after each test, however the test ended.
 */
export function regionPerTest<A extends unknown[], R extends { stop(): Promise<void> }>(
  start: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  const started: R[] = [];
  afterEach(async () => {
    for (const region of started.splice(0)) await region.stop();
  });
  return async (...args) => {
    const region = await start(...args);
    started.push(region);
    return region;
  };
}

export abstract class WorldRegion {
  private readonly clients = new Map<string, EC2Client>();
  private simulatedPods?: SimulatedPods;
  /** The cluster of each pod's branch ENI. */
  private readonly clusterOfEni = new Map<string, string>();

  /** `pool`: the pool's EIPs the world was seeded with. */
  protected constructor(
    readonly region: SimulatedRegion,
    readonly pool: readonly string[],
  ) {}

  /** An EC2 client acting as `actor` (`admin`, `vpc-resource-controller`, ...), with the SDK's retries. */
  ec2As(actor: string): EC2Client {
    let c = this.clients.get(actor);
    if (!c) {
      c = new EC2Client({ ...clientOptions(this.region.connection(actor), 'ec2'), maxAttempts: 10 });
      this.clients.set(actor, c);
    }
    return c;
  }

  /** The simulated EKS pod lifecycle (VPC resource controller, Kubernetes pods). */
  get pods(): SimulatedPods {
    this.simulatedPods ??= new SimulatedPods(this.region);
    return this.simulatedPods;
  }

  /**
   * Pods with security groups for pods (payments' group in `prod` by default), created one after the other on the
   * cluster's trunk nodes in turn; their events are delivered with the next settle or advance. Their branch ENI ids.
   */
  async createPodsQuietly(
    n: number,
    opts: { sg?: string; cluster?: string; labels?: Record<string, string> } = {},
  ) {
    const ids: string[] = [];
    const cluster = opts.cluster ?? CLUSTER;
    for (let i = 0; i < n; i++) {
      const pod = await this.pods.startBranchPod({
        cluster,
        securityGroupIds: [opts.sg ?? POD_SG],
        ...(opts.labels ? { labels: opts.labels } : {}),
      });
      this.clusterOfEni.set(pod.eniId, cluster);
      ids.push(pod.eniId);
    }
    return ids;
  }

  /** Creates pods and delivers everything that follows. */
  async createPods(n: number, opts: { sg?: string; cluster?: string; labels?: Record<string, string> } = {}) {
    const ids = await this.createPodsQuietly(n, opts);
    await this.region.settle();
    return ids;
  }

  /** Ends pods: the VPC resource controller deletes their branch ENIs. */
  async deletePodsQuietly(ids: readonly string[]): Promise<void> {
    for (const id of ids) await this.pods.stopBranchPod(this.clusterOfEni.get(id) ?? CLUSTER, id);
  }

  async deletePods(ids: readonly string[]): Promise<void> {
    await this.deletePodsQuietly(ids);
    await this.region.settle();
  }

  /** The pool EIP on an ENI, if any. */
  abstract eipOf(eniId: string): string | undefined;

  /** ENIs (of those given) holding no pool EIP. */
  unserved(eniIds: readonly string[]): string[] {
    return eniIds.filter((id) => this.eipOf(id) === undefined);
  }

  setFaults(f: RegionFaults): void {
    this.region.setFaults(f);
  }

  /** A metric summed over its records; `dimensions` must all match when given. */
  metric(name: string, dimensions: Record<string, string> = {}): number {
    return this.region.metrics
      .filter((m) => m.name === name && Object.entries(dimensions).every(([k, v]) => m.dimensions?.[k] === v))
      .reduce((sum, m) => sum + m.value, 0);
  }

  /** Invocations that failed (of one function when given). */
  failedInvocations(functionId?: string) {
    return this.region.bus.invocations.filter(
      (i) => i.outcome === 'error' && (functionId === undefined || i.functionId === functionId),
    );
  }

  async stop(): Promise<void> {
    for (const c of this.clients.values()) c.destroy();
    this.simulatedPods?.close();
    await this.region.stop();
  }
}
