/** The table a sweep store writes to, and the GSI1 query every listing of the sweeper's items goes through. */
import type {
  DeleteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../../runtime/context';
import { isConditionalCheckFailed } from '../../store/errors';
import { type Item, queryAllCounted } from '../../store/query';
import { TABLE_KEYS } from '../../store/table';

export interface SweepTable {
  doc: DynamoDBDocumentClient;
  tableName: string;
  /** Stamps track writes and dates the index of tracks (`track-index.ts`): one clock for both. */
  clock: Clock;
}

/**
 * Every item of one GSI1 kind, with only `attributes` when given: of them, those with a sort key after `after`, and
 * not written by `notWrittenBy` (their `writer` attribute), when given.
 */
export async function queryKind(
  table: SweepTable,
  kind: string,
  attributes?: readonly string[],
  range: { after?: string | undefined; notWrittenBy?: string | undefined } = {},
): Promise<Item[]> {
  return (await queryKindCounted(table, kind, attributes, range)).items;
}

/** `queryKind`, with how many items the query went through (`scanned`: those the filter left out too). */
export function queryKindCounted(
  table: SweepTable,
  kind: string,
  attributes?: readonly string[],
  range: { after?: string | undefined; notWrittenBy?: string | undefined } = {},
): Promise<{ items: Item[]; scanned: number }> {
  const { after, notWrittenBy } = range;
  const input: QueryCommandInput = {
    TableName: table.tableName,
    IndexName: TABLE_KEYS.gsi1.name,
    KeyConditionExpression: after === undefined ? '#pk = :kind' : '#pk = :kind AND #sk > :after',
    ...(notWrittenBy === undefined
      ? {}
      : { FilterExpression: 'attribute_not_exists(#writer) OR #writer <> :writer' }),
    ExpressionAttributeNames: {
      '#pk': TABLE_KEYS.gsi1.partitionKey,
      ...(after === undefined ? {} : { '#sk': TABLE_KEYS.gsi1.sortKey }),
      ...(notWrittenBy === undefined ? {} : { '#writer': 'writer' }),
      ...Object.fromEntries((attributes ?? []).map((a, i) => [`#p${i}`, a])),
    },
    ExpressionAttributeValues: {
      ':kind': kind,
      ...(after === undefined ? {} : { ':after': after }),
      ...(notWrittenBy === undefined ? {} : { ':writer': notWrittenBy }),
    },
    ...(attributes ? { ProjectionExpression: attributes.map((_, i) => `#p${i}`).join(', ') } : {}),
  };
  return queryAllCounted(table.doc, input);
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
