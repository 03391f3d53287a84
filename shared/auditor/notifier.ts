/**
 * Adapter: announces finding changes on the alert topic (SNS, `MessageStructure=json`) and as EventBridge custom
 * events (source `eip-keeper`). PutEvents is signed here with SigV4 because the project has no EventBridge SDK
 * client; it honours the endpoint override of the connection, then AWS_ENDPOINT_URL_EVENTBRIDGE / AWS_ENDPOINT_URL.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { type ChangeNotice, type FindingEventEntry, findingEvents, snsMessage } from './messages';
import type { NotifierPort } from './ports';
import { signRequest } from './sigv4';

/** EventBridge did not take every entry after retries. */
export class EventPublishError extends Error {
  override readonly name = 'EventPublishError';
}

export interface EventsPublisher {
  putEvents(entries: (FindingEventEntry & { EventBusName: string })[]): Promise<void>;
}

export interface SignedEventBridgeOptions {
  region: string;
  endpoint?: string;
  credentials: () => Promise<AwsCredentialIdentity>;
  maxAttempts?: number;
  /** Signing time (real time, whatever the domain clock says). */
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
}

export function eventsEndpoint(region: string, override?: string): string {
  const env = process.env.AWS_ENDPOINT_URL_EVENTBRIDGE ?? process.env.AWS_ENDPOINT_URL;
  if (override) return override;
  if (env) return env;
  return `https://events.${region}.${region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com'}`;
}

const RETRYABLE = /Throttling|ThrottlingException|InternalException|ServiceUnavailable/;

/** EventBridge PutEvents (JSON 1.1, `AWSEvents.PutEvents`), batches of 10, failed entries retried with back-off. */
export class SignedEventBridge implements EventsPublisher {
  private readonly url: URL;

  constructor(private readonly opts: SignedEventBridgeOptions) {
    this.url = new URL(eventsEndpoint(opts.region, opts.endpoint));
    if (!this.url.pathname || this.url.pathname === '') this.url.pathname = '/';
  }

  async putEvents(entries: (FindingEventEntry & { EventBusName: string })[]): Promise<void> {
    for (let i = 0; i < entries.length; i += 10) await this.putBatch(entries.slice(i, i + 10));
  }

  private async putBatch(batch: (FindingEventEntry & { EventBusName: string })[]): Promise<void> {
    const attempts = this.opts.maxAttempts ?? 5;
    const sleep = this.opts.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
    let pending = batch;
    let lastError = '';
    for (let attempt = 1; attempt <= attempts && pending.length > 0; attempt++) {
      if (attempt > 1) await sleep(Math.min(2000, 100 * 2 ** (attempt - 2)));
      const body = JSON.stringify({ Entries: pending });
      const headers = signRequest({
        method: 'POST',
        url: this.url,
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutEvents' },
        body,
        service: 'events',
        region: this.opts.region,
        credentials: await this.opts.credentials(),
        date: this.opts.now?.() ?? new Date(),
      });
      let res: Response;
      try {
        res = await fetch(this.url, { method: 'POST', headers, body });
      } catch (err) {
        lastError = (err as Error).message;
        continue;
      }
      const text = await res.text();
      let json: {
        FailedEntryCount?: number;
        Entries?: { EventId?: string; ErrorCode?: string; ErrorMessage?: string }[];
        __type?: string;
        message?: string;
      } = {};
      try {
        json = JSON.parse(text);
      } catch {
        // keep the text
      }
      if (res.status >= 300) {
        lastError = `HTTP ${res.status} ${json.__type ?? ''} ${json.message ?? text}`.trim();
        if (res.status >= 500 || RETRYABLE.test(json.__type ?? '')) continue;
        throw new EventPublishError(`PutEvents failed: ${lastError}`);
      }
      if (!json.FailedEntryCount) return;
      const results = json.Entries ?? [];
      lastError = results
        .filter((r) => r.ErrorCode)
        .map((r) => `${r.ErrorCode}: ${r.ErrorMessage ?? ''}`)
        .join('; ');
      pending = pending.filter((_, i) => results[i]?.ErrorCode !== undefined);
    }
    if (pending.length > 0)
      throw new EventPublishError(`PutEvents left ${pending.length} entries unpublished: ${lastError}`);
  }
}

export class SnsAndEventsNotifier implements NotifierPort {
  constructor(
    private readonly sns: SNSClient,
    private readonly events: EventsPublisher,
    private readonly opts: { topicArn: string; eventBusName: string; subjectPrefix: string },
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
    await this.events.putEvents(
      findingEvents(notice).map((e) => ({ ...e, EventBusName: this.opts.eventBusName })),
    );
  }
}
