import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { DynamoDbMeter } from '../../local/dynamodb-meter';
import { createTableInput } from '../../shared/store/table';

describe('DynamoDB metering proxy', () => {
  it('sums the capacity DynamoDB Local reports for requests that did not ask for it', async () => {
    const meter = new DynamoDbMeter(inject('dynamoEndpoint'));
    const endpoint = await meter.start();
    const client = new DynamoDBClient({
      endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    });
    const doc = DynamoDBDocumentClient.from(client);
    try {
      const TableName = `meter-${Date.now()}`;
      await client.send(new CreateTableCommand(createTableInput(TableName)));
      await doc.send(new PutCommand({ TableName, Item: { PK: 'a', SK: 'b', data: 'x'.repeat(1500) } }));
      const got = await doc.send(
        new GetCommand({ TableName, Key: { PK: 'a', SK: 'b' }, ConsistentRead: true }),
      );
      expect(got.Item?.data).toHaveLength(1500);
      expect(meter.totals.calls).toMatchObject({ CreateTable: 1, PutItem: 1, GetItem: 1 });
      // A ~1.5 KB item: 2 write units to put (1 KB each), 1 read unit for a strongly consistent get (4 KB each).
      expect(meter.totals.capacityUnits.PutItem).toBe(2);
      expect(meter.totals.capacityUnits.GetItem).toBe(1);
      expect(meter.totals.writeUnits).toBeGreaterThanOrEqual(2);
    } finally {
      client.destroy();
      await meter.stop();
    }
  });
});
