/** The keeper's alert port (`ports.ts`) on SNS (the publisher builds only the SNS client). */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { type AwsConnection, clientOptions } from '../../aws/clients';
import type { KeeperAlert } from '../alerts';
import type { AlertPort } from '../ports';

export class SnsAlertPublisher implements AlertPort {
  private readonly sns: SNSClient;

  constructor(
    conn: AwsConnection,
    private readonly topicArn: string,
  ) {
    this.sns = new SNSClient(clientOptions(conn, 'sns'));
  }

  async publish(alert: KeeperAlert): Promise<void> {
    await this.sns.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: alert.subject,
        Message: alert.message,
        MessageStructure: 'json',
      }),
    );
  }
}
