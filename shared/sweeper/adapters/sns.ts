/** SNS for the sweeper: alerts published with `MessageStructure=json` (a body per protocol). */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { AlertPort } from '../ports';

export class SnsAlerts implements AlertPort {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(subject: string, message: string): Promise<string> {
    const out = await this.sns.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: subject,
        Message: message,
        MessageStructure: 'json',
      }),
    );
    return out.MessageId ?? '';
  }
}
