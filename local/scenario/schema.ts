/**
 * The scenario file format (documented in docs/scenarios.md; keep it stable). A scenario is an initial region state,
 * the app configuration, fault switches and a timeline of steps.
 */
import { z } from 'zod';
import { formatIssuePath } from '../../shared/config/schema';
import { EksScenarioSchema, IamRolesScenarioSchema } from '../eks/scenario';

const tags = z.record(z.string().min(1).max(128), z.string().max(256));
const ref = z.string().min(1).describe('a resource id, or the `as` label a step gave it');

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

export const FaultsSchema = z
  .object({
    delivery: DeliveryFaultsSchema.optional(),
    ec2Throttling: z.boolean().optional(),
    ec2ServerErrors: z.number().min(0).max(1).optional(),
    dynamodbThrottling: DynamoDbThrottlingSchema.optional(),
    handlerTimeout: z.union([HandlerFaultSchema, z.literal(false)]).optional(),
    handlerCrash: z.union([HandlerFaultSchema, z.literal(false)]).optional(),
  })
  .strict();

/** Fault switches that need the region's fault layer (a proxy in front of DynamoDB, invocation tracking). */
export const FAULT_LAYER_SWITCHES = ['dynamodbThrottling', 'handlerTimeout', 'handlerCrash'] as const;

export const InitialStateSchema = z
  .object({
    /** EKS clusters, node groups (with their EC2 nodes), add-ons, Kubernetes objects. */
    eks: EksScenarioSchema.optional(),
    /** IAM roles and their attached managed policies. */
    iamRoles: IamRolesScenarioSchema.optional(),
    /** The account's EIP quota in the region (AWS's default is 5); AllocateAddress beyond it fails. */
    addressLimit: z.number().int().min(0).max(100_000).optional(),
    vpcs: z.array(z.object({ id: z.string(), cidr: z.string(), tags: tags.optional() }).strict()).default([]),
    subnets: z
      .array(
        z
          .object({
            id: z.string(),
            vpcId: z.string(),
            az: z.string(),
            cidr: z.string(),
            tags: tags.optional(),
            /** Occupy this many addresses up front (a nearly full pod subnet). */
            usedIps: z.number().int().nonnegative().optional(),
          })
          .strict(),
      )
      .default([]),
    routeTables: z
      .array(
        z
          .object({
            id: z.string(),
            vpcId: z.string(),
            main: z.boolean().default(false),
            subnetIds: z.array(z.string()).default([]),
            routes: z
              .array(
                z
                  .object({
                    destination: z.string(),
                    gatewayId: z.string().optional(),
                    natGatewayId: z.string().optional(),
                  })
                  .strict(),
              )
              .default([]),
          })
          .strict(),
      )
      .default([]),
    securityGroups: z
      .array(z.object({ id: z.string(), name: z.string(), vpcId: z.string() }).strict())
      .default([]),
    instances: z
      .array(
        z
          .object({
            id: z.string(),
            instanceType: z.string(),
            subnetId: z.string(),
            launchTime: z.string().optional(),
            tags: tags.optional(),
          })
          .strict(),
      )
      .default([]),
    networkInterfaces: z
      .array(
        z
          .object({
            id: z.string(),
            subnetId: z.string(),
            description: z.string().default(''),
            interfaceType: z.string().optional(),
            securityGroupIds: z.array(z.string()).default([]),
            privateIp: z.string().optional(),
            secondaryPrivateIps: z.array(z.string()).optional(),
            tags: tags.optional(),
            instanceId: z.string().optional(),
            deviceIndex: z.number().int().nonnegative().optional(),
            requesterManaged: z.boolean().optional(),
          })
          .strict(),
      )
      .default([]),
    addresses: z
      .array(
        z
          .object({
            allocationId: z.string().optional(),
            publicIp: z.string().optional(),
            tags: tags.optional(),
            networkInterfaceId: z.string().optional(),
            privateIp: z.string().optional(),
            serviceManaged: z.string().optional(),
            publicIpv4Pool: z.string().optional(),
            as: z.string().optional(),
            /** AWS locked the address to the account: ReleaseAddress fails `InvalidAddress.Locked`. */
            locked: z.boolean().optional(),
            /** A reverse-DNS record is set: ReleaseAddress fails `InvalidAddress.PtrSet`. */
            ptrSet: z.boolean().optional(),
          })
          .strict(),
      )
      .default([]),
    /** Route 53 hosted zones of the account and their records. */
    hostedZones: z
      .array(
        z
          .object({
            id: z.string().optional(),
            name: z.string().min(1),
            private: z.boolean().default(false),
            records: z
              .array(
                z
                  .object({
                    name: z.string().min(1),
                    type: z.string().min(1),
                    ttl: z.number().int().nonnegative().optional(),
                    values: z.array(z.string()).default([]),
                    /** An address (id or `as` label) whose public IP becomes one more value. */
                    address: ref.optional(),
                  })
                  .strict(),
              )
              .default([]),
          })
          .strict(),
      )
      .default([]),
    /** SSM parameters, e.g. the kill switch `/eip-keeper/kill-switch`. */
    ssmParameters: z
      .array(
        z
          .object({
            name: z.string().min(1),
            value: z.string().min(1),
            type: z.enum(['String', 'StringList', 'SecureString']).default('String'),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();

const actor = z.string().min(1).optional();

const note = z.string().optional();

/** Step schemas by kind; a step's kind is its `action` value, or the first of these keys it has. */
export const STEP_SCHEMAS = {
  advance: z.object({ advance: DurationSchema, note }).strict(),
  note: z.object({ note: z.string() }).strict(),
  faults: z.object({ faults: FaultsSchema, note }).strict(),
  event: z.object({ event: z.record(z.string(), z.unknown()), note }).strict(),
  invoke: z.object({ invoke: z.string().min(1), note }).strict(),
  repeat: z
    .object({ repeat: z.number().int().min(1).max(10_000), steps: z.array(z.unknown()).min(1), note })
    .strict(),
  createBranchEni: z
    .object({
      action: z.literal('createBranchEni'),
      subnet: ref,
      securityGroups: z.array(z.string()).min(1),
      cluster: z.string().optional(),
      /** The pod's node (instance id): with a cluster of the scenario, its VPC resource controller ties the ENI to it. */
      node: z.string().optional(),
      tags: tags.optional(),
      actor,
      as: z.string().optional(),
      note,
    })
    .strict(),
  createNetworkInterface: z
    .object({
      action: z.literal('createNetworkInterface'),
      subnet: ref,
      description: z.string().default(''),
      securityGroups: z.array(z.string()).default([]),
      secondaryIpCount: z.number().int().min(0).max(49).optional(),
      tags: tags.optional(),
      actor,
      as: z.string().optional(),
      note,
    })
    .strict(),
  deleteNetworkInterface: z
    .object({ action: z.literal('deleteNetworkInterface'), eni: ref, actor, note })
    .strict(),
  allocateAddress: z
    .object({
      action: z.literal('allocateAddress'),
      tags: tags.optional(),
      actor,
      as: z.string().optional(),
      note,
    })
    .strict(),
  associateAddress: z
    .object({
      action: z.literal('associateAddress'),
      address: ref,
      eni: ref,
      privateIp: z.string().optional(),
      allowReassociation: z.boolean().optional(),
      actor,
      note,
    })
    .strict(),
  disassociateAddress: z
    .object({ action: z.literal('disassociateAddress'), address: ref, actor, note })
    .strict(),
  releaseAddress: z.object({ action: z.literal('releaseAddress'), address: ref, actor, note }).strict(),
  tagResource: z.object({ action: z.literal('tagResource'), resource: ref, tags, actor, note }).strict(),
  untagResource: z
    .object({
      action: z.literal('untagResource'),
      resource: ref,
      keys: z.array(z.string()).min(1),
      actor,
      note,
    })
    .strict(),
} as const;

type StepSchemas = typeof STEP_SCHEMAS;
export type ScenarioStep =
  | { [K in keyof StepSchemas]: z.infer<StepSchemas[K]> }[Exclude<keyof StepSchemas, 'repeat'>]
  | { repeat: number; steps: ScenarioStep[]; note?: string };

const ACTIONS = Object.keys(STEP_SCHEMAS).filter((k) => /^[a-z]+[A-Z]/.test(k));
const PLAIN_KINDS = ['advance', 'faults', 'event', 'invoke', 'repeat', 'note'] as const;

function parseStep(raw: unknown, where: string, problems: string[]): ScenarioStep | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problems.push(`${where}: a step must be an object`);
    return undefined;
  }
  const obj = raw as Record<string, unknown>;
  let kind: keyof StepSchemas | undefined;
  if ('action' in obj) {
    if (typeof obj.action !== 'string' || !ACTIONS.includes(obj.action)) {
      problems.push(`${where}: unknown action ${JSON.stringify(obj.action)} (known: ${ACTIONS.join(', ')})`);
      return undefined;
    }
    kind = obj.action as keyof StepSchemas;
  } else {
    kind = PLAIN_KINDS.find((k) => k in obj);
  }
  if (!kind) {
    problems.push(`${where}: a step needs one of ${PLAIN_KINDS.join(', ')} or action`);
    return undefined;
  }
  const result = STEP_SCHEMAS[kind].safeParse(obj);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = formatIssuePath(issue.path);
      problems.push(`${where} (${kind}${key ? `.${key}` : ''}): ${issue.message}`);
    }
    return undefined;
  }
  if (kind === 'repeat') {
    const r = result.data as { repeat: number; steps: unknown[]; note?: string };
    const steps = r.steps.map((s, i) => parseStep(s, `${where} > step ${i + 1}`, problems));
    return { repeat: r.repeat, steps: steps.filter((s): s is ScenarioStep => s !== undefined), note: r.note };
  }
  return result.data as ScenarioStep;
}

export const ScenarioSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    region: z.string().default('eu-west-1'),
    accountId: z
      .string()
      .regex(/^\d{12}$/)
      .default('111122223333'),
    start: z.string().datetime().default('2026-01-05T09:00:00Z'),
    seed: z.number().int().default(1),
    concurrency: z.number().int().min(1).max(1000).default(10),
    config: z.record(z.string(), z.unknown()).default({}),
    state: InitialStateSchema.default(InitialStateSchema.parse({})),
    faults: FaultsSchema.optional(),
    steps: z.array(z.unknown()).default([]),
  })
  .strict();

export type Scenario = Omit<z.infer<typeof ScenarioSchema>, 'steps'> & { steps: ScenarioStep[] };
export type InitialState = z.infer<typeof InitialStateSchema>;

/** Raised for an invalid scenario; the message names the bad step or key. */
export class InvalidScenarioError extends Error {
  override readonly name = 'InvalidScenarioError';
}

export function parseScenario(raw: unknown, source: string): Scenario {
  const problems: string[] = [];
  const result = ScenarioSchema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues)
      problems.push(`${formatIssuePath(issue.path) || '(root)'}: ${issue.message}`);
    throw new InvalidScenarioError(
      `invalid scenario ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
  const steps = result.data.steps.map((s, i) => parseStep(s, `step ${i + 1}`, problems));
  if (problems.length > 0) {
    throw new InvalidScenarioError(
      `invalid scenario ${source}:\n${problems
        .slice(0, 10)
        .map((p) => `  - ${p}`)
        .join('\n')}`,
    );
  }
  return { ...result.data, steps: steps as ScenarioStep[] };
}
