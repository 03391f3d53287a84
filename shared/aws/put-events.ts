/**
 * Puts custom events on an EventBridge bus in batches of 10 (the PutEvents limit). The SDK retries throttled and
 * failed calls; PutEvents can also fail single entries in a successful call (`FailedEntryCount`,
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html). Those with a retryable error are
 * put again with back-off; one refused for good (access, source, a malformed entry:
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsResultEntry.html) fails the put at once,
 * since putting it again cannot succeed.
 */
import type { EventBridgeClient, PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { RuntimeSdk } from './runtime-sdk';

/** The SDK's command PutEvents is sent with (from the package loaded on first use: runtime-sdk.ts). */
export type PutEventsCommands = Pick<RuntimeSdk['@aws-sdk/client-eventbridge'], 'PutEventsCommand'>;

/** PutEvents takes at most 10 entries per call. */
const MAX_ENTRIES = 10;

/** The entry errors PutEventsResultEntry documents as retryable; every other one is final. */
const RETRYABLE_ENTRY_ERRORS: ReadonlySet<string> = new Set(['InternalFailure', 'ThrottlingException']);

/** EventBridge did not take every entry after retries. */
export class EventPublishError extends Error {
  override readonly name = 'EventPublishError';
}

export interface PutEventsOptions {
  /** Puts of the entries a call failed, including the first (default 5). */
  maxAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Puts every entry, in batches, retrying only the entries a call failed with a retryable error. */
export async function putEventEntries(
  events: EventBridgeClient,
  sdk: PutEventsCommands,
  entries: readonly PutEventsRequestEntry[],
  opts: PutEventsOptions = {},
): Promise<void> {
  for (let i = 0; i < entries.length; i += MAX_ENTRIES) {
    await putBatch(events, sdk, entries.slice(i, i + MAX_ENTRIES), opts);
  }
}

async function putBatch(
  events: EventBridgeClient,
  sdk: PutEventsCommands,
  batch: PutEventsRequestEntry[],
  opts: PutEventsOptions,
): Promise<void> {
  const attempts = opts.maxAttempts ?? 5;
  const sleep = opts.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  let pending = batch;
  let lastError = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) await sleep(Math.min(2000, 100 * 2 ** (attempt - 2)));
    const out = await events.send(new sdk.PutEventsCommand({ Entries: pending }));
    if (!out.FailedEntryCount) return;
    const results = out.Entries ?? [];
    const failed = pending.filter((_, i) => results[i]?.ErrorCode !== undefined);
    const codes = results.flatMap((r) => (r.ErrorCode ? [r.ErrorCode] : []));
    lastError = results
      .filter((r) => r.ErrorCode)
      .map((r) => `${r.ErrorCode}: ${r.ErrorMessage ?? ''}`)
      .join('; ');
    if (codes.some((code) => !RETRYABLE_ENTRY_ERRORS.has(code))) {
      throw new EventPublishError(`PutEvents refused ${failed.length} entries: ${lastError}`);
    }
    pending = failed;
    if (pending.length === 0) return;
  }
  throw new EventPublishError(`PutEvents left ${pending.length} entries unpublished: ${lastError}`);
}
