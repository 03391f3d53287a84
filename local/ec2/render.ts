/**
 * State records as EC2 XML elements (names from the EC2 API's wire shapes: `tagSet`, `privateIpAddressesSet`,
 * `instanceState`, ...). The SDK turns them into `Address`, `NetworkInterface`, ... objects.
 */
import type { InstanceTypeInfo } from './instance-types';
import {
  type Address,
  type Ec2State,
  INSTANCE_STATE_CODES,
  type Instance,
  type NetworkInterface,
  type RouteTable,
  type Subnet,
  type Tag,
} from './state';
import type { XmlElement } from './xml';

export function tagSet(tags: readonly Tag[]): XmlElement[] {
  return tags.map((t) => ({ key: t.key, value: t.value }));
}

export function addressXml(state: Ec2State, a: Address): XmlElement {
  const eni = a.association ? state.eniById.get(a.association.networkInterfaceId) : undefined;
  return {
    publicIp: a.publicIp,
    allocationId: a.allocationId,
    domain: a.domain,
    instanceId: state.instanceOf(a),
    associationId: a.association?.associationId,
    networkInterfaceId: a.association?.networkInterfaceId,
    networkInterfaceOwnerId: eni?.ownerId,
    privateIpAddress: a.association?.privateIpAddress,
    subnetId: eni?.subnetId,
    tagSet: tagSet(a.tags),
    publicIpv4Pool: a.publicIpv4Pool,
    networkBorderGroup: a.networkBorderGroup,
    serviceManaged: a.serviceManaged,
  };
}

function eipAssociationXml(state: Ec2State, a: Address | undefined): XmlElement | undefined {
  if (!a?.association) return undefined;
  return {
    publicIp: a.publicIp,
    publicDnsName: state.publicDnsName(a.publicIp),
    ipOwnerId: state.accountId,
    allocationId: a.allocationId,
    associationId: a.association.associationId,
  };
}

export function networkInterfaceXml(state: Ec2State, e: NetworkInterface): XmlElement {
  const ips = [e.privateIpAddress, ...e.secondaryPrivateIpAddresses];
  const eipOn = (ip: string) => state.addressOn(e.networkInterfaceId, ip);
  const instance = e.attachment ? state.instanceById.get(e.attachment.instanceId) : undefined;
  return {
    networkInterfaceId: e.networkInterfaceId,
    subnetId: e.subnetId,
    vpcId: e.vpcId,
    availabilityZone: e.availabilityZone,
    description: e.description,
    ownerId: e.ownerId,
    requesterId: e.requesterId,
    requesterManaged: e.requesterManaged,
    status: e.status,
    macAddress: e.macAddress,
    privateIpAddress: e.privateIpAddress,
    privateDnsName: state.privateDnsName(e.privateIpAddress),
    sourceDestCheck: e.sourceDestCheck,
    groupSet: e.groups.map((g) => ({ groupId: g.groupId, groupName: g.groupName })),
    attachment: e.attachment && {
      attachmentId: e.attachment.attachmentId,
      instanceId: e.attachment.instanceId,
      instanceOwnerId: instance ? state.accountId : undefined,
      deviceIndex: e.attachment.deviceIndex,
      networkCardIndex: e.attachment.networkCardIndex,
      status: e.attachment.status,
      attachTime: e.attachment.attachTime,
      deleteOnTermination: e.attachment.deleteOnTermination,
    },
    association: eipAssociationXml(state, eipOn(e.privateIpAddress)),
    tagSet: tagSet(e.tags),
    privateIpAddressesSet: ips.map((ip) => ({
      privateIpAddress: ip,
      privateDnsName: state.privateDnsName(ip),
      primary: ip === e.privateIpAddress,
      association: eipAssociationXml(state, eipOn(ip)),
    })),
    ipv6AddressesSet: [],
    interfaceType: e.interfaceType,
  };
}

export function subnetXml(state: Ec2State, s: Subnet): XmlElement {
  return {
    subnetId: s.subnetId,
    subnetArn: `arn:aws:ec2:${state.region}:${state.accountId}:subnet/${s.subnetId}`,
    state: 'available',
    ownerId: state.accountId,
    vpcId: s.vpcId,
    cidrBlock: s.cidrBlock,
    ipv6CidrBlockAssociationSet: [],
    availableIpAddressCount: state.availableIpAddressCount(s),
    availabilityZone: s.availabilityZone,
    defaultForAz: s.defaultForAz,
    mapPublicIpOnLaunch: s.mapPublicIpOnLaunch,
    assignIpv6AddressOnCreation: false,
    tagSet: tagSet(s.tags),
  };
}

export function routeTableXml(state: Ec2State, t: RouteTable): XmlElement {
  return {
    routeTableId: t.routeTableId,
    vpcId: t.vpcId,
    ownerId: state.accountId,
    routeSet: t.routes.map((r) => ({
      destinationCidrBlock: r.destinationCidrBlock,
      gatewayId: r.gatewayId,
      natGatewayId: r.natGatewayId,
      state: r.state,
      origin: r.origin,
    })),
    associationSet: t.associations.map((a) => ({
      routeTableAssociationId: a.routeTableAssociationId,
      routeTableId: a.routeTableId,
      subnetId: a.subnetId,
      main: a.main,
      associationState: { state: 'associated' },
    })),
    propagatingVgwSet: [],
    tagSet: tagSet(t.tags),
  };
}

export function instanceTypeXml(t: InstanceTypeInfo): XmlElement {
  return {
    instanceType: t.instanceType,
    currentGeneration: t.currentGeneration,
    bareMetal: t.bareMetal,
    hypervisor: t.hypervisor,
    processorInfo: { supportedArchitectures: [t.architecture] },
    vCpuInfo: { defaultVCpus: t.defaultVCpus },
    networkInfo: {
      maximumNetworkInterfaces: t.maximumNetworkInterfaces,
      maximumNetworkCards: t.networkCards.length,
      defaultNetworkCardIndex: t.defaultNetworkCardIndex,
      networkCards: t.networkCards.map((c) => ({
        networkCardIndex: c.networkCardIndex,
        maximumNetworkInterfaces: c.maximumNetworkInterfaces,
      })),
      ipv4AddressesPerInterface: t.ipv4AddressesPerInterface,
      ipv6AddressesPerInterface: t.ipv4AddressesPerInterface,
      ipv6Supported: true,
    },
  };
}

export function instanceXml(state: Ec2State, i: Instance): XmlElement {
  const enis = state.enisOf(i.instanceId);
  const primary = enis.find((e) => e.attachment?.deviceIndex === 0) ?? enis[0];
  const publicEip = primary
    ? state.addressOn(primary.networkInterfaceId, primary.privateIpAddress)
    : undefined;
  const type = state.instanceTypeByName.get(i.instanceType);
  return {
    instanceId: i.instanceId,
    instanceState: { code: INSTANCE_STATE_CODES[i.state], name: i.state },
    privateDnsName: primary ? state.privateDnsName(primary.privateIpAddress) : undefined,
    dnsName: publicEip ? state.publicDnsName(publicEip.publicIp) : '',
    instanceType: i.instanceType,
    launchTime: i.launchTime,
    placement: { availabilityZone: i.availabilityZone, tenancy: 'default' },
    subnetId: i.subnetId,
    vpcId: i.vpcId,
    privateIpAddress: primary?.privateIpAddress,
    ipAddress: publicEip?.publicIp,
    groupSet: (primary?.groups ?? []).map((g) => ({ groupId: g.groupId, groupName: g.groupName })),
    architecture: type?.architecture,
    hypervisor: type?.hypervisor === 'nitro' ? 'xen' : type?.hypervisor,
    tagSet: tagSet(i.tags),
    networkInterfaceSet: enis.map((e) => {
      const full = networkInterfaceXml(state, e);
      return {
        networkInterfaceId: e.networkInterfaceId,
        subnetId: e.subnetId,
        vpcId: e.vpcId,
        description: e.description,
        ownerId: e.ownerId,
        status: e.status,
        macAddress: e.macAddress,
        privateIpAddress: e.privateIpAddress,
        privateDnsName: state.privateDnsName(e.privateIpAddress),
        sourceDestCheck: e.sourceDestCheck,
        groupSet: full.groupSet,
        attachment: full.attachment,
        association: full.association,
        privateIpAddressesSet: full.privateIpAddressesSet,
        interfaceType: e.interfaceType,
      };
    }),
  };
}
