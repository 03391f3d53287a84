/**
 * The one envelope of everything eip-keeper says on its alert topic. Each capability builds a `Notification` (pure,
 * no AWS import); `render.ts` turns it into one body per SNS protocol (`MessageStructure=json`), the publisher
 * (`adapters/sns.ts`) sends it. docs/notifications.md describes every protocol's format.
 */

/**
 * What the JSON document says it is (shared/notify/document.ts defines it). Kept here, not beside the schema, so
 * that rendering a notification never loads zod's full build (≈ 450 kB a handler would evaluate at cold start).
 */
export const DOCUMENT_SCHEMA = 'eip-keeper.notification';
export const DOCUMENT_VERSION = 1;

export const NOTIFICATION_SOURCES = ['keeper', 'sweeper', 'auditor'] as const;
export type NotificationSource = (typeof NOTIFICATION_SOURCES)[number];

export const NOTIFICATION_KINDS = [
  // sweeper
  'orphan',
  'release-notice',
  'pool-idle',
  'released',
  'release-blocked',
  'digest',
  'orphan-summary',
  'former-pool-member',
  // keeper
  'pool-exhausted',
  'manually-held',
  'unproven-eni',
  'pool-tag-changed',
  'pool-member-unapproved',
  'pool-eip-displaced',
  // auditor: what one audit of a cluster changed (new and resolved readiness findings)
  'audit-finding',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** A machine-readable fact; strings are neutralised when rendered (one line, no hidden characters, clipped). */
export type FactValue = string | number | boolean;

/** What chat shows (an AWS Chatbot custom notification, `client-markdown`). */
export interface ChatContent {
  /** Lines of markdown. Untrusted text only through `markdownValue`/`markdownName`; sentences through `markdownText`. */
  description: string[];
  /** Markdown, one step each. */
  nextSteps?: string[];
  /** Notifications with the same thread id are grouped in one chat thread. */
  threadId: string;
  /** Keywords after `eip-keeper`, the kind and the region. */
  keywords?: string[];
  /** Short strings for Chatbot's `metadata.additionalContext`, after account, region, source and kind. */
  context?: Record<string, string>;
}

export interface Notification {
  source: NotificationSource;
  kind: NotificationKind;
  severity: Severity;
  /** The SNS subject, prefix included; `subjectLine` makes it valid again when rendered. */
  subject: string;
  /** One line naming what happened: the chat title and the JSON `title`. */
  title: string;
  account: string;
  region: string;
  /** When it happened (ISO 8601, UTC). */
  time: string;
  /** The same key means the same alert: SNS delivers at least once, so a consumer may see a key twice. */
  dedupKey: string;
  /** AWS identifiers the notification is about (allocation ids, public IPs, ENI ids, cluster ARNs). */
  resources: string[];
  /** The figures and identifiers of the notification, for machines. */
  facts: Record<string, FactValue>;
  /**
   * The e-mail body: sections of lines, one blank line between sections. Untrusted text only through `textValue` or
   * `inlineText`.
   */
  body: string[][];
  chat: ChatContent;
}

/** The e-mail body of a notification, as its sections say it. */
export function bodyText(body: readonly (readonly string[])[]): string {
  return body.map((section) => section.join('\n')).join('\n\n');
}
