/**
 * Inventory recorder: records every EIP/ENI CloudTrail event (rule `InventoryEvents`) into the EIP inventory and
 * its history. Rejected events and failed calls return normally (logged and counted); table errors throw, so
 * Lambda retries and the DLQ catches what still fails.
 */
import type { ExpectedOrigin } from '../shared/events/cloudtrail';
import type { InventoryRecorderResult } from '../shared/inventory/inventory';
import { inventoryRecorderFromContext } from '../shared/inventory/wiring';
import type { HandlerFactory } from '../shared/runtime/context';
import { lambdaHandler } from '../shared/runtime/lambda';

export const createHandler: HandlerFactory<unknown, InventoryRecorderResult> = (ctx) => {
  const recorder = inventoryRecorderFromContext(ctx);
  const expected: ExpectedOrigin = { accountId: ctx.env.accountId, region: ctx.env.region };
  return (event) => recorder.handle(event, expected);
};

export const handler = lambdaHandler('inventory-recorder', createHandler);
