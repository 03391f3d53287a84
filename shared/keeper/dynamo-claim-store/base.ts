/**
 * What every part of the DynamoDB claim store shares: the table, its document client, and conditional writes that
 * retry the transaction conflicts they lose (keys in `../keys.ts`, layouts in docs/data-model.md).
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed, isTransactionConflict } from '../../store/errors';
import type { TableKey } from '../../store/keys';
import { type Item, queryAll } from '../../store/query';
import { poolPk } from '../keys';

/** Attempts of a write that lost to a concurrent transaction on the same item (TransactionConflict). */
const CONFLICT_ATTEMPTS = 6;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Retries `fn` while it loses to a concurrent transaction, with a small jittered back-off. */
export async function retryConflicts<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isTransactionConflict(err) || attempt >= CONFLICT_ATTEMPTS) throw err;
      await sleep(Math.random() * 5 * 2 ** attempt);
    }
  }
}

export class ClaimTable {
  constructor(
    readonly doc: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  /** A conditional write (transaction conflicts retried): false when its condition did not hold. */
  async writeIf(write: () => Promise<unknown>): Promise<boolean> {
    try {
      await retryConflicts(write);
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }

  /** A conditional update (transaction conflicts retried): false when its condition did not hold. */
  updateIf(input: Omit<UpdateCommandInput, 'TableName'>): Promise<boolean> {
    return this.writeIf(() => this.doc.send(new UpdateCommand({ TableName: this.tableName, ...input })));
  }

  /** One item, strongly consistent. */
  async getItem(key: TableKey): Promise<Item | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    return out.Item;
  }

  /** The pool's items (those whose sort key starts with `skPrefix`, when given), strongly consistent. */
  queryPool(pool: string, skPrefix?: string): Promise<Item[]> {
    return queryAll(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: skPrefix ? 'PK = :pk AND begins_with(SK, :sk)' : 'PK = :pk',
      ExpressionAttributeValues: { ':pk': poolPk(pool), ...(skPrefix ? { ':sk': skPrefix } : {}) },
      ConsistentRead: true,
    });
  }
}
