/**
 * The single table's shape, shared by the CDK stack, the simulated region and the store tests.
 * Item kinds and key layouts are documented in docs/data-model.md.
 */
export const TABLE_KEYS = {
  partitionKey: 'PK',
  sortKey: 'SK',
  /** GSI1 lists items of one kind (e.g. every EIP's current state) without a Scan. */
  gsi1: { name: 'GSI1', partitionKey: 'GSI1PK', sortKey: 'GSI1SK' },
  /** Epoch seconds; DynamoDB TTL deletes history after the configured retention. */
  ttlAttribute: 'expiresAt',
} as const;

/** CreateTable input for DynamoDB Local and tests (the stack declares the same keys with CDK). */
export function createTableInput(tableName: string) {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [
      { AttributeName: TABLE_KEYS.partitionKey, AttributeType: 'S' as const },
      { AttributeName: TABLE_KEYS.sortKey, AttributeType: 'S' as const },
      { AttributeName: TABLE_KEYS.gsi1.partitionKey, AttributeType: 'S' as const },
      { AttributeName: TABLE_KEYS.gsi1.sortKey, AttributeType: 'S' as const },
    ],
    KeySchema: [
      { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' as const },
      { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' as const },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: TABLE_KEYS.gsi1.name,
        KeySchema: [
          { AttributeName: TABLE_KEYS.gsi1.partitionKey, KeyType: 'HASH' as const },
          { AttributeName: TABLE_KEYS.gsi1.sortKey, KeyType: 'RANGE' as const },
        ],
        Projection: { ProjectionType: 'ALL' as const },
      },
    ],
  };
}
