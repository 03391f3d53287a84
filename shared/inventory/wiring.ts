/** Builds the inventory from a RuntimeContext: its store on the table, and the recorder over it. */
import type { RuntimeContext } from '../runtime/context';
import { createDocumentClient } from '../store/client';
import { DynamoInventoryStore } from './dynamo-inventory-store';
import { createInventoryRecorder, type InventoryRecorder } from './inventory';
import type { InventoryStore } from './inventory-store';

export function inventoryStoreFromContext(ctx: RuntimeContext): InventoryStore {
  return new DynamoInventoryStore(createDocumentClient(ctx.aws), ctx.env.tableName);
}

export function inventoryRecorderFromContext(ctx: RuntimeContext): InventoryRecorder {
  return createInventoryRecorder({
    store: inventoryStoreFromContext(ctx),
    log: ctx.log,
    metrics: ctx.metrics,
    retentionDays: ctx.config.history.retentionDays,
    keeperRoleArns: ctx.env.keeperRoleArns ?? [],
  });
}
