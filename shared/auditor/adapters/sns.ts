/**
 * Adapter: announces finding changes on the alert topic, one message per audit with changes
 * (`MessageStructure=json`: plain text for e-mail, an AWS Chatbot custom notification for `https`; messages.ts).
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { type ChangeNotice, snsMessage } from '../messages';
import type { NotifierPort } from '../ports';

export class SnsFindingNotifier implements NotifierPort {
  constructor(
    private readonly sns: SNSClient,
    private readonly opts: { topicArn: string; subjectPrefix: string },
  ) {}

  async publish(notice: ChangeNotice): Promise<void> {
    const { subject, message } = snsMessage(this.opts.subjectPrefix, notice);
    await this.sns.send(
      new PublishCommand({
        TopicArn: this.opts.topicArn,
        Subject: subject,
        Message: message,
        MessageStructure: 'json',
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: 'audit-finding' },
          cluster: { DataType: 'String', StringValue: notice.cluster },
        },
      }),
    );
  }
}
