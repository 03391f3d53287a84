/**
 * The one publisher of the alert topic: `Publish` with `MessageStructure=json` (a body per protocol, render.ts) and
 * the notification's source, kind and severity as message attributes, for subscription filter policies
 * (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html).
 */
import type { SNSClient } from '@aws-sdk/client-sns';
import type { RuntimeSdk } from '../../aws/runtime-sdk';
import type { Notification } from '../notification';
import type { NotificationPort } from '../ports';
import { renderNotification } from '../render';

/** The SDK's command the publisher sends (from the package loaded on first use: runtime-sdk.ts). */
export type SnsCommands = Pick<RuntimeSdk['@aws-sdk/client-sns'], 'PublishCommand'>;

export class SnsNotifications implements NotificationPort {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
    private readonly sdk: SnsCommands,
  ) {}

  async publish(n: Notification): Promise<{ messageId: string }> {
    const { subject, message, attributes } = renderNotification(n);
    const out = await this.sns.send(
      new this.sdk.PublishCommand({
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
