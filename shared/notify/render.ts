/**
 * A notification, rendered once per SNS protocol for `MessageStructure=json` (docs/notifications.md): SNS sends each
 * subscription the body of its protocol's key, or the `default` body when its protocol has none
 * (`MessageStructure`, https://docs.aws.amazon.com/sns/latest/api/API_Publish.html).
 *
 * - `email`: the plain text a person reads;
 * - `https`: the AWS Chatbot custom notification (Chatbot subscribes to a topic with `https`);
 * - `sms`: the subject;
 * - `default` (so `sqs`, `lambda`, `http`, `firehose`, `email-json`, `application`): the versioned JSON document.
 */
import { type ChatbotNotification, chatNotification } from './chat';
import type { NotificationDocument } from './document';
import { guardText, neutralise, subjectLine } from './escape';
import {
  bodyText,
  DOCUMENT_SCHEMA,
  DOCUMENT_VERSION,
  type FactValue,
  type Notification,
} from './notification';

export interface RenderedNotification {
  /** The SNS `Subject`. */
  subject: string;
  /** What an e-mail subscriber reads. */
  email: string;
  /** What SQS, Lambda, HTTP, Firehose and email-json subscribers receive, parsed. */
  document: NotificationDocument;
  /** What AWS Chatbot receives, parsed. */
  chat: ChatbotNotification;
  /** The SNS `Message` (`MessageStructure=json`). */
  message: string;
  /** SNS message attributes, for subscription filter policies. */
  attributes: Record<string, string>;
}

/** The SNS protocol keys of the message, and which body each carries. */
const PROTOCOL_KEYS = ['default', 'email', 'https', 'sms'] as const;

/** Facts that are also message attributes, so a subscription can filter on them. */
const ATTRIBUTE_FACTS = ['cluster', 'pool'] as const;

function factValue(v: FactValue): FactValue {
  return typeof v === 'string' ? neutralise(v) : v;
}

export function renderNotification(n: Notification): RenderedNotification {
  const subject = subjectLine(n.subject);
  const email = guardText(bodyText(n.body));
  const document: NotificationDocument = {
    schema: DOCUMENT_SCHEMA,
    version: DOCUMENT_VERSION,
    source: n.source,
    kind: n.kind,
    severity: n.severity,
    subject,
    title: neutralise(n.title),
    account: n.account,
    region: n.region,
    time: n.time,
    dedupKey: neutralise(n.dedupKey),
    resources: n.resources.map((r) => neutralise(r)),
    facts: Object.fromEntries(Object.entries(n.facts).map(([k, v]) => [neutralise(k, 128), factValue(v)])),
    text: email,
  };
  const chat = chatNotification(n, subject);
  const message = JSON.stringify({
    default: JSON.stringify(document),
    email,
    https: JSON.stringify(chat),
    sms: subject,
  } satisfies Record<(typeof PROTOCOL_KEYS)[number], string>);
  const attributes: Record<string, string> = { source: n.source, kind: n.kind, severity: n.severity };
  for (const key of ATTRIBUTE_FACTS) {
    const v = n.facts[key];
    if (typeof v === 'string' && v !== '') attributes[key] = neutralise(v);
  }
  return { subject, email, document, chat, message, attributes };
}
