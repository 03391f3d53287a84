/**
 * Elastic IPs with EC2's rules: which address may be allocated, moved or released, and what an association may
 * replace (AllocateAddress, AssociateAddress, DisassociateAddress and ReleaseAddress in the EC2 API Reference).
 */
import { Ec2Error, invalidParameterValue, notFound } from '../errors';
import { addressOn, commit, eniHasIp, enisOf, requireAddress, requireEni, requireInstance } from './lookups';
import type { Address, AddressAssociation, Ec2World, NetworkInterface, OperationOptions, Tag } from './model';
import { addAddress } from './seed';
import { validateTags } from './tags';

export interface AssociateAddressInput {
  allocationId?: string;
  publicIp?: string;
  networkInterfaceId?: string;
  instanceId?: string;
  privateIpAddress?: string;
  allowReassociation?: boolean;
}

function serviceManagedError(address: Address): Ec2Error {
  // The real code for touching a service-managed address is unverified; InvalidParameterValue is the safe guess.
  return invalidParameterValue(
    `The address with allocation id [${address.allocationId}] is managed by the service '${address.serviceManaged}' and cannot be modified.`,
  );
}

function findAddressForAssociate(w: Ec2World, allocationId?: string, publicIp?: string): Address {
  if (allocationId) return requireAddress(w, allocationId);
  if (publicIp) {
    const a = [...w.addressById.values()].find((x) => x.publicIp === publicIp);
    if (!a) throw notFound.address(publicIp);
    return a;
  }
  throw new Ec2Error('MissingParameter', 'The request must contain the parameter AllocationId');
}

function resolveTargetEni(w: Ec2World, networkInterfaceId?: string, instanceId?: string): NetworkInterface {
  if (networkInterfaceId && instanceId) {
    throw new Ec2Error(
      'InvalidParameterCombination',
      'You may specify either an instance ID or a network interface ID, but not both.',
    );
  }
  if (networkInterfaceId) return requireEni(w, networkInterfaceId);
  if (instanceId) {
    requireInstance(w, instanceId);
    const enis = enisOf(w, instanceId);
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

export function allocateAddress(w: Ec2World, input: { tags?: Tag[] } = {}, opts?: OperationOptions): Address {
  if (w.addressById.size >= w.addressLimit) {
    throw new Ec2Error('AddressLimitExceeded', 'The maximum number of addresses has been reached.');
  }
  validateTags(input.tags ?? []);
  commit(opts);
  return addAddress(w, { tags: input.tags });
}

/**
 * Associates an EIP with an ENI's private IP (or an instance's primary ENI). Reassociation is automatic: an EIP
 * associated elsewhere moves, unless `allowReassociation` is false, which fails with `Resource.AlreadyAssociated`.
 * That flag protects the EIP only: an EIP already on the target private IP is disassociated silently (it stays
 * allocated, and no DisassociateAddress is recorded), as the AssociateAddress API reference describes for instances.
 * The same EIP on the same target again is a no-op that returns the existing association id.
 */
export function associateAddress(
  w: Ec2World,
  input: AssociateAddressInput,
  opts?: OperationOptions,
): AddressAssociation {
  const address = findAddressForAssociate(w, input.allocationId, input.publicIp);
  const eni = resolveTargetEni(w, input.networkInterfaceId, input.instanceId);
  const ip = input.privateIpAddress ?? eni.privateIpAddress;
  if (!eniHasIp(eni, ip)) {
    throw invalidParameterValue(
      `The specified private IP address ${ip} is not assigned to network interface ${eni.networkInterfaceId}`,
    );
  }
  if (address.serviceManaged) throw serviceManagedError(address);
  const vpc = w.vpcById.get(eni.vpcId);
  if (vpc && vpc.internetGatewayId === null) {
    throw new Ec2Error('Gateway.NotAttached', `Network ${vpc.vpcId} is not attached to any internet gateway`);
  }
  const current = address.association;
  if (current && current.networkInterfaceId === eni.networkInterfaceId && current.privateIpAddress === ip) {
    commit(opts);
    return { ...current };
  }
  if (current && input.allowReassociation === false) {
    throw new Ec2Error(
      'Resource.AlreadyAssociated',
      `resource ${address.allocationId} is already associated with associate-id ${current.associationId}`,
    );
  }
  const occupant = addressOn(w, eni.networkInterfaceId, ip);
  commit(opts);
  // Displaced silently, whatever allowReassociation says.
  if (occupant) delete occupant.association;
  address.association = {
    associationId: w.env.ids.next('eipassoc'),
    networkInterfaceId: eni.networkInterfaceId,
    privateIpAddress: ip,
  };
  return { ...address.association };
}

export function disassociateAddress(
  w: Ec2World,
  input: { associationId?: string; publicIp?: string },
  opts?: OperationOptions,
): Address {
  let address: Address | undefined;
  if (input.associationId) {
    address = [...w.addressById.values()].find((a) => a.association?.associationId === input.associationId);
    if (!address) throw notFound.association(input.associationId);
  } else if (input.publicIp) {
    address = [...w.addressById.values()].find((a) => a.publicIp === input.publicIp);
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

export function releaseAddress(
  w: Ec2World,
  input: { allocationId?: string; publicIp?: string },
  opts?: OperationOptions,
): Address {
  if (!input.allocationId) {
    if (input.publicIp) {
      throw invalidParameterValue(
        'You must specify an allocation id when releasing a VPC elastic IP address',
      );
    }
    throw new Ec2Error('MissingParameter', 'The request must contain the parameter AllocationId');
  }
  const address = requireAddress(w, input.allocationId);
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
  w.addressById.delete(address.allocationId);
  return address;
}
