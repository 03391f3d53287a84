/**
 * The keeper's EC2 port (`ports.ts`) on the AWS SDK: EC2's answers translated to the keeper's plain data, and the
 * errors retrying cannot fix returned as outcomes (the rest are thrown, so Lambda retries the event).
 */
import {
  type Address,
  AllocateAddressCommand,
  AssociateAddressCommand,
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeAddressesCommand,
  DisassociateAddressCommand,
  EC2Client,
  type Instance,
  type NetworkInterface,
  paginateDescribeInstances,
  paginateDescribeNetworkInterfaces,
  paginateDescribeTrunkInterfaceAssociations,
} from '@aws-sdk/client-ec2';
import type { RetryStrategyV2 } from '@smithy/types';
import { type AwsConnection, clientOptions } from '../../aws/clients';
import type { PoolConfig } from '../../config/schema';
import {
  type EniView,
  HOLDER_TAG,
  type InstanceView,
  POOL_TAG,
  type PoolAddress,
  type Target,
  type TrunkLink,
} from '../model';
import type { AssociateOutcome, KeeperEc2Port } from '../ports';
import { eniFilters } from '../selector';

const TARGET_GONE = new Set([
  'InvalidNetworkInterfaceID.NotFound',
  'InvalidNetworkInterfaceId.NotFound',
  'InvalidNetworkInterfaceID.Malformed',
  'InvalidParameterValue',
]);
const ADDRESS_GONE = new Set(['InvalidAllocationID.NotFound', 'InvalidAddress.NotFound']);

/** Errors retrying (by Lambda, later) can fix: throttling, server faults, the network. */
export function isTransientAwsError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return true;
  const e = err as { name?: string; $fault?: string; $metadata?: { httpStatusCode?: number } };
  if (e.$fault === 'server') return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return true;
  if (
    e.name &&
    /^(RequestLimitExceeded|Throttling|ThrottlingException|TooManyRequestsException|RequestThrottled|Unavailable|ServiceUnavailable|InternalError|InternalFailure)$/.test(
      e.name,
    )
  ) {
    return true;
  }
  // No HTTP response at all: a network failure.
  return status === undefined;
}

function tagsOf(list: { Key?: string; Value?: string }[] | undefined): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const t of list ?? []) if (t.Key) tags[t.Key] = t.Value ?? '';
  return tags;
}

export function eniViewOf(ni: NetworkInterface): EniView | undefined {
  if (!ni.NetworkInterfaceId) return undefined;
  const primary = ni.PrivateIpAddress ?? ni.PrivateIpAddresses?.find((p) => p.Primary)?.PrivateIpAddress;
  const secondaryIps: string[] = [];
  const publicIps: NonNullable<EniView['publicIps']> = {};
  for (const p of ni.PrivateIpAddresses ?? []) {
    if (!p.PrivateIpAddress) continue;
    if (p.PrivateIpAddress !== primary) secondaryIps.push(p.PrivateIpAddress);
    const a = p.Association;
    if (a && (a.PublicIp || a.AllocationId)) {
      publicIps[p.PrivateIpAddress] = {
        ...(a.PublicIp ? { publicIp: a.PublicIp } : {}),
        ...(a.AllocationId ? { allocationId: a.AllocationId } : {}),
        ...(a.AssociationId ? { associationId: a.AssociationId } : {}),
      };
    }
  }
  if (
    primary &&
    !publicIps[primary] &&
    ni.Association &&
    (ni.Association.PublicIp || ni.Association.AllocationId)
  ) {
    const a = ni.Association;
    publicIps[primary] = {
      ...(a.PublicIp ? { publicIp: a.PublicIp } : {}),
      ...(a.AllocationId ? { allocationId: a.AllocationId } : {}),
      ...(a.AssociationId ? { associationId: a.AssociationId } : {}),
    };
  }
  const view: EniView = {
    eniId: ni.NetworkInterfaceId,
    description: ni.Description ?? '',
    securityGroupIds: (ni.Groups ?? []).flatMap((g) => (g.GroupId ? [g.GroupId] : [])),
    tags: tagsOf(ni.TagSet),
    secondaryIps,
    publicIps,
  };
  if (ni.SubnetId) view.subnetId = ni.SubnetId;
  if (ni.VpcId) view.vpcId = ni.VpcId;
  if (ni.InterfaceType) view.interfaceType = ni.InterfaceType;
  if (ni.RequesterManaged !== undefined) view.requesterManaged = ni.RequesterManaged;
  if (primary) view.privateIp = primary;
  const attached = ni.Attachment?.InstanceId;
  if (attached) {
    view.attachment = {
      instanceId: attached,
      ...(ni.Attachment?.DeviceIndex !== undefined ? { deviceIndex: ni.Attachment.DeviceIndex } : {}),
    };
  }
  return view;
}

function instanceViewOf(i: Instance): InstanceView | undefined {
  if (!i.InstanceId) return undefined;
  return {
    instanceId: i.InstanceId,
    ...(i.State?.Name ? { state: String(i.State.Name) } : {}),
    ...(i.VpcId ? { vpcId: i.VpcId } : {}),
    tags: tagsOf(i.Tags),
  };
}

export function poolAddressOf(a: Address): PoolAddress | undefined {
  const tags = tagsOf(a.Tags);
  const pool = tags[POOL_TAG];
  if (!a.AllocationId || !a.PublicIp || pool === undefined) return undefined;
  const out: PoolAddress = { allocationId: a.AllocationId, publicIp: a.PublicIp, pool };
  if (a.AssociationId || a.NetworkInterfaceId || a.InstanceId) {
    out.association = {
      ...(a.AssociationId ? { associationId: a.AssociationId } : {}),
      ...(a.NetworkInterfaceId ? { eniId: a.NetworkInterfaceId } : {}),
      ...(a.PrivateIpAddress ? { privateIp: a.PrivateIpAddress } : {}),
      ...(a.InstanceId ? { instanceId: a.InstanceId } : {}),
    };
  }
  const holder = tags[HOLDER_TAG];
  if (holder !== undefined) out.holderTag = holder;
  if (a.ServiceManaged) out.serviceManaged = String(a.ServiceManaged);
  return out;
}

/**
 * A given retry strategy (the simulated region's, which also stops crashed invocations) that retries nothing: every
 * error is reported to it as a client error, which no standard strategy retries.
 */
function withoutRetries(inner: RetryStrategyV2): RetryStrategyV2 {
  return {
    acquireInitialRetryToken: (scope) => inner.acquireInitialRetryToken(scope),
    refreshRetryTokenForRetry: (token, error) =>
      inner.refreshRetryTokenForRetry(token, { ...error, errorType: 'CLIENT_ERROR' }),
    recordSuccess: (token) => inner.recordSuccess(token),
  };
}

/** EC2 allows 200 values per filter. */
const FILTER_VALUES_MAX = 200;

export class SdkKeeperEc2 implements KeeperEc2Port {
  private readonly ec2: EC2Client;
  private tagClient?: EC2Client;

  constructor(private readonly conn: AwsConnection) {
    this.ec2 = new EC2Client(clientOptions(conn, 'ec2'));
  }

  /**
   * Tag calls get one attempt: a throttled or failed one is left to the reconciler rather than backing off inside an
   * invocation that other pods' associations wait behind (KeeperEvents' reserved concurrency is small).
   */
  private tags(): EC2Client {
    if (!this.tagClient) {
      const opts = clientOptions(this.conn, 'ec2');
      this.tagClient = new EC2Client({
        ...opts,
        maxAttempts: 1,
        ...(opts.retryStrategy ? { retryStrategy: withoutRetries(opts.retryStrategy) } : {}),
      });
    }
    return this.tagClient;
  }

  async describeEnis(eniIds: readonly string[]): Promise<Map<string, EniView>> {
    const found = new Map<string, EniView>();
    const ids = [...new Set(eniIds)];
    for (let i = 0; i < ids.length; i += FILTER_VALUES_MAX) {
      // A filter (unlike NetworkInterfaceIds) does not fail on ids that no longer exist.
      for (const ni of await this.describe([
        { Name: 'network-interface-id', Values: ids.slice(i, i + FILTER_VALUES_MAX) },
      ])) {
        const v = eniViewOf(ni);
        if (v) found.set(v.eniId, v);
      }
    }
    return found;
  }

  async listPoolEnis(pool: PoolConfig): Promise<EniView[]> {
    return (await this.describe(eniFilters(pool))).flatMap((ni) => eniViewOf(ni) ?? []);
  }

  private async describe(filters: { Name: string; Values: string[] }[]): Promise<NetworkInterface[]> {
    const out: NetworkInterface[] = [];
    for await (const page of paginateDescribeNetworkInterfaces(
      { client: this.ec2, pageSize: 1000 },
      { Filters: filters },
    ))
      out.push(...(page.NetworkInterfaces ?? []));
    return out;
  }

  async trunkAssociations(branchEniIds: readonly string[]): Promise<Map<string, TrunkLink>> {
    const found = new Map<string, TrunkLink>();
    const ids = [...new Set(branchEniIds)];
    for (let i = 0; i < ids.length; i += FILTER_VALUES_MAX) {
      const filter = {
        Name: 'trunk-interface-association.branch-interface-id',
        Values: ids.slice(i, i + FILTER_VALUES_MAX),
      };
      for await (const page of paginateDescribeTrunkInterfaceAssociations(
        { client: this.ec2, pageSize: 255 },
        { Filters: [filter] },
      )) {
        for (const a of page.InterfaceAssociations ?? []) {
          if (!a.AssociationId || !a.BranchInterfaceId || !a.TrunkInterfaceId) continue;
          found.set(a.BranchInterfaceId, {
            associationId: a.AssociationId,
            branchEniId: a.BranchInterfaceId,
            trunkEniId: a.TrunkInterfaceId,
            ...(a.VlanId !== undefined ? { vlanId: a.VlanId } : {}),
          });
        }
      }
    }
    return found;
  }

  async describeInstances(instanceIds: readonly string[]): Promise<Map<string, InstanceView>> {
    const found = new Map<string, InstanceView>();
    const ids = [...new Set(instanceIds)];
    for (let i = 0; i < ids.length; i += FILTER_VALUES_MAX) {
      // A filter (unlike InstanceIds) does not fail on ids that no longer exist.
      for await (const page of paginateDescribeInstances(
        { client: this.ec2, pageSize: 1000 },
        { Filters: [{ Name: 'instance-id', Values: ids.slice(i, i + FILTER_VALUES_MAX) }] },
      )) {
        for (const r of page.Reservations ?? []) {
          for (const inst of r.Instances ?? []) {
            const v = instanceViewOf(inst);
            if (v) found.set(v.instanceId, v);
          }
        }
      }
    }
    return found;
  }

  async disassociate(associationId: string): Promise<'disassociated' | 'gone'> {
    try {
      await this.ec2.send(new DisassociateAddressCommand({ AssociationId: associationId }));
      return 'disassociated';
    } catch (err) {
      if ((err as Error).name === 'InvalidAssociationID.NotFound') return 'gone';
      throw err;
    }
  }

  async describePoolAddresses(
    pools: readonly string[],
    allocationIds?: readonly string[],
  ): Promise<PoolAddress[]> {
    if (pools.length === 0 || allocationIds?.length === 0) return [];
    const filters = [{ Name: `tag:${POOL_TAG}`, Values: [...pools] }];
    // A filter (unlike AllocationIds) does not fail on an address that no longer exists.
    if (allocationIds) filters.push({ Name: 'allocation-id', Values: [...allocationIds] });
    // DescribeAddresses is not paginated.
    const out = await this.ec2.send(new DescribeAddressesCommand({ Filters: filters }));
    return (out.Addresses ?? []).flatMap((a) => poolAddressOf(a) ?? []);
  }

  async associate(allocationId: string, target: Target): Promise<AssociateOutcome> {
    try {
      const out = await this.ec2.send(
        new AssociateAddressCommand({
          AllocationId: allocationId,
          NetworkInterfaceId: target.eniId,
          PrivateIpAddress: target.privateIp,
          AllowReassociation: false,
        }),
      );
      return { kind: 'associated', associationId: out.AssociationId ?? 'unknown' };
    } catch (err) {
      if (isTransientAwsError(err)) throw err;
      const { name = 'Unknown', message = '' } = err as Error;
      if (name === 'Resource.AlreadyAssociated') return { kind: 'already-associated', message };
      if (TARGET_GONE.has(name)) return { kind: 'target-gone', code: name };
      if (ADDRESS_GONE.has(name)) return { kind: 'address-gone', code: name };
      return { kind: 'rejected', code: name, message };
    }
  }

  async tagHolder(allocationIds: readonly string[], eniId: string): Promise<void> {
    if (allocationIds.length === 0) return;
    await this.tags().send(
      new CreateTagsCommand({ Resources: [...allocationIds], Tags: [{ Key: HOLDER_TAG, Value: eniId }] }),
    );
  }

  async untagHolder(allocationIds: readonly string[], eniId: string): Promise<void> {
    // Never without Key (no tags = every tag, the pool tag included) and always with the value (never a newer holder's).
    if (allocationIds.length === 0) return;
    await this.tags().send(
      new DeleteTagsCommand({ Resources: [...allocationIds], Tags: [{ Key: HOLDER_TAG, Value: eniId }] }),
    );
  }

  async allocate(pool: string): Promise<{ allocationId: string; publicIp: string }> {
    const out = await this.ec2.send(
      new AllocateAddressCommand({
        Domain: 'vpc',
        TagSpecifications: [{ ResourceType: 'elastic-ip', Tags: [{ Key: POOL_TAG, Value: pool }] }],
      }),
    );
    if (!out.AllocationId || !out.PublicIp) throw new Error('AllocateAddress returned no allocation id');
    return { allocationId: out.AllocationId, publicIp: out.PublicIp };
  }
}
