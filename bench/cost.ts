/**
 * `cost`: what a million pods cost eip-keeper in AWS, from the capacity each event consumed (`dynamodb`) and the
 * functions' memory, turned into dollars at on-demand prices, beside what the pool's Elastic IPs themselves cost.
 * Pure arithmetic over measured figures: the prices are constants, quoted from AWS's price pages.
 */
import { inventoryRecorder, keeperEvents } from '../shared/app/functions';
import type { CapacityRow } from './dynamodb';

/**
 * On-demand prices, US East (N. Virginia), as AWS's price pages state them:
 * - Lambda, Arm (the stack deploys arm64): $0.20 per million requests, $0.0000133334 per GB-second (first tier)
 *   (https://aws.amazon.com/lambda/pricing/);
 * - DynamoDB on-demand (the table is PAY_PER_REQUEST), Standard table class: $0.625 per million write request units,
 *   $0.125 per million read request units (https://aws.amazon.com/dynamodb/pricing/on-demand/);
 * - a public IPv4 address, in use or idle, Elastic IPs included: $0.005 per hour
 *   (https://aws.amazon.com/vpc/pricing/, "Public IPv4 Address").
 */
export const PRICES = {
  region: 'us-east-1',
  lambdaPerMillionRequests: 0.2,
  lambdaPerGbSecondArm: 0.000_013_333_4,
  dynamoPerMillionWrites: 0.625,
  dynamoPerMillionReads: 0.125,
  publicIpv4PerHour: 0.005,
} as const;

/** Modelled round trip of one DynamoDB request (as `podWait` models it), for the recorder's billed duration. */
const DYNAMO_REQUEST_SECONDS = 0.01;

export interface CostResult {
  prices: typeof PRICES;
  /** Per pod lifecycle (created, served, deleted, its EIP freed, each event recorded). */
  perPod: {
    invocations: number;
    gbSeconds: number;
    readUnits: number;
    writeUnits: number;
  };
  /** How the billed durations were taken: the keeper's from `podWait` (virtual time), the recorder's modelled. */
  durationSeconds: { keeper: number; inventory: number };
  perMillionPods: { lambdaUsd: number; dynamoUsd: number; totalUsd: number };
  /** The same million pods' EIPs, each held for `podHours`: what the addresses themselves cost. */
  eipUsdPerMillionPods: number;
  podHours: number;
  /** The pod events of a month at `podsPerDay` pod starts a day (30 days): the figure docs/scale.md works from. */
  perMonth: { podsPerDay: number; pods: number; usd: number };
}

/** The month docs/scale.md prices: 10,000 pod starts a day, 30 days. */
export const SCALE_PODS_PER_DAY = 10_000;

const FUNCTION_OF: Record<string, { memoryMb: number }> = {
  KeeperEvents: keeperEvents,
  InventoryRecorder: inventoryRecorder,
};

/**
 * The cost per million pods from the pod events' rows of `dynamodb` (`pods` pods created and deleted) and the
 * keeper's billed seconds per invocation.
 */
export function costPerMillionPods(
  rows: readonly CapacityRow[],
  pods: number,
  keeperSeconds: number,
  podHours = 1,
  podsPerDay = SCALE_PODS_PER_DAY,
): CostResult {
  let invocations = 0;
  let gbSeconds = 0;
  let readUnits = 0;
  let writeUnits = 0;
  let inventorySeconds = 0;
  for (const r of rows) {
    const fn = FUNCTION_OF[r.function];
    if (!fn) continue;
    const seconds =
      r.function === 'KeeperEvents' ? keeperSeconds : (r.requestsPerEvent + 1) * DYNAMO_REQUEST_SECONDS;
    if (r.function === 'InventoryRecorder') inventorySeconds = Math.max(inventorySeconds, seconds);
    invocations += r.count;
    gbSeconds += r.count * (fn.memoryMb / 1024) * seconds;
    readUnits += r.count * r.rcuPerEvent;
    writeUnits += r.count * r.wcuPerEvent;
  }
  const perPod = {
    invocations: invocations / pods,
    gbSeconds: gbSeconds / pods,
    readUnits: readUnits / pods,
    writeUnits: writeUnits / pods,
  };
  const lambdaUsd =
    perPod.invocations * PRICES.lambdaPerMillionRequests +
    perPod.gbSeconds * 1e6 * PRICES.lambdaPerGbSecondArm;
  const dynamoUsd =
    perPod.readUnits * PRICES.dynamoPerMillionReads + perPod.writeUnits * PRICES.dynamoPerMillionWrites;
  return {
    prices: PRICES,
    perPod,
    durationSeconds: { keeper: keeperSeconds, inventory: inventorySeconds },
    perMillionPods: { lambdaUsd, dynamoUsd, totalUsd: lambdaUsd + dynamoUsd },
    eipUsdPerMillionPods: 1e6 * podHours * PRICES.publicIpv4PerHour,
    podHours,
    perMonth: {
      podsPerDay,
      pods: podsPerDay * 30,
      usd: ((lambdaUsd + dynamoUsd) * podsPerDay * 30) / 1e6,
    },
  };
}

export function renderCost(c: CostResult): string[] {
  const usd = (n: number) => `$${n.toFixed(2)}`;
  return [
    '',
    `cost: per million pods, on-demand prices (${c.prices.region}; Lambda arm64, DynamoDB on-demand)`,
    `  per pod: ${c.perPod.invocations.toFixed(2)} invocations, ${c.perPod.gbSeconds.toFixed(3)} GB-s (keeper ${c.durationSeconds.keeper.toFixed(2)} s, recorder ${c.durationSeconds.inventory.toFixed(2)} s per invocation), ${c.perPod.readUnits.toFixed(1)} read and ${c.perPod.writeUnits.toFixed(1)} write request units`,
    `  per million pods: Lambda ${usd(c.perMillionPods.lambdaUsd)}, DynamoDB ${usd(c.perMillionPods.dynamoUsd)}, total ${usd(c.perMillionPods.totalUsd)}`,
    `  the EIPs themselves: ${usd(c.eipUsdPerMillionPods)} per million pods holding one for ${c.podHours} h ($${c.prices.publicIpv4PerHour} an address-hour)`,
    `  ${c.perMonth.podsPerDay.toLocaleString('en-US')} pod starts a day (${c.perMonth.pods.toLocaleString('en-US')} a month): ${usd(c.perMonth.usd)} a month for the pod events (docs/scale.md)`,
  ];
}
