/**
 * The keeper's region: the shared world (test/support/world.ts) with its two subnets and both workloads' security
 * groups, a pool of tagged EIPs (and, when asked, addresses outside it), and only the keeper's functions deployed.
 * Pods come and go through the real EC2 API (test/support/region.ts); the readers below say what the keeper did.
 */
import {
  AssociateAddressCommand,
  DescribeAddressesCommand,
  DisassociateAddressCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { aroundHandler } from '../../../local/region-parts/functions';
import {
  type FunctionSpec,
  inventoryRecorder,
  keeperEvents,
  keeperReconciler,
} from '../../../shared/app/functions';
import { clientOptions } from '../../../shared/aws/clients';
import type { AppConfigInput } from '../../../shared/config/schema';
import { startWorldRegion, WorldRegion } from '../../support/region';
import { POOL, paymentsPool, worldState } from '../../support/world';

export interface KeeperRegionOptions {
  eips?: number;
  config?: AppConfigInput;
  /** Parallel deliveries (the keeper's reserved concurrency still caps it). */
  concurrency?: number;
  seed?: number;
  /** Extra EIPs outside the pool. */
  strangers?: number;
  /** Deploy the InventoryRecorder too (the creation records the reconciler reads come from it). */
  inventory?: boolean;
}

/** How many invocations of each function ran at once, at most (measured around the real handler). */
const parallelism = { now: new Map<string, number>(), max: new Map<string, number>() };

function measured(spec: FunctionSpec): FunctionSpec {
  return aroundHandler(spec, async (event, handle) => {
    const n = (parallelism.now.get(spec.id) ?? 0) + 1;
    parallelism.now.set(spec.id, n);
    parallelism.max.set(spec.id, Math.max(n, parallelism.max.get(spec.id) ?? 0));
    try {
      return await handle(event);
    } finally {
      parallelism.now.set(spec.id, (parallelism.now.get(spec.id) ?? 1) - 1);
    }
  });
}

export class KeeperRegion extends WorldRegion {
  static async start(opts: KeeperRegionOptions = {}): Promise<KeeperRegion> {
    parallelism.now.clear();
    parallelism.max.clear();
    const { region, pool } = await startWorldRegion({
      config: opts.config ?? { pools: [paymentsPool()] },
      functions: [
        measured(keeperEvents),
        measured(keeperReconciler),
        ...(opts.inventory ? [inventoryRecorder] : []),
      ],
      concurrency: opts.concurrency,
      seed: opts.seed,
      world: worldState({
        eips: opts.eips ?? 3,
        others: Array.from({ length: opts.strangers ?? 0 }, (_, i) => `other-${i}`),
      }),
    });
    return new KeeperRegion(region, pool);
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

  warnings() {
    return this.region.logs.filter((l) => l.level === 'error');
  }

  /** The most invocations of a function that ran at the same time. */
  maxParallel(functionId: string): number {
    return parallelism.max.get(functionId) ?? 0;
  }
}
