/**
 * Security alert claims on the single table: one item per alert key in the pool's partition, created by the first
 * claimer (conditional put), confirmed once sent, reclaimed by the reconciler when a sender died before confirming.
 * Items expire by TTL, so a condition that lasts is alerted again once its claim expired.
 */
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { TABLE_KEYS } from '../../store/table';
import type { SecurityAlertStore } from '../claim-store';
import { alertKey, KEEPER_ITEM_TYPE } from '../keys';
import { type ClaimTable, retryConflicts } from './base';

export class DynamoSecurityAlerts implements SecurityAlertStore {
  constructor(private readonly t: ClaimTable) {}

  claimAlert(
    pool: string,
    key: string,
    notification: string,
    at: string,
    expiresAt: number,
  ): Promise<boolean> {
    return this.t.writeIf(() =>
      this.t.doc.send(
        new PutCommand({
          TableName: this.t.tableName,
          Item: {
            ...alertKey(pool, key),
            itemType: KEEPER_ITEM_TYPE.alert,
            pool,
            alertKey: key,
            claimedAt: at,
            notification,
            [TABLE_KEYS.ttlAttribute]: expiresAt,
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      ),
    );
  }

  async confirmAlert(pool: string, key: string, at: string): Promise<void> {
    await this.t.updateIf({
      Key: alertKey(pool, key),
      ConditionExpression: 'attribute_exists(PK)',
      UpdateExpression: 'SET sentAt = :at REMOVE notification',
      ExpressionAttributeValues: { ':at': at },
    });
  }

  async releaseAlert(pool: string, key: string): Promise<void> {
    await retryConflicts(() =>
      this.t.doc.send(
        new DeleteCommand({
          TableName: this.t.tableName,
          Key: alertKey(pool, key),
          ConditionExpression: 'attribute_not_exists(sentAt)',
        }),
      ),
    ).catch(() => undefined);
  }

  reclaimAlert(pool: string, key: string, claimedAt: string, at: string): Promise<boolean> {
    return this.t.updateIf({
      Key: alertKey(pool, key),
      ConditionExpression: 'claimedAt = :was AND attribute_not_exists(sentAt)',
      UpdateExpression: 'SET claimedAt = :at',
      ExpressionAttributeValues: { ':was': claimedAt, ':at': at },
    });
  }
}
