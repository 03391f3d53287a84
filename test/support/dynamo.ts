/**
 * DynamoDB Local for tests: a fresh, uniquely named table per test on the suite's one DynamoDB Local
 * (global-setup.ts), and a RuntimeContext pointing at it with recording log and metrics.
 */
import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import type { AwsConnection } from '../../shared/aws/clients';
import type { AppConfig } from '../../shared/config/schema';
import { DEFAULT_CONFIG } from '../../shared/config/schema';
import type { Clock, Log, MetricsSink, MetricUnit, RuntimeContext } from '../../shared/runtime/context';
import { createDocumentClient } from '../../shared/store/client';
import { createTableInput } from '../../shared/store/table';

export const TEST_ACCOUNT = '111122223333';
export const TEST_REGION = 'eu-west-1';

export interface TestTable {
  endpoint: string;
  tableName: string;
  aws: AwsConnection;
  doc: DynamoDBDocumentClient;
  /** Every item of the table, sorted by PK then SK. */
  scanAll(): Promise<Record<string, unknown>[]>;
  drop(): Promise<void>;
}

export function testAwsConnection(endpoint: string): AwsConnection {
  return {
    region: TEST_REGION,
    endpoints: { dynamodb: endpoint },
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    maxAttempts: 3,
  };
}

/** Creates a table named `<prefix>-<uuid>` on the suite's DynamoDB Local. */
export async function createTestTable(prefix = 'test'): Promise<TestTable> {
  const endpoint = inject('dynamoEndpoint');
  const tableName = `${prefix}-${randomUUID()}`;
  const aws = testAwsConnection(endpoint);
  const raw = new DynamoDBClient({ region: aws.region, endpoint, credentials: aws.credentials });
  await raw.send(new CreateTableCommand(createTableInput(tableName)));
  const doc = createDocumentClient(aws);
  return {
    endpoint,
    tableName,
    aws,
    doc,
    async scanAll() {
      const items: Record<string, unknown>[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const out = await doc.send(
          new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: startKey }),
        );
        items.push(...(out.Items ?? []));
        startKey = out.LastEvaluatedKey;
      } while (startKey);
      const key = (i: Record<string, unknown>) => `${String(i.PK)}\u0000${String(i.SK)}`;
      return items.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    },
    async drop() {
      await raw.send(new DeleteTableCommand({ TableName: tableName }));
      doc.destroy();
      raw.destroy();
    },
  };
}

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  extra?: Record<string, unknown>;
}

export interface MetricEntry {
  name: string;
  value: number;
  unit?: MetricUnit;
  dimensions?: Record<string, string>;
}

export function recordingLog(): Log & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at =
    (level: LogEntry['level']) =>
    (message: string, extra?: Record<string, unknown>): void => {
      entries.push(extra ? { level, message, extra } : { level, message });
    };
  return { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export function recordingMetrics(): MetricsSink & { entries: MetricEntry[]; total(name: string): number } {
  const entries: MetricEntry[] = [];
  return {
    entries,
    add(name, value, unit, dimensions) {
      entries.push({ name, value, ...(unit ? { unit } : {}), ...(dimensions ? { dimensions } : {}) });
    },
    flush() {},
    total(name) {
      return entries.filter((e) => e.name === name).reduce((sum, e) => sum + e.value, 0);
    },
  };
}

export interface TestContext {
  ctx: RuntimeContext;
  log: ReturnType<typeof recordingLog>;
  metrics: ReturnType<typeof recordingMetrics>;
}

/** A RuntimeContext on the test table, as Lambda would build it (but with recording log and metrics). */
export function testRuntimeContext(
  table: Pick<TestTable, 'tableName' | 'aws'>,
  overrides: { config?: AppConfig; clock?: Clock } = {},
): TestContext {
  const log = recordingLog();
  const metrics = recordingMetrics();
  const ctx: RuntimeContext = {
    env: {
      tableName: table.tableName,
      topicArn: `arn:aws:sns:${TEST_REGION}:${TEST_ACCOUNT}:eip-keeper-alerts`,
      accountId: TEST_ACCOUNT,
      region: TEST_REGION,
      eventBusName: 'default',
      configJson: '{}',
    },
    config: overrides.config ?? DEFAULT_CONFIG,
    aws: table.aws,
    clock: overrides.clock ?? { now: () => new Date('2026-01-05T12:00:00.000Z') },
    log,
    metrics,
  };
  return { ctx, log, metrics };
}
