/** Alert claims: an alert is claimed (conditional create) before it is published, so it goes out once. */
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed } from '../../store/errors';
import { expiresAtFor } from '../../store/keys';
import { TABLE_KEYS } from '../../store/table';
import { alertKey, SWEEP_ITEM_TYPE } from '../keys';
import type { AlertClaim, AlertKey } from '../sweep-store';
import type { SweepTable } from './table';

export async function claimAlert(
  table: SweepTable,
  retentionDays: number,
  key: AlertKey,
  runId: string,
  at: string,
  subject: string,
): Promise<AlertClaim> {
  try {
    await table.doc.send(
      new PutCommand({
        TableName: table.tableName,
        Item: {
          ...alertKey(key.scope, key.id),
          itemType: SWEEP_ITEM_TYPE.alert,
          state: 'pending',
          runId,
          at,
          subject,
          [TABLE_KEYS.ttlAttribute]: expiresAtFor(at, retentionDays),
        },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
    return { status: 'claimed' };
  } catch (err) {
    if (!isConditionalCheckFailed(err)) throw err;
  }
  const out = await table.doc.send(
    new GetCommand({ TableName: table.tableName, Key: alertKey(key.scope, key.id), ConsistentRead: true }),
  );
  const item = out.Item ?? {};
  return {
    status: 'taken',
    state: item.state === 'sent' ? 'sent' : 'pending',
    runId: String(item.runId ?? ''),
    at: String(item.at ?? at),
  };
}

export async function confirmAlert(
  table: SweepTable,
  key: AlertKey,
  runId: string,
  messageId: string,
): Promise<void> {
  await table.doc.send(
    new UpdateCommand({
      TableName: table.tableName,
      Key: alertKey(key.scope, key.id),
      UpdateExpression: 'SET #state = :sent, messageId = :mid',
      ConditionExpression: 'runId = :run',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':sent': 'sent', ':mid': messageId, ':run': runId },
    }),
  );
}

export async function dropAlertClaim(table: SweepTable, key: AlertKey, runId: string): Promise<void> {
  try {
    await table.doc.send(
      new DeleteCommand({
        TableName: table.tableName,
        Key: alertKey(key.scope, key.id),
        ConditionExpression: 'runId = :run AND #state = :pending',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':run': runId, ':pending': 'pending' },
      }),
    );
  } catch (err) {
    if (!isConditionalCheckFailed(err)) throw err;
  }
}
