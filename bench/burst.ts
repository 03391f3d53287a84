/**
 * `burst`: many matching pod branch ENIs created at once, served by the keeper's event path in the simulated region
 * with EC2 throttling at AWS's rates on the virtual clock. Measures how close the last association comes to what the
 * AssociateAddress token bucket allows, how many mutating EC2 calls each association costs — those that compete for
 * the address-mutation bucket, the holder tag's in another bucket, and all of them — and whether any EIP was ever given
 * twice or any ENI left without one.
 */
import { ec2RateClass, ec2RateOf } from '../local/core/throttle';
import type { EventBridgeEvent } from '../local/core/types';
import { SimulatedRegion } from '../local/region';
import { keeperEvents, keeperReconciler } from '../shared/app/functions';
import { KEEPER_MUTATING_CALLS, tokenBucketFloorSeconds } from './measure';
import { benchPool, type PodNetwork, SimulatedPods, seedPodNetwork, startPods } from './pods';

const VPC = 'vpc-0be0c0a000000b001';
const SUBNET = 'subnet-0be0c0a000000b001';
const POD_SG = 'sg-0be0c0a000000b001';
const POOL = 'burst';
const NETWORK: PodNetwork = {
  vpcId: VPC,
  subnetId: SUBNET,
  securityGroupId: POD_SG,
  subnetCidr: '10.0.0.0/19',
};

export interface BurstResult {
  enis: number;
  poolSize: number;
  /** Virtual seconds from the first event to the last ENI associated. */
  completionSeconds: number;
  /** The AssociateAddress token bucket's floor for that many associations. */
  floorSeconds: number;
  completionVsFloor: number;
  /** Successful mutating EC2 calls by eip-keeper, by action. */
  mutatingCalls: Record<string, number>;
  /**
   * Address mutations (AssociateAddress, DisassociateAddress, AllocateAddress, ReleaseAddress: each its own 50 / 5
   * bucket) per ENI served: the calls that compete for the throttled buckets, where a wasted or duplicate association
   * would show.
   */
  mutatingCallsPerAssociation: number;
  /** CreateTags/DeleteTags (the holder tag; their own buckets) per ENI served. */
  tagCallsPerAssociation: number;
  /** Every mutating call per ENI served: the two above together. */
  allMutatingCallsPerAssociation: number;
  /**
   * The keeper's successful reads per ENI served, by action (EC2 Describe* and EKS DescribeCluster): the identity
   * evidence (DescribeTrunkInterfaceAssociations per event; trunk ENIs, instances and the cluster once per runtime) and
   * the check after each association (DescribeNetworkInterfaces) among them.
   */
  readsPerAssociation: Record<string, number>;
  /** Throttled attempts, by API (each API has its own bucket): `AssociateAddress`, `DescribeAddresses`, ... */
  throttledCallsByBucket: Record<string, number>;
  throttledCalls: number;
  /** Served ENIs whose EIP's holder tag does not name them at the end (0 unless a tag call failed). */
  holderTagsWrong: number;
  /** Invocations that failed (throttled past the SDK's retries) and were retried by Lambda. */
  failedInvocations: number;
  doubleAssignments: number;
  lost: number;
  wallMs: number;
}

export async function runBurst(opts: {
  enis: number;
  poolSize: number;
  dynamoEndpoint: string;
  log: (line: string) => void;
  /** The pool's `tagHolder` (default true, as deployed by default). */
  tagHolder?: boolean;
}): Promise<BurstResult> {
  const wallStart = performance.now();
  const region = await SimulatedRegion.start({
    dynamoEndpoint: opts.dynamoEndpoint,
    // A pool listing 2,000 members is a configuration larger than the stack can publish (its SSM parameter), and
    // IAM evaluation needs the stack synthesized with it: the burst runs without IAM, as the sweep bench does.
    iam: false,
    config: {
      pools: [benchPool(POOL, NETWORK, opts.poolSize, { tagHolder: opts.tagHolder ?? true })],
    },
    functions: [keeperEvents, keeperReconciler],
    concurrency: 10,
  });
  const pods = new SimulatedPods(region);
  try {
    const state = region.ec2;
    seedPodNetwork(region, NETWORK, { name: POOL, size: opts.poolSize, extraAddresses: 10 });
    // The pool as it stands after deploy: the reconciler has run once and registered every member.
    await region.invoke('KeeperReconciler');

    // The ENIs are created before throttling is switched on: the burst measures the keeper, not the controller.
    const eniIds = await startPods(pods, NETWORK, opts.enis);
    opts.log(
      `burst: ${eniIds.length} ENIs created, ${opts.poolSize} pool EIPs; delivering with throttling on`,
    );

    // Watch every association as it happens (the CloudTrail event stream) to catch a double assignment at any time.
    const monitor = new AssociationMonitor(region.clock.nowMs.bind(region.clock));
    const put = region.bus.put.bind(region.bus);
    region.bus.put = (event: EventBridgeEvent) => {
      monitor.observe(event);
      put(event);
    };
    const callsBefore = region.server.calls.length;
    region.setFaults({ ec2Throttling: true });
    const t0 = region.clock.nowMs();
    const progress = setInterval(() => {
      opts.log(
        `burst: ${monitor.associations} associated, virtual ${((region.clock.nowMs() - t0) / 1000).toFixed(0)} s`,
      );
    }, 10_000);
    try {
      await region.settle();
      // Invocations that failed (throttled past the SDK's retries) come back after Lambda's retry delay.
      while (region.bus.backlog() > 0 && monitor.associations < eniIds.length) await region.advance(10_000);
    } finally {
      clearInterval(progress);
    }

    const failedInvocations = region.bus.invocations.filter((i) => i.outcome === 'error').length;
    const keeperCalls = region.server.calls.slice(callsBefore).filter((c) => c.actor === 'eip-keeper');
    const mutatingCalls: Record<string, number> = {};
    const throttledCallsByBucket: Record<string, number> = {};
    let throttledCalls = 0;
    let addressBucketCalls = 0;
    let tagCalls = 0;
    const reads: Record<string, number> = {};
    for (const c of keeperCalls) {
      if (c.outcome === 'ok' && /^Describe/.test(c.action)) reads[c.action] = (reads[c.action] ?? 0) + 1;
      if (c.outcome === 'throttled') {
        throttledCalls += 1;
        throttledCallsByBucket[c.action] = (throttledCallsByBucket[c.action] ?? 0) + 1;
        continue;
      }
      if (!KEEPER_MUTATING_CALLS.includes(c.action)) continue;
      mutatingCalls[c.action] = (mutatingCalls[c.action] ?? 0) + 1;
      if (ec2RateClass(c.action) === 'tags') tagCalls += 1;
      else addressBucketCalls += 1;
    }

    // The end state: EC2's associations of pool EIPs, and the claims in the table.
    const poolEipOf = new Map<string, string[]>();
    for (const a of state.addressById.values()) {
      const eni = a.association?.networkInterfaceId;
      if (eni) poolEipOf.set(eni, [...(poolEipOf.get(eni) ?? []), a.allocationId]);
    }
    const served = eniIds.filter((id) => (poolEipOf.get(id)?.length ?? 0) > 0);
    const lost = eniIds.length - served.length;
    const holderTagsWrong = served.filter(
      (id) =>
        opts.tagHolder !== false &&
        (poolEipOf.get(id) ?? []).some(
          (eip) => state.addressById.get(eip)?.tags.find((t) => t.key === 'eip-keeper:holder')?.value !== id,
        ),
    ).length;
    let doubleAtEnd = [...poolEipOf.values()].filter((l) => l.length > 1).length;
    const claims = (await region.tableItemsByKind())['pool-eip'] ?? [];
    const claimsByEni = new Map<string, number>();
    for (const c of claims) {
      const holder = typeof c.holderEniId === 'string' ? c.holderEniId : undefined;
      if (!holder) continue;
      claimsByEni.set(holder, (claimsByEni.get(holder) ?? 0) + 1);
      const onEc2 = state.addressById.get(String(c.allocationId))?.association?.networkInterfaceId;
      if (onEc2 !== undefined && onEc2 !== holder) doubleAtEnd += 1;
    }
    doubleAtEnd += [...claimsByEni.values()].filter((n) => n > 1).length;

    const associations = served.length;
    // AssociateAddress has its own bucket: nothing else eip-keeper calls draws from it.
    const floorSeconds = tokenBucketFloorSeconds(associations, ec2RateOf('AssociateAddress'));
    const completionSeconds = (monitor.lastAssociationMs - t0) / 1000;
    const mutating = Object.values(mutatingCalls).reduce((s, n) => s + n, 0);
    const perAssociation = (n: number) => (associations > 0 ? n / associations : Number.NaN);
    return {
      enis: eniIds.length,
      poolSize: opts.poolSize,
      completionSeconds,
      floorSeconds,
      completionVsFloor: floorSeconds > 0 ? completionSeconds / floorSeconds : Number.NaN,
      mutatingCalls,
      mutatingCallsPerAssociation: perAssociation(addressBucketCalls),
      readsPerAssociation: Object.fromEntries(
        Object.entries(reads).map(([action, n]) => [action, Math.round(perAssociation(n) * 1000) / 1000]),
      ),
      tagCallsPerAssociation: perAssociation(tagCalls),
      allMutatingCallsPerAssociation: perAssociation(mutating),
      throttledCallsByBucket,
      throttledCalls,
      holderTagsWrong,
      failedInvocations,
      doubleAssignments: monitor.doubles + doubleAtEnd,
      lost,
      wallMs: performance.now() - wallStart,
    };
  } finally {
    pods.close();
    await region.stop();
  }
}

/** Follows AssociateAddress/DisassociateAddress/DeleteNetworkInterface as CloudTrail reports them. */
class AssociationMonitor {
  associations = 0;
  doubles = 0;
  lastAssociationMs = 0;
  private readonly eniOfEip = new Map<string, string>();
  private readonly eipOfEni = new Map<string, string>();
  private readonly eipOfAssociation = new Map<string, string>();

  constructor(private readonly nowMs: () => number) {}

  observe(event: EventBridgeEvent): void {
    const d = event.detail as {
      eventName?: string;
      errorCode?: string;
      requestParameters?: Record<string, unknown>;
      responseElements?: Record<string, unknown>;
    };
    if (d.errorCode) return;
    const req = d.requestParameters ?? {};
    switch (d.eventName) {
      case 'AssociateAddress': {
        const eip = String(req.allocationId);
        const eni = String(req.networkInterfaceId);
        const held = this.eniOfEip.get(eip);
        if (held === eni) return;
        if (held !== undefined || this.eipOfEni.has(eni)) this.doubles += 1;
        this.eniOfEip.set(eip, eni);
        this.eipOfEni.set(eni, eip);
        const assoc = d.responseElements?.associationId;
        if (typeof assoc === 'string') this.eipOfAssociation.set(assoc, eip);
        this.associations += 1;
        this.lastAssociationMs = this.nowMs();
        return;
      }
      case 'DisassociateAddress': {
        const eip = this.eipOfAssociation.get(String(req.associationId));
        if (eip) this.forget(eip);
        return;
      }
      case 'DeleteNetworkInterface': {
        const eip = this.eipOfEni.get(String(req.networkInterfaceId));
        if (eip) this.forget(eip);
        return;
      }
    }
  }

  private forget(eip: string): void {
    const eni = this.eniOfEip.get(eip);
    this.eniOfEip.delete(eip);
    if (eni) this.eipOfEni.delete(eni);
  }
}
