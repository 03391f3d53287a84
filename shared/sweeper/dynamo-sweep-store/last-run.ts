/** The last sweep that read every address: only ever moved forward, so a late retry cannot move it back. */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed } from '../../store/errors';
import { lastRunKey, SWEEP_ITEM_TYPE } from '../keys';
import type { SweepTable } from './table';

export async function lastRun(table: SweepTable): Promise<{ at: string; runId: string } | null> {
  const out = await table.doc.send(
    new GetCommand({ TableName: table.tableName, Key: lastRunKey(), ConsistentRead: true }),
  );
  const item = out.Item;
  return typeof item?.at === 'string' ? { at: item.at, runId: String(item.runId ?? '') } : null;
}

export async function recordRun(table: SweepTable, at: string, runId: string): Promise<void> {
  try {
    await table.doc.send(
      new PutCommand({
        TableName: table.tableName,
        Item: { ...lastRunKey(), itemType: SWEEP_ITEM_TYPE.run, at, runId },
        ConditionExpression: 'attribute_not_exists(#at) OR #at < :at',
        ExpressionAttributeNames: { '#at': 'at' },
        ExpressionAttributeValues: { ':at': at },
      }),
    );
  } catch (err) {
    if (!isConditionalCheckFailed(err)) throw err;
  }
}
