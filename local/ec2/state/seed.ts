/**
 * Building a world from a scenario: typed records with EC2's defaults (`addVpc`, `addSubnet`, ...), and the changes
 * scenarios make directly (terminating an instance, detaching an ENI). Invalid seeds throw, as a scenario bug should.
 */
import { cidrContains, intToIp, ipToInt, parseCidr, usableRange } from '../cidr';
import { notFound } from '../errors';
import type { InstanceTypeInfo } from '../instance-types';
import { addressOn, eniHasIp, requireEni, requireInstance, requireSubnet, requireVpc } from './lookups';
import type {
  Address,
  Ec2World,
  Instance,
  InstanceStateName,
  NetworkInterface,
  Route,
  RouteTable,
  SecurityGroup,
  Subnet,
  TagInput,
  Vpc,
} from './model';
import { buildNetworkInterface, removeNetworkInterface } from './network-interfaces';
import { toTags } from './tags';

export interface VpcSeed {
  vpcId?: string;
  cidrBlock: string;
  internetGateway?: boolean | string;
  tags?: TagInput;
}

export interface SubnetSeed {
  subnetId?: string;
  vpcId: string;
  availabilityZone: string;
  cidrBlock: string;
  mapPublicIpOnLaunch?: boolean;
  /** Addresses taken by untracked resources: a count (taken from the top of the range) or explicit IPs. */
  otherUsedIps?: number | string[];
  tags?: TagInput;
}

export interface RouteTableSeed {
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
}

export interface SecurityGroupSeed {
  groupId?: string;
  groupName: string;
  vpcId: string;
  description?: string;
  tags?: TagInput;
}

export interface InstanceSeed {
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
}

export interface NetworkInterfaceSeed {
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
}

export interface AddressSeed {
  allocationId?: string;
  publicIp?: string;
  publicIpv4Pool?: string;
  networkBorderGroup?: string;
  serviceManaged?: string;
  locked?: boolean;
  ptrSet?: boolean;
  tags?: TagInput;
  association?: { networkInterfaceId: string; privateIpAddress?: string; associationId?: string };
}

/** A VPC with its default security group, its main route table (local route only) and, unless
 * `internetGateway: false`, an attached internet gateway. */
export function addVpc(w: Ec2World, input: VpcSeed): Vpc {
  parseCidr(input.cidrBlock);
  const vpcId = input.vpcId ?? w.env.ids.next('vpc');
  const igw = input.internetGateway ?? true;
  const vpc: Vpc = {
    vpcId,
    cidrBlock: input.cidrBlock,
    internetGatewayId: igw === false ? null : typeof igw === 'string' ? igw : w.env.ids.next('igw'),
    tags: toTags(input.tags),
  };
  w.vpcById.set(vpcId, vpc);
  addSecurityGroup(w, { vpcId, groupName: 'default', description: 'default VPC security group' });
  addRouteTable(w, { vpcId, main: true });
  return vpc;
}

export function addSubnet(w: Ec2World, input: SubnetSeed): Subnet {
  const vpc = requireVpc(w, input.vpcId);
  const cidr = parseCidr(input.cidrBlock);
  if (!cidrContains(parseCidr(vpc.cidrBlock), intToIp(cidr.base))) {
    throw new Error(`subnet ${input.cidrBlock} is outside VPC ${vpc.vpcId} (${vpc.cidrBlock})`);
  }
  const subnetId = input.subnetId ?? w.env.ids.next('subnet');
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
  w.subnetById.set(subnetId, subnet);
  return subnet;
}

/** A route table with the VPC's local route plus `routes`; `main: true` makes it the VPC's main table. */
export function addRouteTable(w: Ec2World, input: RouteTableSeed): RouteTable {
  const vpc = requireVpc(w, input.vpcId);
  const routeTableId = input.routeTableId ?? w.env.ids.next('rtb');
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
    for (const other of w.routeTableById.values()) {
      if (other.vpcId === vpc.vpcId) other.associations = other.associations.filter((a) => !a.main);
    }
    table.associations.push({
      routeTableAssociationId: w.env.ids.next('rtbassoc'),
      routeTableId,
      main: true,
    });
  }
  w.routeTableById.set(routeTableId, table);
  for (const subnetId of input.subnetIds ?? []) associateRouteTable(w, routeTableId, subnetId);
  return table;
}

/** Explicitly associates a subnet with a route table (replacing its previous explicit association). */
export function associateRouteTable(w: Ec2World, routeTableId: string, subnetId: string): void {
  const table = w.routeTableById.get(routeTableId);
  if (!table) throw notFound.routeTable(routeTableId);
  requireSubnet(w, subnetId);
  for (const other of w.routeTableById.values()) {
    other.associations = other.associations.filter((a) => a.subnetId !== subnetId);
  }
  table.associations.push({
    routeTableAssociationId: w.env.ids.next('rtbassoc'),
    routeTableId,
    subnetId,
    main: false,
  });
}

export function addSecurityGroup(w: Ec2World, input: SecurityGroupSeed): SecurityGroup {
  requireVpc(w, input.vpcId);
  const groupId = input.groupId ?? w.env.ids.next('sg');
  const group: SecurityGroup = {
    groupId,
    groupName: input.groupName,
    vpcId: input.vpcId,
    description: input.description ?? input.groupName,
    tags: toTags(input.tags),
  };
  w.groupById.set(groupId, group);
  return group;
}

export function addInstanceType(w: Ec2World, info: InstanceTypeInfo): void {
  w.instanceTypeByName.set(info.instanceType, {
    ...info,
    networkCards: info.networkCards.map((c) => ({ ...c })),
  });
}

/** An instance with its primary ENI (device index 0, deleted on termination). */
export function addInstance(w: Ec2World, input: InstanceSeed): Instance {
  const subnet = requireSubnet(w, input.subnetId);
  const instanceId = input.instanceId ?? w.env.ids.next('i');
  const launchTime = new Date(input.launchTime ?? w.env.clock.now()).toISOString();
  const instance: Instance = {
    instanceId,
    instanceType: input.instanceType,
    reservationId: w.env.ids.next('r'),
    subnetId: subnet.subnetId,
    vpcId: subnet.vpcId,
    availabilityZone: subnet.availabilityZone,
    launchTime,
    state: input.state ?? 'running',
    tags: toTags(input.tags),
  };
  w.instanceById.set(instanceId, instance);
  addNetworkInterface(w, {
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

export function addNetworkInterface(w: Ec2World, input: NetworkInterfaceSeed): NetworkInterface {
  const secondary = input.secondaryPrivateIpAddresses;
  const eni = buildNetworkInterface(w, {
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
    if (!w.instanceById.has(a.instanceId)) throw notFound.instance(a.instanceId);
    eni.attachment = {
      attachmentId: w.env.ids.next('eni-attach'),
      instanceId: a.instanceId,
      deviceIndex: a.deviceIndex,
      networkCardIndex: a.networkCardIndex ?? 0,
      status: 'attached',
      attachTime: new Date(a.attachTime ?? w.env.clock.now()).toISOString(),
      deleteOnTermination: a.deleteOnTermination ?? a.deviceIndex === 0,
    };
  }
  eni.status = input.status ?? (eni.attachment ? 'in-use' : 'available');
  eni.requesterManaged = input.requesterManaged ?? false;
  if (input.requesterId) eni.requesterId = input.requesterId;
  if (input.macAddress) eni.macAddress = input.macAddress;
  if (input.sourceDestCheck !== undefined) eni.sourceDestCheck = input.sourceDestCheck;
  w.eniById.set(eni.networkInterfaceId, eni);
  return eni;
}

function nextPublicIp(w: Ec2World): string {
  const used = new Set([...w.addressById.values()].map((a) => a.publicIp));
  for (;;) {
    w.counters.publicIp += 1;
    // 3.248.0.0/13 is an AWS range (eu-west-1); skip .0 and .255 so every address looks like a host.
    const n = ipToInt('3.248.0.0') + w.counters.publicIp;
    const last = n & 255;
    if (last === 0 || last === 255) continue;
    const ip = intToIp(n);
    if (!used.has(ip)) return ip;
  }
}

/** An allocated EIP, optionally already associated with an ENI's private IP (its primary by default). */
export function addAddress(w: Ec2World, input: AddressSeed = {}): Address {
  const address: Address = {
    allocationId: input.allocationId ?? w.env.ids.next('eipalloc'),
    publicIp: input.publicIp ?? nextPublicIp(w),
    domain: 'vpc',
    publicIpv4Pool: input.publicIpv4Pool ?? 'amazon',
    networkBorderGroup: input.networkBorderGroup ?? w.region,
    tags: toTags(input.tags),
  };
  if (input.serviceManaged) address.serviceManaged = input.serviceManaged;
  if (input.locked) address.locked = true;
  if (input.ptrSet) address.ptrSet = true;
  if (input.association) {
    const eni = requireEni(w, input.association.networkInterfaceId);
    const ip = input.association.privateIpAddress ?? eni.privateIpAddress;
    if (!eniHasIp(eni, ip)) throw new Error(`${ip} is not a private IP of ${eni.networkInterfaceId}`);
    if (addressOn(w, eni.networkInterfaceId, ip))
      throw new Error(`${eni.networkInterfaceId}/${ip} has an EIP`);
    address.association = {
      associationId: input.association.associationId ?? w.env.ids.next('eipassoc'),
      networkInterfaceId: eni.networkInterfaceId,
      privateIpAddress: ip,
    };
  }
  w.addressById.set(address.allocationId, address);
  return address;
}

/** Terminates an instance: ENIs marked delete-on-termination go (with their EIP associations), others detach. */
export function terminateInstance(w: Ec2World, instanceId: string): void {
  const instance = requireInstance(w, instanceId);
  instance.state = 'terminated';
  for (const eni of [...w.eniById.values()]) {
    if (eni.attachment?.instanceId !== instanceId) continue;
    if (eni.attachment.deleteOnTermination) removeNetworkInterface(w, eni.networkInterfaceId);
    else detachNetworkInterface(w, eni.networkInterfaceId);
  }
}

/** Detaches an ENI from its instance (it keeps its IPs and EIP associations). */
export function detachNetworkInterface(w: Ec2World, networkInterfaceId: string): void {
  const eni = requireEni(w, networkInterfaceId);
  delete eni.attachment;
  eni.status = 'available';
}
