/**
 * The versioned JSON document every machine subscriber of the topic receives (`default`, hence `sqs`, `lambda`,
 * `http`, `firehose`, `email-json`, `application`): defined once here, as a zod schema whose TypeScript type the
 * renderer builds and whose JSON Schema is docs/notification.schema.json (`npx tsx local/tools/notification-schema.ts`
 * writes it; a test keeps the two equal).
 *
 * Version 1 only grows: a field may be added (consumers ignore what they do not know); removing a field or changing
 * what one means is version 2.
 */
import { z } from 'zod';
import {
  DOCUMENT_SCHEMA,
  DOCUMENT_VERSION,
  NOTIFICATION_KINDS,
  NOTIFICATION_SOURCES,
  SEVERITIES,
} from './notification';

export { DOCUMENT_SCHEMA, DOCUMENT_VERSION };

export const notificationDocumentSchema = z
  .looseObject({
    schema: z.literal(DOCUMENT_SCHEMA).describe('Always "eip-keeper.notification": what this document is.'),
    version: z
      .literal(DOCUMENT_VERSION)
      .describe('The schema version; fields are only added within a version.'),
    source: z.enum(NOTIFICATION_SOURCES).describe('The capability that sent it.'),
    kind: z.enum(NOTIFICATION_KINDS).describe('What happened; docs/notifications.md lists every kind.'),
    severity: z.enum(SEVERITIES).describe('How urgent: critical, high, medium, low or info.'),
    subject: z
      .string()
      .max(99)
      .describe('The SNS subject, as e-mail subscribers see it (printable ASCII, one line).'),
    title: z.string().describe('One line naming what happened (the chat title).'),
    account: z.string().describe('The AWS account id.'),
    region: z.string().describe('The AWS region.'),
    time: z.string().describe('When it happened, ISO 8601 in UTC.'),
    dedupKey: z
      .string()
      .describe('The same key means the same alert: SNS delivers at least once, so a repeat may arrive.'),
    resources: z
      .array(z.string())
      .describe('AWS identifiers it is about: allocation ids, public IPs, ENI ids, cluster ARNs.'),
    facts: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
      .describe(
        'Figures and identifiers by name, per kind (docs/notifications.md). Strings are one line, without control, bidi or zero-width characters, and at most 256 characters; they are not escaped for any medium.',
      ),
    text: z.string().describe('The e-mail body, exactly as e-mail subscribers read it.'),
  })
  .meta({
    title: 'eip-keeper notification, version 1',
    description:
      'The body eip-keeper publishes to SQS, Lambda, HTTP, Firehose and email-json subscribers of its alert topic.',
  });

export type NotificationDocument = z.infer<typeof notificationDocumentSchema>;

/** The JSON Schema document of docs/notification.schema.json, as text. */
export function notificationJsonSchema(): string {
  return `${JSON.stringify(z.toJSONSchema(notificationDocumentSchema), null, 2)}\n`;
}
