/** The table a sweep store writes to, and the GSI1 query every listing of the sweeper's items goes through. */
import type { DeleteCommand, DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../../runtime/context';
import { isConditionalCheckFailed } from '../../store/errors';
import { type Item, queryAll } from '../../store/query';
import { TABLE_KEYS } from '../../store/table';

export interface SweepTable {
  doc: DynamoDBDocumentClient;
  tableName: string;
  /** Stamps track writes and dates the index of tracks (`track-index.ts`): one clock for both. */
  clock: Clock;
}

/** Every item of one GSI1 kind (with a sort key after `after`, when given), with only `attributes` when given. */
export function queryKind(
  table: SweepTable,
  kind: string,
  attributes?: readonly string[],
  range: { after?: string | undefined } = {},
): Promise<Item[]> {
  return queryAll(table.doc, {
    TableName: table.tableName,
    IndexName: TABLE_KEYS.gsi1.name,
    KeyConditionExpression: range.after === undefined ? '#pk = :kind' : '#pk = :kind AND #sk > :after',
    ExpressionAttributeNames: {
      '#pk': TABLE_KEYS.gsi1.partitionKey,
      ...(range.after === undefined ? {} : { '#sk': TABLE_KEYS.gsi1.sortKey }),
      ...Object.fromEntries((attributes ?? []).map((a, i) => [`#p${i}`, a])),
    },
    ExpressionAttributeValues: {
      ':kind': kind,
      ...(range.after === undefined ? {} : { ':after': range.after }),
    },
    ...(attributes ? { ProjectionExpression: attributes.map((_, i) => `#p${i}`).join(', ') } : {}),
  });
}

/** Sends a conditional write: true when it was made, false when its condition failed. */
export async function writeIf(
  table: SweepTable,
  command: PutCommand | UpdateCommand | DeleteCommand,
): Promise<boolean> {
  try {
    // One send per command type; the union only narrows which one.
    await table.doc.send(command as PutCommand);
    return true;
  } catch (err) {
    if (isConditionalCheckFailed(err)) return false;
    throw err;
  }
}
