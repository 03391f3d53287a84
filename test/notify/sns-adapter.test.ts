/** The one publisher of the alert topic, against a mocked SNS client. */
import * as snsSdk from '@aws-sdk/client-sns';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SnsNotifications } from '../../shared/notify/adapters/sns';
import type { Notification } from '../../shared/notify/notification';

const sns = mockClient(SNSClient);
const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:eip-keeper-alerts';

const notification: Notification = {
  source: 'auditor',
  kind: 'audit-finding',
  severity: 'medium',
  subject: '[eip-keeper] prod: 1 new readiness finding',
  title: '[eip-keeper] prod: 1 new readiness finding',
  account: '111122223333',
  region: 'eu-west-1',
  time: '2026-01-05T09:00:00.000Z',
  dedupKey: 'audit-finding#prod#2026-01-05T09:00:00.000Z',
  resources: ['arn:aws:eks:eu-west-1:111122223333:cluster/prod'],
  facts: { cluster: 'prod', opened: 1 },
  body: [['NEW (1)']],
  chat: { description: ['*New (1)*'], threadId: 'eip-keeper-audit-prod' },
};

describe('SnsNotifications', () => {
  beforeEach(() => {
    sns.reset();
  });

  it('publishes one message per notification, a body per protocol, and answers its message id', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'b3f1-42' });

    const out = await new SnsNotifications(new SNSClient({ region: 'eu-west-1' }), TOPIC, snsSdk).publish(
      notification,
    );

    expect(out).toEqual({ messageId: 'b3f1-42' });
    expect(sns).toHaveReceivedCommandExactlyOnceWith(PublishCommand, {
      TopicArn: TOPIC,
      Subject: '[eip-keeper] prod: 1 new readiness finding',
      MessageStructure: 'json',
      MessageAttributes: {
        source: { DataType: 'String', StringValue: 'auditor' },
        kind: { DataType: 'String', StringValue: 'audit-finding' },
        severity: { DataType: 'String', StringValue: 'medium' },
        cluster: { DataType: 'String', StringValue: 'prod' },
      },
    });
    const message = JSON.parse(sns.commandCalls(PublishCommand)[0]?.args[0].input.Message ?? '{}');
    expect(message.email).toBe('NEW (1)');
    expect(JSON.parse(message.default).kind).toBe('audit-finding');
  });

  it('fails when SNS refuses, so the caller keeps the alert to send again', async () => {
    sns
      .on(PublishCommand)
      .rejects(Object.assign(new Error('Topic does not exist'), { name: 'NotFoundException' }));

    await expect(
      new SnsNotifications(new SNSClient({ region: 'eu-west-1' }), TOPIC, snsSdk).publish(notification),
    ).rejects.toThrow('Topic does not exist');
  });
});
