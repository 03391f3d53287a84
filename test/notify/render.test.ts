/** Rendering a notification per SNS protocol: what each subscriber receives, and the documented JSON schema. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { deliveredMessage, subjectProblem } from '../../local/sns/service';
import type { ChatbotNotification } from '../../shared/notify/chat';
import { notificationDocumentSchema, notificationJsonSchema } from '../../shared/notify/document';
import type { Notification } from '../../shared/notify/notification';
import { renderNotification } from '../../shared/notify/render';

const notification = (over: Partial<Notification> = {}): Notification => ({
  source: 'keeper',
  kind: 'pool-exhausted',
  severity: 'high',
  subject: '[eip-keeper] pool payments exhausted: 1 ENI waiting for an Elastic IP',
  title: 'pool payments exhausted',
  account: '111122223333',
  region: 'eu-west-1',
  time: '2026-01-05T09:13:00.000Z',
  dedupKey: 'pool-exhausted#payments#1',
  resources: ['eni-0a'],
  facts: { pool: 'payments', episode: 1, allocateOnExhaustion: false },
  body: [['Pool payments has no free Elastic IP.'], ['Waiting ENIs:', '  - eni-0a']],
  chat: { description: ['*1* waiting'], nextSteps: ['Tag more EIPs'], threadId: 'eip-keeper-pool-payments' },
  ...over,
});

/** The message as the simulated SNS stores a publish with `MessageStructure=json`. */
const published = (message: string) => ({ message, messageStructure: 'json' });

describe('a rendered notification', () => {
  const r = renderNotification(notification());
  const message = published(r.message);

  it('gives e-mail subscribers the plain text, sections apart by one blank line', () => {
    expect(deliveredMessage(message, 'email')).toBe(
      'Pool payments has no free Elastic IP.\n\nWaiting ENIs:\n  - eni-0a',
    );
  });

  it('gives SQS, Lambda, HTTP, Firehose and email-json subscribers the versioned JSON document', () => {
    for (const protocol of ['sqs', 'lambda', 'http', 'firehose', 'email-json', 'application'] as const) {
      expect(JSON.parse(deliveredMessage(message, protocol))).toEqual({
        schema: 'eip-keeper.notification',
        version: 1,
        source: 'keeper',
        kind: 'pool-exhausted',
        severity: 'high',
        subject: '[eip-keeper] pool payments exhausted: 1 ENI waiting for an Elastic IP',
        title: 'pool payments exhausted',
        account: '111122223333',
        region: 'eu-west-1',
        time: '2026-01-05T09:13:00.000Z',
        dedupKey: 'pool-exhausted#payments#1',
        resources: ['eni-0a'],
        facts: { pool: 'payments', episode: 1, allocateOnExhaustion: false },
        text: 'Pool payments has no free Elastic IP.\n\nWaiting ENIs:\n  - eni-0a',
      });
    }
  });

  it('gives https subscribers (AWS Chatbot) a custom notification', () => {
    const chat = JSON.parse(deliveredMessage(message, 'https')) as ChatbotNotification;
    expect(chat).toEqual({
      version: '1.0',
      source: 'custom',
      id: 'pool-exhausted#payments#1',
      content: {
        textType: 'client-markdown',
        title: 'pool payments exhausted',
        description: '*1* waiting',
        nextSteps: ['Tag more EIPs'],
        keywords: ['eip-keeper', 'pool-exhausted', 'eu-west-1'],
      },
      metadata: {
        threadId: 'eip-keeper-pool-payments',
        summary: '[eip-keeper] pool payments exhausted: 1 ENI waiting for an Elastic IP',
        eventType: 'eip-keeper.pool-exhausted',
        relatedResources: ['eni-0a'],
        additionalContext: {
          account: '111122223333',
          region: 'eu-west-1',
          source: 'keeper',
          kind: 'pool-exhausted',
        },
      },
    });
  });

  it('gives SMS subscribers the subject', () => {
    expect(deliveredMessage(message, 'sms')).toBe(r.subject);
  });

  it('names source, kind, severity and the pool as message attributes, for filter policies', () => {
    expect(r.attributes).toEqual({
      source: 'keeper',
      kind: 'pool-exhausted',
      severity: 'high',
      pool: 'payments',
    });
  });
});

describe('the renderer', () => {
  it('makes any subject one SNS accepts', () => {
    const r = renderNotification(
      notification({ subject: `\u202e${'é'.repeat(20)}\nSubject: x ${'y'.repeat(200)}` }),
    );
    expect(subjectProblem(r.subject)).toBeUndefined();
    expect(r.subject.startsWith('eeeeeeeeeeeeeeeeeeee Subject: x yyy')).toBe(true);
  });

  it('keeps string facts to one line of at most 256 characters and numbers as numbers', () => {
    const r = renderNotification(notification({ facts: { tag: `a\nb\u202e${'c'.repeat(400)}`, n: 2.5 } }));
    expect(r.document.facts.n).toBe(2.5);
    expect(r.document.facts.tag).toMatch(/^a\?b\?c+…$/);
    expect([...(r.document.facts.tag as string)]).toHaveLength(256);
  });

  it('hides no character and forges no mention in an e-mail or chat line, whatever the builder wrote', () => {
    const r = renderNotification(
      notification({
        body: [['ok\u200b <!here> \u202eevil']],
        chat: { description: ['<!channel> @here https://x'], threadId: 't' },
      }),
    );
    expect(r.email).toBe('ok? <!here> ?evil');
    expect(r.chat.content.description).toBe('&lt;!channel&gt; (at)here https[:]//x');
  });

  it('cuts a long chat description at a line boundary and says how many lines the e-mail has beyond it', () => {
    const lines = Array.from({ length: 100 }, (_, i) => `line ${i} ${'x'.repeat(60)}`);
    const r = renderNotification(notification({ chat: { description: lines, threadId: 't' } }));
    const shown = r.chat.content.description.split('\n');
    expect(r.chat.content.description.length).toBeLessThanOrEqual(3500);
    expect(shown.slice(0, -1)).toEqual(lines.slice(0, shown.length - 1));
    expect(shown.at(-1)).toBe(`… and ${100 - (shown.length - 1)} more lines (see the e-mail)`);
  });
});

describe('the JSON schema of docs/notification.schema.json', () => {
  it('is the schema the renderer is typed against (regenerate: npx tsx local/tools/notification-schema.ts)', () => {
    const doc = JSON.parse(
      readFileSync(new URL('../../docs/notification.schema.json', import.meta.url), 'utf8'),
    );
    expect(doc).toEqual(JSON.parse(notificationJsonSchema()));
  });

  it('accepts a rendered document and refuses one of another version', () => {
    const { document } = renderNotification(notification());
    expect(notificationDocumentSchema.safeParse(document).success).toBe(true);
    expect(notificationDocumentSchema.safeParse({ ...document, version: 2 }).success).toBe(false);
  });
});
