/**
 * A member's link to the organization hub: a rule on the member's default bus that forwards every `eip-keeper` event
 * (alerts, cost-ledger changes, findings) to the hub's bus, with a role that may only put events on that bus.
 * EventBridge sends cross-account with the role given on the target
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-account.html); the hub's bus policy decides
 * whether the member's organization may. Events the hub could not take wait in an encrypted dead-letter queue.
 */
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EVENT_SOURCE } from '../../shared/hub/model';
import { encryptedDeadLetterQueue, queueNotEmptyAlarm } from './event-function';

export interface HubForwardingProps {
  readonly eventBusArn: string;
  /** Encrypts the dead-letter queue. */
  readonly key: kms.IKey;
  /** The dead-letter queue's alarm publishes here. */
  readonly alarmTopic: sns.ITopic;
  /** @default a name CloudFormation generates */
  readonly roleName?: string;
}

export class HubForwarding extends Construct {
  readonly rule: events.Rule;
  readonly role: iam.Role;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: HubForwardingProps) {
    super(scope, id);
    const hubBus = events.EventBus.fromEventBusArn(this, 'HubBus', props.eventBusArn);
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com'),
      roleName: props.roleName,
      description: "eip-keeper: puts this deployment's eip-keeper events on the organization hub's bus",
    });
    this.deadLetterQueue = encryptedDeadLetterQueue(
      this,
      'Dlq',
      props.key,
      'This queue is itself the dead-letter queue of the hub forwarding rule; it has an alarm instead.',
    );
    // The target grants the role events:PutEvents on the hub's bus, nothing else.
    this.rule = new events.Rule(this, 'Rule', {
      description: "eip-keeper: every eip-keeper event to the organization hub's bus",
      eventPattern: { source: [EVENT_SOURCE] },
      targets: [new targets.EventBus(hubBus, { role: this.role, deadLetterQueue: this.deadLetterQueue })],
    });
    queueNotEmptyAlarm(
      this,
      this.deadLetterQueue,
      'eip-keeper: events the organization hub did not take are waiting in the hub forwarding DLQ; redrive them',
      props.alarmTopic,
    );
  }
}
