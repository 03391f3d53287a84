/** Private IPv4 addresses in a subnet: which are used, by whom, which may be assigned, and how many an ENI may hold. */
import { cidrContains, intToIp, ipToInt, isIpv4, parseCidr, RESERVED_PER_SUBNET, usableRange } from '../cidr';
import { Ec2Error, invalidParameterValue } from '../errors';
import { eniHasIp } from './lookups';
import type { Ec2World, NetworkInterface, Subnet } from './model';

/** Every IP in use in the subnet: ENI addresses and untracked ones. */
function usedIps(w: Ec2World, subnet: Subnet): Set<string> {
  const used = new Set(subnet.otherUsedIps);
  for (const e of w.eniById.values()) {
    if (e.subnetId !== subnet.subnetId) continue;
    used.add(e.privateIpAddress);
    for (const ip of e.secondaryPrivateIpAddresses) used.add(ip);
  }
  return used;
}

export function availableIpAddressCount(w: Ec2World, subnet: Subnet): number {
  const cidr = parseCidr(subnet.cidrBlock);
  return cidr.size - RESERVED_PER_SUBNET - usedIps(w, subnet).size;
}

/** The ENI holding `ip` in this subnet, `'other'` for untracked use, undefined when free. */
export function holderOf(w: Ec2World, subnet: Subnet, ip: string): NetworkInterface | 'other' | undefined {
  if (subnet.otherUsedIps.includes(ip)) return 'other';
  for (const e of w.eniById.values()) {
    if (e.subnetId === subnet.subnetId && eniHasIp(e, ip)) return e;
  }
  return undefined;
}

export function checkAssignable(subnet: Subnet, ip: string): void {
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

/** The lowest `count` free IPs of the subnet (not counting `alsoTaken`), or InsufficientFreeAddressesInSubnet. */
export function pickFreeIps(w: Ec2World, subnet: Subnet, count: number, alsoTaken: string[] = []): string[] {
  if (count <= 0) return [];
  const used = usedIps(w, subnet);
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

/** An attached ENI holds at most its instance type's IPv4 addresses per interface. */
export function checkIpLimit(w: Ec2World, eni: NetworkInterface, total: number): void {
  const instanceId = eni.attachment?.instanceId;
  const type = instanceId
    ? w.instanceTypeByName.get(w.instanceById.get(instanceId)?.instanceType ?? '')
    : undefined;
  if (type && total > type.ipv4AddressesPerInterface) {
    throw new Ec2Error(
      'PrivateIpAddressLimitExceeded',
      `Number of private addresses will exceed limit of ${type.ipv4AddressesPerInterface} for ${eni.networkInterfaceId}.`,
    );
  }
}
