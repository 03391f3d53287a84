/** EIP history items: one per event, written once (a duplicate delivery finds it there). */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { CorruptItemError, isConditionalCheckFailed } from '../../store/errors';
import { ITEM_TYPE, PREFIX } from '../../store/keys';
import { type Item, queryPrefix } from '../../store/query';
import { TABLE_KEYS } from '../../store/table';
import { eipHistoryKey, eipPk } from '../keys';
import type { EipHistoryEvent } from '../model';
import { keyOf } from './item';
import type { InventoryTable } from './update';

const HISTORY_EVENT_NAMES = new Set([
  'AllocateAddress',
  'AssociateAddress',
  'DisassociateAddress',
  'ReleaseAddress',
  'CreateTags',
  'DeleteTags',
]);

function decodeHistoryEvent(item: Item): EipHistoryEvent {
  const record = item.record as Item | undefined;
  if (
    typeof record !== 'object' ||
    record === null ||
    !HISTORY_EVENT_NAMES.has(String(record.eventName)) ||
    typeof record.eventId !== 'string' ||
    typeof record.eventTime !== 'string' ||
    typeof record.allocationId !== 'string'
  ) {
    throw new CorruptItemError(keyOf(item), 'history item has no valid `record`');
  }
  return record as unknown as EipHistoryEvent;
}

export async function putEipHistory(
  table: InventoryTable,
  event: EipHistoryEvent,
  expiresAt: number,
): Promise<'written' | 'duplicate'> {
  try {
    await table.doc.send(
      new PutCommand({
        TableName: table.tableName,
        Item: {
          ...eipHistoryKey(event.allocationId, event.eventTime, event.eventId),
          itemType: ITEM_TYPE.eipHistory,
          allocationId: event.allocationId,
          eventName: event.eventName,
          eventTime: event.eventTime,
          eventId: event.eventId,
          record: event,
          [TABLE_KEYS.ttlAttribute]: expiresAt,
        },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
    return 'written';
  } catch (err) {
    if (isConditionalCheckFailed(err)) return 'duplicate';
    throw err;
  }
}

export async function listEipHistory(
  table: InventoryTable,
  allocationId: string,
): Promise<EipHistoryEvent[]> {
  const items = await queryPrefix(table.doc, table.tableName, eipPk(allocationId), PREFIX.history);
  return items.map(decodeHistoryEvent);
}
