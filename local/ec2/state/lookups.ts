/** Finding records by id (with EC2's not-found errors), derived values, and the DryRun gate of every operation. */
import { Ec2Error, notFound } from '../errors';
import type { Address, Ec2World, Instance, NetworkInterface, OperationOptions, Subnet, Vpc } from './model';

/** The error a validated DryRun request gets: the request would have succeeded. */
export function dryRunOperation(): Ec2Error {
  return new Ec2Error('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412);
}

/** Called by an operation once everything is validated and before anything changes: a DryRun stops here. */
export function commit(opts: OperationOptions | undefined): void {
  if (opts?.dryRun) throw dryRunOperation();
}

/** The record `id` names, or EC2's not-found error for its kind. */
function found<T>(byId: ReadonlyMap<string, T>, id: string, missing: (id: string) => Ec2Error): T {
  const record = byId.get(id);
  if (!record) throw missing(id);
  return record;
}

export const requireVpc = (w: Ec2World, id: string): Vpc => found(w.vpcById, id, notFound.vpc);

export const requireSubnet = (w: Ec2World, id: string): Subnet => found(w.subnetById, id, notFound.subnet);

export const requireEni = (w: Ec2World, id: string): NetworkInterface =>
  found(w.eniById, id, notFound.networkInterface);

export const requireAddress = (w: Ec2World, allocationId: string): Address =>
  found(w.addressById, allocationId, notFound.allocation);

export const requireInstance = (w: Ec2World, id: string): Instance =>
  found(w.instanceById, id, notFound.instance);

export function eniHasIp(eni: NetworkInterface, ip: string): boolean {
  return eni.privateIpAddress === ip || eni.secondaryPrivateIpAddresses.includes(ip);
}

/** The EIP associated with this ENI's private IP, if any. */
export function addressOn(
  w: Ec2World,
  networkInterfaceId: string,
  privateIpAddress: string,
): Address | undefined {
  for (const a of w.addressById.values()) {
    if (
      a.association?.networkInterfaceId === networkInterfaceId &&
      a.association.privateIpAddress === privateIpAddress
    ) {
      return a;
    }
  }
  return undefined;
}

/** The instance an EIP's ENI is attached to, as DescribeAddresses reports it. */
export function instanceOf(w: Ec2World, address: Address): string | undefined {
  const id = address.association?.networkInterfaceId;
  return id ? w.eniById.get(id)?.attachment?.instanceId : undefined;
}

/** ENIs attached to an instance, by device index. */
export function enisOf(w: Ec2World, instanceId: string): NetworkInterface[] {
  return [...w.eniById.values()]
    .filter((e) => e.attachment?.instanceId === instanceId)
    .sort((a, b) => (a.attachment?.deviceIndex ?? 0) - (b.attachment?.deviceIndex ?? 0));
}

export function privateDnsName(w: Ec2World, ip: string): string {
  const domain = w.region === 'us-east-1' ? 'ec2.internal' : `${w.region}.compute.internal`;
  return `ip-${ip.replaceAll('.', '-')}.${domain}`;
}

export function publicDnsName(w: Ec2World, ip: string): string {
  const domain = w.region === 'us-east-1' ? 'compute-1.amazonaws.com' : `${w.region}.compute.amazonaws.com`;
  return `ec2-${ip.replaceAll('.', '-')}.${domain}`;
}
