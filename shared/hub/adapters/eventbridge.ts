/** Adapter: the member's hub events on its own bus, through shared/aws/put-events.ts. */
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { type PutEventsCommands, putEventEntries } from '../../aws/put-events';
import type { EventPutPort, HubEventEntry } from '../forward';

export class EventBridgePut implements EventPutPort {
  constructor(
    private readonly events: EventBridgeClient,
    private readonly eventBusName: string,
    private readonly sdk: PutEventsCommands,
  ) {}

  put(entries: readonly HubEventEntry[]): Promise<void> {
    return putEventEntries(
      this.events,
      this.sdk,
      entries.map((e) => ({ ...e, Time: new Date(e.Time), EventBusName: this.eventBusName })),
    );
  }
}
