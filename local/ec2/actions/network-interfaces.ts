/**
 * ENIs: DescribeNetworkInterfaces (filtered, paginated), CreateNetworkInterface, DeleteNetworkInterface,
 * AttachNetworkInterface, AssignPrivateIpAddresses, UnassignPrivateIpAddresses.
 */
import { Ec2Error, invalidParameterValue, notFound } from '../errors';
import { applyFilters, type FilterFields, paginate } from '../filters';
import { bool, filters, int, type QueryObject, requireStr, str, strList } from '../query';
import { networkInterfaceXml } from '../render';
import type { Ec2State, NetworkInterface } from '../state';
import { type ActionDef, ctBool, ctItems, ctNumber, tagSpecificationSet, tagsFor } from './common';

function eniFilters(state: Ec2State): FilterFields<NetworkInterface> {
  const ips = (e: NetworkInterface) => [e.privateIpAddress, ...e.secondaryPrivateIpAddresses];
  const eips = (e: NetworkInterface) =>
    ips(e)
      .map((ip) => state.addressOn(e.networkInterfaceId, ip))
      .filter((a) => a !== undefined);
  return {
    'network-interface-id': (e) => e.networkInterfaceId,
    'subnet-id': (e) => e.subnetId,
    'vpc-id': (e) => e.vpcId,
    'availability-zone': (e) => e.availabilityZone,
    description: (e) => e.description,
    status: (e) => e.status,
    'interface-type': (e) => e.interfaceType,
    'owner-id': (e) => e.ownerId,
    'mac-address': (e) => e.macAddress,
    'requester-id': (e) => e.requesterId,
    'requester-managed': (e) => e.requesterManaged,
    'source-dest-check': (e) => e.sourceDestCheck,
    'group-id': (e) => e.groups.map((g) => g.groupId),
    'group-name': (e) => e.groups.map((g) => g.groupName),
    'private-ip-address': (e) => ips(e),
    'addresses.private-ip-address': (e) => ips(e),
    'addresses.primary': (e) => ips(e).map((ip) => ip === e.privateIpAddress),
    'private-dns-name': (e) => state.privateDnsName(e.privateIpAddress),
    'attachment.instance-id': (e) => e.attachment?.instanceId,
    'attachment.attachment-id': (e) => e.attachment?.attachmentId,
    'attachment.device-index': (e) => e.attachment?.deviceIndex,
    'attachment.status': (e) => e.attachment?.status,
    'attachment.delete-on-termination': (e) => e.attachment?.deleteOnTermination,
    'association.allocation-id': (e) => eips(e).map((a) => a.allocationId),
    'association.association-id': (e) => eips(e).map((a) => a.association?.associationId),
    'association.public-ip': (e) => eips(e).map((a) => a.publicIp),
    'addresses.association.public-ip': (e) => eips(e).map((a) => a.publicIp),
  };
}

/** The filters that let DescribeNetworkInterfaces answer without pagination in an account with many ENIs. */
export const INDEXED_ENI_FILTERS = [
  'group-id',
  'mac-address',
  'private-dns-name',
  'private-ip-address',
  'subnet-id',
  'vpc-id',
] as const;

/**
 * True when a DescribeNetworkInterfaces request lists every ENI of the account in one response: no ids, no
 * `MaxResults`, and none of the indexed filters. Such a call draws from EC2's "unfiltered and unpaginated" bucket,
 * and fails in an account with many ENIs (DescribeNetworkInterfaces, EC2 API reference).
 */
export function listsEveryEni(params: QueryObject): boolean {
  if (strList(params, 'NetworkInterfaceId').length > 0 || str(params, 'MaxResults') !== undefined)
    return false;
  const indexed: readonly string[] = INDEXED_ENI_FILTERS;
  return !filters(params).some((f) => indexed.includes(f.name));
}

/**
 * The failure of an unpaginated, unfiltered listing in an account over the limit. The API reference documents that the
 * call fails, not with which error; this code and message are the simulated region's.
 */
export function tooManyEnisError(count: number): Ec2Error {
  return new Ec2Error(
    'UnsupportedOperation',
    `This account has ${count} network interfaces: DescribeNetworkInterfaces must be paginated (MaxResults) or filtered by ${INDEXED_ENI_FILTERS.join(', ')}.`,
  );
}

export const DescribeNetworkInterfaces: ActionDef = {
  mutating: false,
  run({ state, params }) {
    const ids = strList(params, 'NetworkInterfaceId');
    const maxResults = int(params, 'MaxResults');
    if (ids.length > 0 && maxResults !== undefined) {
      throw new Ec2Error(
        'InvalidParameterCombination',
        'The parameter NetworkInterfaceIds cannot be used with the parameter MaxResults',
      );
    }
    if (state.eniById.size > state.unpaginatedEniLimit && listsEveryEni(params)) {
      throw tooManyEnisError(state.eniById.size);
    }
    for (const id of ids) if (!state.eniById.has(id)) throw notFound.networkInterface(id);
    const all = [...state.eniById.values()]
      .filter((e) => ids.length === 0 || ids.includes(e.networkInterfaceId))
      .sort((a, b) => (a.networkInterfaceId < b.networkInterfaceId ? -1 : 1));
    const matched = applyFilters(all, filters(params), eniFilters(state), (e) => e.tags);
    const { page, nextToken } = paginate(
      matched,
      (e) => e.networkInterfaceId,
      maxResults,
      str(params, 'NextToken'),
      {
        min: 5,
        max: 1000,
      },
    );
    return { body: { networkInterfaceSet: page.map((e) => networkInterfaceXml(state, e)), nextToken } };
  },
};

/** `PrivateIpAddresses.N.{PrivateIpAddress,Primary}` as the SDK sends them. */
function privateIpSpecs(params: QueryObject): { privateIpAddress: string; primary: boolean }[] {
  const list = params.PrivateIpAddresses;
  if (!Array.isArray(list)) return [];
  return list
    .filter((x): x is QueryObject => typeof x === 'object' && !Array.isArray(x))
    .map((x) => ({
      privateIpAddress: str(x, 'PrivateIpAddress') ?? '',
      primary: str(x, 'Primary') === 'true',
    }));
}

function countParam(params: QueryObject, name: string): number | undefined {
  const n = int(params, name);
  if (n !== undefined && n < 0) throw invalidParameterValue(`Value (${n}) for parameter ${name} is invalid.`);
  return n;
}

export const CreateNetworkInterface: ActionDef = {
  mutating: true,
  requestParameters: (p) => {
    const specs = privateIpSpecs(p);
    return {
      subnetId: str(p, 'SubnetId'),
      description: str(p, 'Description'),
      groupSet: ctItems(strList(p, 'SecurityGroupId').map((groupId) => ({ groupId }))),
      privateIpAddress: str(p, 'PrivateIpAddress'),
      privateIpAddressesSet: ctItems(specs),
      secondaryPrivateIpAddressCount: ctNumber(p, 'SecondaryPrivateIpAddressCount'),
      interfaceType: str(p, 'InterfaceType'),
      ipv6AddressesSet: {},
      tagSpecificationSet: tagSpecificationSet(p),
      clientToken: str(p, 'ClientToken'),
    };
  },
  run({ state, params, dryRun, caller }) {
    const subnetId = requireStr(params, 'SubnetId');
    const specs = privateIpSpecs(params);
    const primaries = specs.filter((s) => s.primary).map((s) => s.privateIpAddress);
    const explicitPrimary = str(params, 'PrivateIpAddress');
    if (
      primaries.length > 1 ||
      (primaries.length === 1 && explicitPrimary && primaries[0] !== explicitPrimary)
    ) {
      throw invalidParameterValue('Only one primary private IP address can be specified.');
    }
    const interfaceType = str(params, 'InterfaceType');
    if (
      interfaceType !== undefined &&
      !['efa', 'efa-only', 'branch', 'trunk', 'interface'].includes(interfaceType)
    ) {
      throw invalidParameterValue(`Value (${interfaceType}) for parameter interfaceType is invalid.`);
    }
    const tags = tagsFor(params, 'network-interface');
    const eni = state.createNetworkInterface(
      {
        subnetId,
        description: str(params, 'Description'),
        interfaceType,
        securityGroupIds: strList(params, 'SecurityGroupId'),
        privateIpAddress: explicitPrimary ?? primaries[0],
        secondaryPrivateIpAddresses: specs.filter((s) => !s.primary).map((s) => s.privateIpAddress),
        secondaryPrivateIpAddressCount: countParam(params, 'SecondaryPrivateIpAddressCount'),
        tags,
        ...(caller.requester ? { requester: caller.requester } : {}),
      },
      { dryRun },
    );
    const ips = [eni.privateIpAddress, ...eni.secondaryPrivateIpAddresses];
    const requesterId = eni.requesterId ?? caller.userIdentity.principalId;
    return {
      body: { networkInterface: networkInterfaceXml(state, eni) },
      responseElements: {
        networkInterface: {
          networkInterfaceId: eni.networkInterfaceId,
          subnetId: eni.subnetId,
          vpcId: eni.vpcId,
          availabilityZone: eni.availabilityZone,
          description: eni.description,
          ownerId: eni.ownerId,
          requesterId: typeof requesterId === 'string' ? requesterId : undefined,
          requesterManaged: eni.requesterManaged,
          status: eni.status,
          macAddress: eni.macAddress,
          privateIpAddress: eni.privateIpAddress,
          privateDnsName: state.privateDnsName(eni.privateIpAddress),
          sourceDestCheck: eni.sourceDestCheck,
          interfaceType: eni.interfaceType,
          groupSet: ctItems(eni.groups.map((g) => ({ groupId: g.groupId, groupName: g.groupName }))),
          privateIpAddressesSet: {
            item: ips.map((ip) => ({
              privateIpAddress: ip,
              privateDnsName: state.privateDnsName(ip),
              primary: ip === eni.privateIpAddress,
            })),
          },
          ipv6AddressesSet: {},
          tagSet:
            eni.tags.length > 0
              ? { items: eni.tags.map((t) => ({ key: t.key, value: t.value })) }
              : undefined,
        },
      },
    };
  },
};

export const DeleteNetworkInterface: ActionDef = {
  mutating: true,
  requestParameters: (p) => ({ networkInterfaceId: str(p, 'NetworkInterfaceId') }),
  run({ state, params, dryRun }) {
    state.deleteNetworkInterface(requireStr(params, 'NetworkInterfaceId'), { dryRun });
    return { body: { return: true }, responseElements: { _return: true } };
  },
};

export const AttachNetworkInterface: ActionDef = {
  mutating: true,
  requestParameters: (p) => ({
    networkInterfaceId: str(p, 'NetworkInterfaceId'),
    instanceId: str(p, 'InstanceId'),
    deviceIndex: ctNumber(p, 'DeviceIndex'),
    networkCardIndex: ctNumber(p, 'NetworkCardIndex'),
  }),
  run({ state, params, dryRun }) {
    const deviceIndex = int(params, 'DeviceIndex');
    if (deviceIndex === undefined)
      throw new Ec2Error('MissingParameter', 'The request must contain the parameter DeviceIndex');
    const networkCardIndex = int(params, 'NetworkCardIndex');
    const attachmentId = state.attachNetworkInterface(
      {
        networkInterfaceId: requireStr(params, 'NetworkInterfaceId'),
        instanceId: requireStr(params, 'InstanceId'),
        deviceIndex,
        ...(networkCardIndex !== undefined ? { networkCardIndex } : {}),
      },
      { dryRun },
    );
    const out = { attachmentId, networkCardIndex: networkCardIndex ?? 0 };
    return { body: out, responseElements: { ...out } };
  },
};

export const AssignPrivateIpAddresses: ActionDef = {
  mutating: true,
  requestParameters: (p) => ({
    networkInterfaceId: str(p, 'NetworkInterfaceId'),
    privateIpAddressesSet: ctItems(
      strList(p, 'PrivateIpAddress').map((privateIpAddress) => ({ privateIpAddress })),
    ),
    secondaryPrivateIpAddressCount: ctNumber(p, 'SecondaryPrivateIpAddressCount'),
    allowReassignment: ctBool(p, 'AllowReassignment'),
  }),
  run({ state, params, dryRun }) {
    const networkInterfaceId = requireStr(params, 'NetworkInterfaceId');
    const assigned = state.assignPrivateIpAddresses(
      networkInterfaceId,
      {
        privateIpAddresses: strList(params, 'PrivateIpAddress'),
        secondaryPrivateIpAddressCount: countParam(params, 'SecondaryPrivateIpAddressCount'),
        allowReassignment: bool(params, 'AllowReassignment') ?? false,
      },
      { dryRun },
    );
    return {
      body: {
        return: true,
        networkInterfaceId,
        assignedPrivateIpAddressesSet: assigned.map((privateIpAddress) => ({ privateIpAddress })),
      },
      responseElements: {
        _return: true,
        networkInterfaceId,
        assignedPrivateIpAddressesSet: ctItems(assigned.map((privateIpAddress) => ({ privateIpAddress }))),
      },
    };
  },
};

export const UnassignPrivateIpAddresses: ActionDef = {
  mutating: true,
  requestParameters: (p) => ({
    networkInterfaceId: str(p, 'NetworkInterfaceId'),
    privateIpAddressesSet: ctItems(
      strList(p, 'PrivateIpAddress').map((privateIpAddress) => ({ privateIpAddress })),
    ),
  }),
  run({ state, params, dryRun }) {
    state.unassignPrivateIpAddresses(
      requireStr(params, 'NetworkInterfaceId'),
      strList(params, 'PrivateIpAddress'),
      {
        dryRun,
      },
    );
    return { body: { return: true }, responseElements: { _return: true } };
  },
};
