/**
 * The in-memory EC2 of one simulated region as one object: the world's records in maps (model.ts), seeded directly
 * by scenarios (`addVpc`, `addSubnet`, ...; seed.ts) and changed by the API actions through operations that hold
 * EC2's rules (addresses.ts, network-interfaces.ts, tags.ts). Snapshots (describe.ts) are deep copies for JSON
 * output.
 */
import type { ServiceEnv } from '../../core/types';
import { INSTANCE_TYPES, type InstanceTypeInfo } from '../instance-types';
import * as addressOps from './addresses';
import * as snapshots from './describe';
import { availableIpAddressCount } from './ips';
import * as lookups from './lookups';
import type {
  Address,
  AddressAssociation,
  AddressSnapshot,
  Ec2StateOptions,
  Ec2World,
  Instance,
  NetworkInterface,
  OperationOptions,
  RouteTable,
  SecurityGroup,
  Subnet,
  SubnetSnapshot,
  Tag,
  TrunkAssociation,
  Vpc,
} from './model';
import { DEFAULT_UNPAGINATED_ENI_LIMIT } from './model';
import * as eniOps from './network-interfaces';
import * as seed from './seed';
import * as tagOps from './tags';
import * as trunkOps from './trunks';

export class Ec2State implements Ec2World {
  readonly vpcById = new Map<string, Vpc>();
  readonly subnetById = new Map<string, Subnet>();
  readonly routeTableById = new Map<string, RouteTable>();
  readonly groupById = new Map<string, SecurityGroup>();
  readonly instanceById = new Map<string, Instance>();
  readonly eniById = new Map<string, NetworkInterface>();
  readonly addressById = new Map<string, Address>();
  readonly trunkAssociationById = new Map<string, TrunkAssociation>();
  readonly instanceTypeByName = new Map<string, InstanceTypeInfo>();
  addressLimit: number;
  unpaginatedEniLimit: number;
  readonly counters = { publicIp: 0, mac: 0 };
  /** Calls a scenario has EC2 fail (`failWith`), each once: the next call of `action` by `actor`. */
  private readonly failures: { actor: string; action: string; code: string; message: string }[] = [];

  constructor(
    readonly env: ServiceEnv,
    options: Ec2StateOptions = {},
  ) {
    this.addressLimit = options.addressLimit ?? 5;
    this.unpaginatedEniLimit = options.unpaginatedEniLimit ?? DEFAULT_UNPAGINATED_ENI_LIMIT;
    for (const t of INSTANCE_TYPES) this.instanceTypeByName.set(t.instanceType, t);
  }

  get region(): string {
    return this.env.region;
  }

  get accountId(): string {
    return this.env.accountId;
  }

  /** Has EC2 fail the next `action` by `actor` with `code` (recorded in CloudTrail with that errorCode). */
  failNext(actor: string, action: string, code: string, message: string): void {
    this.failures.push({ actor, action, code: code.replace(/^Client\./, ''), message });
  }

  /** The failure a scenario set for this call, taken (it applies once). */
  takeFailure(actor: string, action: string): { code: string; message: string } | undefined {
    const i = this.failures.findIndex((f) => f.actor === actor && f.action === action);
    return i < 0 ? undefined : this.failures.splice(i, 1)[0];
  }

  // Seeding (scenarios): typed, with EC2's defaults. Invalid seeds throw, as a scenario bug should.

  addVpc(input: seed.VpcSeed): Vpc {
    return seed.addVpc(this, input);
  }

  addSubnet(input: seed.SubnetSeed): Subnet {
    return seed.addSubnet(this, input);
  }

  addRouteTable(input: seed.RouteTableSeed): RouteTable {
    return seed.addRouteTable(this, input);
  }

  associateRouteTable(routeTableId: string, subnetId: string): void {
    seed.associateRouteTable(this, routeTableId, subnetId);
  }

  addSecurityGroup(input: seed.SecurityGroupSeed): SecurityGroup {
    return seed.addSecurityGroup(this, input);
  }

  addInstanceType(info: InstanceTypeInfo): void {
    seed.addInstanceType(this, info);
  }

  addInstance(input: seed.InstanceSeed): Instance {
    return seed.addInstance(this, input);
  }

  addNetworkInterface(input: seed.NetworkInterfaceSeed): NetworkInterface {
    return seed.addNetworkInterface(this, input);
  }

  addAddress(input: seed.AddressSeed = {}): Address {
    return seed.addAddress(this, input);
  }

  terminateInstance(instanceId: string): void {
    seed.terminateInstance(this, instanceId);
  }

  detachNetworkInterface(networkInterfaceId: string): void {
    seed.detachNetworkInterface(this, networkInterfaceId);
  }

  // Operations with EC2's rules (used by the API actions; scenarios may call them too).

  createNetworkInterface(
    input: eniOps.CreateNetworkInterfaceInput,
    opts?: OperationOptions,
  ): NetworkInterface {
    return eniOps.createNetworkInterface(this, input, opts);
  }

  deleteNetworkInterface(networkInterfaceId: string, opts?: OperationOptions): void {
    eniOps.deleteNetworkInterface(this, networkInterfaceId, opts);
  }

  assignPrivateIpAddresses(
    networkInterfaceId: string,
    input: eniOps.AssignPrivateIpAddressesInput,
    opts?: OperationOptions,
  ): string[] {
    return eniOps.assignPrivateIpAddresses(this, networkInterfaceId, input, opts);
  }

  unassignPrivateIpAddresses(networkInterfaceId: string, ips: string[], opts?: OperationOptions): void {
    eniOps.unassignPrivateIpAddresses(this, networkInterfaceId, ips, opts);
  }

  attachNetworkInterface(
    input: { networkInterfaceId: string; instanceId: string; deviceIndex: number; networkCardIndex?: number },
    opts?: OperationOptions,
  ): string {
    return eniOps.attachNetworkInterface(this, input, opts);
  }

  associateTrunkInterface(
    input: trunkOps.AssociateTrunkInterfaceInput,
    opts?: OperationOptions,
  ): TrunkAssociation {
    return trunkOps.associateTrunkInterface(this, input, opts);
  }

  disassociateTrunkInterface(associationId: string, opts?: OperationOptions): TrunkAssociation {
    return trunkOps.disassociateTrunkInterface(this, associationId, opts);
  }

  /** The trunk association of a branch ENI, if it has one. */
  trunkAssociationOf(branchInterfaceId: string): TrunkAssociation | undefined {
    return [...this.trunkAssociationById.values()].find((a) => a.branchInterfaceId === branchInterfaceId);
  }

  allocateAddress(input: { tags?: Tag[] } = {}, opts?: OperationOptions): Address {
    return addressOps.allocateAddress(this, input, opts);
  }

  associateAddress(input: addressOps.AssociateAddressInput, opts?: OperationOptions): AddressAssociation {
    return addressOps.associateAddress(this, input, opts);
  }

  disassociateAddress(
    input: { associationId?: string; publicIp?: string },
    opts?: OperationOptions,
  ): Address {
    return addressOps.disassociateAddress(this, input, opts);
  }

  releaseAddress(input: { allocationId?: string; publicIp?: string }, opts?: OperationOptions): Address {
    return addressOps.releaseAddress(this, input, opts);
  }

  createTags(resourceIds: string[], tags: Tag[], opts?: OperationOptions): void {
    tagOps.createTags(this, resourceIds, tags, opts);
  }

  deleteTags(resourceIds: string[], tags: { key: string; value?: string }[], opts?: OperationOptions): void {
    tagOps.deleteTags(this, resourceIds, tags, opts);
  }

  // Lookups and derived values.

  requireVpc(id: string): Vpc {
    return lookups.requireVpc(this, id);
  }

  requireSubnet(id: string): Subnet {
    return lookups.requireSubnet(this, id);
  }

  requireEni(id: string): NetworkInterface {
    return lookups.requireEni(this, id);
  }

  requireAddress(allocationId: string): Address {
    return lookups.requireAddress(this, allocationId);
  }

  requireInstance(id: string): Instance {
    return lookups.requireInstance(this, id);
  }

  addressOn(networkInterfaceId: string, privateIpAddress: string): Address | undefined {
    return lookups.addressOn(this, networkInterfaceId, privateIpAddress);
  }

  instanceOf(address: Address): string | undefined {
    return lookups.instanceOf(this, address);
  }

  availableIpAddressCount(subnet: Subnet): number {
    return availableIpAddressCount(this, subnet);
  }

  enisOf(instanceId: string): NetworkInterface[] {
    return lookups.enisOf(this, instanceId);
  }

  privateDnsName(ip: string): string {
    return lookups.privateDnsName(this, ip);
  }

  publicDnsName(ip: string): string {
    return lookups.publicDnsName(this, ip);
  }

  // Snapshots: plain deep copies for the scenario runner's JSON output.

  addresses(): AddressSnapshot[] {
    return snapshots.addresses(this);
  }

  networkInterfaces(): NetworkInterface[] {
    return snapshots.networkInterfaces(this);
  }

  subnets(): SubnetSnapshot[] {
    return snapshots.subnets(this);
  }

  vpcs(): Vpc[] {
    return snapshots.vpcs(this);
  }

  routeTables(): RouteTable[] {
    return snapshots.routeTables(this);
  }

  securityGroups(): SecurityGroup[] {
    return snapshots.securityGroups(this);
  }

  instances(): Instance[] {
    return snapshots.instances(this);
  }

  snapshot() {
    return snapshots.snapshot(this);
  }
}
