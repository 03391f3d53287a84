/** Exhaustion episodes on the single table: one item per pool, opened and closed by conditional updates. */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed } from '../../store/errors';
import type { ExhaustionStore } from '../claim-store';
import { exhaustionKey, KEEPER_ITEM_TYPE } from '../keys';
import { type ClaimTable, retryConflicts } from './base';

export class DynamoExhaustion implements ExhaustionStore {
  constructor(private readonly t: ClaimTable) {}

  async openExhaustion(pool: string, at: string): Promise<number | undefined> {
    try {
      const out = await retryConflicts(() =>
        this.t.doc.send(
          new UpdateCommand({
            TableName: this.t.tableName,
            Key: exhaustionKey(pool),
            ConditionExpression: 'attribute_not_exists(#open) OR #open = :false',
            UpdateExpression:
              'SET #open = :true, #type = :t, #pool = :pool, openedAt = :at, episode = if_not_exists(episode, :zero) + :one REMOVE closedAt, alertedAt',
            ExpressionAttributeNames: { '#open': 'open', '#type': 'itemType', '#pool': 'pool' },
            ExpressionAttributeValues: {
              ':true': true,
              ':false': false,
              ':t': KEEPER_ITEM_TYPE.exhaustion,
              ':pool': pool,
              ':at': at,
              ':zero': 0,
              ':one': 1,
            },
            ReturnValues: 'UPDATED_NEW',
          }),
        ),
      );
      const episode = out.Attributes?.episode;
      return typeof episode === 'number' ? episode : 1;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return undefined;
      throw err;
    }
  }

  async markExhaustionAlerted(pool: string, episode: number, at: string): Promise<void> {
    await this.t.updateIf({
      Key: exhaustionKey(pool),
      ConditionExpression: 'episode = :ep',
      UpdateExpression: 'SET alertedAt = :at',
      ExpressionAttributeValues: { ':ep': episode, ':at': at },
    });
  }

  async abandonExhaustion(pool: string, episode: number): Promise<void> {
    await this.t.updateIf({
      Key: exhaustionKey(pool),
      ConditionExpression: 'episode = :ep AND attribute_not_exists(alertedAt)',
      UpdateExpression: 'SET #open = :false, episode = episode - :one',
      ExpressionAttributeNames: { '#open': 'open' },
      ExpressionAttributeValues: { ':ep': episode, ':false': false, ':one': 1 },
    });
  }

  async closeExhaustion(pool: string, at: string): Promise<boolean> {
    return this.t.updateIf({
      Key: exhaustionKey(pool),
      ConditionExpression: '#open = :true',
      UpdateExpression: 'SET #open = :false, closedAt = :at',
      ExpressionAttributeNames: { '#open': 'open' },
      ExpressionAttributeValues: { ':true': true, ':false': false, ':at': at },
    });
  }
}
