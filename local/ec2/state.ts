/**
 * The in-memory EC2 of one simulated region: plain records in maps, seeded directly by scenarios (`addVpc`,
 * `addSubnet`, ...) and changed by the API actions through the operations below, which hold EC2's rules (which
 * EIP may move where, what deleting an ENI does to its associations). Snapshots are deep copies for JSON output.
 */
import type { ServiceEnv } from '../core/types';
import { cidrContains, intToIp, ipToInt, isIpv4, parseCidr, RESERVED_PER_SUBNET, usableRange } from './cidr';
import { Ec2Error, invalidParameterValue, notFound } from './errors';
import { INSTANCE_TYPES, type InstanceTypeInfo } from './instance-types';

export interface Tag {
  key: string;
  value: string;
}

/** Tags as a plain map (convenient in scenarios) or as EC2's key/value list. */
export type TagInput = Readonly<Record<string, string>> | readonly Tag[];

export interface Vpc {
  vpcId: string;
  cidrBlock: string;
  /** The attached internet gateway, or null when the VPC has none (EIPs cannot be associated then). */
  internetGatewayId: string | null;
  tags: Tag[];
}

export interface Subnet {
  subnetId: string;
  vpcId: string;
  availabilityZone: string;
  cidrBlock: string;
  mapPublicIpOnLaunch: boolean;
  defaultForAz: boolean;
  /** Addresses used by things this model does not track (other nodes, endpoints, load balancers). */
  otherUsedIps: string[];
  tags: Tag[];
}

export interface RouteTableAssociation {
  routeTableAssociationId: string;
  routeTableId: string;
  subnetId?: string;
  main: boolean;
}

export interface Route {
  destinationCidrBlock: string;
  /** `local`, or an internet gateway `igw-…`. */
  gatewayId?: string;
  natGatewayId?: string;
  state: 'active' | 'blackhole';
  origin: 'CreateRouteTable' | 'CreateRoute';
}

export interface RouteTable {
  routeTableId: string;
  vpcId: string;
  associations: RouteTableAssociation[];
  routes: Route[];
  tags: Tag[];
}

export interface SecurityGroup {
  groupId: string;
  groupName: string;
  vpcId: string;
  description: string;
  tags: Tag[];
}

export type InstanceStateName =
  | 'pending'
  | 'running'
  | 'shutting-down'
  | 'terminated'
  | 'stopping'
  | 'stopped';

export const INSTANCE_STATE_CODES: Record<InstanceStateName, number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

export interface Instance {
  instanceId: string;
  instanceType: string;
  reservationId: string;
  subnetId: string;
  vpcId: string;
  availabilityZone: string;
  /** ISO 8601. */
  launchTime: string;
  state: InstanceStateName;
  tags: Tag[];
}

export interface NetworkInterfaceAttachment {
  attachmentId: string;
  instanceId: string;
  deviceIndex: number;
  networkCardIndex: number;
  status: 'attached';
  /** ISO 8601. */
  attachTime: string;
  deleteOnTermination: boolean;
}

export interface GroupIdentifier {
  groupId: string;
  groupName: string;
}

export interface NetworkInterface {
  networkInterfaceId: string;
  subnetId: string;
  vpcId: string;
  availabilityZone: string;
  description: string;
  /** `interface`, `trunk`, `branch`, `efa`, ... */
  interfaceType: string;
  /** `available` or `in-use`. */
  status: string;
  groups: GroupIdentifier[];
  /** The primary private IP. */
  privateIpAddress: string;
  secondaryPrivateIpAddresses: string[];
  tags: Tag[];
  attachment?: NetworkInterfaceAttachment;
  requesterManaged: boolean;
  /** Who created a requester-managed ENI, e.g. `amazon-elb`. */
  requesterId?: string;
  macAddress: string;
  sourceDestCheck: boolean;
  ownerId: string;
}

export interface AddressAssociation {
  associationId: string;
  networkInterfaceId: string;
  privateIpAddress: string;
}

export interface Address {
  allocationId: string;
  publicIp: string;
  domain: 'vpc';
  /** `amazon`, or a BYOIP pool id (`ipv4pool-ec2-…`). */
  publicIpv4Pool: string;
  networkBorderGroup: string;
  /** Set for addresses a service owns (`alb`, `nlb`, `rnat`): they cannot be released or moved. */
  serviceManaged?: string;
  /** Locked to the account by AWS Support: ReleaseAddress fails with `InvalidAddress.Locked`. */
  locked?: boolean;
  /** Has a reverse-DNS (PTR) record: ReleaseAddress fails with `InvalidAddress.PtrSet`. */
  ptrSet?: boolean;
  association?: AddressAssociation;
  tags: Tag[];
}

export interface AddressSnapshot extends Omit<Address, 'association'> {
  association?: AddressAssociation & { instanceId?: string };
}

export interface SubnetSnapshot extends Subnet {
  availableIpAddressCount: number;
}

/** Set by API actions: validate everything, then stop before changing anything. */
export interface OperationOptions {
  dryRun?: boolean;
}

export interface Ec2StateOptions {
  /** AllocateAddress fails with `AddressLimitExceeded` beyond this many addresses (AWS default 5). */
  addressLimit?: number;
}

/** The error a validated DryRun request gets: the request would have succeeded. */
export function dryRunOperation(): Ec2Error {
  return new Ec2Error('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412);
}

function commit(opts: OperationOptions | undefined): void {
  if (opts?.dryRun) throw dryRunOperation();
}

export function toTags(input: TagInput | undefined): Tag[] {
  if (!input) return [];
  if (Array.isArray(input)) return (input as readonly Tag[]).map((t) => ({ key: t.key, value: t.value }));
  return Object.entries(input as Record<string, string>).map(([key, value]) => ({ key, value }));
}

/** Tag rules EC2 enforces on every tagging path. */
export function validateTags(tags: readonly { key: string; value?: string }[]): void {
  for (const t of tags) {
    if (t.key === '') throw invalidParameterValue('Tag key cannot be empty');
    if (t.key.length > 128)
      throw invalidParameterValue(`Tag key exceeds the maximum length of 128 characters`);
    if ((t.value ?? '').length > 256)
      throw invalidParameterValue(`Tag value exceeds the maximum length of 256 characters`);
    if (t.key.toLowerCase().startsWith('aws:')) {
      throw invalidParameterValue("Tag keys starting with 'aws:' are reserved for internal use");
    }
  }
}

const MAX_TAGS_PER_RESOURCE = 50;

function setTags(target: Tag[], tags: readonly Tag[], resourceId: string): void {
  for (const t of tags) {
    const existing = target.find((x) => x.key === t.key);
    if (existing) existing.value = t.value;
    else target.push({ key: t.key, value: t.value });
  }
  if (target.length > MAX_TAGS_PER_RESOURCE) {
    throw new Ec2Error(
      'TagLimitExceeded',
      `The maximum number of tags for resource '${resourceId}' has been reached.`,
    );
  }
}

export class Ec2State {
  readonly vpcById = new Map<string, Vpc>();
  readonly subnetById = new Map<string, Subnet>();
  readonly routeTableById = new Map<string, RouteTable>();
  readonly groupById = new Map<string, SecurityGroup>();
  readonly instanceById = new Map<string, Instance>();
  readonly eniById = new Map<string, NetworkInterface>();
  readonly addressById = new Map<string, Address>();
  readonly instanceTypeByName = new Map<string, InstanceTypeInfo>();
  addressLimit: number;
  private publicIpCounter = 0;
  private macCounter = 0;

  constructor(
    readonly env: ServiceEnv,
    options: Ec2StateOptions = {},
  ) {
    this.addressLimit = options.addressLimit ?? 5;
    for (const t of INSTANCE_TYPES) this.instanceTypeByName.set(t.instanceType, t);
  }

  get region(): string {
    return this.env.region;
  }

  get accountId(): string {
    return this.env.accountId;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Seeding (scenarios): typed, with EC2's defaults. Invalid seeds throw, as a scenario bug should.

  /** A VPC with its default security group, its main route table (local route only) and, unless
   * `internetGateway: false`, an attached internet gateway. */
  addVpc(input: {
    vpcId?: string;
    cidrBlock: string;
    internetGateway?: boolean | string;
    tags?: TagInput;
  }): Vpc {
    parseCidr(input.cidrBlock);
    const vpcId = input.vpcId ?? this.env.ids.next('vpc');
    const igw = input.internetGateway ?? true;
    const vpc: Vpc = {
      vpcId,
      cidrBlock: input.cidrBlock,
      internetGatewayId: igw === false ? null : typeof igw === 'string' ? igw : this.env.ids.next('igw'),
      tags: toTags(input.tags),
    };
    this.vpcById.set(vpcId, vpc);
    this.addSecurityGroup({ vpcId, groupName: 'default', description: 'default VPC security group' });
    this.addRouteTable({ vpcId, main: true });
    return vpc;
  }

  addSubnet(input: {
    subnetId?: string;
    vpcId: string;
    availabilityZone: string;
    cidrBlock: string;
    mapPublicIpOnLaunch?: boolean;
    /** Addresses taken by untracked resources: a count (taken from the top of the range) or explicit IPs. */
    otherUsedIps?: number | string[];
    tags?: TagInput;
  }): Subnet {
    const vpc = this.requireVpc(input.vpcId);
    const cidr = parseCidr(input.cidrBlock);
    if (!cidrContains(parseCidr(vpc.cidrBlock), intToIp(cidr.base))) {
      throw new Error(`subnet ${input.cidrBlock} is outside VPC ${vpc.vpcId} (${vpc.cidrBlock})`);
    }
    const subnetId = input.subnetId ?? this.env.ids.next('subnet');
    const { first, last } = usableRange(cidr);
    const other = input.otherUsedIps ?? [];
    const otherUsedIps =
      typeof other === 'number'
        ? Array.from({ length: Math.min(other, last - first + 1) }, (_, i) => intToIp(last - i))
        : [...other];
    const subnet: Subnet = {
      subnetId,
      vpcId: vpc.vpcId,
      availabilityZone: input.availabilityZone,
      cidrBlock: input.cidrBlock,
      mapPublicIpOnLaunch: input.mapPublicIpOnLaunch ?? false,
      defaultForAz: false,
      otherUsedIps,
      tags: toTags(input.tags),
    };
    this.subnetById.set(subnetId, subnet);
    return subnet;
  }

  /** A route table with the VPC's local route plus `routes`; `main: true` makes it the VPC's main table. */
  addRouteTable(input: {
    routeTableId?: string;
    vpcId: string;
    main?: boolean;
    subnetIds?: string[];
    routes?: {
      destinationCidrBlock: string;
      gatewayId?: string;
      natGatewayId?: string;
      state?: Route['state'];
    }[];
    tags?: TagInput;
  }): RouteTable {
    const vpc = this.requireVpc(input.vpcId);
    const routeTableId = input.routeTableId ?? this.env.ids.next('rtb');
    const table: RouteTable = {
      routeTableId,
      vpcId: vpc.vpcId,
      associations: [],
      routes: [
        {
          destinationCidrBlock: vpc.cidrBlock,
          gatewayId: 'local',
          state: 'active',
          origin: 'CreateRouteTable',
        },
        ...(input.routes ?? []).map((r) => ({
          destinationCidrBlock: r.destinationCidrBlock,
          gatewayId: r.gatewayId,
          natGatewayId: r.natGatewayId,
          state: r.state ?? 'active',
          origin: 'CreateRoute' as const,
        })),
      ],
      tags: toTags(input.tags),
    };
    if (input.main) {
      for (const other of this.routeTableById.values()) {
        if (other.vpcId === vpc.vpcId) other.associations = other.associations.filter((a) => !a.main);
      }
      table.associations.push({
        routeTableAssociationId: this.env.ids.next('rtbassoc'),
        routeTableId,
        main: true,
      });
    }
    this.routeTableById.set(routeTableId, table);
    for (const subnetId of input.subnetIds ?? []) this.associateRouteTable(routeTableId, subnetId);
    return table;
  }

  /** Explicitly associates a subnet with a route table (replacing its previous explicit association). */
  associateRouteTable(routeTableId: string, subnetId: string): void {
    const table = this.routeTableById.get(routeTableId);
    if (!table) throw notFound.routeTable(routeTableId);
    this.requireSubnet(subnetId);
    for (const other of this.routeTableById.values()) {
      other.associations = other.associations.filter((a) => a.subnetId !== subnetId);
    }
    table.associations.push({
      routeTableAssociationId: this.env.ids.next('rtbassoc'),
      routeTableId,
      subnetId,
      main: false,
    });
  }

  addSecurityGroup(input: {
    groupId?: string;
    groupName: string;
    vpcId: string;
    description?: string;
    tags?: TagInput;
  }): SecurityGroup {
    this.requireVpc(input.vpcId);
    const groupId = input.groupId ?? this.env.ids.next('sg');
    const group: SecurityGroup = {
      groupId,
      groupName: input.groupName,
      vpcId: input.vpcId,
      description: input.description ?? input.groupName,
      tags: toTags(input.tags),
    };
    this.groupById.set(groupId, group);
    return group;
  }

  addInstanceType(info: InstanceTypeInfo): void {
    this.instanceTypeByName.set(info.instanceType, {
      ...info,
      networkCards: info.networkCards.map((c) => ({ ...c })),
    });
  }

  /** An instance with its primary ENI (device index 0, deleted on termination). */
  addInstance(input: {
    instanceId?: string;
    instanceType: string;
    subnetId: string;
    state?: InstanceStateName;
    launchTime?: Date | string;
    privateIpAddress?: string;
    /** Explicit secondary IPs, or how many to allocate. */
    secondaryPrivateIpAddresses?: string[] | number;
    securityGroupIds?: string[];
    /** The primary ENI's description (real primary ENIs have an empty one). */
    description?: string;
    primaryNetworkInterfaceId?: string;
    tags?: TagInput;
  }): Instance {
    const subnet = this.requireSubnet(input.subnetId);
    const instanceId = input.instanceId ?? this.env.ids.next('i');
    const launchTime = new Date(input.launchTime ?? this.env.clock.now()).toISOString();
    const instance: Instance = {
      instanceId,
      instanceType: input.instanceType,
      reservationId: this.env.ids.next('r'),
      subnetId: subnet.subnetId,
      vpcId: subnet.vpcId,
      availabilityZone: subnet.availabilityZone,
      launchTime,
      state: input.state ?? 'running',
      tags: toTags(input.tags),
    };
    this.instanceById.set(instanceId, instance);
    this.addNetworkInterface({
      networkInterfaceId: input.primaryNetworkInterfaceId,
      subnetId: subnet.subnetId,
      description: input.description ?? '',
      privateIpAddress: input.privateIpAddress,
      secondaryPrivateIpAddresses: input.secondaryPrivateIpAddresses,
      securityGroupIds: input.securityGroupIds,
      attachment: { instanceId, deviceIndex: 0, deleteOnTermination: true, attachTime: launchTime },
    });
    return instance;
  }

  addNetworkInterface(input: {
    networkInterfaceId?: string;
    subnetId: string;
    description?: string;
    interfaceType?: string;
    /** Defaults to `in-use` when attached, else `available`. */
    status?: string;
    securityGroupIds?: string[];
    privateIpAddress?: string;
    secondaryPrivateIpAddresses?: string[] | number;
    tags?: TagInput;
    attachment?: {
      instanceId: string;
      deviceIndex: number;
      networkCardIndex?: number;
      deleteOnTermination?: boolean;
      attachTime?: Date | string;
    };
    requesterManaged?: boolean;
    requesterId?: string;
    macAddress?: string;
    sourceDestCheck?: boolean;
  }): NetworkInterface {
    const secondary = input.secondaryPrivateIpAddresses;
    const eni = this.buildNetworkInterface({
      networkInterfaceId: input.networkInterfaceId,
      subnetId: input.subnetId,
      description: input.description,
      interfaceType: input.interfaceType,
      securityGroupIds: input.securityGroupIds,
      privateIpAddress: input.privateIpAddress,
      secondaryPrivateIpAddresses: Array.isArray(secondary) ? secondary : [],
      secondaryPrivateIpAddressCount: typeof secondary === 'number' ? secondary : 0,
      tags: toTags(input.tags),
    });
    if (input.attachment) {
      const a = input.attachment;
      if (!this.instanceById.has(a.instanceId)) throw notFound.instance(a.instanceId);
      eni.attachment = {
        attachmentId: this.env.ids.next('eni-attach'),
        instanceId: a.instanceId,
        deviceIndex: a.deviceIndex,
        networkCardIndex: a.networkCardIndex ?? 0,
        status: 'attached',
        attachTime: new Date(a.attachTime ?? this.env.clock.now()).toISOString(),
        deleteOnTermination: a.deleteOnTermination ?? a.deviceIndex === 0,
      };
    }
    eni.status = input.status ?? (eni.attachment ? 'in-use' : 'available');
    eni.requesterManaged = input.requesterManaged ?? false;
    if (input.requesterId) eni.requesterId = input.requesterId;
    if (input.macAddress) eni.macAddress = input.macAddress;
    if (input.sourceDestCheck !== undefined) eni.sourceDestCheck = input.sourceDestCheck;
    this.eniById.set(eni.networkInterfaceId, eni);
    return eni;
  }

  /** An allocated EIP, optionally already associated with an ENI's private IP (its primary by default). */
  addAddress(
    input: {
      allocationId?: string;
      publicIp?: string;
      publicIpv4Pool?: string;
      networkBorderGroup?: string;
      serviceManaged?: string;
      locked?: boolean;
      ptrSet?: boolean;
      tags?: TagInput;
      association?: { networkInterfaceId: string; privateIpAddress?: string; associationId?: string };
    } = {},
  ): Address {
    const address: Address = {
      allocationId: input.allocationId ?? this.env.ids.next('eipalloc'),
      publicIp: input.publicIp ?? this.nextPublicIp(),
      domain: 'vpc',
      publicIpv4Pool: input.publicIpv4Pool ?? 'amazon',
      networkBorderGroup: input.networkBorderGroup ?? this.region,
      tags: toTags(input.tags),
    };
    if (input.serviceManaged) address.serviceManaged = input.serviceManaged;
    if (input.locked) address.locked = true;
    if (input.ptrSet) address.ptrSet = true;
    if (input.association) {
      const eni = this.requireEni(input.association.networkInterfaceId);
      const ip = input.association.privateIpAddress ?? eni.privateIpAddress;
      if (!eniHasIp(eni, ip)) throw new Error(`${ip} is not a private IP of ${eni.networkInterfaceId}`);
      if (this.addressOn(eni.networkInterfaceId, ip))
        throw new Error(`${eni.networkInterfaceId}/${ip} has an EIP`);
      address.association = {
        associationId: input.association.associationId ?? this.env.ids.next('eipassoc'),
        networkInterfaceId: eni.networkInterfaceId,
        privateIpAddress: ip,
      };
    }
    this.addressById.set(address.allocationId, address);
    return address;
  }

  /** Terminates an instance: ENIs marked delete-on-termination go (with their EIP associations), others detach. */
  terminateInstance(instanceId: string): void {
    const instance = this.requireInstance(instanceId);
    instance.state = 'terminated';
    for (const eni of [...this.eniById.values()]) {
      if (eni.attachment?.instanceId !== instanceId) continue;
      if (eni.attachment.deleteOnTermination) this.removeNetworkInterface(eni.networkInterfaceId);
      else this.detachNetworkInterface(eni.networkInterfaceId);
    }
  }

  /** Detaches an ENI from its instance (it keeps its IPs and EIP associations). */
  detachNetworkInterface(networkInterfaceId: string): void {
    const eni = this.requireEni(networkInterfaceId);
    delete eni.attachment;
    eni.status = 'available';
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Operations with EC2's rules (used by the API actions; scenarios may call them too).

  createNetworkInterface(
    input: {
      subnetId: string;
      description?: string;
      interfaceType?: string;
      securityGroupIds?: string[];
      privateIpAddress?: string;
      secondaryPrivateIpAddresses?: string[];
      secondaryPrivateIpAddressCount?: number;
      tags?: Tag[];
      requesterId?: string;
    },
    opts?: OperationOptions,
  ): NetworkInterface {
    const eni = this.buildNetworkInterface(input);
    commit(opts);
    this.eniById.set(eni.networkInterfaceId, eni);
    return eni;
  }

  deleteNetworkInterface(networkInterfaceId: string, opts?: OperationOptions): void {
    const eni = this.requireEni(networkInterfaceId);
    if (eni.attachment) {
      throw invalidParameterValue(`Network interface '${networkInterfaceId}' is currently in use.`);
    }
    commit(opts);
    this.removeNetworkInterface(networkInterfaceId);
  }

  /** Adds secondary private IPs (explicit and/or a count); with `allowReassignment` an IP moves from another ENI
   * in the subnet, and its EIP association moves with it. Returns the IPs assigned. */
  assignPrivateIpAddresses(
    networkInterfaceId: string,
    input: {
      privateIpAddresses?: string[];
      secondaryPrivateIpAddressCount?: number;
      allowReassignment?: boolean;
    },
    opts?: OperationOptions,
  ): string[] {
    const eni = this.requireEni(networkInterfaceId);
    const subnet = this.requireSubnet(eni.subnetId);
    const explicit = input.privateIpAddresses ?? [];
    const count = input.secondaryPrivateIpAddressCount ?? 0;
    if (explicit.length === 0 && count === 0) {
      throw new Ec2Error(
        'MissingParameter',
        'Either the parameter PrivateIpAddresses or SecondaryPrivateIpAddressCount must be specified.',
      );
    }
    const moves: { ip: string; from: NetworkInterface }[] = [];
    for (const ip of explicit) {
      if (eniHasIp(eni, ip)) continue;
      const holder = this.holderOf(subnet, ip);
      if (holder === 'other') throw new Ec2Error('InvalidIPAddress.InUse', `Address ${ip} is in use.`);
      if (holder) {
        if (!input.allowReassignment || holder.privateIpAddress === ip) {
          throw new Ec2Error('InvalidIPAddress.InUse', `Address ${ip} is in use.`);
        }
        moves.push({ ip, from: holder });
      } else this.checkAssignable(subnet, ip);
    }
    const fresh = explicit.filter((ip) => !eniHasIp(eni, ip));
    const generated = this.pickFreeIps(subnet, count, fresh);
    const assigned = [...fresh, ...generated];
    this.checkIpLimit(eni, eni.secondaryPrivateIpAddresses.length + 1 + assigned.length);
    commit(opts);
    for (const { ip, from } of moves) {
      from.secondaryPrivateIpAddresses = from.secondaryPrivateIpAddresses.filter((x) => x !== ip);
      const eip = this.addressOn(from.networkInterfaceId, ip);
      if (eip?.association) eip.association.networkInterfaceId = eni.networkInterfaceId;
    }
    eni.secondaryPrivateIpAddresses.push(...assigned);
    return assigned;
  }

  /** Removes secondary private IPs; an EIP associated with one of them becomes unassociated (stays allocated). */
  unassignPrivateIpAddresses(networkInterfaceId: string, ips: string[], opts?: OperationOptions): void {
    const eni = this.requireEni(networkInterfaceId);
    if (ips.length === 0) {
      throw new Ec2Error('MissingParameter', 'The request must contain the parameter PrivateIpAddress');
    }
    for (const ip of ips) {
      if (ip === eni.privateIpAddress) {
        throw invalidParameterValue(
          `The primary private IP address ${ip} of ${networkInterfaceId} cannot be unassigned.`,
        );
      }
      if (!eni.secondaryPrivateIpAddresses.includes(ip)) {
        throw invalidParameterValue(
          `Some of the specified addresses are not assigned to interface ${networkInterfaceId}`,
        );
      }
    }
    commit(opts);
    for (const ip of ips) this.dropAssociations(networkInterfaceId, ip);
    eni.secondaryPrivateIpAddresses = eni.secondaryPrivateIpAddresses.filter((x) => !ips.includes(x));
  }

  allocateAddress(input: { tags?: Tag[] } = {}, opts?: OperationOptions): Address {
    if (this.addressById.size >= this.addressLimit) {
      throw new Ec2Error('AddressLimitExceeded', 'The maximum number of addresses has been reached.');
    }
    validateTags(input.tags ?? []);
    commit(opts);
    return this.addAddress({ tags: input.tags });
  }

  /**
   * Associates an EIP with an ENI's private IP (or an instance's primary ENI). Without `allowReassociation` it
   * never takes an EIP from elsewhere nor replaces the EIP already on the target IP (`Resource.AlreadyAssociated`);
   * the same EIP on the same target again is a no-op that returns the existing association id.
   */
  associateAddress(
    input: {
      allocationId?: string;
      publicIp?: string;
      networkInterfaceId?: string;
      instanceId?: string;
      privateIpAddress?: string;
      allowReassociation?: boolean;
    },
    opts?: OperationOptions,
  ): AddressAssociation {
    const address = this.findAddressForAssociate(input.allocationId, input.publicIp);
    const eni = this.resolveTargetEni(input.networkInterfaceId, input.instanceId);
    const ip = input.privateIpAddress ?? eni.privateIpAddress;
    if (!eniHasIp(eni, ip)) {
      throw invalidParameterValue(
        `The specified private IP address ${ip} is not assigned to network interface ${eni.networkInterfaceId}`,
      );
    }
    if (address.serviceManaged) throw serviceManagedError(address);
    const vpc = this.vpcById.get(eni.vpcId);
    if (vpc && vpc.internetGatewayId === null) {
      throw new Ec2Error(
        'Gateway.NotAttached',
        `Network ${vpc.vpcId} is not attached to any internet gateway`,
      );
    }
    const current = address.association;
    if (current && current.networkInterfaceId === eni.networkInterfaceId && current.privateIpAddress === ip) {
      commit(opts);
      return { ...current };
    }
    if (current && !input.allowReassociation) {
      throw new Ec2Error(
        'Resource.AlreadyAssociated',
        `resource ${address.allocationId} is already associated with associate-id ${current.associationId}`,
      );
    }
    const occupant = this.addressOn(eni.networkInterfaceId, ip);
    if (occupant?.association && !input.allowReassociation) {
      throw new Ec2Error(
        'Resource.AlreadyAssociated',
        `resource ${eni.networkInterfaceId} with private IP ${ip} is already associated with associate-id ${occupant.association.associationId}`,
      );
    }
    commit(opts);
    if (occupant) delete occupant.association;
    address.association = {
      associationId: this.env.ids.next('eipassoc'),
      networkInterfaceId: eni.networkInterfaceId,
      privateIpAddress: ip,
    };
    return { ...address.association };
  }

  disassociateAddress(
    input: { associationId?: string; publicIp?: string },
    opts?: OperationOptions,
  ): Address {
    let address: Address | undefined;
    if (input.associationId) {
      address = [...this.addressById.values()].find(
        (a) => a.association?.associationId === input.associationId,
      );
      if (!address) throw notFound.association(input.associationId);
    } else if (input.publicIp) {
      address = [...this.addressById.values()].find((a) => a.publicIp === input.publicIp);
      if (!address) throw notFound.address(input.publicIp);
      if (!address.association) throw notFound.association(input.publicIp);
    } else {
      throw new Ec2Error('MissingParameter', 'The request must contain the parameter AssociationId');
    }
    if (address.serviceManaged) throw serviceManagedError(address);
    commit(opts);
    delete address.association;
    return address;
  }

  releaseAddress(input: { allocationId?: string; publicIp?: string }, opts?: OperationOptions): Address {
    if (!input.allocationId) {
      if (input.publicIp) {
        throw invalidParameterValue(
          'You must specify an allocation id when releasing a VPC elastic IP address',
        );
      }
      throw new Ec2Error('MissingParameter', 'The request must contain the parameter AllocationId');
    }
    const address = this.requireAddress(input.allocationId);
    if (address.serviceManaged) throw serviceManagedError(address);
    if (address.association)
      throw new Ec2Error('InvalidIPAddress.InUse', `Address ${address.publicIp} is in use.`);
    if (address.locked) {
      throw new Ec2Error(
        'InvalidAddress.Locked',
        `The address with allocation id [${address.allocationId}] cannot be released because it is locked to your account. Please contact AWS Support to unlock it.`,
      );
    }
    if (address.ptrSet) {
      throw new Ec2Error(
        'InvalidAddress.PtrSet',
        `The address with allocation id [${address.allocationId}] cannot be released because it has a PTR record set.`,
      );
    }
    commit(opts);
    this.addressById.delete(address.allocationId);
    return address;
  }

  /** Tags resources by id (`eipalloc-`, `eni-`, `subnet-`, `i-`, `vpc-`, `sg-`, `rtb-`); all or nothing. */
  createTags(resourceIds: string[], tags: Tag[], opts?: OperationOptions): void {
    if (resourceIds.length === 0)
      throw new Ec2Error('MissingParameter', 'The request must contain the parameter ResourceId');
    if (tags.length === 0)
      throw new Ec2Error('MissingParameter', 'The request must contain the parameter Tag');
    validateTags(tags);
    const targets = resourceIds.map((id) => ({ id, tags: this.tagsOf(id) }));
    for (const t of targets) {
      const merged = t.tags.map((x) => ({ ...x }));
      setTags(merged, tags, t.id);
    }
    commit(opts);
    for (const t of targets) setTags(t.tags, tags, t.id);
  }

  /** Deletes tags by key (and value, when given); no tags given deletes all of them. */
  deleteTags(resourceIds: string[], tags: { key: string; value?: string }[], opts?: OperationOptions): void {
    if (resourceIds.length === 0)
      throw new Ec2Error('MissingParameter', 'The request must contain the parameter ResourceId');
    const targets = resourceIds.map((id) => this.tagsOf(id));
    for (const t of tags) {
      if (t.key.toLowerCase().startsWith('aws:')) {
        throw invalidParameterValue("Tag keys starting with 'aws:' are reserved for internal use");
      }
    }
    commit(opts);
    for (const list of targets) {
      const keep = list.filter(
        (x) =>
          tags.length > 0 &&
          !tags.some((t) => t.key === x.key && (t.value === undefined || t.value === x.value)),
      );
      list.splice(0, list.length, ...keep);
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Lookups and derived values.

  requireVpc(id: string): Vpc {
    const v = this.vpcById.get(id);
    if (!v) throw notFound.vpc(id);
    return v;
  }

  requireSubnet(id: string): Subnet {
    const s = this.subnetById.get(id);
    if (!s) throw notFound.subnet(id);
    return s;
  }

  requireEni(id: string): NetworkInterface {
    const e = this.eniById.get(id);
    if (!e) throw notFound.networkInterface(id);
    return e;
  }

  requireAddress(allocationId: string): Address {
    const a = this.addressById.get(allocationId);
    if (!a) throw notFound.allocation(allocationId);
    return a;
  }

  requireInstance(id: string): Instance {
    const i = this.instanceById.get(id);
    if (!i) throw notFound.instance(id);
    return i;
  }

  /** The EIP associated with this ENI's private IP, if any. */
  addressOn(networkInterfaceId: string, privateIpAddress: string): Address | undefined {
    for (const a of this.addressById.values()) {
      if (
        a.association?.networkInterfaceId === networkInterfaceId &&
        a.association.privateIpAddress === privateIpAddress
      ) {
        return a;
      }
    }
    return undefined;
  }

  /** The instance an EIP's ENI is attached to, as DescribeAddresses reports it. */
  instanceOf(address: Address): string | undefined {
    const id = address.association?.networkInterfaceId;
    return id ? this.eniById.get(id)?.attachment?.instanceId : undefined;
  }

  availableIpAddressCount(subnet: Subnet): number {
    const cidr = parseCidr(subnet.cidrBlock);
    return cidr.size - RESERVED_PER_SUBNET - this.usedIps(subnet).size;
  }

  /** ENIs attached to an instance, by device index. */
  enisOf(instanceId: string): NetworkInterface[] {
    return [...this.eniById.values()]
      .filter((e) => e.attachment?.instanceId === instanceId)
      .sort((a, b) => (a.attachment?.deviceIndex ?? 0) - (b.attachment?.deviceIndex ?? 0));
  }

  privateDnsName(ip: string): string {
    const domain = this.region === 'us-east-1' ? 'ec2.internal' : `${this.region}.compute.internal`;
    return `ip-${ip.replaceAll('.', '-')}.${domain}`;
  }

  publicDnsName(ip: string): string {
    const domain =
      this.region === 'us-east-1' ? 'compute-1.amazonaws.com' : `${this.region}.compute.amazonaws.com`;
    return `ec2-${ip.replaceAll('.', '-')}.${domain}`;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Snapshots: plain deep copies for the scenario runner's JSON output.

  addresses(): AddressSnapshot[] {
    return [...this.addressById.values()].map((a) => {
      const copy: AddressSnapshot = structuredClone(a);
      const instanceId = this.instanceOf(a);
      if (copy.association && instanceId) copy.association.instanceId = instanceId;
      return copy;
    });
  }

  networkInterfaces(): NetworkInterface[] {
    return [...this.eniById.values()].map((e) => structuredClone(e));
  }

  subnets(): SubnetSnapshot[] {
    return [...this.subnetById.values()].map((s) => ({
      ...structuredClone(s),
      availableIpAddressCount: this.availableIpAddressCount(s),
    }));
  }

  vpcs(): Vpc[] {
    return [...this.vpcById.values()].map((v) => structuredClone(v));
  }

  routeTables(): RouteTable[] {
    return [...this.routeTableById.values()].map((r) => structuredClone(r));
  }

  securityGroups(): SecurityGroup[] {
    return [...this.groupById.values()].map((g) => structuredClone(g));
  }

  instances(): Instance[] {
    return [...this.instanceById.values()].map((i) => structuredClone(i));
  }

  snapshot() {
    return {
      vpcs: this.vpcs(),
      subnets: this.subnets(),
      routeTables: this.routeTables(),
      securityGroups: this.securityGroups(),
      instances: this.instances(),
      networkInterfaces: this.networkInterfaces(),
      addresses: this.addresses(),
    };
  }

  // ---------------------------------------------------------------------------------------------------------------

  private buildNetworkInterface(input: {
    networkInterfaceId?: string;
    subnetId: string;
    description?: string;
    interfaceType?: string;
    securityGroupIds?: string[];
    privateIpAddress?: string;
    secondaryPrivateIpAddresses?: string[];
    secondaryPrivateIpAddressCount?: number;
    tags?: Tag[];
    requesterId?: string;
  }): NetworkInterface {
    const subnet = this.requireSubnet(input.subnetId);
    if (input.networkInterfaceId && this.eniById.has(input.networkInterfaceId)) {
      throw new Error(`network interface ${input.networkInterfaceId} exists already`);
    }
    const groups = this.resolveGroups(subnet.vpcId, input.securityGroupIds);
    validateTags(input.tags ?? []);
    const explicit = [input.privateIpAddress, ...(input.secondaryPrivateIpAddresses ?? [])].filter(
      (ip): ip is string => ip !== undefined,
    );
    if (new Set(explicit).size !== explicit.length) {
      throw invalidParameterValue('The same private IP address is specified more than once.');
    }
    for (const ip of explicit) {
      if (this.holderOf(subnet, ip))
        throw new Ec2Error('InvalidIPAddress.InUse', `The specified address is already in use.`);
      this.checkAssignable(subnet, ip);
    }
    const needed = (input.privateIpAddress ? 0 : 1) + (input.secondaryPrivateIpAddressCount ?? 0);
    const generated = this.pickFreeIps(subnet, needed, explicit);
    const primary = input.privateIpAddress ?? (generated.shift() as string);
    return {
      networkInterfaceId: input.networkInterfaceId ?? this.env.ids.next('eni'),
      subnetId: subnet.subnetId,
      vpcId: subnet.vpcId,
      availabilityZone: subnet.availabilityZone,
      description: input.description ?? '',
      interfaceType: input.interfaceType ?? 'interface',
      status: 'available',
      groups,
      privateIpAddress: primary,
      secondaryPrivateIpAddresses: [...(input.secondaryPrivateIpAddresses ?? []), ...generated],
      tags: (input.tags ?? []).map((t) => ({ ...t })),
      requesterManaged: false,
      macAddress: this.nextMac(),
      sourceDestCheck: true,
      ownerId: this.accountId,
    };
  }

  private resolveGroups(vpcId: string, ids: string[] | undefined): GroupIdentifier[] {
    if (!ids || ids.length === 0) {
      const def = [...this.groupById.values()].find((g) => g.vpcId === vpcId && g.groupName === 'default');
      return def ? [{ groupId: def.groupId, groupName: def.groupName }] : [];
    }
    return ids.map((id) => {
      const g = this.groupById.get(id);
      if (!g || g.vpcId !== vpcId) {
        throw new Ec2Error(
          'InvalidGroup.NotFound',
          `The security group '${id}' does not exist in VPC '${vpcId}'`,
        );
      }
      return { groupId: g.groupId, groupName: g.groupName };
    });
  }

  private resolveTargetEni(networkInterfaceId?: string, instanceId?: string): NetworkInterface {
    if (networkInterfaceId && instanceId) {
      throw new Ec2Error(
        'InvalidParameterCombination',
        'You may specify either an instance ID or a network interface ID, but not both.',
      );
    }
    if (networkInterfaceId) return this.requireEni(networkInterfaceId);
    if (instanceId) {
      this.requireInstance(instanceId);
      const enis = this.enisOf(instanceId);
      if (enis.length > 1) {
        throw new Ec2Error(
          'InvalidInstanceID',
          `There are multiple interfaces attached to instance '${instanceId}'. Please specify an interface ID for the operation instead.`,
        );
      }
      const primary = enis[0];
      if (!primary)
        throw new Ec2Error('InvalidInstanceID', `The instance '${instanceId}' has no network interface.`);
      return primary;
    }
    throw new Ec2Error(
      'MissingParameter',
      'Either an instance ID or a network interface ID must be specified.',
    );
  }

  private findAddressForAssociate(allocationId?: string, publicIp?: string): Address {
    if (allocationId) return this.requireAddress(allocationId);
    if (publicIp) {
      const a = [...this.addressById.values()].find((x) => x.publicIp === publicIp);
      if (!a) throw notFound.address(publicIp);
      return a;
    }
    throw new Ec2Error('MissingParameter', 'The request must contain the parameter AllocationId');
  }

  /** Every IP in use in the subnet: ENI addresses and untracked ones. */
  private usedIps(subnet: Subnet): Set<string> {
    const used = new Set(subnet.otherUsedIps);
    for (const e of this.eniById.values()) {
      if (e.subnetId !== subnet.subnetId) continue;
      used.add(e.privateIpAddress);
      for (const ip of e.secondaryPrivateIpAddresses) used.add(ip);
    }
    return used;
  }

  /** The ENI holding `ip` in this subnet, `'other'` for untracked use, undefined when free. */
  private holderOf(subnet: Subnet, ip: string): NetworkInterface | 'other' | undefined {
    if (subnet.otherUsedIps.includes(ip)) return 'other';
    for (const e of this.eniById.values()) {
      if (e.subnetId === subnet.subnetId && eniHasIp(e, ip)) return e;
    }
    return undefined;
  }

  private checkAssignable(subnet: Subnet, ip: string): void {
    if (!isIpv4(ip)) throw invalidParameterValue(`Invalid value '${ip}' for IP address`);
    const cidr = parseCidr(subnet.cidrBlock);
    const { first, last } = usableRange(cidr);
    const n = ipToInt(ip);
    if (!cidrContains(cidr, ip)) {
      throw invalidParameterValue(`Address ${ip} does not fall within the subnet's address range`);
    }
    if (n < first || n > last)
      throw invalidParameterValue(`Address ${ip} is reserved by AWS in subnet ${subnet.subnetId}`);
  }

  private pickFreeIps(subnet: Subnet, count: number, alsoTaken: string[] = []): string[] {
    if (count <= 0) return [];
    const used = this.usedIps(subnet);
    for (const ip of alsoTaken) used.add(ip);
    const { first, last } = usableRange(parseCidr(subnet.cidrBlock));
    const picked: string[] = [];
    for (let n = first; n <= last && picked.length < count; n++) {
      const ip = intToIp(n);
      if (!used.has(ip)) picked.push(ip);
    }
    if (picked.length < count) {
      throw new Ec2Error(
        'InsufficientFreeAddressesInSubnet',
        `Insufficient free IP addresses in subnet '${subnet.subnetId}' to satisfy the request: ${count} needed, ${picked.length} available.`,
      );
    }
    return picked;
  }

  private checkIpLimit(eni: NetworkInterface, total: number): void {
    const instanceId = eni.attachment?.instanceId;
    const type = instanceId
      ? this.instanceTypeByName.get(this.instanceById.get(instanceId)?.instanceType ?? '')
      : undefined;
    if (type && total > type.ipv4AddressesPerInterface) {
      throw new Ec2Error(
        'PrivateIpAddressLimitExceeded',
        `Number of private addresses will exceed limit of ${type.ipv4AddressesPerInterface} for ${eni.networkInterfaceId}.`,
      );
    }
  }

  private tagsOf(resourceId: string): Tag[] {
    const prefix = resourceId.slice(0, resourceId.lastIndexOf('-') + 1);
    const lookup: Record<string, () => { tags: Tag[] } | undefined> = {
      'eipalloc-': () => this.addressById.get(resourceId),
      'eni-': () => this.eniById.get(resourceId),
      'subnet-': () => this.subnetById.get(resourceId),
      'i-': () => this.instanceById.get(resourceId),
      'vpc-': () => this.vpcById.get(resourceId),
      'sg-': () => this.groupById.get(resourceId),
      'rtb-': () => this.routeTableById.get(resourceId),
    };
    const notFoundFor: Record<string, (id: string) => Ec2Error> = {
      'eipalloc-': notFound.allocation,
      'eni-': notFound.networkInterface,
      'subnet-': notFound.subnet,
      'i-': notFound.instance,
      'vpc-': notFound.vpc,
      'sg-': notFound.securityGroup,
      'rtb-': notFound.routeTable,
    };
    const find = Object.hasOwn(lookup, prefix) ? lookup[prefix] : undefined;
    if (!find) throw new Ec2Error('InvalidID', `The ID '${resourceId}' is not valid`);
    const resource = find();
    if (!resource) throw (notFoundFor[prefix] as (id: string) => Ec2Error)(resourceId);
    return resource.tags;
  }

  private removeNetworkInterface(networkInterfaceId: string): void {
    this.dropAssociations(networkInterfaceId);
    this.eniById.delete(networkInterfaceId);
  }

  /** EC2 removes the association (not the allocation) when the ENI or its private IP goes away. */
  private dropAssociations(networkInterfaceId: string, privateIpAddress?: string): void {
    for (const a of this.addressById.values()) {
      if (a.association?.networkInterfaceId !== networkInterfaceId) continue;
      if (privateIpAddress === undefined || a.association.privateIpAddress === privateIpAddress)
        delete a.association;
    }
  }

  private nextPublicIp(): string {
    const used = new Set([...this.addressById.values()].map((a) => a.publicIp));
    for (;;) {
      this.publicIpCounter += 1;
      // 3.248.0.0/13 is an AWS range (eu-west-1); skip .0 and .255 so every address looks like a host.
      const n = ipToInt('3.248.0.0') + this.publicIpCounter;
      const last = n & 255;
      if (last === 0 || last === 255) continue;
      const ip = intToIp(n);
      if (!used.has(ip)) return ip;
    }
  }

  private nextMac(): string {
    this.macCounter += 1;
    const hex = this.macCounter.toString(16).padStart(10, '0');
    return ['0e', ...(hex.match(/../g) ?? [])].join(':');
  }
}

function eniHasIp(eni: NetworkInterface, ip: string): boolean {
  return eni.privateIpAddress === ip || eni.secondaryPrivateIpAddresses.includes(ip);
}

function serviceManagedError(address: Address): Ec2Error {
  // The real code for touching a service-managed address is unverified; InvalidParameterValue is the safe guess.
  return invalidParameterValue(
    `The address with allocation id [${address.allocationId}] is managed by the service '${address.serviceManaged}' and cannot be modified.`,
  );
}
