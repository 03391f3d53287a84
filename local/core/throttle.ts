/**
 * Per-API token buckets at AWS's published EC2 rates ("Request throttling for the Amazon EC2 API", EC2 API reference). A call that finds its bucket empty gets the
 * service's throttling error, so the SDK's own retry strategy is what recovers.
 */
export interface BucketRate {
  /** Bucket size (burst). */
  capacity: number;
  /** Tokens added per second. */
  refillPerSecond: number;
}

export const EC2_RATES = {
  describe: { capacity: 100, refillPerSecond: 20 },
  mutatingAddress: { capacity: 50, refillPerSecond: 5 },
  networkInterface: { capacity: 100, refillPerSecond: 5 },
  other: { capacity: 100, refillPerSecond: 20 },
} as const satisfies Record<string, BucketRate>;

const ADDRESS_MUTATIONS = new Set([
  'AllocateAddress',
  'AssociateAddress',
  'DisassociateAddress',
  'ReleaseAddress',
]);
const ENI_MUTATIONS = new Set(['CreateNetworkInterface', 'DeleteNetworkInterface']);

/** Which bucket an EC2 action draws from. */
export function ec2BucketOf(action: string): keyof typeof EC2_RATES {
  if (action.startsWith('Describe')) return 'describe';
  if (ADDRESS_MUTATIONS.has(action)) return 'mutatingAddress';
  if (ENI_MUTATIONS.has(action)) return 'networkInterface';
  return 'other';
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

/** Buckets by key (`ec2:mutatingAddress`), created on first use. */
export class Throttler {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly nowMs: () => number,
    private readonly rateOf: (
      service: string,
      action: string,
    ) => { key: string; rate: BucketRate } | undefined,
  ) {}

  allow(service: string, action: string): boolean {
    const r = this.rateOf(service, action);
    if (!r) return true;
    let bucket = this.buckets.get(r.key);
    if (!bucket) {
      bucket = new TokenBucket(r.rate, this.nowMs());
      this.buckets.set(r.key, bucket);
    }
    return bucket.tryTake(this.nowMs());
  }
}

export function awsRateOf(service: string, action: string): { key: string; rate: BucketRate } | undefined {
  if (service !== 'ec2') return undefined;
  const bucket = ec2BucketOf(action);
  return { key: `ec2:${bucket}`, rate: EC2_RATES[bucket] };
}
