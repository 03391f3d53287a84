/** The alert topic's publisher from a RuntimeContext (the keeper, the sweeper and the auditor wiring use it). */
import { SNSClient } from '@aws-sdk/client-sns';
import { clientOptions } from '../aws/clients';
import type { RuntimeContext } from '../runtime/context';
import { SnsNotifications } from './adapters/sns';
import type { NotificationPort } from './ports';

export function notificationsFromContext(ctx: Pick<RuntimeContext, 'aws' | 'env'>): NotificationPort {
  return new SnsNotifications(new SNSClient(clientOptions(ctx.aws, 'sns')), ctx.env.topicArn);
}
