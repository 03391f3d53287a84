/** Waiting targets on the single table: one item per target, served oldest first when an EIP frees. */
import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { WaiterStore } from '../claim-store';
import { KEEPER_ITEM_TYPE, waiterKey, waiterPrefixOfEni } from '../keys';
import type { CreationRecord, Target } from '../model';
import { type ClaimTable, retryConflicts } from './base';
import { str } from './codec';

export class DynamoWaiters implements WaiterStore {
  constructor(private readonly t: ClaimTable) {}

  async addWaiter(pool: string, target: Target, since: string, creation?: CreationRecord): Promise<void> {
    const keepCreation = creation ? ', #creation = if_not_exists(#creation, :creation)' : '';
    await retryConflicts(() =>
      this.t.doc.send(
        new UpdateCommand({
          TableName: this.t.tableName,
          Key: waiterKey(pool, target),
          UpdateExpression: `SET #type = :t, #pool = :pool, #eni = :e, #ip = :ip, #since = if_not_exists(#since, :since)${keepCreation}`,
          ExpressionAttributeNames: {
            '#type': 'itemType',
            '#pool': 'pool',
            '#eni': 'eniId',
            '#ip': 'privateIp',
            '#since': 'since',
            ...(creation ? { '#creation': 'creation' } : {}),
          },
          ExpressionAttributeValues: {
            ':t': KEEPER_ITEM_TYPE.waiter,
            ':pool': pool,
            ':e': target.eniId,
            ':ip': target.privateIp,
            ':since': since,
            ...(creation ? { ':creation': creation } : {}),
          },
        }),
      ),
    );
  }

  async removeWaiter(pool: string, target: Target): Promise<void> {
    await retryConflicts(() =>
      this.t.doc.send(new DeleteCommand({ TableName: this.t.tableName, Key: waiterKey(pool, target) })),
    );
  }

  async waitersOfEni(pool: string, eniId: string): Promise<Target[]> {
    const items = await this.t.queryPool(pool, waiterPrefixOfEni(eniId));
    return items.flatMap((item) => {
      const privateIp = str(item, 'privateIp');
      return privateIp ? [{ eniId, privateIp }] : [];
    });
  }

  async markAllocating(pool: string, target: Target, at: string): Promise<boolean> {
    return this.t.updateIf({
      Key: waiterKey(pool, target),
      ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(allocatingAt)',
      UpdateExpression: 'SET allocatingAt = :at',
      ExpressionAttributeValues: { ':at': at },
    });
  }
}
