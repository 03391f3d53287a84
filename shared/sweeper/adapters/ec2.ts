/** EC2 for the sweeper: DescribeAddresses (all, or one live) and ReleaseAddress. */
import {
  type Address,
  DescribeAddressesCommand,
  type EC2Client,
  ReleaseAddressCommand,
} from '@aws-sdk/client-ec2';
import type { ObservedAddress } from '../model';
import { AwsCallError, type Ec2Port } from '../ports';

/** The SDK's address shape → the sweeper's. */
export function observedAddress(a: Address): ObservedAddress | undefined {
  if (!a.AllocationId || !a.PublicIp) return undefined;
  const o: ObservedAddress = { allocationId: a.AllocationId, publicIp: a.PublicIp, tags: {} };
  if (a.AssociationId) o.associationId = a.AssociationId;
  if (a.NetworkInterfaceId) o.networkInterfaceId = a.NetworkInterfaceId;
  if (a.PrivateIpAddress) o.privateIp = a.PrivateIpAddress;
  if (a.InstanceId) o.instanceId = a.InstanceId;
  if (a.PublicIpv4Pool) o.publicIpv4Pool = a.PublicIpv4Pool;
  if (a.ServiceManaged) o.serviceManaged = a.ServiceManaged;
  if (a.NetworkBorderGroup) o.networkBorderGroup = a.NetworkBorderGroup;
  for (const t of a.Tags ?? []) if (t.Key !== undefined) o.tags[t.Key] = t.Value ?? '';
  return o;
}

/** The EC2 error code of an SDK error (its `name`), as an AwsCallError. */
export function awsCallError(err: unknown): AwsCallError {
  const e = err as { name?: unknown; Code?: unknown; message?: unknown };
  const code = typeof e.Code === 'string' ? e.Code : typeof e.name === 'string' ? e.name : 'Unknown';
  return new AwsCallError(code, typeof e.message === 'string' ? e.message : String(err), err);
}

export class SdkEc2Adapter implements Ec2Port {
  constructor(private readonly ec2: EC2Client) {}

  async describeAddresses(): Promise<ObservedAddress[]> {
    // DescribeAddresses is not paginated: one call returns every address of the region.
    const out = await this.ec2.send(new DescribeAddressesCommand({}));
    return (out.Addresses ?? []).map(observedAddress).filter((a): a is ObservedAddress => a !== undefined);
  }

  async describeAddress(allocationId: string): Promise<ObservedAddress | undefined> {
    try {
      const out = await this.ec2.send(new DescribeAddressesCommand({ AllocationIds: [allocationId] }));
      const a = (out.Addresses ?? []).find((x) => x.AllocationId === allocationId);
      return a ? observedAddress(a) : undefined;
    } catch (err) {
      if (awsCallError(err).code === 'InvalidAllocationID.NotFound') return undefined;
      throw err;
    }
  }

  async releaseAddress(allocationId: string): Promise<void> {
    try {
      await this.ec2.send(new ReleaseAddressCommand({ AllocationId: allocationId }));
    } catch (err) {
      throw awsCallError(err);
    }
  }
}
