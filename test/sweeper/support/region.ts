/**
 * Scenario-test support for the sweeper: a simulated region with the inventory recorder (and, when asked, the
 * scheduled Sweeper), a sweeper built exactly as the Lambda handler builds it but run by the test at chosen virtual
 * times, and a few readers of what happened.
 */
import {
  AssociateAddressCommand,
  CreateTagsCommand,
  DeleteTagsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { inject } from 'vitest';
import { SimulatedRegion } from '../../../local/region';
import { localContext } from '../../../local/runtime';
import { runOn } from '../../../local/scenario/runner';
import { parseScenario } from '../../../local/scenario/schema';
import { deliveredMessage, type PublishedMessage } from '../../../local/sns/service';
import { type FunctionSpec, inventoryRecorder, sweeper } from '../../../shared/app/functions';
import { clientOptions } from '../../../shared/aws/clients';
import type { AppConfigInput } from '../../../shared/config/schema';
import type { NotificationDocument } from '../../../shared/notify/document';
import { createDocumentClient } from '../../../shared/store/client';
import { DynamoSweepStore } from '../../../shared/sweeper/dynamo-sweep-store';
import type { SweepStore } from '../../../shared/sweeper/sweep-store';
import { createSweeper, type SweeperDeps, type SweepResult } from '../../../shared/sweeper/sweeper';
import { sweeperDepsFromContext } from '../../../shared/sweeper/wiring';
import { POD_ENI_DESCRIPTION, POD_SG, SUBNET, worldState } from '../../support/world';

export const START = '2026-01-05T09:00:00.000Z';
export const HOUR = 3_600_000;
export const at = (hours: number): string => new Date(Date.parse(START) + hours * HOUR).toISOString();

export const ENI = 'eni-0a1b2c3d4e5f60001';

/** The shared world's network, without its pool EIPs, and one branch ENI nobody manages, to associate with. */
export const VPC_STATE = {
  ...worldState({ eips: 0 }),
  addressLimit: 50,
  networkInterfaces: [
    { id: ENI, subnetId: SUBNET, description: POD_ENI_DESCRIPTION, securityGroupIds: [POD_SG] },
  ],
};

export interface SweeperRegion {
  region: SimulatedRegion;
  deps: SweeperDeps;
  /** Runs one sweep at the current virtual time (run id defaults to a fresh one). */
  sweep(opts?: { runId?: string; dryRun?: boolean }): Promise<SweepResult>;
  /** Moves the virtual clock to `start + hours` (delivering CloudTrail events on the way). */
  advanceTo(hours: number): Promise<void>;
  /** An EC2 client acting as the admin (alice), for changes made "by someone else". */
  admin: EC2Client;
  associate(allocationId: string, eniId?: string): Promise<void>;
  tag(allocationId: string, tags: Record<string, string>): Promise<void>;
  /** Removes a tag key, as the admin (alice), and lets CloudTrail's event reach the inventory. */
  untag(allocationId: string, key: string): Promise<void>;
  store: DynamoSweepStore;
  messages(): PublishedMessage[];
  calls(action: string): number;
  stop(): Promise<void>;
}

let runs = 0;

/**
 * A region seeded with `state` (scenario format) and a sweeper the test drives. `functions` defaults to the
 * recorder only, so no scheduled sweep runs behind the test's back.
 */
export async function startSweeperRegion(opts: {
  config: AppConfigInput;
  state: Record<string, unknown>;
  steps?: unknown[];
  functions?: FunctionSpec[];
  wrap?: (deps: SweeperDeps) => SweeperDeps;
  /** The virtual time the region starts at (START unless given). */
  start?: string;
  /** Handler crashes and timeouts (the region's fault layer). */
  faultLayer?: boolean;
}): Promise<SweeperRegion> {
  const start = opts.start ?? START;
  const region = await SimulatedRegion.start({
    config: opts.config,
    start,
    dynamoEndpoint: inject('dynamoEndpoint'),
    functions: opts.functions ?? [inventoryRecorder],
    faultLayer: opts.faultLayer ?? false,
  });
  await runOn(
    region,
    parseScenario(
      { name: 'rig', start, config: opts.config, state: opts.state, steps: opts.steps ?? [] },
      'rig',
    ),
  );
  const ctx = localContext({
    functionId: 'SweeperUnderTest',
    env: region.runtimeEnv(),
    config: region.config,
    aws: region.connection('eip-keeper'),
    clock: region.clock,
    logs: region.logs,
    metrics: region.metrics,
  });
  const base = sweeperDepsFromContext(ctx);
  const deps = opts.wrap ? opts.wrap(base) : base;
  const run = createSweeper(deps);
  const admin = new EC2Client({ ...clientOptions(region.connection('admin'), 'ec2') });
  const store = new DynamoSweepStore(createDocumentClient(region.connection()), region.tableName, 400);
  return {
    region,
    deps,
    sweep: (o = {}) => run({ runId: o.runId ?? `test-run-${++runs}`, dryRun: o.dryRun }),
    advanceTo: (hours) => region.advance(Date.parse(start) + hours * HOUR - region.clock.nowMs()),
    admin,
    async associate(allocationId, eniId = ENI) {
      await admin.send(
        new AssociateAddressCommand({ AllocationId: allocationId, NetworkInterfaceId: eniId }),
      );
      await region.settle();
    },
    async tag(allocationId, tags) {
      await admin.send(
        new CreateTagsCommand({
          Resources: [allocationId],
          Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      );
    },
    async untag(allocationId, key) {
      await admin.send(new DeleteTagsCommand({ Resources: [allocationId], Tags: [{ Key: key }] }));
      await region.settle();
    },
    store,
    messages: () => region.sns.messages,
    calls: (action) => region.server.calls.filter((c) => c.action === action).length,
    async stop() {
      admin.destroy();
      await region.stop();
    },
  };
}

/** The kind of an alert and the allocation id it is about (or `DIGEST`), from what an SQS subscriber receives. */
export function alertTarget(m: PublishedMessage): { kind: string; allocationId: string } {
  const doc = JSON.parse(deliveredMessage(m, 'sqs')) as NotificationDocument;
  return { kind: doc.kind, allocationId: (doc.facts.allocationId as string | undefined) ?? 'DIGEST' };
}

/** What an SQS subscriber receives: the versioned document. */
export function documentOf(m: PublishedMessage): NotificationDocument {
  return JSON.parse(deliveredMessage(m, 'sqs')) as NotificationDocument;
}

/** What an e-mail subscriber reads. */
export function emailOf(m: PublishedMessage): string {
  return deliveredMessage(m, 'email');
}

/** The store with some of its methods replaced (the rest still the store's own). */
export function wrapStore(store: SweepStore, over: Partial<SweepStore>): SweepStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const replaced = (over as Record<PropertyKey, unknown>)[prop];
      if (replaced !== undefined) return replaced;
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** The functions a sweeper timeline deploys: the inventory recorder and the scheduled Sweeper. */
export const SWEEPER_FUNCTIONS = [inventoryRecorder, sweeper];
