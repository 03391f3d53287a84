/**
 * The simulated EC2 world of one region: plain records (VPCs, subnets, route tables, security groups, instances,
 * network interfaces, Elastic IPs) in maps. The operations over it live beside this file, one module per resource;
 * `Ec2State` (ec2-state.ts) gathers them behind one object.
 */
import type { ServiceEnv } from '../../core/types';
import type { InstanceTypeInfo } from '../instance-types';

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

/**
 * A branch ENI tied to a trunk ENI (AssociateTrunkInterface): how the VPC resource controller gives a pod its own
 * ENI behind its node's trunk. Only a principal allowed `ec2:AssociateTrunkInterface` can make one.
 */
export interface TrunkAssociation {
  associationId: string;
  branchInterfaceId: string;
  trunkInterfaceId: string;
  interfaceProtocol: 'VLAN' | 'GRE';
  vlanId?: number;
  greKey?: number;
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
  /**
   * An unpaginated, unfiltered DescribeNetworkInterfaces fails once the account has more ENIs than this (default
   * DEFAULT_UNPAGINATED_ENI_LIMIT).
   */
  unpaginatedEniLimit?: number;
}

/**
 * AWS publishes no number: the call "fails in accounts with many network interfaces". 20,000 is above the default
 * quota of 5,000 network interfaces per region, so an account on default quotas never sees it, and above the ~19,000
 * ENIs of an account where a public report (cilium/cilium#37983) shows an unpaginated call still answering.
 * Scenarios that prove a caller paginates set it low (`state.unpaginatedEniLimit`).
 */
export const DEFAULT_UNPAGINATED_ENI_LIMIT = 20_000;

/** What every operation reads and changes: the region's records, by id. */
export interface Ec2World {
  readonly env: ServiceEnv;
  readonly region: string;
  readonly accountId: string;
  readonly vpcById: Map<string, Vpc>;
  readonly subnetById: Map<string, Subnet>;
  readonly routeTableById: Map<string, RouteTable>;
  readonly groupById: Map<string, SecurityGroup>;
  readonly instanceById: Map<string, Instance>;
  readonly eniById: Map<string, NetworkInterface>;
  readonly addressById: Map<string, Address>;
  readonly trunkAssociationById: Map<string, TrunkAssociation>;
  readonly instanceTypeByName: Map<string, InstanceTypeInfo>;
  /** AllocateAddress fails with `AddressLimitExceeded` beyond this many addresses. */
  addressLimit: number;
  /** An unpaginated, unfiltered DescribeNetworkInterfaces fails once the account has more ENIs than this. */
  unpaginatedEniLimit: number;
  /** How many public IPs and MAC addresses were handed out: the next ones follow, so runs are reproducible. */
  readonly counters: { publicIp: number; mac: number };
}
