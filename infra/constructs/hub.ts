/**
 * The organization hub, for a central security account: an event bus every account of the organization may put
 * events on (and no other: the bus policy's `aws:PrincipalOrgID` condition), a function that keeps each member's
 * alerts, findings and cost-ledger changes in the hub's table by account and region, and an alert topic whose
 * messages name the member account and region (docs/hub.md). Members point `hub.eventBusArn` at `eventBusArn`.
 */
import { CfnOutput, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { ENV, inlineConfigEnvironment } from '../../shared/config/environment';
import { parseAppConfig } from '../../shared/config/schema';
import { hubIngest } from '../../shared/hub/function-spec';
import { functionCodeSource } from '../lib/function-code';
import { externalResourceArns, permissionsFor, type ResourceArns } from '../permissions';
import { allowFunctionsToPublish, createKey, createTable, createTopic } from './core-resources';
import type { EipKeeperProps } from './eip-keeper';
import { EventFunction } from './event-function';
import { HubDashboard } from './hub-dashboard';
import { roleNamer } from './role-names';
import { dashboardUrl } from './security-dashboard';

/** An AWS Organizations id (https://docs.aws.amazon.com/organizations/latest/APIReference/API_Organization.html). */
const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;

/** The hub takes the member construct's platform options, with the same meaning (docs/construct.md). */
export interface EipKeeperHubProps
  extends Pick<
    EipKeeperProps,
    | 'alertTopic'
    | 'encryptionKey'
    | 'table'
    | 'permissionsBoundary'
    | 'roleNamePrefix'
    | 'logRetention'
    | 'codeFor'
    | 'projectRoot'
  > {
  /** The organization whose accounts may send (`o-…`): the bus policy admits its principals only. */
  readonly organizationId: string;
  /** @default `eip-keeper-hub` */
  readonly eventBusName?: string;
  /** Subscribed to the hub's alert topic. */
  readonly alertEmail?: string;
}

export class InvalidOrganizationIdError extends Error {
  override readonly name = 'InvalidOrganizationIdError';
  constructor(readonly organizationId: string) {
    super(`eip-keeper hub: organizationId ${JSON.stringify(organizationId)} is not an organization id (o-…)`);
  }
}

export class EipKeeperHub extends Construct {
  readonly bus: events.EventBus;
  readonly table: dynamodb.ITable;
  readonly key: kms.IKey;
  readonly topic: sns.ITopic;
  readonly ingest: EventFunction;
  readonly dashboard: HubDashboard;

  constructor(scope: Construct, id: string, props: EipKeeperHubProps) {
    super(scope, id);
    if (!ORGANIZATION_ID.test(props.organizationId))
      throw new InvalidOrganizationIdError(props.organizationId);
    const stack = Stack.of(this);
    this.key = props.encryptionKey ?? createKey(this);
    this.topic = props.alertTopic ?? createTopic(this, this.key);
    this.table = props.table ?? createTable(this);
    if (props.alertEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alertEmail));

    this.bus = new events.EventBus(this, 'Bus', { eventBusName: props.eventBusName ?? 'eip-keeper-hub' });
    // Any principal of the organization, and no other: a member's forwarding role is one
    // (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-bus-example-policy.html).
    this.bus.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OrganizationMembersPutEvents',
        principals: [new iam.AnyPrincipal()],
        actions: ['events:PutEvents'],
        resources: [this.bus.eventBusArn],
        conditions: { StringEquals: { 'aws:PrincipalOrgID': props.organizationId } },
      }),
    );

    const config = parseAppConfig({}, `${this.node.path} config`);
    const resourceArns: ResourceArns = {
      ...externalResourceArns(stack.partition, stack.region, stack.account),
      table: this.table.tableArn,
      'table-indexes': `${this.table.tableArn}/index/*`,
      topic: this.topic.topicArn,
      'topic-key': (this.topic.masterKey ?? this.key).keyArn,
      // The hub's function names neither parameter: it reads no configuration but the defaults.
      'config-parameter': '',
      'kill-switch-parameter': '',
      'event-bus': this.bus.eventBusArn,
    };
    const spec = { ...hubIngest, permissions: permissionsFor(hubIngest, config) };
    this.ingest = new EventFunction(this, spec.id, {
      spec,
      config,
      environment: {
        [ENV.tableName]: this.table.tableName,
        [ENV.topicArn]: this.topic.topicArn,
        [ENV.accountId]: stack.account,
        [ENV.eventBusName]: this.bus.eventBusName,
        ...inlineConfigEnvironment(config),
      },
      resourceArns,
      key: this.key,
      alarmTopic: this.topic,
      ...functionCodeSource(spec, props),
      logRetention: props.logRetention,
      roleName: roleNamer(props.roleNamePrefix, stack.region)(spec.id),
      eventBus: this.bus,
    });
    allowFunctionsToPublish(
      this,
      { topic: this.topic, key: this.key, broughtTopic: props.alertTopic !== undefined },
      [this.ingest.role],
    );
    if (props.permissionsBoundary) iam.PermissionsBoundary.of(this).apply(props.permissionsBoundary);

    new CfnOutput(this, 'EventBusArn', {
      value: this.bus.eventBusArn,
      description: "Members' hub.eventBusArn",
    });
    new CfnOutput(this, 'HubTableName', { value: this.table.tableName });
    new CfnOutput(this, 'HubAlertTopicArn', { value: this.topic.topicArn });
    this.dashboard = new HubDashboard(this, 'Dashboard', { topic: this.topic, ingest: this.ingest });
    new CfnOutput(this, 'HubDashboardUrl', {
      value: dashboardUrl(stack.region, this.dashboard.dashboard.dashboardName),
      description:
        'Every member account and region: events kept, alerts, refused ingestion, dead-letter queues',
    });
  }
}
