/**
 * Builds the findings publisher from a RuntimeContext, only when `securityHub.enabled`. The Security Hub client (and
 * the SDK module behind it) is built on first use, so a cold start pays nothing for it until a run imports.
 */
import { onFirstUse } from '../aws/clients';
import type { RuntimeContext } from '../runtime/context';
import { defaultProductArn, partitionOfRegion } from './decide-findings';
import type { SecurityHubPort } from './ports';
import { createFindingsPublisher, type FindingsPublisher } from './publisher';

export function findingsFromContext(ctx: RuntimeContext): FindingsPublisher | undefined {
  if (!ctx.config.securityHub.enabled) return undefined;
  const where = {
    partition: partitionOfRegion(ctx.env.region),
    region: ctx.env.region,
    accountId: ctx.env.accountId,
  };
  const port = onFirstUse<SecurityHubPort>({ batchImport: true, activeFindings: true }, async () =>
    (await import('./adapters/securityhub')).sdkSecurityHub(ctx.aws, defaultProductArn(where)),
  );
  return createFindingsPublisher({ port, where, clock: ctx.clock, log: ctx.log, metrics: ctx.metrics });
}
