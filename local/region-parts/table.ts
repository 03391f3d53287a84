/**
 * The region's DynamoDB table as the stack deploys it (created on DynamoDB Local), and a dump of every item grouped by
 * kind for the scenario output.
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { createTableInput } from '../../shared/store/table';
import { credentialsFor } from '../core/identities';

export async function createTable(endpoint: string, region: string, tableName: string): Promise<void> {
  const ddb = new DynamoDBClient({ endpoint, region, credentials: credentialsFor('setup') });
  try {
    await ddb.send(new CreateTableCommand(createTableInput(tableName)));
  } finally {
    ddb.destroy();
  }
}

/** Every item of the table, grouped by kind (`kind` attribute, else derived from the key prefixes), sorted by key. */
export async function tableItemsByKind(
  endpoint: string,
  region: string,
  tableName: string,
): Promise<Record<string, Record<string, unknown>[]>> {
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint, region, credentials: credentialsFor('setup') }),
  );
  const byKind: Record<string, Record<string, unknown>[]> = {};
  try {
    for await (const page of paginateScan({ client }, { TableName: tableName, ConsistentRead: true })) {
      for (const item of page.Items ?? []) {
        const kind = typeof item.kind === 'string' ? item.kind : kindOfKeys(String(item.PK), String(item.SK));
        (byKind[kind] ??= []).push(item);
      }
    }
  } finally {
    client.destroy();
  }
  for (const items of Object.values(byKind))
    items.sort((a, b) => `${a.PK}|${a.SK}`.localeCompare(`${b.PK}|${b.SK}`));
  return byKind;
}

function kindOfKeys(pk: string, sk: string): string {
  const p = pk.split('#')[0]?.toLowerCase() ?? 'unknown';
  const s = sk.split('#')[0]?.toLowerCase() ?? '';
  return s && s !== 'state' ? `${p}-${s}` : p;
}
