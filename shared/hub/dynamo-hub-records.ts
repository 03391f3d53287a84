/** The organization report's reads of the hub's table: every record of a kind, through GSI1 (keys.ts). */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { queryAll } from '../store/query';
import { TABLE_KEYS } from '../store/table';
import type { HubRecords } from './hub-store';
import { hubKindIndexPk } from './keys';
import type { HubItem } from './model';

export class DynamoHubRecords implements HubRecords {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async list<K extends HubItem['kind']>(kind: K): Promise<Extract<HubItem, { kind: K }>[]> {
    const items = await queryAll(this.doc, {
      TableName: this.tableName,
      IndexName: TABLE_KEYS.gsi1.name,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': TABLE_KEYS.gsi1.partitionKey },
      ExpressionAttributeValues: { ':pk': hubKindIndexPk(kind) },
    });
    return items.map(
      (i) =>
        ({
          kind,
          account: i.account,
          region: i.region,
          id: i.id,
          order: i.order,
          data: i.data,
        }) as Extract<HubItem, { kind: K }>,
    );
  }
}
