/**
 * EC2 request throttling as AWS applies it ("Request throttling for the Amazon EC2 API", EC2 developer guide): one
 * token bucket **per API**, per account and region, at the published sizes and refill rates. A call that finds its
 * API's bucket empty gets the service's throttling error (`RequestLimitExceeded`), so the SDK's retry strategy is
 * what recovers.
 *
 * Buckets refill on the simulated region's virtual clock only: whether a scenario is throttled depends on the calls
 * it makes and the virtual time between them, never on how fast the machine runs it. Clients of the simulated region
 * back off on the same clock (core/retry.ts).
 */
export interface BucketRate {
  /** Bucket size (burst). */
  capacity: number;
  /** Tokens added per second. */
  refillPerSecond: number;
}

/** The rate classes of the EC2 API reference's throttling tables; each API has its own bucket of its class's size. */
export const EC2_RATES = {
  /** Non-mutating actions (Describe*, Get*, List*). */
  nonMutating: { capacity: 100, refillPerSecond: 20 },
  /** Unfiltered and unpaginated non-mutating actions (DescribeNetworkInterfaces without MaxResults or filter). */
  unfilteredNonMutating: { capacity: 50, refillPerSecond: 10 },
  /** AllocateAddress, AssociateAddress, DisassociateAddress, ReleaseAddress, and every mutating action not listed. */
  mutating: { capacity: 50, refillPerSecond: 5 },
  /** CreateNetworkInterface, DeleteNetworkInterface, AssignPrivateIpAddresses, UnassignPrivateIpAddresses. */
  networkInterface: { capacity: 100, refillPerSecond: 5 },
  /** CreateTags, DeleteTags. */
  tags: { capacity: 100, refillPerSecond: 10 },
} as const satisfies Record<string, BucketRate>;

export type Ec2RateClass = keyof typeof EC2_RATES;

/** The bucket name of an unfiltered, unpaginated call (ServiceModule.throttleKey returns it). */
export const UNFILTERED_SUFFIX = ':unfiltered';

const NETWORK_INTERFACE_MUTATIONS = new Set([
  'CreateNetworkInterface',
  'DeleteNetworkInterface',
  'AssignPrivateIpAddresses',
  'UnassignPrivateIpAddresses',
]);
const TAG_MUTATIONS = new Set(['CreateTags', 'DeleteTags']);

/** The rate class of an EC2 API (`DescribeNetworkInterfaces:unfiltered` for an unfiltered, unpaginated listing). */
export function ec2RateClass(api: string): Ec2RateClass {
  if (api.endsWith(UNFILTERED_SUFFIX)) return 'unfilteredNonMutating';
  if (/^(Describe|Get|List)/.test(api)) return 'nonMutating';
  if (NETWORK_INTERFACE_MUTATIONS.has(api)) return 'networkInterface';
  if (TAG_MUTATIONS.has(api)) return 'tags';
  return 'mutating';
}

/** The bucket an EC2 API draws from: its own, at its class's rate. */
export function ec2RateOf(api: string): BucketRate {
  return EC2_RATES[ec2RateClass(api)];
}

export class TokenBucket {
  private tokens: number;
  private lastMs: number;

  constructor(
    readonly rate: BucketRate,
    nowMs: number,
  ) {
    this.tokens = rate.capacity;
    this.lastMs = nowMs;
  }

  /** Takes one token if there is one; refills by elapsed time first. */
  tryTake(nowMs: number): boolean {
    const elapsed = Math.max(0, nowMs - this.lastMs) / 1000;
    this.tokens = Math.min(this.rate.capacity, this.tokens + elapsed * this.rate.refillPerSecond);
    this.lastMs = Math.max(this.lastMs, nowMs);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }
}

/** The rate of a service's API, or undefined when the service does not throttle it. */
export type RateOf = (service: string, api: string) => BucketRate | undefined;

/** AWS's published rates: EC2 only (the other simulated services are not throttled). */
export const awsRateOf: RateOf = (service, api) => (service === 'ec2' ? ec2RateOf(api) : undefined);

/** One bucket per service and API (`ec2:AssociateAddress`), created full on first use, timed by `nowMs`. */
export class Throttler {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly nowMs: () => number,
    private readonly rateOf: RateOf = awsRateOf,
  ) {}

  /** Takes a token from the API's bucket; false when it is empty (the call is throttled). */
  allow(service: string, api: string): boolean {
    const rate = this.rateOf(service, api);
    if (!rate) return true;
    const key = `${service}:${api}`;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(rate, this.nowMs());
      this.buckets.set(key, bucket);
    }
    return bucket.tryTake(this.nowMs());
  }
}
