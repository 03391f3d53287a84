/**
 * The organization hub's ingestion: each eip-keeper event a member account put on the hub's bus is kept by account
 * and region in the hub's table; a member's alert goes out on the hub's topic naming its account and region
 * (docs/hub.md).
 */
import { createHubIngest, type HubIngestResult } from '../shared/hub/hub';
import type { MemberEvent } from '../shared/hub/model';
import { hubIngestDepsFromContext } from '../shared/hub/wiring';
import type { HandlerFactory } from '../shared/runtime/context';
import { lambdaHandler } from '../shared/runtime/lambda';

export const createHandler: HandlerFactory<unknown, HubIngestResult> = (ctx) => {
  const ingest = createHubIngest(hubIngestDepsFromContext(ctx));
  // decideIngest checks every field it reads: EventBridge delivers the event as JSON, of whatever shape was put.
  return (event) => ingest(event as MemberEvent);
};

export const handler = lambdaHandler('hub-ingest', createHandler);
