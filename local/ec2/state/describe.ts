/** Snapshots of the world: plain deep copies for the scenario runner's JSON output. */
import { availableIpAddressCount } from './ips';
import { instanceOf } from './lookups';
import type {
  AddressSnapshot,
  Ec2World,
  Instance,
  NetworkInterface,
  RouteTable,
  SecurityGroup,
  SubnetSnapshot,
  Vpc,
} from './model';

export function addresses(w: Ec2World): AddressSnapshot[] {
  return [...w.addressById.values()].map((a) => {
    const copy: AddressSnapshot = structuredClone(a);
    const instanceId = instanceOf(w, a);
    if (copy.association && instanceId) copy.association.instanceId = instanceId;
    return copy;
  });
}

export function networkInterfaces(w: Ec2World): NetworkInterface[] {
  return [...w.eniById.values()].map((e) => structuredClone(e));
}

export function subnets(w: Ec2World): SubnetSnapshot[] {
  return [...w.subnetById.values()].map((s) => ({
    ...structuredClone(s),
    availableIpAddressCount: availableIpAddressCount(w, s),
  }));
}

export function vpcs(w: Ec2World): Vpc[] {
  return [...w.vpcById.values()].map((v) => structuredClone(v));
}

export function routeTables(w: Ec2World): RouteTable[] {
  return [...w.routeTableById.values()].map((r) => structuredClone(r));
}

export function securityGroups(w: Ec2World): SecurityGroup[] {
  return [...w.groupById.values()].map((g) => structuredClone(g));
}

export function instances(w: Ec2World): Instance[] {
  return [...w.instanceById.values()].map((i) => structuredClone(i));
}

export function snapshot(w: Ec2World) {
  return {
    vpcs: vpcs(w),
    subnets: subnets(w),
    routeTables: routeTables(w),
    securityGroups: securityGroups(w),
    instances: instances(w),
    networkInterfaces: networkInterfaces(w),
    addresses: addresses(w),
  };
}
