/**
 * One hardened Lambda function per catalog entry (shared/app/functions.ts): NodejsFunction bundled locally as ESM,
 * its own role with exactly the catalog's permissions, its own log group with retention, X-Ray, an encrypted DLQ for
 * failed async invocations and one for events EventBridge could not deliver, an alarm on each DLQ, and one
 * EventBridge rule per RuleSpec (pattern deployed verbatim) plus an optional schedule.
 */
import * as path from 'node:path';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { type FunctionSpec, rulesFor } from '../../shared/app/functions';
import type { AppConfig } from '../../shared/config/schema';
import type { EventPattern } from '../../shared/events/patterns';
import { acknowledge, iam5ActionFindingId, iam5ResourceFindingId } from '../nag';
import { type ResourceArns, resolvePermissions, type WildcardReason } from '../permissions';
import { bundlingFor } from './bundling';

/** Lambda async invocations: retries after the first failure, and how long an event may wait, before the DLQ. */
export const ASYNC_RETRY_ATTEMPTS = 2;
export const MAX_EVENT_AGE = Duration.hours(6);
/** EventBridge → Lambda delivery: retries of a failed delivery (Invoke rejected), and the age limit, before the DLQ. */
export const RULE_RETRY_ATTEMPTS = 10;
/** How long failed events wait in a DLQ for an operator (SQS maximum). */
export const DLQ_RETENTION = Duration.days(14);

/** Variables every function gets from the stack (names from shared/config/environment.ts, see `FunctionEnvironment`). */
export type SharedEnvironment = Readonly<Record<string, string>>;

export interface EventFunctionProps {
  readonly spec: FunctionSpec;
  readonly config: AppConfig;
  /** Environment shared by all functions (table, topic, account, config or its parameter, event bus). */
  readonly environment: SharedEnvironment;
  /** ARNs of the symbolic resources PermissionSpecs name. */
  readonly resourceArns: ResourceArns;
  /** Encrypts the DLQs. */
  readonly key: kms.IKey;
  /** DLQ alarms publish here. */
  readonly alarmTopic: sns.ITopic;
  /** Directory the spec's `entry` is relative to (holds package-lock.json and tsconfig.json). */
  readonly projectRoot: string;
  /** Pre-built code: skips esbuild bundling (tests). */
  readonly code?: lambda.Code;
  /** @default one month */
  readonly logRetention?: logs.RetentionDays;
  /** @default a name CloudFormation generates */
  readonly roleName?: string;
  /** The bus the rules are on. @default the account's default bus */
  readonly eventBus?: events.IEventBus;
}

/** `detail-type` → `detailType` (CDK renames it back when rendering); every other key and value is kept verbatim. */
export function toCdkEventPattern(pattern: EventPattern): events.EventPattern {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pattern)) out[key === 'detail-type' ? 'detailType' : key] = value;
  return out as events.EventPattern;
}

/** `InventoryRecorder` → `inventory-recorder`. */
export function kebabCase(id: string): string {
  return id.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

/**
 * Lambda's on-failure destination on a KMS-encrypted queue, granting only what sending needs: sqs:SendMessage on the
 * queue and kms:GenerateDataKey/Decrypt on its key, through SQS only (`SqsDestination` grants encrypt/re-encrypt with
 * wildcards too).
 */
export class EncryptedQueueDestination implements lambda.IDestination {
  constructor(
    private readonly queue: sqs.IQueue,
    private readonly key: kms.IKey,
  ) {}

  bind(_scope: Construct, fn: lambda.IFunction): lambda.DestinationConfig {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'SendToAsyncDlq',
        actions: ['sqs:SendMessage'],
        resources: [this.queue.queueArn],
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'EncryptForAsyncDlq',
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [this.key.keyArn],
        // Only SQS encrypting for the queue may use the key with this role, not the function's code directly.
        conditions: { StringEquals: { 'kms:ViaService': `sqs.${Stack.of(fn).region}.amazonaws.com` } },
      }),
    );
    return { destination: this.queue.queueArn };
  }
}

/** A KMS-encrypted dead-letter queue, kept as long as SQS allows; `why` acknowledges it has no DLQ of its own. */
export function encryptedDeadLetterQueue(
  scope: Construct,
  id: string,
  key: kms.IKey,
  why: string,
): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.KMS,
    encryptionMasterKey: key,
    enforceSSL: true,
    retentionPeriod: DLQ_RETENTION,
  });
  acknowledge(queue, [{ id: 'AwsSolutions-SQS3', reason: why }]);
  return queue;
}

/** An alarm on `topic` as soon as a message waits in `queue` (`<queue id>NotEmpty`). */
export function queueNotEmptyAlarm(
  scope: Construct,
  queue: sqs.IQueue & Construct,
  description: string,
  topic: sns.ITopic,
): cloudwatch.Alarm {
  const alarm = new cloudwatch.Alarm(scope, `${queue.node.id}NotEmpty`, {
    alarmDescription: description,
    metric: queue.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(1),
      statistic: cloudwatch.Stats.MAXIMUM,
    }),
    threshold: 0,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  alarm.addAlarmAction(new SnsAction(topic));
  return alarm;
}

export class EventFunction extends Construct {
  /** The catalog entry with the statements this configuration deploys. */
  readonly spec: FunctionSpec;
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** Receives invocations that failed after Lambda's async retries (on-failure destination). */
  readonly asyncDlq: sqs.Queue;
  /** Receives events EventBridge could not deliver to the function. */
  readonly deliveryDlq: sqs.Queue;
  readonly rules: events.Rule[] = [];
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: EventFunctionProps) {
    super(scope, id);
    const { spec } = props;
    this.spec = spec;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      roleName: props.roleName,
      description: `eip-keeper ${spec.id}: ${spec.description}`.slice(0, 1000),
    });
    // Instead of AWSLambdaBasicExecutionRole (any log group): write to this function's own log group only.
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    this.asyncDlq = this.deadLetterQueue('AsyncDlq', props.key);
    this.deliveryDlq = this.deadLetterQueue('DeliveryDlq', props.key);

    this.function = new NodejsFunction(this, 'Function', {
      description: spec.description.slice(0, 256),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: spec.memoryMb,
      timeout: Duration.seconds(spec.timeoutSeconds),
      role: this.role,
      logGroup: this.logGroup,
      // No X-Ray: nothing here would be traced but the invocation itself (no SDK subsegments without the X-Ray SDK,
      // which costs every cold start); logs carry the event id and EMF metrics carry the figures.
      tracing: lambda.Tracing.DISABLED,
      reservedConcurrentExecutions: spec.reservedConcurrency,
      retryAttempts: ASYNC_RETRY_ATTEMPTS,
      maxEventAge: MAX_EVENT_AGE,
      onFailure: new EncryptedQueueDestination(this.asyncDlq, props.key),
      environment: {
        ...props.environment,
        NODE_OPTIONS: '--enable-source-maps',
      },
      ...(props.code
        ? { code: props.code, handler: 'index.handler' }
        : {
            entry: path.join(props.projectRoot, spec.entry),
            handler: 'handler',
            projectRoot: props.projectRoot,
            depsLockFilePath: path.join(props.projectRoot, 'package-lock.json'),
            bundling: bundlingFor(spec),
          }),
    });

    const target = new targets.LambdaFunction(this.function, {
      deadLetterQueue: this.deliveryDlq,
      retryAttempts: RULE_RETRY_ATTEMPTS,
      maxEventAge: MAX_EVENT_AGE,
    });
    for (const rule of rulesFor(spec, props.config)) {
      this.rules.push(
        new events.Rule(this, rule.id, {
          description: `eip-keeper ${spec.id}: ${rule.id}`,
          eventBus: props.eventBus,
          eventPattern: toCdkEventPattern(rule.pattern),
          targets: [target],
        }),
      );
    }
    if (spec.scheduleMinutes) {
      const minutes = spec.scheduleMinutes(props.config);
      this.rules.push(
        new events.Rule(this, 'Schedule', {
          description: `eip-keeper ${spec.id}: every ${minutes} min`,
          schedule: events.Schedule.rate(Duration.minutes(minutes)),
          targets: [target],
        }),
      );
    }

    const { statements, wildcards } = resolvePermissions(
      spec.id,
      spec.permissions,
      props.resourceArns,
      props.config,
    );
    for (const s of statements) {
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: s.sid,
          actions: s.actions,
          resources: s.resources,
          conditions: s.conditions,
        }),
      );
    }

    for (const queue of [this.asyncDlq, this.deliveryDlq]) {
      this.alarms.push(
        queueNotEmptyAlarm(
          this,
          queue,
          `eip-keeper ${spec.id}: events are waiting in ${queue.node.id}; inspect and redrive them`,
          props.alarmTopic,
        ),
      );
    }

    this.acknowledgeFindings(wildcards);
  }

  private deadLetterQueue(id: string, key: kms.IKey): sqs.Queue {
    return encryptedDeadLetterQueue(
      this,
      id,
      key,
      'This queue is itself a dead-letter queue (Lambda on-failure / EventBridge target DLQ); it has an alarm instead.',
    );
  }

  /** The cdk-nag findings that remain by design, each with its reason, next to the resource they are about. */
  private acknowledgeFindings(wildcards: WildcardReason[]): void {
    const roleFindings = wildcards.map((w) => ({
      id: w.kind === 'action' ? iam5ActionFindingId(w.value) : iam5ResourceFindingId(this, w.value),
      reason: w.reason,
    }));
    acknowledge(this.role, roleFindings);
    acknowledge(this.function, [
      {
        id: 'AwsSolutions-L1',
        reason:
          'nodejs22.x is the runtime eip-keeper is built and tested for (esbuild target node22); nodejs24.x is newer but not yet adopted.',
      },
    ]);
  }
}
