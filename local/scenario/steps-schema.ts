/**
 * The steps of a scenario's timeline (docs/scenarios.md#steps): each kind with its schema, parsed one step at a time so
 * that an error names the step (`step 3 > step 2 (associateAddress.eni): …`).
 */
import { z } from 'zod';
import { formatIssuePath, InvalidConfigError, parseAppConfig } from '../../shared/config/schema';
import { DurationSchema, FaultsSchema } from './faults-schema';
import { ref, tags } from './state-schema';

const actor = z.string().min(1).optional();
const note = z.string().optional();
const as = z.string().min(1).optional();

/** Fields every EC2 action takes: make the call a dry run, or have EC2 fail it (a failed CloudTrail record). */
const ec2Call = {
  /** `DryRun=true`: EC2 answers DryRunOperation and records the call with that errorCode. */
  dryRun: z.boolean().optional(),
  /** EC2 fails this one call with this error (e.g. `InsufficientFreeAddressesInSubnet`), recorded with `errorCode`. */
  failWith: z
    .object({ code: z.string().regex(/^[A-Za-z][A-Za-z.]+$/), message: z.string().optional() })
    .strict()
    .optional(),
};

/** The services whose ENIs `createServiceEni` creates (requester-managed, with their real descriptions and types). */
export const ENI_SERVICES = ['lambda', 'efs', 'alb', 'nlb', 'nat-gateway'] as const;

const RedeploySchema = z
  .object({ config: z.record(z.string(), z.unknown()) })
  .strict()
  .superRefine((r, ctx) => {
    try {
      parseAppConfig(r.config, 'redeploy config');
    } catch (err) {
      if (!(err instanceof InvalidConfigError)) throw err;
      for (const problem of err.problems)
        ctx.addIssue({ code: 'custom', path: ['config'], message: problem });
    }
  });

const DnsChangeSchema = z
  .object({
    /** The hosted zone, by name (`example.com`) or id. */
    zone: z.string().min(1),
    name: z.string().min(1),
    type: z.string().min(1),
    ttl: z.number().int().nonnegative().optional(),
    values: z.array(z.string()).default([]),
    /** An address (id or `as` label) whose public IP becomes one more value. */
    address: ref.optional(),
    /** Delete the record instead of creating or replacing it. */
    delete: z.boolean().optional(),
  })
  .strict();

/** Step schemas by kind; a step's kind is its `action` value, or the first of PLAIN_KINDS it has. */
export const STEP_SCHEMAS = {
  advance: z.object({ advance: DurationSchema, note }).strict(),
  note: z.object({ note: z.string() }).strict(),
  faults: z.object({ faults: FaultsSchema, note }).strict(),
  event: z.object({ event: z.record(z.string(), z.unknown()), note }).strict(),
  invoke: z
    .object({
      invoke: z.string().min(1),
      /** Deliver the same scheduled event this many times at once (EventBridge delivers at least once). */
      copies: z.number().int().min(1).max(10).optional(),
      note,
    })
    .strict(),
  repeat: z
    .object({ repeat: z.number().int().min(1).max(10_000), steps: z.array(z.unknown()).min(1), note })
    .strict(),
  redeploy: z.object({ redeploy: RedeploySchema, note }).strict(),
  dns: z.object({ dns: DnsChangeSchema, note }).strict(),
  before: z
    .object({
      before: z.object({ function: z.string().min(1), call: z.string().regex(/^[A-Z][A-Za-z]+$/) }).strict(),
      steps: z.array(z.unknown()).min(1),
      note,
    })
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
      ...{ actor, as, note, ...ec2Call },
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
      ...{ actor, as, note, ...ec2Call },
    })
    .strict(),
  createServiceEni: z
    .object({
      action: z.literal('createServiceEni'),
      service: z.enum(ENI_SERVICES),
      subnet: ref,
      securityGroups: z.array(z.string()).default([]),
      /** The function, file system, load balancer or NAT gateway the ENI is for (in its description). */
      name: z
        .string()
        .regex(/^[A-Za-z0-9-]{1,64}$/)
        .optional(),
      ...{ as, note, ...ec2Call },
    })
    .strict(),
  deleteNetworkInterface: z
    .object({ action: z.literal('deleteNetworkInterface'), eni: ref, ...{ actor, note, ...ec2Call } })
    .strict(),
  allocateAddress: z
    .object({
      action: z.literal('allocateAddress'),
      tags: tags.optional(),
      ...{ actor, as, note, ...ec2Call },
    })
    .strict(),
  associateAddress: z
    .object({
      action: z.literal('associateAddress'),
      address: ref,
      eni: ref,
      privateIp: z.string().optional(),
      allowReassociation: z.boolean().optional(),
      ...{ actor, note, ...ec2Call },
    })
    .strict(),
  disassociateAddress: z
    .object({ action: z.literal('disassociateAddress'), address: ref, ...{ actor, note, ...ec2Call } })
    .strict(),
  releaseAddress: z
    .object({ action: z.literal('releaseAddress'), address: ref, ...{ actor, note, ...ec2Call } })
    .strict(),
  tagResource: z
    .object({ action: z.literal('tagResource'), resource: ref, tags, ...{ actor, note, ...ec2Call } })
    .strict(),
  untagResource: z
    .object({
      action: z.literal('untagResource'),
      resource: ref,
      keys: z.array(z.string()).min(1),
      ...{ actor, note, ...ec2Call },
    })
    .strict(),
  putParameter: z
    .object({
      action: z.literal('putParameter'),
      name: z.string().min(1),
      value: z.string().min(1),
      type: z.enum(['String', 'StringList', 'SecureString']).default('String'),
      ...{ actor, note },
    })
    .strict(),
} as const;

type StepSchemas = typeof STEP_SCHEMAS;
type Parsed<K extends keyof StepSchemas> = z.infer<StepSchemas[K]>;
export type ActionStep = Extract<
  { [K in keyof StepSchemas]: Parsed<K> }[keyof StepSchemas],
  { action: string }
>;
export type ScenarioStep =
  | { [K in keyof StepSchemas]: Parsed<K> }[Exclude<keyof StepSchemas, 'repeat' | 'before'>]
  | { repeat: number; steps: ScenarioStep[]; note?: string }
  | { before: { function: string; call: string }; steps: ActionStep[]; note?: string };

export const ACTIONS = Object.keys(STEP_SCHEMAS).filter((k) => /^[a-z]+[A-Z]/.test(k));
const PLAIN_KINDS = [
  'advance',
  'faults',
  'event',
  'invoke',
  'repeat',
  'redeploy',
  'dns',
  'before',
  'note',
] as const;

function kindOf(
  obj: Record<string, unknown>,
  where: string,
  problems: string[],
): keyof StepSchemas | undefined {
  if ('action' in obj) {
    if (typeof obj.action !== 'string' || !ACTIONS.includes(obj.action)) {
      problems.push(`${where}: unknown action ${JSON.stringify(obj.action)} (known: ${ACTIONS.join(', ')})`);
      return undefined;
    }
    return obj.action as keyof StepSchemas;
  }
  const kind = PLAIN_KINDS.find((k) => k in obj);
  if (!kind) problems.push(`${where}: a step needs one of ${PLAIN_KINDS.join(', ')} or action`);
  return kind;
}

/** One step, validated; its problems (named by `where`) go to `problems`. */
export function parseStep(raw: unknown, where: string, problems: string[]): ScenarioStep | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problems.push(`${where}: a step must be an object`);
    return undefined;
  }
  const kind = kindOf(raw as Record<string, unknown>, where, problems);
  if (!kind) return undefined;
  const result = STEP_SCHEMAS[kind].safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = formatIssuePath(issue.path);
      problems.push(`${where} (${kind}${key ? `.${key}` : ''}): ${issue.message}`);
    }
    return undefined;
  }
  if (kind !== 'repeat' && kind !== 'before') return result.data as ScenarioStep;
  const nested = result.data as { steps: unknown[] };
  const steps = nested.steps
    .map((s, i) => parseStep(s, `${where} > step ${i + 1}`, problems))
    .filter((s): s is ScenarioStep => s !== undefined);
  if (kind === 'before') {
    steps.forEach((s, i) => {
      if (!('action' in s))
        problems.push(`${where} > step ${i + 1}: only actions can run before a function's call`);
    });
  }
  return { ...(result.data as object), steps } as ScenarioStep;
}
