/**
 * Runs a scenario on a fresh simulated region: seeds the initial state, applies the timeline (AWS-side actions go
 * through the real AWS APIs as the named actor, so they emit the CloudTrail events AWS would), and collects the
 * story and the final state.
 */
import { type RegionOptions, SimulatedRegion } from '../region';
import { FAULT_LAYER_SWITCHES, type Scenario, type ScenarioStep } from './schema';
import { seedRegion } from './seed';
import { runStep, StepContext } from './steps';
import { collectOutput, type ScenarioOutput, type StoryLine, StoryRecorder } from './story';

export { ScenarioStepError } from './steps';

export interface ScenarioRunOptions {
  dynamoEndpoint?: string;
  echoLogs?: boolean;
  /** Called for each story line as it happens (the CLI prints them live). */
  onStory?: (line: StoryLine) => void;
  /** Override the deployed functions (tests). */
  functions?: RegionOptions['functions'];
}

export interface ScenarioResult {
  story: StoryLine[];
  output: ScenarioOutput;
}

/** The region a scenario runs on: its own, with the fault layer when the scenario needs it. */
export function regionOptionsOf(scenario: Scenario, opts: ScenarioRunOptions = {}): RegionOptions {
  return {
    region: scenario.region,
    accountId: scenario.accountId,
    start: scenario.start,
    seed: scenario.seed,
    config: scenario.config,
    dynamoEndpoint: opts.dynamoEndpoint,
    concurrency: scenario.concurrency,
    functions: opts.functions,
    echoLogs: opts.echoLogs,
    faultLayer: usesFaultLayer(scenario),
    actorPolicies: Object.fromEntries(Object.entries(scenario.actors).map(([name, a]) => [name, a.policy])),
  };
}

export async function runScenario(
  scenario: Scenario,
  opts: ScenarioRunOptions = {},
): Promise<ScenarioResult> {
  const region = await SimulatedRegion.start(regionOptionsOf(scenario, opts));
  try {
    return await runOn(region, scenario, opts);
  } finally {
    await region.stop();
  }
}

/** Runs a scenario's state and steps on an already started region (tests use this to inspect it afterwards). */
export async function runOn(
  region: SimulatedRegion,
  scenario: Scenario,
  opts: ScenarioRunOptions = {},
): Promise<ScenarioResult> {
  const labels = new Map<string, string>();
  const story = new StoryRecorder(region, opts.onStory);
  seedRegion(region, scenario.state, labels);
  if (scenario.faults) region.setFaults(scenario.faults);
  story.line('setup', `region ${region.regionName} (account ${region.accountId}): ${describeSeed(region)}`);
  const ctx = new StepContext(region, labels, story);
  const settle = async () => {
    await region.settle();
    story.collect();
  };
  try {
    for (const [i, step] of scenario.steps.entries()) {
      await runStep(step, ctx, `step ${i + 1}`, settle);
      await settle();
    }
  } finally {
    ctx.destroy();
  }
  for (const hook of region.faults.pendingHooks())
    story.line(
      'warning',
      `  ${hook.functionId} never called ${hook.action}: what was to slip in before it never ran`,
    );
  const output = await collectOutput(region, scenario, labels);
  return { story: story.lines, output };
}

/** True when the scenario needs the region's fault layer: a switch that needs it, or a hook before a function's call. */
export function usesFaultLayer(scenario: Pick<Scenario, 'faults' | 'steps'>): boolean {
  const needs = (faults: object | undefined) =>
    faults !== undefined && FAULT_LAYER_SWITCHES.some((k) => k in faults);
  const inSteps = (steps: ScenarioStep[]): boolean =>
    steps.some(
      (s) => ('faults' in s && needs(s.faults)) || 'before' in s || ('repeat' in s && inSteps(s.steps)),
    );
  return needs(scenario.faults) || inSteps(scenario.steps);
}

function describeSeed(region: SimulatedRegion): string {
  return Object.entries(region.seedSummary())
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
}
