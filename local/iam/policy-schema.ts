/** An IAM policy document as a scenario gives it to an actor (the IAM JSON policy reference's grammar). */
import { z } from 'zod';
import type { PolicyDocument } from './policy';

const stringOrList = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

const StatementSchema = z
  .object({
    Sid: z.string().optional(),
    Effect: z.enum(['Allow', 'Deny']),
    Action: stringOrList.optional(),
    NotAction: stringOrList.optional(),
    Resource: stringOrList.optional(),
    NotResource: stringOrList.optional(),
    Condition: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  })
  .strict()
  .refine((s) => (s.Action === undefined) !== (s.NotAction === undefined), 'one of Action or NotAction')
  .refine(
    (s) => (s.Resource === undefined) !== (s.NotResource === undefined),
    'one of Resource or NotResource',
  );

export const PolicyDocumentSchema: z.ZodType<PolicyDocument> = z
  .object({
    Version: z.enum(['2012-10-17', '2008-10-17']),
    Statement: z.array(StatementSchema).min(1),
  })
  .strict();
