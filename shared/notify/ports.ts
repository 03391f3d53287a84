/** The alert topic, as every capability tells it something (adapters/sns.ts implements it). */
import type { Notification } from './notification';

export interface NotificationPort {
  /** Publishes one notification, rendered for every protocol; resolves with SNS's message id, throws when refused. */
  publish(n: Notification): Promise<{ messageId: string }>;
}
