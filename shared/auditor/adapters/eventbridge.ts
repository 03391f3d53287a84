/**
 * Adapter: one EventBridge custom event per new or resolved finding (source `eip-keeper`, alerts.ts), put through
 * shared/aws/put-events.ts (batches of 10, entry-level retries, a final refusal fails the publish).
 */
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { type PutEventsCommands, type PutEventsOptions, putEventEntries } from '../../aws/put-events';
import { type ChangeNotice, findingEvents } from '../alerts';
import type { NotifierPort } from '../ports';

export { EventPublishError } from '../../aws/put-events';

export interface EventBridgeNotifierOptions extends PutEventsOptions {
  eventBusName: string;
}

export class EventBridgeFindingNotifier implements NotifierPort {
  constructor(
    private readonly events: EventBridgeClient,
    private readonly opts: EventBridgeNotifierOptions,
    private readonly sdk: PutEventsCommands,
  ) {}

  async publish(notice: ChangeNotice): Promise<void> {
    const entries = findingEvents(notice).map((e) => ({
      ...e,
      Time: new Date(e.Time),
      EventBusName: this.opts.eventBusName,
    }));
    await putEventEntries(this.events, this.sdk, entries, this.opts);
  }
}
