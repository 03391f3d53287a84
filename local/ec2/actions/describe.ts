/** Read-only calls: DescribeSubnets, DescribeRouteTables, DescribeInstanceTypes, DescribeInstances. */
import { Ec2Error, notFound } from '../errors';
import { applyFilters, paginate } from '../filters';
import { filters, int, str, strList } from '../query';
import { instanceTypeXml, instanceXml, routeTableXml, subnetXml } from '../render';
import type { Instance } from '../state';
import type { ActionDef } from './common';

const byId =
  <T>(key: (x: T) => string) =>
  (a: T, b: T) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

export const DescribeSubnets: ActionDef = {
  mutating: false,
  run({ state, params }) {
    const ids = strList(params, 'SubnetId');
    for (const id of ids) if (!state.subnetById.has(id)) throw notFound.subnet(id);
    const all = [...state.subnetById.values()].filter((s) => ids.length === 0 || ids.includes(s.subnetId));
    const matched = applyFilters(
      all,
      filters(params),
      {
        'subnet-id': (s) => s.subnetId,
        'vpc-id': (s) => s.vpcId,
        'availability-zone': (s) => s.availabilityZone,
        'cidr-block': (s) => s.cidrBlock,
        cidr: (s) => s.cidrBlock,
        cidrBlock: (s) => s.cidrBlock,
        state: () => 'available',
        'default-for-az': (s) => s.defaultForAz,
        'map-public-ip-on-launch': (s) => s.mapPublicIpOnLaunch,
        'available-ip-address-count': (s) => state.availableIpAddressCount(s),
        'owner-id': () => state.accountId,
      },
      (s) => s.tags,
    );
    return { body: { subnetSet: matched.map((s) => subnetXml(state, s)) } };
  },
};

export const DescribeRouteTables: ActionDef = {
  mutating: false,
  run({ state, params }) {
    const ids = strList(params, 'RouteTableId');
    for (const id of ids) if (!state.routeTableById.has(id)) throw notFound.routeTable(id);
    const all = [...state.routeTableById.values()].filter(
      (t) => ids.length === 0 || ids.includes(t.routeTableId),
    );
    const matched = applyFilters(
      all,
      filters(params),
      {
        'route-table-id': (t) => t.routeTableId,
        'vpc-id': (t) => t.vpcId,
        'owner-id': () => state.accountId,
        'association.subnet-id': (t) => t.associations.map((a) => a.subnetId),
        'association.route-table-association-id': (t) => t.associations.map((a) => a.routeTableAssociationId),
        'association.route-table-id': (t) => t.associations.map((a) => a.routeTableId),
        'association.main': (t) => t.associations.map((a) => a.main),
        'route.destination-cidr-block': (t) => t.routes.map((r) => r.destinationCidrBlock),
        'route.gateway-id': (t) => t.routes.map((r) => r.gatewayId),
        'route.nat-gateway-id': (t) => t.routes.map((r) => r.natGatewayId),
        'route.state': (t) => t.routes.map((r) => r.state),
        'route.origin': (t) => t.routes.map((r) => r.origin),
      },
      (t) => t.tags,
    );
    return { body: { routeTableSet: matched.map((t) => routeTableXml(state, t)) } };
  },
};

export const DescribeInstanceTypes: ActionDef = {
  mutating: false,
  run({ state, params }) {
    const names = strList(params, 'InstanceType');
    const unknown = names.filter((n) => !state.instanceTypeByName.has(n));
    if (unknown.length > 0) {
      throw new Ec2Error(
        'InvalidInstanceType',
        `The following supplied instance types do not exist: [${unknown.join(', ')}]`,
      );
    }
    const all = [...state.instanceTypeByName.values()]
      .filter((t) => names.length === 0 || names.includes(t.instanceType))
      .sort(byId((t) => t.instanceType));
    const matched = applyFilters(
      all,
      filters(params),
      {
        'instance-type': (t) => t.instanceType,
        hypervisor: (t) => t.hypervisor,
        'bare-metal': (t) => t.bareMetal,
        'current-generation': (t) => t.currentGeneration,
        'processor-info.supported-architecture': (t) => t.architecture,
        'vcpu-info.default-vcpus': (t) => t.defaultVCpus,
        'network-info.maximum-network-interfaces': (t) => t.maximumNetworkInterfaces,
        'network-info.ipv4-addresses-per-interface': (t) => t.ipv4AddressesPerInterface,
      },
      () => [],
    );
    const { page, nextToken } = paginate(
      matched,
      (t) => t.instanceType,
      int(params, 'MaxResults'),
      str(params, 'NextToken'),
      {
        min: 5,
        max: 100,
        default: 100,
      },
    );
    return { body: { instanceTypeSet: page.map(instanceTypeXml), nextToken } };
  },
};

export const DescribeInstances: ActionDef = {
  mutating: false,
  run({ state, params }) {
    const ids = strList(params, 'InstanceId');
    const missing = ids.filter((id) => !state.instanceById.has(id));
    if (missing.length === 1) throw notFound.instance(missing[0] as string);
    if (missing.length > 1) {
      throw new Ec2Error(
        'InvalidInstanceID.NotFound',
        `The instance IDs '${missing.join(', ')}' do not exist`,
      );
    }
    const all = [...state.instanceById.values()].filter(
      (i) => ids.length === 0 || ids.includes(i.instanceId),
    );
    const matched = applyFilters(
      all,
      filters(params),
      {
        'instance-id': (i) => i.instanceId,
        'instance-type': (i) => i.instanceType,
        'instance-state-name': (i) => i.state,
        'subnet-id': (i) => i.subnetId,
        'vpc-id': (i) => i.vpcId,
        'availability-zone': (i) => i.availabilityZone,
        'reservation-id': (i) => i.reservationId,
        'private-ip-address': (i) => state.enisOf(i.instanceId)[0]?.privateIpAddress,
        'network-interface.network-interface-id': (i) =>
          state.enisOf(i.instanceId).map((e) => e.networkInterfaceId),
        'network-interface.subnet-id': (i) => state.enisOf(i.instanceId).map((e) => e.subnetId),
      },
      (i) => i.tags,
    );
    const reservations = new Map<string, Instance[]>();
    for (const i of matched)
      reservations.set(i.reservationId, [...(reservations.get(i.reservationId) ?? []), i]);
    return {
      body: {
        reservationSet: [...reservations].map(([reservationId, instances]) => ({
          reservationId,
          ownerId: state.accountId,
          groupSet: [],
          instancesSet: instances.map((i) => instanceXml(state, i)),
        })),
      },
    };
  },
};
