import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { queryAll, queryPrefix } from '../../shared/store/query';
import { createTestTable, type TestTable } from '../support/dynamo';

let t: TestTable;
beforeEach(async () => {
  t = await createTestTable('query');
});
afterEach(async () => {
  await t.drop();
});

describe('queryAll on DynamoDB Local', () => {
  it('follows LastEvaluatedKey across pages and returns every matching item once, in key order', async () => {
    for (let i = 0; i < 7; i++)
      await t.doc.send(new PutCommand({ TableName: t.tableName, Item: { PK: 'P#1', SK: `S#${i}`, n: i } }));
    await t.doc.send(new PutCommand({ TableName: t.tableName, Item: { PK: 'P#2', SK: 'S#0', n: 99 } }));

    // Limit 2 makes DynamoDB return four pages for seven items.
    const items = await queryAll(t.doc, {
      TableName: t.tableName,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': 'P#1' },
      Limit: 2,
    });
    expect(items.map((i) => i.n)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
});

describe('queryPrefix on DynamoDB Local', () => {
  it('returns the items of one partition whose sort key starts with the prefix, and no other', async () => {
    const put = (PK: string, SK: string) =>
      t.doc.send(new PutCommand({ TableName: t.tableName, Item: { PK, SK } }));
    await put('P#1', 'HIST#2');
    await put('P#1', 'HIST#1');
    await put('P#1', 'STATE');
    await put('P#2', 'HIST#1');

    const items = await queryPrefix(t.doc, t.tableName, 'P#1', 'HIST#');

    expect(items.map((i) => `${i.PK} ${i.SK}`)).toEqual(['P#1 HIST#1', 'P#1 HIST#2']);
  });
});
