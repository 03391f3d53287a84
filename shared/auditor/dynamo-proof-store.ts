/** The proof store on the single DynamoDB table: one item per cluster and pool (key in keys.ts). */
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { queryAll } from '../store/query';
import { proofKey } from './keys';
import type { ProofRecord } from './model';
import type { ProofStore } from './proof-store';

export class DynamoProofStore implements ProofStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(cluster: string, pool: string): Promise<ProofRecord | undefined> {
    const key = proofKey(cluster, pool);
    // A Query, not a GetItem: the auditor's role reads the table with Query only.
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'PK = :pk AND SK = :sk',
      ExpressionAttributeValues: { ':pk': key.PK, ':sk': key.SK },
      ConsistentRead: true,
    });
    const proof = items[0]?.proof;
    return proof && typeof proof === 'object' ? (proof as ProofRecord) : undefined;
  }

  async put(cluster: string, record: ProofRecord): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...proofKey(cluster, record.pool),
          itemType: 'AuditProof',
          kind: 'audit-proof',
          cluster,
          pool: record.pool,
          proof: record,
        },
      }),
    );
  }
}
