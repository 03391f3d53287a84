/**
 * The one publisher of the alert topic: `Publish` with `MessageStructure=json` (a body per protocol, render.ts) and
 * the notification's source, kind and severity as message attributes, for subscription filter policies
 * (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html).
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Notification } from '../notification';
import type { NotificationPort } from '../ports';
import { renderNotification } from '../render';

export class SnsNotifications implements NotificationPort {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(n: Notification): Promise<{ messageId: string }> {
    const { subject, message, attributes } = renderNotification(n);
    const out = await this.sns.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: subject,
        Message: message,
        MessageStructure: 'json',
        MessageAttributes: Object.fromEntries(
          Object.entries(attributes).map(([name, value]) => [
            name,
            { DataType: 'String', StringValue: value },
          ]),
        ),
      }),
    );
    if (!out.MessageId) throw new Error('SNS Publish answered without a MessageId');
    return { messageId: out.MessageId };
  }
}
