/**
 * A simulated region kept running for other programs to use (`eip-keeper local up`): its endpoints, DynamoDB Local,
 * the table and topic as the stack deploys them, and the functions on their schedules, with the virtual clock following
 * the wall clock. A scenario seeds it first, its timeline placed so that it ends now: what it tells happened over the
 * last hours, and `sweep`, `report` and `audit` run against it with the real time see it that way.
 */
import { DEFAULT_STACK_NAME, deploymentDocument, deploymentParameterName } from '../shared/config/deployment';
import { ENV, inlineConfigEnvironment } from '../shared/config/environment';
import { accessKeyIdFor } from './core/identities';
import { SimulatedRegion } from './region';
import { regionOptionsOf, runOn } from './scenario/runner';
import { parseScenario, type Scenario, type ScenarioStep } from './scenario/schema';
import { type StoryLine, StoryRecorder } from './scenario/story';

/** Who the printed credentials sign as: the scenario's `admin` (IAM user alice). */
export const LIVE_ACTOR = 'admin';

export interface LiveRegionOptions {
  /** The world to start from and its timeline (default: an empty region with the default configuration). */
  scenario?: Scenario;
  /** Use this DynamoDB Local instead of starting one (tests). */
  dynamoEndpoint?: string;
  /** Each story line as it happens. */
  onStory?: (line: StoryLine) => void;
  /** The wall clock (tests). */
  now?: () => number;
  /** How often the virtual clock catches up with the wall clock. */
  tickMs?: number;
}

export interface LiveRegion {
  region: SimulatedRegion;
  /** The environment a shell needs to run the CLI (and the handlers) against this region. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** Virtual time a timeline moves the clock by, from its `advance` steps. */
export function timelineMs(steps: readonly ScenarioStep[]): number {
  let ms = 0;
  for (const s of steps) {
    if ('advance' in s) ms += s.advance;
    else if ('repeat' in s) ms += s.repeat * timelineMs(s.steps);
  }
  return ms;
}

export async function startLiveRegion(opts: LiveRegionOptions = {}): Promise<LiveRegion> {
  const now = opts.now ?? Date.now;
  const scenario = opts.scenario ?? parseScenario({ name: 'local region' }, 'local up');
  // Whole seconds, so CloudTrail times and the story read cleanly.
  const startMs = Math.floor((now() - timelineMs(scenario.steps)) / 1000) * 1000;
  const region = await SimulatedRegion.start({
    ...regionOptionsOf(scenario, { dynamoEndpoint: opts.dynamoEndpoint }),
    start: new Date(startMs).toISOString(),
  });
  let ticker: NodeJS.Timeout | undefined;
  let tick: Promise<void> = Promise.resolve();
  try {
    await runOn(region, { ...scenario, start: new Date(startMs).toISOString() }, { onStory: opts.onStory });
    publishDeployment(region);
    const story = new StoryRecorder(region, opts.onStory);
    story.catchUp();
    let busy = false;
    ticker = setInterval(() => {
      if (busy) return;
      busy = true;
      tick = (async () => {
        const lag = now() - region.clock.nowMs();
        if (lag > 0) await region.advance(lag);
        story.collect();
      })().finally(() => {
        busy = false;
      });
    }, opts.tickMs ?? 1_000);
  } catch (err) {
    await region.stop();
    throw err;
  }
  return {
    region,
    env: liveEnvironment(region),
    async stop() {
      clearInterval(ticker);
      await tick.catch(() => {});
      await region.stop();
    },
  };
}

/**
 * Publishes the deployment as the stack does (`/eip-keeper/EipKeeper/config` in SSM), so the CLI finds the table,
 * topic and configuration from the region alone, as it does in AWS.
 */
export function publishDeployment(region: SimulatedRegion): void {
  const env = region.runtimeEnv();
  const info = {
    stack: DEFAULT_STACK_NAME,
    account: env.accountId,
    region: env.region,
    tableName: env.tableName,
    alertTopicArn: env.topicArn,
  };
  region.ssm.put(
    deploymentParameterName(DEFAULT_STACK_NAME),
    JSON.stringify(deploymentDocument(info, region.config)),
  );
}

/**
 * The variables the CLI and the handlers read (shared/config/environment.ts is the handlers' contract; the CLI reads
 * the same names), pointing at the region: one endpoint for every simulated API, DynamoDB Local for DynamoDB.
 */
export function liveEnvironment(region: SimulatedRegion): Record<string, string> {
  const env = region.runtimeEnv();
  const inlineConfig = inlineConfigEnvironment(region.config);
  return {
    AWS_REGION: region.regionName,
    AWS_ACCESS_KEY_ID: accessKeyIdFor(LIVE_ACTOR),
    AWS_SECRET_ACCESS_KEY: 'simulated',
    AWS_ENDPOINT_URL: region.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: region.dynamoEndpoint,
    [ENV.tableName]: env.tableName,
    [ENV.topicArn]: env.topicArn,
    [ENV.accountId]: env.accountId,
    [ENV.eventBusName]: env.eventBusName,
    // As the stack sets them. The configuration last: a reader of the written file waits for it.
    [ENV.configDigest]: inlineConfig[ENV.configDigest],
    [ENV.configJson]: inlineConfig[ENV.configJson],
  };
}

/** `NAME='value'` lines (values single-quoted): a POSIX shell sources them, dotenv readers read them. */
export function envLines(env: Record<string, string>, prefix = ''): string {
  return Object.entries(env)
    .map(([k, v]) => `${prefix}${k}='${v.replace(/'/g, `'\\''`)}'`)
    .join('\n');
}
