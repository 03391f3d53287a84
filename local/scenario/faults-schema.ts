/**
 * The fault switches and durations of the scenario format (docs/scenarios.md#faults), used at the top level and by
 * the `faults` step.
 */
import { z } from 'zod';
import { SNS_PUBLISH_ERRORS } from '../region-parts/faults';

/** `90s`, `15m`, `2h`, `3d`, or ISO-8601 `PT15M` / `P1D`. */
export const DurationSchema = z.union([z.number().nonnegative(), z.string().min(2)]).transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `not a duration: ${String(v)} (use 90s, 15m, 2h, 3d or PT15M)` });
    return z.NEVER;
  }
  return ms;
});

export function parseDuration(v: number | string): number | undefined {
  if (typeof v === 'number') return v * 1000;
  const short = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(v.trim());
  if (short) {
    const n = Number(short[1]);
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[
      short[2] as 'ms' | 's' | 'm' | 'h' | 'd'
    ];
    return n * unit;
  }
  const iso = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(v.trim());
  if (iso && v.trim() !== 'P' && v.trim() !== 'PT') {
    const [, d, h, m, s] = iso;
    return ((Number(d ?? 0) * 24 + Number(h ?? 0)) * 60 + Number(m ?? 0)) * 60_000 + Number(s ?? 0) * 1000;
  }
  return undefined;
}

export const DeliveryFaultsSchema = z
  .object({
    delaySeconds: z
      .union([
        z.number().nonnegative(),
        z.object({ min: z.number().nonnegative(), max: z.number().nonnegative() }),
      ])
      .optional(),
    duplicate: z.number().min(0).max(1).optional(),
    copies: z
      .union([
        z.number().int().min(1).max(100),
        z
          .object({ min: z.number().int().min(1).max(100), max: z.number().int().min(1).max(100) })
          .strict()
          .refine((c) => c.min <= c.max, 'min must not exceed max'),
      ])
      .optional(),
    drop: z.number().min(0).max(1).optional(),
    dropEventNames: z.array(z.string()).optional(),
    reorder: z.boolean().optional(),
    reorderWindowSeconds: z.number().nonnegative().optional(),
  })
  .strict();

const probability = z.number().min(0).max(1);

export const HandlerFaultSchema = z
  .object({
    function: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    probability,
    before: z.string().min(1).optional(),
    after: z.string().min(1).optional(),
  })
  .strict();

export const DynamoDbThrottlingSchema = z.union([
  probability,
  z.literal(false),
  z
    .object({
      probability,
      operations: z.array(z.string().min(1)).optional(),
      errorCode: z.enum(['ProvisionedThroughputExceededException', 'ThrottlingException']).optional(),
      cancelTransactions: z.boolean().optional(),
    })
    .strict(),
]);

export const SnsPublishErrorsSchema = z.union([
  probability,
  z.literal(false),
  z
    .object({
      probability,
      errorCode: z
        .enum(
          Object.keys(SNS_PUBLISH_ERRORS) as [
            keyof typeof SNS_PUBLISH_ERRORS,
            ...(keyof typeof SNS_PUBLISH_ERRORS)[],
          ],
        )
        .optional(),
    })
    .strict(),
]);

export const FaultsSchema = z
  .object({
    delivery: DeliveryFaultsSchema.optional(),
    ec2Throttling: z.boolean().optional(),
    ec2ServerErrors: z.number().min(0).max(1).optional(),
    snsPublishErrors: SnsPublishErrorsSchema.optional(),
    dynamodbThrottling: DynamoDbThrottlingSchema.optional(),
    handlerTimeout: z.union([HandlerFaultSchema, z.literal(false)]).optional(),
    handlerCrash: z.union([HandlerFaultSchema, z.literal(false)]).optional(),
  })
  .strict();

/** Fault switches that need the region's fault layer (a proxy in front of DynamoDB, invocation tracking). */
export const FAULT_LAYER_SWITCHES = ['dynamodbThrottling', 'handlerTimeout', 'handlerCrash'] as const;
