/**
 * eip-keeper in one region: the table, the encrypted alert topic, the published deployment (its configuration and
 * where its table and topic are, in SSM, for the CLI), and one EventFunction per entry of the function catalog
 * (shared/app/functions.ts). The kill switch is an SSM parameter the Sweeper may read but that the stack does not
 * own (an operator creates it). Adding a capability means appending a FunctionSpec to FUNCTIONS; this file does not
 * change.
 */

import { CfnOutput, Fn, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import type { z } from 'zod';
import { FUNCTIONS, type FunctionSpec, inventoryRecorder } from '../shared/app/functions';
import { deploymentDocument, deploymentParameterName } from '../shared/config/deployment';
import { ENV, type RuntimeEnvSchema } from '../shared/config/environment';
import type { AppConfig } from '../shared/config/schema';
import { packageRoot } from '../shared/runtime/package-root';
import { TABLE_KEYS } from '../shared/store/table';
import { OperationalAlarms } from './constructs/alarms';
import { EventFunction, kebabCase } from './constructs/event-function';
import { FinanceDashboard } from './constructs/finance-dashboard';
import { dashboardUrl, SecurityDashboard } from './constructs/security-dashboard';
import {
  externalResourceArns,
  mayReleaseAddresses,
  permissionsFor,
  type ResourceArns,
  releaseGuardStatements,
} from './permissions';

/** Longer configuration JSON is read from the published parameter (Lambda's environment is 4 KB in total). */
export const INLINE_CONFIG_MAX_CHARS = 2000;
/** SSM String parameter limits: standard tier 4 KB, advanced tier 8 KB. */
const SSM_STANDARD_MAX_CHARS = 4096;
const SSM_ADVANCED_MAX_CHARS = 8192;
/** Room the published document needs besides the configuration: names, account, region, table, topic ARN. */
const DEPLOYMENT_DOCUMENT_OVERHEAD_CHARS = 600;

/** The repository root: function entries in the catalog are relative to it. */
export const REPO_ROOT = `${packageRoot()}/`;

/** The environment the stack gives every function, typed against the runtime schema (Lambda sets AWS_REGION). */
export type StackEnvironment = Omit<z.input<typeof RuntimeEnvSchema>, typeof ENV.region>;

export interface EipKeeperStackProps extends StackProps {
  /** The validated configuration (infra/context.ts). */
  readonly config: AppConfig;
  /** @default FUNCTIONS, the catalog */
  readonly functions?: readonly FunctionSpec[];
  /** Pre-built code per function, skipping esbuild bundling (tests). @default bundle each entry with local esbuild */
  readonly codeFor?: (spec: FunctionSpec) => lambda.Code;
  /** @default the repository root */
  readonly projectRoot?: string;
  /** @default one month */
  readonly logRetention?: logs.RetentionDays;
}

/** The configuration is too long even for an advanced SSM parameter. */
export class ConfigTooLargeError extends Error {
  override readonly name = 'ConfigTooLargeError';
  constructor(readonly length: number) {
    super(
      `eip-keeper configuration is ${length} characters as JSON; the SSM parameter holds at most ${SSM_ADVANCED_MAX_CHARS - DEPLOYMENT_DOCUMENT_OVERHEAD_CHARS} of configuration`,
    );
  }
}

export class EipKeeperStack extends Stack {
  readonly table: dynamodb.Table;
  readonly key: kms.Key;
  readonly topic: sns.Topic;
  /**
   * The kill switch's ARN. The parameter is not part of the stack: an operator creates and flips it
   * (docs/sweeper.md), so no deploy, rollback or stack deletion ever writes or removes its value; the Sweeper may
   * only read it, and reads a missing one as "on".
   */
  readonly killSwitchArn: string;
  /** The published deployment, `/eip-keeper/<stack>/config` (shared/config/deployment.ts). */
  readonly configParameter: ssm.StringParameter;
  /** The functions get the configuration inline (EIP_KEEPER_CONFIG), not from the parameter. */
  readonly configInline: boolean;
  readonly functions: EventFunction[] = [];
  /** Present when the catalog deploys the Sweeper. */
  readonly financeDashboard?: FinanceDashboard;
  /** Heartbeats of the scheduled functions and pool exhaustion, on the alert topic. */
  readonly alarms: OperationalAlarms;
  /** Beside the finance one: alerts, refused events, releases and blocks, dead-letter queues. */
  readonly securityDashboard: SecurityDashboard;

  constructor(scope: Construct, id: string, props: EipKeeperStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.key = this.createKey();
    this.topic = this.createTopic(config);
    this.table = this.createTable();
    this.killSwitchArn = `arn:${this.partition}:ssm:${this.region}:${this.account}:parameter${config.sweeper.killSwitchParameter}`;
    const configJson = JSON.stringify(config);
    this.configInline = configJson.length <= INLINE_CONFIG_MAX_CHARS;
    this.configParameter = this.publishDeployment(config, configJson.length);

    const environment: StackEnvironment = {
      [ENV.tableName]: this.table.tableName,
      [ENV.topicArn]: this.topic.topicArn,
      [ENV.accountId]: this.account,
      [ENV.eventBusName]: 'default',
      ...(this.configInline
        ? { [ENV.configJson]: configJson }
        : { [ENV.configParameter]: this.configParameter.parameterName }),
    };
    const resourceArns: ResourceArns = {
      table: this.table.tableArn,
      'table-indexes': `${this.table.tableArn}/index/*`,
      topic: this.topic.topicArn,
      'topic-key': this.key.keyArn,
      'config-parameter': this.configParameter.parameterArn,
      'kill-switch-parameter': this.killSwitchArn,
      ...externalResourceArns(this.partition, this.region, this.account),
    };
    const catalog = props.functions ?? FUNCTIONS;
    for (const catalogSpec of catalog) {
      this.functions.push(this.createFunction(catalogSpec, props, definedOnly(environment), resourceArns));
    }
    this.allowPublishers(
      this.functions.filter((f) => f.spec.permissions.some((p) => p.resources.includes('topic'))),
    );
    this.tellRecorderTheKeeper();

    // The finance dashboard over the Sweeper's cost metrics.
    const sweeperSpec = catalog.find((f) => f.id === 'Sweeper');
    if (sweeperSpec) {
      this.financeDashboard = new FinanceDashboard(this, 'FinanceDashboard', {
        service: kebabCase(sweeperSpec.id),
        hourlyRateUsd: config.sweeper.hourlyRateUsd,
        sweepMinutes: config.sweeper.scheduleMinutes,
      });
    }
    ({ alarms: this.alarms, dashboard: this.securityDashboard } = this.watch(config));

    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'AlertTopicArn', { value: this.topic.topicArn });
    new CfnOutput(this, 'KillSwitchParameterName', { value: config.sweeper.killSwitchParameter });
    new CfnOutput(this, 'ConfigParameterName', {
      value: this.configParameter.parameterName,
      description: 'The deployed configuration and where the table and topic are: the CLI reads it',
    });
  }

  /**
   * What tells the operators that something stopped working or needs a look: heartbeat and pool-exhaustion alarms on
   * the topic, the security dashboard, and both dashboards' addresses as outputs.
   */
  private watch(config: AppConfig): { alarms: OperationalAlarms; dashboard: SecurityDashboard } {
    const alarms = new OperationalAlarms(this, 'Alarms', {
      functions: this.functions,
      config,
      topic: this.topic,
      keeperFunctionIds: this.functions
        .filter((f) => f.spec.permissions.some((p) => p.actions.includes('ec2:AssociateAddress')))
        .map((f) => f.spec.id),
    });
    const dashboard = new SecurityDashboard(this, 'SecurityDashboard', {
      topic: this.topic,
      functions: this.functions,
      alarms,
    });
    new CfnOutput(this, 'SecurityDashboardUrl', {
      value: dashboardUrl(this.region, dashboard.dashboard.dashboardName),
      description: 'Alerts, refused events, releases and blocks, dead-letter queues, heartbeats',
    });
    if (this.financeDashboard) {
      new CfnOutput(this, 'FinanceDashboardUrl', {
        value: dashboardUrl(this.region, this.financeDashboard.dashboard.dashboardName),
        description: 'What idle Elastic IPs cost and what releases saved',
      });
    }
    return { alarms, dashboard };
  }

  /** The key of the topic and the dead-letter queues, usable by the AWS services that write to them. */
  private createKey(): kms.Key {
    const key = new kms.Key(this, 'Key', {
      description: 'eip-keeper: encrypts the alert topic and the dead-letter queues',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudWatch alarms publish DLQ alarms to the encrypted topic.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToUseKeyForTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    // EventBridge writes undeliverable events to the encrypted rule DLQs.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowEventBridgeRulesToUseKeyForDlq',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: {
          ArnLike: { 'aws:SourceArn': `arn:${this.partition}:events:${this.region}:${this.account}:rule/*` },
        },
      }),
    );
    return key;
  }

  /** The encrypted, TLS-only alert topic: this account manages it, CloudWatch alarms of this account publish. */
  private createTopic(config: AppConfig): sns.Topic {
    const topic = new sns.Topic(this, 'AlertTopic', {
      displayName: 'eip-keeper alerts',
      masterKey: this.key,
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
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          ArnLike: {
            'aws:SourceArn': `arn:${this.partition}:cloudwatch:${this.region}:${this.account}:alarm:*`,
          },
        },
      }),
    );
    if (config.alerts.email) topic.addSubscription(new subscriptions.EmailSubscription(config.alerts.email));
    return topic;
  }

  /** The single table (keys in shared/store/table.ts), retained, with point-in-time recovery. */
  private createTable(): dynamodb.Table {
    const table = new dynamodb.Table(this, 'Table', {
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

  /**
   * The deployment as the CLI finds it from the stack name and region: the effective configuration, the account,
   * region, table and topic, in `/eip-keeper/<stack>/config`; also what the functions read when the configuration
   * is too long for their environment.
   */
  private publishDeployment(config: AppConfig, configChars: number): ssm.StringParameter {
    const chars = configChars + DEPLOYMENT_DOCUMENT_OVERHEAD_CHARS;
    if (chars > SSM_ADVANCED_MAX_CHARS) throw new ConfigTooLargeError(configChars);
    const document = deploymentDocument(
      {
        stack: this.stackName,
        account: this.account,
        region: this.region,
        tableName: this.table.tableName,
        alertTopicArn: this.topic.topicArn,
      },
      config,
    );
    return new ssm.StringParameter(this, 'Config', {
      parameterName: deploymentParameterName(this.stackName),
      stringValue: this.toJsonString(document),
      description: 'eip-keeper: the deployed configuration (validated at synth time), table and alert topic',
      tier: chars > SSM_STANDARD_MAX_CHARS ? ssm.ParameterTier.ADVANCED : ssm.ParameterTier.STANDARD,
    });
  }

  /** One catalog entry as a hardened function, with only the statements this configuration needs. */
  private createFunction(
    catalogSpec: FunctionSpec,
    props: EipKeeperStackProps,
    environment: Record<string, string>,
    resourceArns: ResourceArns,
  ): EventFunction {
    const { config } = props;
    // PermissionSpec.when: a switch off in the configuration is off in IAM.
    const spec = { ...catalogSpec, permissions: permissionsFor(catalogSpec, config) };
    const fn = new EventFunction(this, spec.id, {
      spec,
      config,
      environment,
      resourceArns,
      key: this.key,
      alarmTopic: this.topic,
      projectRoot: props.projectRoot ?? REPO_ROOT,
      code: props.codeFor?.(spec),
      logRetention: props.logRetention,
    });
    if (!this.configInline) {
      fn.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'ReadConfigParameter',
          actions: ['ssm:GetParameter'],
          resources: [this.configParameter.parameterArn],
        }),
      );
    }
    if (mayReleaseAddresses(catalogSpec)) {
      for (const guard of releaseGuardStatements(config, resourceArns['elastic-ip'])) {
        fn.role.addToPrincipalPolicy(new iam.PolicyStatement({ effect: iam.Effect.DENY, ...guard }));
      }
    }
    return fn;
  }

  /**
   * The inventory recorder learns the roles of the functions that may associate addresses (the keeper's): an
   * association one of them made proves the address was a pool member, whatever its tags say later.
   */
  private tellRecorderTheKeeper(): void {
    const keeperRoles = this.functions
      .filter((f) => f.spec.permissions.some((p) => p.actions.includes('ec2:AssociateAddress')))
      .map((f) => f.role.roleArn);
    const recorder = this.functions.find((f) => f.spec.id === inventoryRecorder.id);
    if (recorder && keeperRoles.length > 0) {
      recorder.function.addEnvironment(ENV.keeperRoleArns, Fn.join(',', keeperRoles));
    }
  }

  /** The functions that publish alerts, in the topic's and the key's policies (the key only through SNS). */
  private allowPublishers(publishers: readonly EventFunction[]): void {
    if (publishers.length === 0) return;
    const roles = publishers.map((f) => f.role);
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowEipKeeperFunctionsToPublish',
        principals: roles,
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
      }),
    );
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowEipKeeperFunctionsToPublishViaSns',
        principals: roles,
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'kms:ViaService': `sns.${this.region}.amazonaws.com` } },
      }),
    );
  }
}

function definedOnly(env: StackEnvironment): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (typeof v === 'string') out[k] = v;
  return out;
}
