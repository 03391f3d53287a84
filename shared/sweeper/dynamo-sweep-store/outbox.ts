/**
 * The outbox of "released" alerts: put in the same transaction as the release record (once: `attribute_not_exists`),
 * deleted once the alert is confirmed sent, listed by every sweep so that one dying after a release still has its
 * alert delivered by the next.
 */
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { CorruptItemError } from '../../store/errors';
import type { Item } from '../../store/query';
import { TABLE_KEYS } from '../../store/table';
import { outboxKey, SWEEP_ITEM_TYPE, SWEEP_KIND } from '../keys';
import type { OutboxItem } from '../sweep-store';
import { queryKind, type SweepTable } from './table';

const outboxId = (item: OutboxItem): string => item.key.id;

export function outboxPut(table: SweepTable, item: OutboxItem) {
  return {
    TableName: table.tableName,
    Item: {
      ...outboxKey(item.allocationId, outboxId(item)),
      [TABLE_KEYS.gsi1.partitionKey]: SWEEP_KIND.outbox,
      [TABLE_KEYS.gsi1.sortKey]: `${item.createdAt}#${item.allocationId}`,
      itemType: SWEEP_ITEM_TYPE.outbox,
      allocationId: item.allocationId,
      alertScope: item.key.scope,
      alertId: item.key.id,
      notification: item.notification,
      createdAt: item.createdAt,
      runId: item.runId,
    },
    ConditionExpression: 'attribute_not_exists(PK)',
  };
}

function decodeOutbox(item: Item): OutboxItem {
  if (typeof item.allocationId !== 'string' || typeof item.notification !== 'string') {
    throw new CorruptItemError(
      { PK: item.PK, SK: item.SK },
      'outbox item lacks allocationId or notification',
    );
  }
  return {
    allocationId: item.allocationId,
    key: { scope: String(item.alertScope ?? item.allocationId), id: String(item.alertId ?? '') },
    notification: item.notification,
    createdAt: String(item.createdAt ?? ''),
    runId: String(item.runId ?? ''),
  };
}

export async function listOutbox(table: SweepTable): Promise<OutboxItem[]> {
  return (await queryKind(table, SWEEP_KIND.outbox)).map(decodeOutbox);
}

export async function deleteOutbox(table: SweepTable, item: OutboxItem): Promise<void> {
  await table.doc.send(
    new DeleteCommand({ TableName: table.tableName, Key: outboxKey(item.allocationId, outboxId(item)) }),
  );
}
