/** Reading a whole query result, for the adapters of every capability. */
import { type DynamoDBDocumentClient, paginateQuery, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';

export type Item = Record<string, unknown>;

/** Every item the query matches, page after page (the SDK's paginator follows `LastEvaluatedKey`). */
export async function queryAll(doc: DynamoDBDocumentClient, input: QueryCommandInput): Promise<Item[]> {
  return (await queryAllCounted(doc, input)).items;
}

/**
 * `queryAll`, with how many items the query went through (`ScannedCount`: with a `FilterExpression`, those it left
 * out too).
 */
export async function queryAllCounted(
  doc: DynamoDBDocumentClient,
  input: QueryCommandInput,
): Promise<{ items: Item[]; scanned: number }> {
  const items: Item[] = [];
  let scanned = 0;
  for await (const page of paginateQuery({ client: doc }, input)) {
    items.push(...(page.Items ?? []));
    scanned += page.ScannedCount ?? 0;
  }
  return { items, scanned };
}

/** Every item of partition `pk` whose sort key starts with `skPrefix`, strongly consistent, every page. */
export function queryPrefix(
  doc: DynamoDBDocumentClient,
  tableName: string,
  pk: string,
  skPrefix: string,
): Promise<Item[]> {
  return queryAll(doc, {
    TableName: tableName,
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
    ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
    ConsistentRead: true,
  });
}
