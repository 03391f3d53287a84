/**
 * What IAM authorizes for each DynamoDB operation (Service Authorization Reference, "Actions defined by Amazon
 * DynamoDB"): the table, or the index a Query or Scan reads (`<table-arn>/index/<name>`), with
 * `dynamodb:LeadingKeys`, the values of the table's partition key the request names ("the first key attribute of a
 * table", DynamoDB Developer Guide, "Using IAM policy conditions for fine-grained access control"). A transaction is
 * authorized item by item as the action of each item (PutItem, UpdateItem, DeleteItem, ConditionCheckItem; GetItem
 * for TransactGetItems). A Query of a global secondary index names no value of the table's partition key (its key
 * condition is on the index's own key), so it carries no `dynamodb:LeadingKeys`.
 *
 * A refused request is DynamoDB's `AccessDeniedException` (HTTP 400) in its JSON error shape.
 */
import { TABLE_KEYS } from '../shared/store/table';
import type { Denial, IamCheck } from './iam/policy';

type AttributeValue = Record<string, unknown>;
type Key = Record<string, AttributeValue>;

interface Env {
  region: string;
  accountId: string;
}

const tableArn = (env: Env, table: string) =>
  table.startsWith('arn:') ? table : `arn:aws:dynamodb:${env.region}:${env.accountId}:table/${table}`;

/** The scalar value of an attribute (`{ S: 'POOL#a' }` → `POOL#a`). */
function scalar(value: AttributeValue | undefined): string | undefined {
  if (!value) return undefined;
  const v = value.S ?? value.N ?? value.B;
  return typeof v === 'string' ? v : undefined;
}

/** The partition key value of a key or an item: the table's first key attribute (`PK` in eip-keeper's table). */
function leadingKey(key: Key | undefined): string | undefined {
  return scalar(key?.[TABLE_KEYS.partitionKey]);
}

function checkOf(
  env: Env,
  action: string,
  table: string,
  keys: (string | undefined)[],
  index?: string,
): IamCheck {
  const leading = [...new Set(keys.filter((k): k is string => k !== undefined))];
  return {
    action: `dynamodb:${action}`,
    resource: `${tableArn(env, table)}${index ? `/index/${index}` : ''}`,
    ...(leading.length > 0 ? { context: { 'dynamodb:LeadingKeys': leading } } : {}),
  };
}

interface QueryInput {
  TableName?: string;
  IndexName?: string;
  KeyConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Key;
  KeyConditions?: Record<string, { ComparisonOperator?: string; AttributeValueList?: AttributeValue[] }>;
}

/**
 * The value of the table's partition key a Query's key condition fixes (`#pk = :pk`): on the table, or on an index
 * keyed by the same attribute; none for a global secondary index keyed by another attribute (GSI1PK).
 */
function queryLeadingKey(input: QueryInput): string | undefined {
  const partitionKey = TABLE_KEYS.partitionKey;
  const legacy = input.KeyConditions?.[partitionKey];
  if (legacy?.ComparisonOperator === 'EQ') return scalar(legacy.AttributeValueList?.[0]);
  const names = input.ExpressionAttributeNames ?? {};
  for (const clause of (input.KeyConditionExpression ?? '').split(/\s+AND\s+/i)) {
    const m = /^\s*\(?\s*([#\w]+)\s*=\s*(:\w+)\s*\)?\s*$/.exec(clause);
    if (m?.[1] && m[2] && (names[m[1]] ?? m[1]) === partitionKey)
      return scalar(input.ExpressionAttributeValues?.[m[2]]);
  }
  return undefined;
}

type Input = Record<string, unknown> & { TableName?: string };
type ItemRequest = { TableName?: string; Key?: Key; Item?: Key };

const single =
  (field: 'Key' | 'Item') =>
  (env: Env, action: string, input: Input): IamCheck[] => [
    checkOf(env, action, input.TableName ?? '', [leadingKey(input[field] as Key | undefined)]),
  ];

/** The IAM checks of each DynamoDB operation. */
const DYNAMODB_IAM: Readonly<Record<string, (env: Env, action: string, input: Input) => IamCheck[]>> = {
  GetItem: single('Key'),
  DeleteItem: single('Key'),
  UpdateItem: single('Key'),
  PutItem: single('Item'),
  Query: (env, action, input) => [
    checkOf(
      env,
      action,
      input.TableName ?? '',
      [queryLeadingKey(input)],
      input.IndexName as string | undefined,
    ),
  ],
  Scan: (env, action, input) => [
    checkOf(env, action, input.TableName ?? '', [], input.IndexName as string | undefined),
  ],
  BatchGetItem: (env, action, input) =>
    Object.entries((input.RequestItems ?? {}) as Record<string, { Keys?: Key[] }>).map(([table, r]) =>
      checkOf(
        env,
        action,
        table,
        (r.Keys ?? []).map((k) => leadingKey(k)),
      ),
    ),
  BatchWriteItem: (env, action, input) =>
    Object.entries((input.RequestItems ?? {}) as Record<string, Array<Record<string, ItemRequest>>>).map(
      ([table, writes]) =>
        checkOf(
          env,
          action,
          table,
          writes.map((w) => leadingKey(w.PutRequest?.Item ?? w.DeleteRequest?.Key)),
        ),
    ),
  TransactWriteItems: (env, _action, input) =>
    ((input.TransactItems ?? []) as Array<Record<string, ItemRequest>>).flatMap((item) => {
      const kinds: Array<[string, string]> = [
        ['Put', 'PutItem'],
        ['Update', 'UpdateItem'],
        ['Delete', 'DeleteItem'],
        ['ConditionCheck', 'ConditionCheckItem'],
      ];
      return kinds
        .filter(([kind]) => item[kind])
        .map(([kind, action]) => {
          const r = item[kind] as ItemRequest;
          return checkOf(env, action, r.TableName ?? '', [leadingKey(r.Key ?? r.Item)]);
        });
    }),
  TransactGetItems: (env, _action, input) =>
    ((input.TransactItems ?? []) as Array<{ Get?: ItemRequest }>).map((item) =>
      checkOf(env, 'GetItem', item.Get?.TableName ?? '', [leadingKey(item.Get?.Key)]),
    ),
};

/** The checks of one DynamoDB request; operations without items (DescribeTable…) are on the table named. */
export function dynamoDbIamChecks(env: Env, operation: string, body: string): IamCheck[] {
  let input: Input = {};
  try {
    input = body ? (JSON.parse(body) as Input) : {};
  } catch {
    // A body that is not JSON fails at DynamoDB itself; IAM sees the operation on no table.
  }
  const checks = Object.hasOwn(DYNAMODB_IAM, operation) ? DYNAMODB_IAM[operation] : undefined;
  return checks ? checks(env, operation, input) : [checkOf(env, operation, input.TableName ?? '', [])];
}

/** DynamoDB's refusal, as its JSON protocol carries it. */
export function dynamoDbAccessDenied(denial: Denial): { status: number; body: string } {
  return {
    status: 400,
    body: JSON.stringify({
      __type: 'com.amazon.coral.service#AccessDeniedException',
      Message: denial.message,
    }),
  };
}
