/**
 * The fault scenarios' region: the shared world (test/support/world.ts), a pool of tagged EIPs plus one orphaned
 * address, and the functions that share the table and the EIPs — keeper (events and reconciler), inventory recorder
 * and sweeper (releases on, so "never a pool EIP" means something). Pods come and go through the real EC2 API
 * (test/support/region.ts), so every function hears about them through CloudTrail → EventBridge, as in AWS.
 * `problems()` lists every way the region, the claims and the inventory disagree; the tests expect it to be empty
 * right after one reconcile period. The tests start one per test with `regionPerTest(FaultRegion.start)`.
 */
import { AssociateAddressCommand, CreateNetworkInterfaceCommand } from '@aws-sdk/client-ec2';
import type { RegionFaults, SimulatedRegion } from '../../../local/region';
import { inventoryRecorder, keeperEvents, keeperReconciler, sweeper } from '../../../shared/app/functions';
import type { AppConfigInput } from '../../../shared/config/schema';
import { startWorldRegion, WorldRegion } from '../../support/region';
import { POD_ENI_DESCRIPTION, POD_SG, paymentsPool, SUBNET, worldState } from '../../support/world';

export const MINUTE = 60_000;
/** `reconcile.scheduleMinutes` (the default): every drift must be gone one period after its fault ends. */
export const RECONCILE_PERIOD = 5 * MINUTE;

const FAULT_FUNCTIONS = [inventoryRecorder, sweeper, keeperEvents, keeperReconciler];

const FAULT_CONFIG: AppConfigInput = {
  pools: [paymentsPool()],
  // Sweeps every 5 minutes and releases orphans a quarter of an hour after they went idle, with no notice period.
  sweeper: {
    scheduleMinutes: 5,
    graceHours: 0.25,
    release: { enabled: true, noticeHours: 0, allowShortPeriods: true },
  },
};

export interface FaultRegionOptions {
  eips: number;
  concurrency?: number;
  seed?: number;
  /** Faults switched on as soon as the region is up. */
  faults?: RegionFaults;
}

type Item = Record<string, unknown>;

const HISTORY_EVENTS = new Set([
  'AllocateAddress',
  'AssociateAddress',
  'DisassociateAddress',
  'ReleaseAddress',
]);

export class FaultRegion extends WorldRegion {
  private readonly startMs: number;

  private constructor(
    region: SimulatedRegion,
    pool: readonly string[],
    /** An address outside the pool that nobody uses: the sweeper may release it. */
    readonly orphan: string,
  ) {
    super(region, pool);
    this.startMs = region.clock.nowMs();
  }

  static async start(opts: FaultRegionOptions): Promise<FaultRegion> {
    const { region, labels, pool } = await startWorldRegion({
      config: FAULT_CONFIG,
      functions: FAULT_FUNCTIONS,
      concurrency: opts.concurrency,
      seed: opts.seed,
      // The proxy in front of DynamoDB and invocation tracking, which DynamoDB and handler faults need.
      faultLayer: true,
      world: { ...worldState({ eips: opts.eips, others: ['left over'] }), addressLimit: 100 },
    });
    region.ssm.put('/eip-keeper/kill-switch', 'off');
    if (opts.faults) region.setFaults(opts.faults);
    return new FaultRegion(region, pool, labels.get('left over') as string);
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
      .filter((e) => e.description === POD_ENI_DESCRIPTION && e.groups.some((g) => g.groupId === POD_SG))
      .map((e) => e.networkInterfaceId);
  }

  /** The pool EIP on an ENI, if any. */
  eipOf(eniId: string): string | undefined {
    return this.pool.find(
      (id) => this.region.ec2.addressById.get(id)?.association?.networkInterfaceId === eniId,
    );
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
}
