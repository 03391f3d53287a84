/**
 * Adapter: the EC2 reads of the auditor (DescribeSubnets, DescribeRouteTables, DescribeInstanceTypes,
 * DescribeInstances, DescribeNetworkInterfaces), turned into the snapshot's plain records. Lookups by id use
 * filters, so an id that no longer exists is simply absent instead of failing the whole call.
 *
 * Every DescribeNetworkInterfaces is paginated with MaxResults: EC2 fails an unpaginated call in an account with many
 * ENIs unless it is filtered by group-id, mac-address, private-dns-name, private-ip-address, subnet-id or vpc-id
 * (DescribeNetworkInterfaces API reference), and the auditor's filters (attachment.instance-id, tags) are not those.
 */
import {
  type EC2Client,
  type NetworkInterface,
  paginateDescribeInstances,
  paginateDescribeInstanceTypes,
  paginateDescribeNetworkInterfaces,
  paginateDescribeRouteTables,
  paginateDescribeSubnets,
} from '@aws-sdk/client-ec2';
import { type InstanceNetwork, instanceNetworkFromDescribe } from '../max-pods';
import type { EniInfo, NodeInstance, RouteTableInfo, SubnetInfo } from '../model';
import type { Ec2Filter, Ec2Port, SubnetUsage } from '../ports';

/** EC2 accepts up to 200 values per filter. */
const FILTER_CHUNK = 200;
/** DescribeNetworkInterfaces MaxResults: 5 to 1000. */
export const ENI_PAGE_SIZE = 1000;
/** The tag the VPC resource controller puts on each branch ENI: the trunk ENI it hangs from. */
const TRUNK_TAG = 'vpcresources.k8s.aws/trunk-eni-id';

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function eniFromSdk(e: NetworkInterface): EniInfo {
  const tags: Record<string, string> = {};
  for (const t of e.TagSet ?? []) if (t.Key) tags[t.Key] = t.Value ?? '';
  const secondary = (e.PrivateIpAddresses ?? []).filter((p) => p.Primary !== true).length;
  const publicIpOf: Record<string, string> = {};
  for (const p of e.PrivateIpAddresses ?? [])
    if (p.PrivateIpAddress && p.Association?.PublicIp)
      publicIpOf[p.PrivateIpAddress] = p.Association.PublicIp;
  return {
    networkInterfaceId: e.NetworkInterfaceId ?? '',
    subnetId: e.SubnetId ?? '',
    ...(e.VpcId ? { vpcId: e.VpcId } : {}),
    ...(e.AvailabilityZone ? { availabilityZone: e.AvailabilityZone } : {}),
    description: e.Description ?? '',
    ...(e.InterfaceType ? { interfaceType: String(e.InterfaceType) } : {}),
    ...(e.Status ? { status: String(e.Status) } : {}),
    ...(e.Attachment?.InstanceId ? { attachedInstanceId: e.Attachment.InstanceId } : {}),
    ...(e.Attachment?.DeviceIndex !== undefined ? { deviceIndex: e.Attachment.DeviceIndex } : {}),
    securityGroupIds: (e.Groups ?? []).map((g) => g.GroupId ?? '').filter(Boolean),
    ...(e.PrivateIpAddress ? { privateIp: e.PrivateIpAddress } : {}),
    secondaryIpCount: secondary,
    ...(Object.keys(publicIpOf).length > 0 ? { publicIpOf } : {}),
    prefixCount: (e.Ipv4Prefixes ?? []).length,
    tags,
  };
}

export class Ec2Reader implements Ec2Port {
  constructor(private readonly ec2: EC2Client) {}

  /** Subnets of the VPCs plus the given subnet ids (which may lie elsewhere), by id. */
  async subnets(
    vpcIds: readonly string[],
    subnetIds: readonly string[],
  ): Promise<Record<string, SubnetInfo>> {
    const out: Record<string, SubnetInfo> = {};
    const queries: Ec2Filter[][] = [
      ...chunks([...new Set(vpcIds)], FILTER_CHUNK).map((v) => [{ Name: 'vpc-id', Values: v }]),
      ...chunks([...new Set(subnetIds)], FILTER_CHUNK).map((s) => [{ Name: 'subnet-id', Values: s }]),
    ];
    for (const Filters of queries)
      for await (const page of paginateDescribeSubnets({ client: this.ec2 }, { Filters }))
        for (const s of page.Subnets ?? []) {
          if (!s.SubnetId) continue;
          out[s.SubnetId] = {
            subnetId: s.SubnetId,
            vpcId: s.VpcId ?? '',
            availabilityZone: s.AvailabilityZone ?? '',
            cidrBlock: s.CidrBlock ?? '',
            availableIpAddressCount: s.AvailableIpAddressCount ?? 0,
          };
        }
    return out;
  }

  async routeTables(vpcIds: readonly string[]): Promise<RouteTableInfo[]> {
    const out: RouteTableInfo[] = [];
    for (const v of chunks([...new Set(vpcIds)], FILTER_CHUNK))
      for await (const page of paginateDescribeRouteTables(
        { client: this.ec2 },
        { Filters: [{ Name: 'vpc-id', Values: v }] },
      ))
        for (const t of page.RouteTables ?? []) {
          const associationIds: Record<string, string> = {};
          for (const a of t.Associations ?? [])
            if (a.SubnetId && a.RouteTableAssociationId)
              associationIds[a.SubnetId] = a.RouteTableAssociationId;
          out.push({
            routeTableId: t.RouteTableId ?? '',
            vpcId: t.VpcId ?? '',
            main: (t.Associations ?? []).some((a) => a.Main === true),
            subnetIds: (t.Associations ?? []).map((a) => a.SubnetId).filter((s): s is string => !!s),
            associationIds,
            routes: (t.Routes ?? []).map((r) => ({
              destination:
                r.DestinationCidrBlock ?? r.DestinationIpv6CidrBlock ?? r.DestinationPrefixListId ?? '',
              ...(r.GatewayId ? { gatewayId: r.GatewayId } : {}),
              ...(r.NatGatewayId ? { natGatewayId: r.NatGatewayId } : {}),
              ...(r.TransitGatewayId ? { transitGatewayId: r.TransitGatewayId } : {}),
              ...(r.NetworkInterfaceId ? { networkInterfaceId: r.NetworkInterfaceId } : {}),
              ...(r.VpcPeeringConnectionId ? { vpcPeeringConnectionId: r.VpcPeeringConnectionId } : {}),
              ...(r.State ? { state: String(r.State) } : {}),
            })),
          });
        }
    return out.sort((a, b) => a.routeTableId.localeCompare(b.routeTableId));
  }

  /** Calculator inputs by instance type; unknown names are left out. */
  async instanceTypes(names: readonly string[]): Promise<Record<string, InstanceNetwork>> {
    const out: Record<string, InstanceNetwork> = {};
    for (const chunk of chunks([...new Set(names)].sort(), 100))
      for await (const page of paginateDescribeInstanceTypes(
        { client: this.ec2 },
        { Filters: [{ Name: 'instance-type', Values: chunk }] },
      ))
        for (const t of page.InstanceTypes ?? []) {
          if (!t.InstanceType) continue;
          try {
            out[t.InstanceType] = instanceNetworkFromDescribe(t);
          } catch {
            // An instance type without network numbers: the checks report it as not described.
          }
        }
    return out;
  }

  /** Pending and running instances of the cluster (managed node groups tag `eks:cluster-name`, others the cluster tag). */
  async clusterInstances(cluster: string): Promise<NodeInstance[]> {
    const byId = new Map<string, NodeInstance>();
    const state = { Name: 'instance-state-name', Values: ['pending', 'running'] };
    for (const tagFilter of [
      { Name: 'tag:eks:cluster-name', Values: [cluster] },
      { Name: 'tag-key', Values: [`kubernetes.io/cluster/${cluster}`] },
    ])
      for await (const page of paginateDescribeInstances(
        { client: this.ec2 },
        { Filters: [tagFilter, state] },
      ))
        for (const r of page.Reservations ?? [])
          for (const i of r.Instances ?? []) {
            if (!i.InstanceId) continue;
            const nodegroup = i.Tags?.find((t) => t.Key === 'eks:nodegroup-name')?.Value;
            byId.set(i.InstanceId, {
              instanceId: i.InstanceId,
              instanceType: String(i.InstanceType ?? ''),
              ...(nodegroup ? { nodegroup } : {}),
              ...(i.LaunchTime ? { launchTime: i.LaunchTime.toISOString() } : {}),
              ...(i.SubnetId ? { subnetId: i.SubnetId } : {}),
              ...(i.Placement?.AvailabilityZone ? { availabilityZone: i.Placement.AvailabilityZone } : {}),
              ...(i.State?.Name ? { state: String(i.State.Name) } : {}),
            });
          }
    return [...byId.values()].sort((a, b) => a.instanceId.localeCompare(b.instanceId));
  }

  /** Every page of DescribeNetworkInterfaces, MaxResults set. */
  private async *eniPages(filters: Ec2Filter[]) {
    for await (const page of paginateDescribeNetworkInterfaces(
      { client: this.ec2, pageSize: ENI_PAGE_SIZE },
      { Filters: filters },
    ))
      yield* page.NetworkInterfaces ?? [];
  }

  async networkInterfaces(filters: Ec2Filter[]): Promise<EniInfo[]> {
    const out: EniInfo[] = [];
    for await (const e of this.eniPages(filters)) out.push(eniFromSdk(e));
    return out;
  }

  /** Branch ENIs per trunk ENI (pods with security groups on each node). */
  async branchEniCounts(trunkEniIds: readonly string[]): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const id of trunkEniIds) out[id] = 0;
    for (const c of chunks([...new Set(trunkEniIds)], FILTER_CHUNK))
      for await (const e of this.eniPages([{ Name: `tag:${TRUNK_TAG}`, Values: c }])) {
        const trunk = e.TagSet?.find((t) => t.Key === TRUNK_TAG)?.Value;
        if (trunk !== undefined && trunk in out) out[trunk] = (out[trunk] ?? 0) + 1;
      }
    return out;
  }

  async enisOfInstances(instanceIds: readonly string[]): Promise<EniInfo[]> {
    const out: EniInfo[] = [];
    for (const c of chunks(instanceIds, FILTER_CHUNK))
      out.push(...(await this.networkInterfaces([{ Name: 'attachment.instance-id', Values: c }])));
    return out.sort((a, b) => a.networkInterfaceId.localeCompare(b.networkInterfaceId));
  }

  /** Private IPs and prefixes of every ENI in the subnets (free /28 blocks for prefix delegation). */
  async subnetUsage(subnetIds: readonly string[]): Promise<SubnetUsage> {
    const out: SubnetUsage = {};
    for (const id of subnetIds) out[id] = { ips: [], prefixes: [] };
    for (const c of chunks(subnetIds, FILTER_CHUNK))
      for await (const e of this.eniPages([{ Name: 'subnet-id', Values: c }])) {
        const u = out[e.SubnetId ?? ''];
        if (!u) continue;
        for (const p of e.PrivateIpAddresses ?? []) if (p.PrivateIpAddress) u.ips.push(p.PrivateIpAddress);
        for (const p of e.Ipv4Prefixes ?? []) if (p.Ipv4Prefix) u.prefixes.push(p.Ipv4Prefix);
      }
    return out;
  }
}
