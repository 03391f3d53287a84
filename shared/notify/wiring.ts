/** The alert topic's publisher from a RuntimeContext (the keeper, the sweeper and the auditor wiring use it). */
import { forwardingAlerts } from '../hub/forward';
import { hubEventsFromContext } from '../hub/forward-wiring';
import type { RuntimeContext } from '../runtime/context';
import type { NotificationPort } from './ports';
import { topicFromContext } from './topic';

/** The alert topic; with a hub configured, each alert also goes to the hub as an event (shared/hub/forward.ts). */
export function notificationsFromContext(
  ctx: Pick<RuntimeContext, 'aws' | 'env' | 'config'>,
): NotificationPort {
  const topic = topicFromContext(ctx);
  const hub = hubEventsFromContext(ctx);
  return hub ? forwardingAlerts(topic, hub) : topic;
}
