/** Ingestion's writes on DynamoDB (keys.ts): one conditional put per record. */
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { lostConditionalRace } from '../store/errors';
import { TABLE_KEYS } from '../store/table';
import type { HubStore } from './hub-store';
import { HUB_ITEM_TYPE, hubItemKey, hubKindIndexPk } from './keys';
import type { HubItem } from './model';

export class DynamoHubStore implements HubStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(item: HubItem): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...hubItemKey(item),
            [TABLE_KEYS.gsi1.partitionKey]: hubKindIndexPk(item.kind),
            [TABLE_KEYS.gsi1.sortKey]: `${item.account}#${item.region}#${item.id}`,
            itemType: HUB_ITEM_TYPE,
            kind: item.kind,
            account: item.account,
            region: item.region,
            id: item.id,
            order: item.order,
            data: item.data,
          },
          ConditionExpression: 'attribute_not_exists(PK) OR #order < :order',
          ExpressionAttributeNames: { '#order': 'order' },
          ExpressionAttributeValues: { ':order': item.order },
        }),
      );
      return true;
    } catch (err) {
      if (lostConditionalRace(err)) return false;
      throw err;
    }
  }
}
