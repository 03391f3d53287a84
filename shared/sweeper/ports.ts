/**
 * What the sweep needs from the outside world, as interfaces: `adapters/` implements them with the AWS SDK, tests
 * wrap or replace any of them. The sweeper's own table is behind `sweep-store.ts`, the alert topic behind the
 * `NotificationPort` of shared/notify.
 */
import type { EipState, EniRecord } from '../inventory/model';
import type { ZoneRecords } from './dns';
import type { ObservedAddress } from './model';

/** An AWS API error, reduced to what the sweep decides on. */
export class AwsCallError extends Error {
  override readonly name = 'AwsCallError';
  constructor(
    readonly code: string,
    /** AWS's own message, without the code. */
    readonly detail: string,
    override readonly cause?: unknown,
  ) {
    super(`${code}: ${detail}`);
  }
}

export interface Ec2Port {
  /** Every address in the region (one DescribeAddresses call). */
  describeAddresses(): Promise<ObservedAddress[]>;
  /** One address read live (DescribeAddresses with its AllocationId); undefined when it no longer exists. */
  describeAddress(allocationId: string): Promise<ObservedAddress | undefined>;
  /** ReleaseAddress; throws AwsCallError with EC2's error code. */
  releaseAddress(allocationId: string): Promise<void>;
}

export interface DnsPort {
  /** Every record of every hosted zone of the account (all pages). */
  listZoneRecords(): Promise<ZoneRecords[]>;
}

export interface KillSwitchPort {
  /** The parameter's value, or undefined when it does not exist; throws when it cannot be read. */
  read(name: string): Promise<string | undefined>;
}

export interface PricePort {
  /** USD per public IPv4 address-hour in the region, or undefined when the price list has none. */
  hourlyRate(region: string): Promise<number | undefined>;
}

/** The inventory's history of each address and its records of ENIs (read, never written, by the sweep). */
export interface InventoryPort {
  listEipStates(): Promise<EipState[]>;
  getEniRecords(eniIds: Iterable<string>): Promise<Map<string, EniRecord>>;
}
