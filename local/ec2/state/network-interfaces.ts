/**
 * Network interfaces with EC2's rules: creating one (IPs picked or checked in its subnet, security groups of its
 * VPC), deleting one (its EIP associations go, the allocations stay), assigning and unassigning secondary IPs.
 */
import { Ec2Error, invalidParameterValue } from '../errors';
import { checkAssignable, checkIpLimit, holderOf, pickFreeIps } from './ips';
import { addressOn, commit, eniHasIp, requireEni, requireInstance, requireSubnet } from './lookups';
import type { Ec2World, GroupIdentifier, NetworkInterface, OperationOptions, Tag } from './model';
import { validateTags } from './tags';
import { dropTrunkAssociations } from './trunks';

export interface CreateNetworkInterfaceInput {
  subnetId: string;
  description?: string;
  interfaceType?: string;
  securityGroupIds?: string[];
  privateIpAddress?: string;
  secondaryPrivateIpAddresses?: string[];
  secondaryPrivateIpAddressCount?: number;
  tags?: Tag[];
  /** An AWS service creates it: requester-managed, with the service's requester id and interface type. */
  requester?: { requesterId: string; interfaceType: string };
}

function nextMac(w: Ec2World): string {
  w.counters.mac += 1;
  const hex = w.counters.mac.toString(16).padStart(10, '0');
  return ['0e', ...(hex.match(/../g) ?? [])].join(':');
}

function resolveGroups(w: Ec2World, vpcId: string, ids: string[] | undefined): GroupIdentifier[] {
  if (!ids || ids.length === 0) {
    const def = [...w.groupById.values()].find((g) => g.vpcId === vpcId && g.groupName === 'default');
    return def ? [{ groupId: def.groupId, groupName: def.groupName }] : [];
  }
  return ids.map((id) => {
    const g = w.groupById.get(id);
    if (!g || g.vpcId !== vpcId) {
      throw new Ec2Error(
        'InvalidGroup.NotFound',
        `The security group '${id}' does not exist in VPC '${vpcId}'`,
      );
    }
    return { groupId: g.groupId, groupName: g.groupName };
  });
}

/** A validated, not yet stored ENI: its IPs checked or picked, its groups resolved. */
export function buildNetworkInterface(
  w: Ec2World,
  input: CreateNetworkInterfaceInput & { networkInterfaceId?: string },
): NetworkInterface {
  const subnet = requireSubnet(w, input.subnetId);
  if (input.networkInterfaceId && w.eniById.has(input.networkInterfaceId)) {
    throw new Error(`network interface ${input.networkInterfaceId} exists already`);
  }
  const groups = resolveGroups(w, subnet.vpcId, input.securityGroupIds);
  validateTags(input.tags ?? []);
  const explicit = [input.privateIpAddress, ...(input.secondaryPrivateIpAddresses ?? [])].filter(
    (ip): ip is string => ip !== undefined,
  );
  if (new Set(explicit).size !== explicit.length) {
    throw invalidParameterValue('The same private IP address is specified more than once.');
  }
  for (const ip of explicit) {
    if (holderOf(w, subnet, ip))
      throw new Ec2Error('InvalidIPAddress.InUse', `The specified address is already in use.`);
    checkAssignable(subnet, ip);
  }
  const needed = (input.privateIpAddress ? 0 : 1) + (input.secondaryPrivateIpAddressCount ?? 0);
  const generated = pickFreeIps(w, subnet, needed, explicit);
  const primary = input.privateIpAddress ?? (generated.shift() as string);
  return {
    networkInterfaceId: input.networkInterfaceId ?? w.env.ids.next('eni'),
    subnetId: subnet.subnetId,
    vpcId: subnet.vpcId,
    availabilityZone: subnet.availabilityZone,
    description: input.description ?? '',
    interfaceType: input.requester?.interfaceType ?? input.interfaceType ?? 'interface',
    // A service's ENI is attached to the service's own infrastructure at once.
    status: input.requester ? 'in-use' : 'available',
    groups,
    privateIpAddress: primary,
    secondaryPrivateIpAddresses: [...(input.secondaryPrivateIpAddresses ?? []), ...generated],
    tags: (input.tags ?? []).map((t) => ({ ...t })),
    requesterManaged: input.requester !== undefined,
    ...(input.requester ? { requesterId: input.requester.requesterId } : {}),
    macAddress: nextMac(w),
    sourceDestCheck: true,
    ownerId: w.accountId,
  };
}

/** EC2 removes the association (not the allocation) when the ENI or its private IP goes away. */
function dropAssociations(w: Ec2World, networkInterfaceId: string, privateIpAddress?: string): void {
  for (const a of w.addressById.values()) {
    if (a.association?.networkInterfaceId !== networkInterfaceId) continue;
    if (privateIpAddress === undefined || a.association.privateIpAddress === privateIpAddress)
      delete a.association;
  }
}

export function removeNetworkInterface(w: Ec2World, networkInterfaceId: string): void {
  dropAssociations(w, networkInterfaceId);
  dropTrunkAssociations(w, networkInterfaceId);
  w.eniById.delete(networkInterfaceId);
}

/**
 * Attaches an available ENI to an instance in the same availability zone at a free device index
 * (AttachNetworkInterface). A branch ENI (one with a trunk association) cannot be attached.
 */
export function attachNetworkInterface(
  w: Ec2World,
  input: { networkInterfaceId: string; instanceId: string; deviceIndex: number; networkCardIndex?: number },
  opts?: OperationOptions,
): string {
  const eni = requireEni(w, input.networkInterfaceId);
  const instance = requireInstance(w, input.instanceId);
  if (eni.attachment) {
    throw invalidParameterValue(`Interface: [${eni.networkInterfaceId}] in use.`);
  }
  if ([...w.trunkAssociationById.values()].some((a) => a.branchInterfaceId === eni.networkInterfaceId)) {
    throw invalidParameterValue(`Interface: [${eni.networkInterfaceId}] is a branch interface.`);
  }
  if (eni.availabilityZone !== instance.availabilityZone) {
    throw invalidParameterValue(
      `Interface: [${eni.networkInterfaceId}] is in ${eni.availabilityZone}, instance ${instance.instanceId} in ${instance.availabilityZone}.`,
    );
  }
  const taken = [...w.eniById.values()].some(
    (e) => e.attachment?.instanceId === instance.instanceId && e.attachment.deviceIndex === input.deviceIndex,
  );
  if (taken) {
    throw invalidParameterValue(
      `Instance '${instance.instanceId}' already has an interface attached at device index '${input.deviceIndex}'.`,
    );
  }
  commit(opts);
  const attachmentId = w.env.ids.next('eni-attach');
  eni.attachment = {
    attachmentId,
    instanceId: instance.instanceId,
    deviceIndex: input.deviceIndex,
    networkCardIndex: input.networkCardIndex ?? 0,
    status: 'attached',
    attachTime: w.env.clock.now().toISOString(),
    deleteOnTermination: false,
  };
  eni.status = 'in-use';
  return attachmentId;
}

export function createNetworkInterface(
  w: Ec2World,
  input: CreateNetworkInterfaceInput,
  opts?: OperationOptions,
): NetworkInterface {
  const eni = buildNetworkInterface(w, input);
  commit(opts);
  w.eniById.set(eni.networkInterfaceId, eni);
  return eni;
}

export function deleteNetworkInterface(
  w: Ec2World,
  networkInterfaceId: string,
  opts?: OperationOptions,
): void {
  const eni = requireEni(w, networkInterfaceId);
  if (eni.attachment) {
    throw invalidParameterValue(`Network interface '${networkInterfaceId}' is currently in use.`);
  }
  commit(opts);
  removeNetworkInterface(w, networkInterfaceId);
}

export interface AssignPrivateIpAddressesInput {
  privateIpAddresses?: string[];
  secondaryPrivateIpAddressCount?: number;
  allowReassignment?: boolean;
}

/** Adds secondary private IPs (explicit and/or a count); with `allowReassignment` an IP moves from another ENI
 * in the subnet, and its EIP association moves with it. Returns the IPs assigned. */
export function assignPrivateIpAddresses(
  w: Ec2World,
  networkInterfaceId: string,
  input: AssignPrivateIpAddressesInput,
  opts?: OperationOptions,
): string[] {
  const eni = requireEni(w, networkInterfaceId);
  const subnet = requireSubnet(w, eni.subnetId);
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
    const holder = holderOf(w, subnet, ip);
    if (holder === 'other') throw new Ec2Error('InvalidIPAddress.InUse', `Address ${ip} is in use.`);
    if (holder) {
      if (!input.allowReassignment || holder.privateIpAddress === ip) {
        throw new Ec2Error('InvalidIPAddress.InUse', `Address ${ip} is in use.`);
      }
      moves.push({ ip, from: holder });
    } else checkAssignable(subnet, ip);
  }
  const fresh = explicit.filter((ip) => !eniHasIp(eni, ip));
  const generated = pickFreeIps(w, subnet, count, fresh);
  const assigned = [...fresh, ...generated];
  checkIpLimit(w, eni, eni.secondaryPrivateIpAddresses.length + 1 + assigned.length);
  commit(opts);
  for (const { ip, from } of moves) {
    from.secondaryPrivateIpAddresses = from.secondaryPrivateIpAddresses.filter((x) => x !== ip);
    const eip = addressOn(w, from.networkInterfaceId, ip);
    if (eip?.association) eip.association.networkInterfaceId = eni.networkInterfaceId;
  }
  eni.secondaryPrivateIpAddresses.push(...assigned);
  return assigned;
}

/** Removes secondary private IPs; an EIP associated with one of them becomes unassociated (stays allocated). */
export function unassignPrivateIpAddresses(
  w: Ec2World,
  networkInterfaceId: string,
  ips: string[],
  opts?: OperationOptions,
): void {
  const eni = requireEni(w, networkInterfaceId);
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
  for (const ip of ips) dropAssociations(w, networkInterfaceId, ip);
  eni.secondaryPrivateIpAddresses = eni.secondaryPrivateIpAddresses.filter((x) => !ips.includes(x));
}
