/**
 * The scenario file format (documented in docs/scenarios.md; keep it stable). A scenario is an initial region state
 * (state-schema.ts), the app configuration, fault switches (faults-schema.ts), the IAM policies of its actors and a
 * timeline of steps (steps-schema.ts).
 */
import { z } from 'zod';
import { formatIssuePath } from '../../shared/config/schema';
import { FUNCTIONS_ACTOR } from '../core/identities';
import { PolicyDocumentSchema } from '../iam/policy-schema';
import { FaultsSchema } from './faults-schema';
import { checkReferences } from './labels';
import { InitialStateSchema } from './state-schema';
import { parseStep, type ScenarioStep } from './steps-schema';

export { DurationSchema, FAULT_LAYER_SWITCHES, FaultsSchema, parseDuration } from './faults-schema';
export { type InitialState, InitialStateSchema } from './state-schema';
export { type ActionStep, type ScenarioStep, STEP_SCHEMAS } from './steps-schema';

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
    /**
     * IAM users of the scenario and the policy IAM evaluates for each (an actor not listed is allowed everything);
     * eip-keeper's functions carry their roles' policies from the stack.
     */
    actors: z
      .record(z.string().min(1), z.object({ policy: PolicyDocumentSchema }).strict())
      .refine(
        (a) => !(FUNCTIONS_ACTOR in a),
        `${FUNCTIONS_ACTOR}: the functions' policies come from the stack`,
      )
      .default({}),
    steps: z.array(z.unknown()).default([]),
  })
  .strict();

export type Scenario = Omit<z.infer<typeof ScenarioSchema>, 'steps'> & { steps: ScenarioStep[] };

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
  if (problems.length === 0) checkReferences(result.data.state, steps as ScenarioStep[], problems);
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
