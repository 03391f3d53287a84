/** Elastic IPs: DescribeAddresses, AllocateAddress, AssociateAddress, DisassociateAddress, ReleaseAddress. */
import { invalidParameterValue, notFound } from '../errors';
import { applyFilters, type FilterFields } from '../filters';
import { bool, filters, str, strList } from '../query';
import { addressXml } from '../render';
import type { Address } from '../state';
import { type ActionDef, ctBool, tagSpecificationSet, tagsFor } from './common';

const ADDRESS_FILTERS: FilterFields<{ a: Address; instanceId?: string; ownerId?: string }> = {
  'allocation-id': (x) => x.a.allocationId,
  'association-id': (x) => x.a.association?.associationId,
  domain: (x) => x.a.domain,
  'instance-id': (x) => x.instanceId,
  'network-border-group': (x) => x.a.networkBorderGroup,
  'network-interface-id': (x) => x.a.association?.networkInterfaceId,
  'network-interface-owner-id': (x) => x.ownerId,
  'private-ip-address': (x) => x.a.association?.privateIpAddress,
  'public-ip': (x) => x.a.publicIp,
};

export const DescribeAddresses: ActionDef = {
  mutating: false,
  run({ state, params }) {
    const ids = strList(params, 'AllocationId');
    const ips = strList(params, 'PublicIp');
    for (const id of ids) if (!state.addressById.has(id)) throw notFound.allocation(id);
    const all = [...state.addressById.values()];
    for (const ip of ips) if (!all.some((a) => a.publicIp === ip)) throw notFound.address(ip);
    const selected = all.filter(
      (a) =>
        (ids.length === 0 && ips.length === 0) || ids.includes(a.allocationId) || ips.includes(a.publicIp),
    );
    const rows = selected.map((a) => ({
      a,
      instanceId: state.instanceOf(a),
      ownerId: a.association ? state.accountId : undefined,
    }));
    const matched = applyFilters(rows, filters(params), ADDRESS_FILTERS, (x) => x.a.tags);
    return { body: { addressesSet: matched.map((x) => addressXml(state, x.a)) } };
  },
};

export const AllocateAddress: ActionDef = {
  mutating: true,
  requestParameters: (p) => ({
    domain: str(p, 'Domain') ?? 'vpc',
    tagSpecificationSet: tagSpecificationSet(p),
  }),
  run({ state, params, dryRun }) {
    const domain = str(params, 'Domain');
    if (domain !== undefined && domain !== 'vpc' && domain !== 'standard') {
      throw invalidParameterValue(`Invalid value '${domain}' for domain.`);
    }
    const tags = tagsFor(params, 'elastic-ip');
    const a = state.allocateAddress({ tags }, { dryRun });
    const out = {
      publicIp: a.publicIp,
      domain: a.domain,
      allocationId: a.allocationId,
      networkBorderGroup: a.networkBorderGroup,
      publicIpv4Pool: a.publicIpv4Pool,
    };
    return { body: out, responseElements: { ...out } };
  },
};

export const AssociateAddress: ActionDef = {
  mutating: true,
  requestParameters: (p) => ({
    allocationId: str(p, 'AllocationId'),
    publicIp: str(p, 'PublicIp'),
    networkInterfaceId: str(p, 'NetworkInterfaceId'),
    instanceId: str(p, 'InstanceId'),
    privateIpAddress: str(p, 'PrivateIpAddress'),
    allowReassociation: ctBool(p, 'AllowReassociation'),
  }),
  run({ state, params, dryRun }) {
    const association = state.associateAddress(
      {
        allocationId: str(params, 'AllocationId'),
        publicIp: str(params, 'PublicIp'),
        networkInterfaceId: str(params, 'NetworkInterfaceId'),
        instanceId: str(params, 'InstanceId'),
        privateIpAddress: str(params, 'PrivateIpAddress'),
        // Absent: reassociation is automatic (the EC2 API reference's default).
        allowReassociation: bool(params, 'AllowReassociation') ?? true,
      },
      { dryRun },
    );
    return {
      body: { return: true, associationId: association.associationId },
      responseElements: { _return: true, associationId: association.associationId },
    };
  },
};

export const DisassociateAddress: ActionDef = {
  mutating: true,
  requestParameters: (p) => ({ associationId: str(p, 'AssociationId'), publicIp: str(p, 'PublicIp') }),
  run({ state, params, dryRun }) {
    state.disassociateAddress(
      { associationId: str(params, 'AssociationId'), publicIp: str(params, 'PublicIp') },
      { dryRun },
    );
    return { body: { return: true }, responseElements: { _return: true } };
  },
};

export const ReleaseAddress: ActionDef = {
  mutating: true,
  requestParameters: (p) => ({ allocationId: str(p, 'AllocationId'), publicIp: str(p, 'PublicIp') }),
  run({ state, params, dryRun }) {
    state.releaseAddress(
      { allocationId: str(params, 'AllocationId'), publicIp: str(params, 'PublicIp') },
      { dryRun },
    );
    return { body: { return: true }, responseElements: { _return: true } };
  },
};
