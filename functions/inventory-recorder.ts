/**
 * Inventory recorder: records every EIP/ENI CloudTrail event (rule `InventoryEvents`) into the EIP inventory and
 * its history. Rejected events and failed calls return normally (logged and counted); table errors throw, so
 * Lambda retries and the DLQ catches what still fails.
 */
import type { ExpectedOrigin } from '../shared/events/cloudtrail';
import { createInventoryRecorder, type InventoryRecorderResult } from '../shared/inventory/recorder';
import type { HandlerFactory } from '../shared/runtime/context';
import { lambdaHandler } from '../shared/runtime/lambda';
import { createDocumentClient } from '../shared/store/client';
import { DynamoInventoryStore } from '../shared/store/dynamo-inventory-store';

export const createHandler: HandlerFactory<unknown, InventoryRecorderResult> = (ctx) => {
  const store = new DynamoInventoryStore(createDocumentClient(ctx.aws), ctx.env.tableName);
  const recorder = createInventoryRecorder({
    store,
    log: ctx.log,
    metrics: ctx.metrics,
    retentionDays: ctx.config.history.retentionDays,
  });
  const expected: ExpectedOrigin = { accountId: ctx.env.accountId, region: ctx.env.region };
  return (event) => recorder.handle(event, expected);
};

export const handler = lambdaHandler('inventory-recorder', createHandler);
