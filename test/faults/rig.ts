/**
 * The fault scenarios' region: one VPC with a pod subnet routed to an internet gateway, the workload's security
 * group, a pool of tagged EIPs plus one orphaned address, and the functions that share the table and the EIPs —
 * keeper (events and reconciler), inventory recorder and sweeper (releases on, so "never a pool EIP" means
 * something). Pods come and go through the real EC2 API as the VPC resource controller, so every function hears
 * about them through CloudTrail → EventBridge, as in AWS. `problems()` lists every way the region, the claims and
 * the inventory disagree; the tests expect it to be empty right after one reconcile period.
 */
import {
  AssociateAddressCommand,
  CreateNetworkInterfaceCommand,
  DeleteNetworkInterfaceCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { inject } from 'vitest';
import { type RegionFaults, SimulatedRegion } from '../../local/region';
import { inventoryRecorder, keeperEvents, keeperReconciler, sweeper } from '../../shared/app/functions';
import { clientOptions } from '../../shared/aws/clients';
import type { AppConfigInput } from '../../shared/config/schema';

export const MINUTE = 60_000;
/** `reconcile.scheduleMinutes` (the default): every drift must be gone one period after its fault ends. */
export const RECONCILE_PERIOD = 5 * MINUTE;

export const VPC = 'vpc-0a1b2c3d4e5f60001';
export const SUBNET = 'subnet-0a1b2c3d4e5f60001';
export const POD_SG = 'sg-0a1b2c3d4e5f60001';
export const POOL = 'payments';
export const FAULT_FUNCTIONS = [inventoryRecorder, sweeper, keeperEvents, keeperReconciler];

export const FAULT_CONFIG: AppConfigInput = {
  pools: [
    {
      name: POOL,
      cluster: 'prod',
      selector: { securityGroupIds: [POD_SG], descriptionPrefix: 'aws-k8s-branch-eni' },
    },
  ],
  // Sweeps every 5 minutes and releases orphans a quarter of an hour after they went idle, with no notice period.
  sweeper: { scheduleMinutes: 5, graceHours: 0.25, release: { enabled: true, noticeHours: 0 } },
};

export interface RigOptions {
  eips: number;
  concurrency?: number;
  seed?: number;
  /** The proxy in front of DynamoDB and invocation tracking (DynamoDB and handler faults). Default true. */
  faultLayer?: boolean;
}

type Item = Record<string, unknown>;

const HISTORY_EVENTS = new Set([
  'AllocateAddress',
  'AssociateAddress',
  'DisassociateAddress',
  'ReleaseAddress',
]);

export class FaultRig {
  readonly pool: string[] = [];
  /** An address outside the pool that nobody uses: the sweeper may release it. */
  orphan = '';
  private readonly clients = new Map<string, EC2Client>();
  private vlan = 0;

  private readonly startMs: number;

  private constructor(readonly region: SimulatedRegion) {
    this.startMs = region.clock.nowMs();
  }

  static async start(opts: RigOptions): Promise<FaultRig> {
    const region = await SimulatedRegion.start({
      dynamoEndpoint: inject('dynamoEndpoint'),
      config: FAULT_CONFIG,
      functions: FAULT_FUNCTIONS,
      concurrency: opts.concurrency ?? 10,
      seed: opts.seed ?? 1,
      faultLayer: opts.faultLayer ?? true,
    });
    const ec2 = region.ec2;
    ec2.addressLimit = 100;
    ec2.addVpc({ vpcId: VPC, cidrBlock: '10.0.0.0/16' });
    ec2.addSubnet({ subnetId: SUBNET, vpcId: VPC, availabilityZone: 'eu-west-1a', cidrBlock: '10.0.1.0/24' });
    ec2.addRouteTable({
      routeTableId: 'rtb-0a1b2c3d4e5f60001',
      vpcId: VPC,
      main: false,
      subnetIds: [SUBNET],
      routes: [{ destinationCidrBlock: '0.0.0.0/0', gatewayId: 'igw-0a1b2c3d4e5f60001' }],
    });
    ec2.addSecurityGroup({ groupId: POD_SG, groupName: 'payments-pods', vpcId: VPC });
    region.ssm.put('/eip-keeper/kill-switch', 'off');
    const rig = new FaultRig(region);
    for (let i = 0; i < opts.eips; i++) {
      rig.pool.push(
        ec2.addAddress({ tags: { 'eip-keeper:pool': POOL, Name: `partner-ip-${i + 1}` } }).allocationId,
      );
    }
    rig.orphan = ec2.addAddress({ tags: { Name: 'left over' } }).allocationId;
    return rig;
  }

  private ec2As(actor: string): EC2Client {
    let c = this.clients.get(actor);
    if (!c) {
      c = new EC2Client({ ...clientOptions(this.region.connection(actor), 'ec2'), maxAttempts: 10 });
      this.clients.set(actor, c);
    }
    return c;
  }

  /** Pod branch ENIs created one after the other; their events are delivered with the next settle or advance. */
  async createPodsQuietly(n: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      this.vlan += 1;
      const out = await this.ec2As('vpc-resource-controller').send(
        new CreateNetworkInterfaceCommand({
          SubnetId: SUBNET,
          Description: 'aws-k8s-branch-eni',
          Groups: [POD_SG],
          TagSpecifications: [
            {
              ResourceType: 'network-interface',
              Tags: [
                { Key: 'eks:eni:owner', Value: 'eks-vpc-resource-controller' },
                { Key: 'kubernetes.io/cluster/prod', Value: 'owned' },
                { Key: 'vpcresources.k8s.aws/vlan-id', Value: String(this.vlan) },
              ],
            },
          ],
        }),
      );
      ids.push(out.NetworkInterface?.NetworkInterfaceId as string);
    }
    return ids;
  }

  async createPods(n: number): Promise<string[]> {
    const ids = await this.createPodsQuietly(n);
    await this.region.settle();
    return ids;
  }

  async deletePodsQuietly(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      await this.ec2As('vpc-resource-controller').send(
        new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: id }),
      );
    }
  }

  async deletePods(ids: readonly string[]): Promise<void> {
    await this.deletePodsQuietly(ids);
    await this.region.settle();
  }

  /** An ENI outside every pool (a bastion an operator created), and a human associating a pool EIP with it. */
  async associateByHand(allocationId: string): Promise<string> {
    const admin = this.ec2As('admin');
    const eni = await admin.send(
      new CreateNetworkInterfaceCommand({ SubnetId: SUBNET, Description: 'bastion', Groups: [POD_SG] }),
    );
    const eniId = eni.NetworkInterface?.NetworkInterfaceId as string;
    await admin.send(
      new AssociateAddressCommand({
        AllocationId: allocationId,
        NetworkInterfaceId: eniId,
        AllowReassociation: false,
      }),
    );
    return eniId;
  }

  setFaults(f: RegionFaults): void {
    this.region.setFaults(f);
  }

  async advance(ms: number): Promise<void> {
    await this.region.advance(ms);
  }

  /**
   * Moves the clock to `minutes` after the start (when it is not there yet). Delivering events can itself move the
   * clock, e.g. to the end of a hung invocation's timeout, so checkpoints are set from the start.
   */
  async advanceTo(minutes: number): Promise<void> {
    const target = this.startMs + minutes * MINUTE;
    await this.region.advance(Math.max(0, target - this.region.clock.nowMs()));
  }

  /** Pod ENIs that exist now. */
  livePods(): string[] {
    return [...this.region.ec2.eniById.values()]
      .filter((e) => e.description === 'aws-k8s-branch-eni' && e.groups.some((g) => g.groupId === POD_SG))
      .map((e) => e.networkInterfaceId);
  }

  /** The pool EIP on an ENI, if any. */
  eipOf(eniId: string): string | undefined {
    return this.pool.find(
      (id) => this.region.ec2.addressById.get(id)?.association?.networkInterfaceId === eniId,
    );
  }

  unserved(eniIds: readonly string[]): string[] {
    return eniIds.filter((id) => this.eipOf(id) === undefined);
  }

  /** The `eip-keeper:holder` tag of each pool EIP that has one. */
  holderTags(): Map<string, string> {
    const out = new Map<string, string>();
    for (const id of this.pool) {
      const tag = this.region.ec2.addressById.get(id)?.tags.find((t) => t.key === 'eip-keeper:holder');
      if (tag) out.set(id, tag.value);
    }
    return out;
  }

  /** A metric summed over its records; `dimensions` must all match when given. */
  metric(name: string, dimensions: Record<string, string> = {}): number {
    return this.region.metrics
      .filter((m) => m.name === name && Object.entries(dimensions).every(([k, v]) => m.dimensions?.[k] === v))
      .reduce((sum, m) => sum + m.value, 0);
  }

  failedInvocations(functionId?: string) {
    return this.region.bus.invocations.filter(
      (i) => i.outcome === 'error' && (functionId === undefined || i.functionId === functionId),
    );
  }

  /**
   * Events whose failure nobody would see: a delivery that failed and was neither retried successfully nor sent to
   * the DLQ (`function event-id`). Must always be empty.
   */
  silentlyLost(): string[] {
    const { invocations, dlq } = this.region.bus;
    const backlog = this.region.bus.backlog();
    if (backlog > 0) return [`${backlog} deliveries still pending`];
    const key = (i: { functionId: string; eventId: string }) => `${i.functionId} ${i.eventId}`;
    const ok = new Set(invocations.filter((i) => i.outcome === 'ok').map(key));
    const dead = new Set(dlq.map(key));
    return [...new Set(invocations.filter((i) => i.outcome === 'error').map(key))].filter(
      (k) => !ok.has(k) && !dead.has(k),
    );
  }

  /** Sends the DLQ's events of a function to it again (an operator's redrive), and empties those entries. */
  async redrive(functionId: string): Promise<number> {
    const entries = this.region.bus.dlq.filter((d) => d.functionId === functionId);
    for (const d of entries) this.region.bus.dlq.splice(this.region.bus.dlq.indexOf(d), 1);
    for (const d of entries) await this.region.invoke(functionId, d.event);
    return entries.length;
  }

  /** Every ReleaseAddress or AllocateAddress that touched the pool, as CloudTrail recorded them. */
  poolReleasesOrAllocations(): string[] {
    const pool = new Set(this.pool);
    const out: string[] = [];
    for (const e of this.region.bus.events) {
      const d = e.detail as {
        eventName?: string;
        errorCode?: string;
        requestParameters?: { allocationId?: string };
        responseElements?: { allocationId?: string };
      };
      if (d.errorCode) continue;
      if (d.eventName === 'ReleaseAddress' && pool.has(d.requestParameters?.allocationId ?? ''))
        out.push(`released ${d.requestParameters?.allocationId}`);
      if (d.eventName === 'AllocateAddress') out.push(`allocated ${d.responseElements?.allocationId}`);
    }
    for (const id of this.pool) if (!this.region.ec2.addressById.has(id)) out.push(`${id} is gone`);
    return out;
  }

  /**
   * Every disagreement between EC2, the keeper's claims and the inventory: double assignments, pod ENIs left
   * without a pool EIP while one is free, claims that EC2 contradicts, waiters that are served or
   * gone, inventory states that are not what EC2 says.
   */
  async problems(opts: { inventory?: boolean } = {}): Promise<string[]> {
    const out: string[] = [];
    const ec2 = this.region.ec2;
    const items = await this.region.tableItemsByKind();
    const pool = new Set(this.pool);

    const onTarget = new Map<string, string[]>();
    for (const id of this.pool) {
      const a = ec2.addressById.get(id)?.association;
      if (!a) continue;
      const t = `${a.networkInterfaceId}#${a.privateIpAddress}`;
      onTarget.set(t, [...(onTarget.get(t) ?? []), id]);
    }
    for (const [t, ids] of onTarget) if (ids.length > 1) out.push(`${t} holds ${ids.join(' and ')}`);

    const live = this.livePods();
    const served = live.filter((e) => this.eipOf(e) !== undefined);
    const want = Math.min(live.length, this.pool.length);
    if (served.length !== want)
      out.push(`${served.length} of ${live.length} pod ENIs hold a pool EIP (${want} should)`);

    const claims = new Map<string, Item>();
    for (const c of items['pool-eip'] ?? []) claims.set(String(c.allocationId), c);
    let held = 0;
    for (const id of this.pool) {
      const a = ec2.addressById.get(id)?.association;
      const c = claims.get(id);
      const claimed = c?.holderEniId ? `${c.holderEniId}#${c.holderPrivateIp}` : undefined;
      if (claimed) held += 1;
      const actual = a ? `${a.networkInterfaceId}#${a.privateIpAddress}` : undefined;
      if (claimed !== actual)
        out.push(`claim of ${id} says ${claimed ?? 'free'}, EC2 says ${actual ?? 'free'}`);
      else if (a && c?.associationId !== a.associationId)
        out.push(
          `claim of ${id} records association ${String(c?.associationId)}, EC2 has ${a.associationId}`,
        );
    }
    const holders = (items['pool-holder'] ?? []).length;
    if (holders !== held) out.push(`${holders} holder items for ${held} held claims`);
    const waiting = new Set((items['pool-wait'] ?? []).map((w) => String(w.eniId)));
    for (const w of waiting) {
      if (!live.includes(w)) out.push(`waiter ${w} no longer exists`);
      else if (this.eipOf(w)) out.push(`waiter ${w} holds a pool EIP`);
    }
    for (const e of live)
      if (!this.eipOf(e) && !waiting.has(e)) out.push(`${e} has no EIP and does not wait`);

    if (opts.inventory !== false) {
      const states = new Map((items.eip ?? []).map((s) => [String(s.allocationId), s]));
      for (const [id, address] of ec2.addressById) {
        if (!pool.has(id) && id !== this.orphan) continue;
        const s = states.get(id);
        const a = address.association;
        const holder = s?.holder as { eniId?: string; associationId?: string } | null | undefined;
        if (a && (s?.status !== 'associated' || holder?.associationId !== a.associationId))
          out.push(`inventory of ${id} says ${String(s?.status)}, EC2 has it on ${a.networkInterfaceId}`);
        if (!a && s && s.status !== 'idle')
          out.push(`inventory of ${id} says ${String(s.status)}, EC2: idle`);
      }
      for (const [id, s] of states) {
        if (!ec2.addressById.has(id) && s.status !== 'released')
          out.push(`inventory of ${id} says ${String(s.status)}, EC2: released`);
      }
      // Every EIP change CloudTrail recorded is in the history (a state can look right with one missing).
      const recorded = new Set<string>();
      for (const list of Object.values(items)) {
        for (const i of list) {
          const sk = String(i.SK);
          if (sk.startsWith('HIST#')) recorded.add(sk.slice(sk.lastIndexOf('#') + 1));
        }
      }
      for (const e of this.region.bus.events) {
        const d = e.detail as { eventName?: string; eventID?: string; errorCode?: string };
        if (d.errorCode || !HISTORY_EVENTS.has(d.eventName ?? '')) continue;
        if (!recorded.has(d.eventID ?? '')) out.push(`inventory history lacks ${d.eventName} ${d.eventID}`);
      }
    }
    return out;
  }

  async stop(): Promise<void> {
    for (const c of this.clients.values()) c.destroy();
    await this.region.stop();
  }
}
