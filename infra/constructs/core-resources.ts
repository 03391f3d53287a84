/**
 * The resources every function shares: the KMS key of the alert topic and the dead-letter queues, the encrypted
 * alert topic and the single table. Each is created unless the caller brings its own (EipKeeperProps); a brought
 * table is checked against the key schema the functions use, as far as CDK can see it.
 */
import { Annotations, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { TABLE_KEYS } from '../../shared/store/table';

/** A brought table whose keys are not the ones the functions read and write. */
export class IncompatibleTableError extends Error {
  override readonly name = 'IncompatibleTableError';
  constructor(readonly problems: string[]) {
    super(
      `eip-keeper: the table given as \`table\` does not have the keys the functions use:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
}

/** The key of the topic and the dead-letter queues, usable by the AWS services that write to them. */
export function createKey(scope: Construct): kms.Key {
  const key = new kms.Key(scope, 'Key', {
    description: 'eip-keeper: encrypts the alert topic and the dead-letter queues',
    enableKeyRotation: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  allowServicesToUseKey(key, ['cloudwatch', 'events']);
  return key;
}

/**
 * The AWS services that encrypt with eip-keeper's keys: CloudWatch alarms publishing to the encrypted topic, and
 * EventBridge writing undeliverable events to the encrypted rule DLQs.
 */
export type KeyUser = 'cloudwatch' | 'events';

function keyStatement(key: kms.IKey, user: KeyUser): iam.PolicyStatement {
  const stack = Stack.of(key);
  const use = { actions: ['kms:Decrypt', 'kms:GenerateDataKey*'], resources: ['*'] };
  if (user === 'cloudwatch') {
    return new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsToUseKeyForTopic',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      ...use,
    });
  }
  return new iam.PolicyStatement({
    sid: 'AllowEventBridgeRulesToUseKeyForDlq',
    principals: [new iam.ServicePrincipal('events.amazonaws.com')],
    ...use,
    conditions: {
      ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:events:${stack.region}:${stack.account}:rule/*` },
    },
  });
}

/**
 * Lets `users` encrypt with `key`. On a key brought from outside the app CDK cannot (its key policy is not in this
 * template): a warning says which services the key policy must admit.
 */
export function allowServicesToUseKey(key: kms.IKey, users: readonly KeyUser[]): void {
  const added = users.map((user) => key.addToResourcePolicy(keyStatement(key, user)));
  if (added.some((r) => !r.statementAdded)) {
    Annotations.of(key).addWarningV2(
      'eip-keeper:imported-key-policy',
      `eip-keeper: the key policy of a key from outside this app cannot be extended: it must let ${users.map((u) => `${u}.amazonaws.com`).join(' and ')} use kms:Decrypt and kms:GenerateDataKey* (docs/construct.md)`,
    );
  }
}

/** CloudWatch alarms of this account (the heartbeats, pool exhaustion, DLQs) publish to the alert topic. */
export function allowAlarmsToPublish(topic: sns.ITopic): void {
  const stack = Stack.of(topic);
  const added = topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsToPublish',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: {
          'aws:SourceArn': `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:*`,
        },
      },
    }),
  );
  if (!added.statementAdded) {
    Annotations.of(topic).addWarningV2(
      'eip-keeper:imported-topic-policy',
      "eip-keeper: the policy of a topic from outside this app cannot be extended: it must let cloudwatch.amazonaws.com (this account's alarms) and the function roles publish (docs/construct.md)",
    );
  }
}

/** The encrypted, TLS-only alert topic: this account manages it, CloudWatch alarms of this account publish. */
export function createTopic(scope: Construct, key: kms.IKey): sns.Topic {
  const topic = new sns.Topic(scope, 'AlertTopic', {
    displayName: 'eip-keeper alerts',
    masterKey: key,
    enforceSSL: true,
  });
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowOwningAccount',
      principals: [new iam.AccountRootPrincipal()],
      actions: [
        'sns:GetTopicAttributes',
        'sns:SetTopicAttributes',
        'sns:AddPermission',
        'sns:RemovePermission',
        'sns:DeleteTopic',
        'sns:Subscribe',
        'sns:ListSubscriptionsByTopic',
        'sns:Publish',
      ],
      resources: [topic.topicArn],
    }),
  );
  allowAlarmsToPublish(topic);
  return topic;
}

/** The single table (keys in shared/store/table.ts), retained, with point-in-time recovery. */
export function createTable(scope: Construct): dynamodb.Table {
  const table = new dynamodb.Table(scope, 'Table', {
    partitionKey: { name: TABLE_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
    sortKey: { name: TABLE_KEYS.sortKey, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    timeToLiveAttribute: TABLE_KEYS.ttlAttribute,
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    deletionProtection: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  table.addGlobalSecondaryIndex({
    indexName: TABLE_KEYS.gsi1.name,
    partitionKey: { name: TABLE_KEYS.gsi1.partitionKey, type: dynamodb.AttributeType.STRING },
    sortKey: { name: TABLE_KEYS.gsi1.sortKey, type: dynamodb.AttributeType.STRING },
    projectionType: dynamodb.ProjectionType.ALL,
  });
  return table;
}

/** A table with a readable key schema (one defined in this app); an imported table has none. */
interface SchemaReadable {
  schema(indexName?: string): dynamodb.SchemaOptions;
}

function readsSchema(table: dynamodb.ITable): table is dynamodb.ITable & SchemaReadable {
  return typeof (table as Partial<SchemaReadable>).schema === 'function';
}

/**
 * What is wrong with a brought table's keys: the partition and sort key, and GSI1 with its keys (all strings). A
 * table imported by name or ARN shows CDK no schema: nothing can be checked, and docs/construct.md states the
 * contract.
 */
export function tableSchemaProblems(table: dynamodb.ITable): string[] {
  if (!readsSchema(table)) return [];
  const problems: string[] = [];
  const expect = (
    where: string,
    role: string,
    actual: dynamodb.Attribute | undefined,
    name: string,
  ): void => {
    if (actual?.name === name && actual.type === dynamodb.AttributeType.STRING) return;
    const found = actual ? `${actual.name} (${actual.type})` : 'none';
    problems.push(`${where}: ${role} must be ${name} (string), is ${found}`);
  };
  const main = table.schema();
  expect('table', 'partition key', main.partitionKey, TABLE_KEYS.partitionKey);
  expect('table', 'sort key', main.sortKey, TABLE_KEYS.sortKey);
  let index: dynamodb.SchemaOptions | undefined;
  try {
    index = table.schema(TABLE_KEYS.gsi1.name);
  } catch {
    problems.push(`global secondary index ${TABLE_KEYS.gsi1.name} is missing`);
  }
  if (index) {
    const where = `index ${TABLE_KEYS.gsi1.name}`;
    expect(where, 'partition key', index.partitionKey, TABLE_KEYS.gsi1.partitionKey);
    expect(where, 'sort key', index.sortKey, TABLE_KEYS.gsi1.sortKey);
  }
  return problems;
}

/** Throws IncompatibleTableError when a brought table's keys are not the functions'. */
export function checkBroughtTable(table: dynamodb.ITable): void {
  const problems = tableSchemaProblems(table);
  if (problems.length > 0) throw new IncompatibleTableError(problems);
}

/** The topic functions publish to and the key it is encrypted with. */
export interface PublishTarget {
  readonly topic: sns.ITopic;
  /** The key eip-keeper created (or was given) for the topic and the queues. */
  readonly key: kms.IKey;
  /** The topic is the caller's, not eip-keeper's: its key policy is not extended. */
  readonly broughtTopic: boolean;
}

/**
 * The roles of the functions that publish alerts, in the topic's and the key's policies (the key only through SNS).
 * A brought topic's policy and key are not eip-keeper's: the roles are granted its key in their own policies instead,
 * and the topic policy, when it is not in this app, must admit them (docs/construct.md).
 */
export function allowFunctionsToPublish(
  scope: Construct,
  { topic, key, broughtTopic }: PublishTarget,
  roles: readonly iam.Role[],
): void {
  if (roles.length === 0) return;
  const region = Stack.of(scope).region;
  const publish = topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowEipKeeperFunctionsToPublish',
      principals: [...roles],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
    }),
  );
  const viaSns = { StringEquals: { 'kms:ViaService': `sns.${region}.amazonaws.com` } };
  if (!broughtTopic) {
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowEipKeeperFunctionsToPublishViaSns',
        principals: [...roles],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: viaSns,
      }),
    );
    return;
  }
  if (!publish.statementAdded) {
    Annotations.of(scope).addInfo(
      'eip-keeper: the brought alert topic is not defined in this app: its policy must let the function roles publish (docs/construct.md)',
    );
  }
  const topicKey = topic.masterKey;
  if (!topicKey) return;
  for (const role of roles) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'EncryptForAlertTopic',
        // What SNS calls on the publisher's behalf for an encrypted topic (no wildcard: GenerateDataKey only).
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [topicKey.keyArn],
        conditions: viaSns,
      }),
    );
  }
}
