/**
 * An EC2-only simulated region for tests: a SimulatedServer with just this module, a real EC2Client pointed at
 * it, the CloudTrail events it emits, and (optionally) AWS-rate throttling on a clock the test controls.
 */
import { EC2Client, type EC2ClientConfig } from '@aws-sdk/client-ec2';
import { VirtualClock } from '../core/clock';
import { createIdFactory } from '../core/ids';
import { SimulatedServer } from '../core/server';
import { Throttler } from '../core/throttle';
import type { EventBridgeEvent, ServiceEnv } from '../core/types';
import { createEc2Service } from './service';
import { Ec2State, type Ec2StateOptions } from './state';

export const TEST_CREDENTIALS = { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' };

export interface Ec2Sim {
  state: Ec2State;
  server: SimulatedServer;
  clock: VirtualClock;
  endpoint: string;
  /** CloudTrail events (EventBridge envelopes) in emission order. */
  events: EventBridgeEvent[];
  /** A fresh EC2Client for this region, `maxAttempts: 1` unless overridden (destroyed by `stop`). */
  client(config?: Partial<EC2ClientConfig>): EC2Client;
  /** Switches AWS-rate token buckets on, timed by the virtual clock. */
  enableThrottling(): void;
  stop(): Promise<void>;
}

export async function startEc2Sim(
  opts: { region?: string; accountId?: string; seed?: number; state?: Ec2StateOptions } = {},
): Promise<Ec2Sim> {
  const region = opts.region ?? 'eu-west-1';
  const accountId = opts.accountId ?? '111122223333';
  const clock = new VirtualClock();
  const env: ServiceEnv = { region, accountId, clock, ids: createIdFactory(opts.seed ?? 1) };
  const state = new Ec2State(env, opts.state);
  const events: EventBridgeEvent[] = [];
  let throttler: Throttler | undefined;
  const server = new SimulatedServer({
    env,
    resolveCaller: (accessKeyId) => ({
      actor: 'test',
      principalArn: `arn:aws:iam::${accountId}:user/test`,
      userIdentity: {
        type: 'IAMUser',
        principalId: 'AIDATESTUSER',
        arn: `arn:aws:iam::${accountId}:user/test`,
        accountId,
        accessKeyId,
        userName: 'test',
      },
    }),
    onCloudTrail: (e) => events.push(e),
    throttler: () => throttler,
  });
  server.register(createEc2Service(state));
  const endpoint = await server.start();
  const clients: EC2Client[] = [];
  return {
    state,
    server,
    clock,
    endpoint,
    events,
    client(config = {}) {
      const c = new EC2Client({ endpoint, region, credentials: TEST_CREDENTIALS, maxAttempts: 1, ...config });
      clients.push(c);
      return c;
    },
    enableThrottling() {
      throttler = new Throttler(() => clock.nowMs());
    },
    async stop() {
      for (const c of clients) c.destroy();
      await server.stop();
    },
  };
}
