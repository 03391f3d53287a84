/**
 * A simulated region with one VPC, a pod subnet routed to an internet gateway, the workload's security group, a pool
 * of tagged EIPs, and only the keeper's functions deployed. Pods are created and deleted through the real EC2 API
 * as the VPC resource controller, so the keeper hears about them through CloudTrail → EventBridge, as in AWS.
 */
import {
  AssociateAddressCommand,
  CreateNetworkInterfaceCommand,
  DeleteNetworkInterfaceCommand,
  DescribeAddressesCommand,
  DisassociateAddressCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { inject } from 'vitest';
import type { RegionFaults } from '../../local/region';
import { SimulatedRegion } from '../../local/region';
import { type FunctionSpec, keeperEvents, keeperReconciler } from '../../shared/app/functions';
import { clientOptions } from '../../shared/aws/clients';
import type { AppConfigInput } from '../../shared/config/schema';

export const VPC = 'vpc-0a1b2c3d4e5f60001';
export const SUBNET = 'subnet-0a1b2c3d4e5f60001';
export const OTHER_SUBNET = 'subnet-0a1b2c3d4e5f60002';
export const POD_SG = 'sg-0a1b2c3d4e5f60001';
export const OTHER_SG = 'sg-0a1b2c3d4e5f60002';
export const POOL = 'payments';

export const PAYMENTS_POOL = {
  name: POOL,
  cluster: 'prod',
  selector: { securityGroupIds: [POD_SG], descriptionPrefix: 'aws-k8s-branch-eni' },
};

export interface HarnessOptions {
  eips?: number;
  config?: AppConfigInput;
  /** Parallel deliveries (the keeper's reserved concurrency still caps it). */
  concurrency?: number;
  seed?: number;
  /** Extra EIPs outside the pool. */
  strangers?: number;
}

/** How many invocations of each function ran at once, at most (measured around the real handler). */
const parallelism = { now: new Map<string, number>(), max: new Map<string, number>() };

function measured(spec: FunctionSpec): FunctionSpec {
  return {
    ...spec,
    load: async () => {
      const mod = await spec.load();
      return {
        createHandler: (ctx) => {
          const handle = mod.createHandler(ctx);
          return async (event) => {
            const n = (parallelism.now.get(spec.id) ?? 0) + 1;
            parallelism.now.set(spec.id, n);
            parallelism.max.set(spec.id, Math.max(n, parallelism.max.get(spec.id) ?? 0));
            try {
              return await handle(event);
            } finally {
              parallelism.now.set(spec.id, (parallelism.now.get(spec.id) ?? 1) - 1);
            }
          };
        },
      };
    },
  };
}

export class KeeperHarness {
  readonly pool: string[] = [];
  private readonly clients = new Map<string, EC2Client>();

  private constructor(readonly region: SimulatedRegion) {}

  static async start(opts: HarnessOptions = {}): Promise<KeeperHarness> {
    parallelism.now.clear();
    parallelism.max.clear();
    const region = await SimulatedRegion.start({
      dynamoEndpoint: inject('dynamoEndpoint'),
      config: opts.config ?? { pools: [PAYMENTS_POOL] },
      functions: [measured(keeperEvents), measured(keeperReconciler)],
      concurrency: opts.concurrency ?? 10,
      seed: opts.seed ?? 1,
    });
    const ec2 = region.ec2;
    ec2.addVpc({ vpcId: VPC, cidrBlock: '10.0.0.0/16' });
    ec2.addSubnet({ subnetId: SUBNET, vpcId: VPC, availabilityZone: 'eu-west-1a', cidrBlock: '10.0.1.0/24' });
    ec2.addSubnet({
      subnetId: OTHER_SUBNET,
      vpcId: VPC,
      availabilityZone: 'eu-west-1b',
      cidrBlock: '10.0.2.0/24',
    });
    ec2.addSecurityGroup({ groupId: POD_SG, groupName: 'payments-pods', vpcId: VPC });
    ec2.addSecurityGroup({ groupId: OTHER_SG, groupName: 'other-pods', vpcId: VPC });
    const h = new KeeperHarness(region);
    for (let i = 0; i < (opts.eips ?? 3); i++) {
      h.pool.push(
        ec2.addAddress({ tags: { 'eip-keeper:pool': POOL, Name: `partner-ip-${i + 1}` } }).allocationId,
      );
    }
    for (let i = 0; i < (opts.strangers ?? 0); i++) ec2.addAddress({ tags: { Name: `other-${i}` } });
    return h;
  }

  ec2As(actor: string): EC2Client {
    let c = this.clients.get(actor);
    if (!c) {
      c = new EC2Client({ ...clientOptions(this.region.connection(actor), 'ec2'), maxAttempts: 10 });
      this.clients.set(actor, c);
    }
    return c;
  }

  /** Creates pod branch ENIs (one CreateNetworkInterface each) without delivering the events yet. */
  async createPodsQuietly(n: number, opts: { sg?: string; subnet?: string; cluster?: string } = {}) {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const out = await this.ec2As('vpc-resource-controller').send(
        new CreateNetworkInterfaceCommand({
          SubnetId: opts.subnet ?? SUBNET,
          Description: 'aws-k8s-branch-eni',
          Groups: [opts.sg ?? POD_SG],
          TagSpecifications: [
            {
              ResourceType: 'network-interface',
              Tags: [
                { Key: 'eks:eni:owner', Value: 'eks-vpc-resource-controller' },
                { Key: `kubernetes.io/cluster/${opts.cluster ?? 'prod'}`, Value: 'owned' },
                { Key: 'vpcresources.k8s.aws/vlan-id', Value: String(i + 1) },
              ],
            },
          ],
        }),
      );
      ids.push(out.NetworkInterface?.NetworkInterfaceId as string);
    }
    return ids;
  }

  /** Creates pods and delivers everything that follows. */
  async createPods(n: number, opts: { sg?: string; subnet?: string; cluster?: string } = {}) {
    const ids = await this.createPodsQuietly(n, opts);
    await this.region.settle();
    return ids;
  }

  async deletePodsQuietly(ids: string[]) {
    for (const id of ids) {
      await this.ec2As('vpc-resource-controller').send(
        new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: id }),
      );
    }
  }

  async deletePods(ids: string[]) {
    await this.deletePodsQuietly(ids);
    await this.region.settle();
  }

  /** A human associates an address, as alice with the CLI. */
  async associateByHand(allocationId: string, eniId: string, allowReassociation = false) {
    return this.ec2As('admin').send(
      new AssociateAddressCommand({
        AllocationId: allocationId,
        NetworkInterfaceId: eniId,
        AllowReassociation: allowReassociation,
      }),
    );
  }

  async disassociateByHand(allocationId: string) {
    const assoc = this.region.ec2Association(allocationId);
    await this.ec2As('admin').send(new DisassociateAddressCommand({ AssociationId: assoc }));
  }

  /** Another client of the account uses up EC2's describe and address-mutation token buckets. */
  async burnEc2Buckets() {
    const ec2 = new EC2Client({ ...clientOptions(this.region.connection('admin'), 'ec2'), maxAttempts: 1 });
    try {
      const calls = [
        ...Array.from({ length: 100 }, () => ec2.send(new DescribeAddressesCommand({}))),
        ...Array.from({ length: 50 }, () =>
          ec2.send(new DisassociateAddressCommand({ AssociationId: 'eipassoc-00000000000000000' })),
        ),
      ];
      await Promise.allSettled(calls);
    } finally {
      ec2.destroy();
    }
  }

  setFaults(f: RegionFaults) {
    this.region.setFaults(f);
  }

  async reconcile() {
    return this.region.invoke('KeeperReconciler');
  }

  /** allocationId → ENI id it is associated with, for every address tagged into the pool. */
  poolAssociations(): Map<string, string | undefined> {
    const members = [...this.region.ec2.addressById.values()].filter((a) =>
      a.tags.some((t) => t.key === 'eip-keeper:pool' && t.value === POOL),
    );
    return new Map(members.map((a) => [a.allocationId, a.association?.networkInterfaceId]));
  }

  /** The pool EIP on an ENI, if any. */
  eipOf(eniId: string): string | undefined {
    for (const [id, eni] of this.poolAssociations()) if (eni === eniId) return id;
    return undefined;
  }

  publicIpOf(allocationId: string): string | undefined {
    return this.region.ec2.addressById.get(allocationId)?.publicIp;
  }

  /** ENIs (of those given) holding no pool EIP. */
  unserved(eniIds: string[]): string[] {
    return eniIds.filter((id) => this.eipOf(id) === undefined);
  }

  tagsOf(allocationId: string): Record<string, string> {
    const a = this.region.ec2.addressById.get(allocationId);
    return Object.fromEntries((a?.tags ?? []).map((t) => [t.key, t.value]));
  }

  /** The `eip-keeper:holder` tag of an address (undefined: none). */
  holderTagOf(allocationId: string): string | undefined {
    return this.tagsOf(allocationId)['eip-keeper:holder'];
  }

  /**
   * Every successful CreateTags of the holder tag, in CloudTrail order, that named an ENI the address was not
   * associated with at that moment (`allocationId=eniId`). Empty when every tag came after its association.
   */
  holderTagsBeforeAssociation(): string[] {
    const onEni = new Map<string, string>();
    const byAssociation = new Map<string, string>();
    const early: string[] = [];
    for (const e of this.region.bus.events) {
      const d = e.detail as {
        eventName?: string;
        errorCode?: string;
        requestParameters?: Record<string, unknown>;
        responseElements?: Record<string, unknown>;
      };
      if (d.errorCode) continue;
      const req = (d.requestParameters ?? {}) as {
        allocationId?: string;
        networkInterfaceId?: string;
        associationId?: string;
        resourcesSet?: { items?: { resourceId: string }[] };
        tagSet?: { items?: { key: string; value?: string }[] };
      };
      if (d.eventName === 'AssociateAddress' && req.allocationId && req.networkInterfaceId) {
        onEni.set(req.allocationId, req.networkInterfaceId);
        const assoc = d.responseElements?.associationId;
        if (typeof assoc === 'string') byAssociation.set(assoc, req.allocationId);
      } else if (d.eventName === 'DisassociateAddress') {
        onEni.delete(byAssociation.get(req.associationId ?? '') ?? '');
      } else if (d.eventName === 'DeleteNetworkInterface') {
        for (const [eip, eni] of onEni) if (eni === req.networkInterfaceId) onEni.delete(eip);
      } else if (d.eventName === 'CreateTags') {
        const holder = req.tagSet?.items?.find((t) => t.key === 'eip-keeper:holder')?.value;
        if (holder === undefined) continue;
        for (const { resourceId } of req.resourcesSet?.items ?? [])
          if (onEni.get(resourceId) !== holder) early.push(`${resourceId}=${holder}`);
      }
    }
    return early;
  }

  /** EC2 calls the keeper made, by action and outcome (`ok`, `throttled`, `Client.…`). */
  keeperCalls(action: string): { total: number; byOutcome: Record<string, number> } {
    const byOutcome: Record<string, number> = {};
    let total = 0;
    for (const c of this.region.server.calls) {
      if (c.actor !== 'eip-keeper' || c.action !== action) continue;
      total += 1;
      byOutcome[c.outcome] = (byOutcome[c.outcome] ?? 0) + 1;
    }
    return { total, byOutcome };
  }

  async items(kind: string): Promise<Record<string, unknown>[]> {
    return (await this.region.tableItemsByKind())[kind] ?? [];
  }

  /** Claim items with a holder, as `allocationId → holderEniId`. */
  async claimHolders(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const c of await this.items('pool-eip')) {
      if (typeof c.holderEniId === 'string') out.set(String(c.allocationId), c.holderEniId);
    }
    return out;
  }

  alerts(subjectPart: string) {
    return this.region.sns.messages.filter((m) => (m.subject ?? '').includes(subjectPart));
  }

  metric(name: string): number {
    return this.region.metrics.filter((m) => m.name === name).reduce((s, m) => s + m.value, 0);
  }

  warnings() {
    return this.region.logs.filter((l) => l.level === 'error');
  }

  /** The most invocations of a function that ran at the same time. */
  maxParallel(functionId: string): number {
    return parallelism.max.get(functionId) ?? 0;
  }

  invocationErrors() {
    return this.region.bus.invocations.filter((i) => i.outcome === 'error');
  }

  async stop() {
    for (const c of this.clients.values()) c.destroy();
    await this.region.stop();
  }
}
