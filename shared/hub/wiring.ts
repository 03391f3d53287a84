/** Builds the hub's ingestion from a RuntimeContext: the hub's Lambda handler and the simulated organization. */
import { topicFromContext } from '../notify/topic';
import type { RuntimeContext } from '../runtime/context';
import { createDocumentClient } from '../store/client';
import { DynamoHubStore } from './dynamo-hub-store';
import type { HubIngestDeps } from './hub';

export function hubIngestDepsFromContext(ctx: RuntimeContext): HubIngestDeps {
  return {
    store: new DynamoHubStore(createDocumentClient(ctx.aws), ctx.env.tableName),
    alerts: topicFromContext(ctx),
    log: ctx.log,
    metrics: ctx.metrics,
  };
}
