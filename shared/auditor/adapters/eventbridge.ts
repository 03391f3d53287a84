/**
 * Adapter: one EventBridge custom event per new or resolved finding (source `eip-keeper`, alerts.ts), put in
 * batches of 10 (the PutEvents limit). The SDK retries throttled and failed calls; PutEvents can also fail single
 * entries in a successful call (`FailedEntryCount`), which are put again with back-off
 * (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html).
 */
import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { type ChangeNotice, findingEvents } from '../alerts';
import type { NotifierPort } from '../ports';

/** PutEvents takes at most 10 entries per call. */
const MAX_ENTRIES = 10;

/** EventBridge did not take every entry after retries. */
export class EventPublishError extends Error {
  override readonly name = 'EventPublishError';
}

export interface EventBridgeNotifierOptions {
  eventBusName: string;
  /** Puts of the entries a call failed, including the first (default 5). */
  maxAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

export class EventBridgeFindingNotifier implements NotifierPort {
  constructor(
    private readonly events: EventBridgeClient,
    private readonly opts: EventBridgeNotifierOptions,
  ) {}

  async publish(notice: ChangeNotice): Promise<void> {
    const entries: PutEventsRequestEntry[] = findingEvents(notice).map((e) => ({
      ...e,
      Time: new Date(e.Time),
      EventBusName: this.opts.eventBusName,
    }));
    for (let i = 0; i < entries.length; i += MAX_ENTRIES) await this.put(entries.slice(i, i + MAX_ENTRIES));
  }

  private async put(batch: PutEventsRequestEntry[]): Promise<void> {
    const attempts = this.opts.maxAttempts ?? 5;
    const sleep = this.opts.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
    let pending = batch;
    let lastError = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) await sleep(Math.min(2000, 100 * 2 ** (attempt - 2)));
      const out = await this.events.send(new PutEventsCommand({ Entries: pending }));
      if (!out.FailedEntryCount) return;
      const results = out.Entries ?? [];
      lastError = results
        .filter((r) => r.ErrorCode)
        .map((r) => `${r.ErrorCode}: ${r.ErrorMessage ?? ''}`)
        .join('; ');
      pending = pending.filter((_, i) => results[i]?.ErrorCode !== undefined);
      if (pending.length === 0) return;
    }
    throw new EventPublishError(`PutEvents left ${pending.length} entries unpublished: ${lastError}`);
  }
}
