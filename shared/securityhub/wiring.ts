/**
 * Builds the findings publisher from a RuntimeContext, only when `securityHub.enabled`. The Security Hub client (and
 * the SDK module behind it) is loaded on first use, so a cold start that imports nothing pays nothing for it.
 */
import type { RuntimeContext } from '../runtime/context';
import { defaultProductArn, partitionOfRegion } from './decide-findings';
import type { AsffFinding } from './model';
import type { SecurityHubPort } from './ports';
import { createFindingsPublisher, type FindingsPublisher } from './publisher';

/** A port whose SDK adapter is built on its first call (and built again after a failed load). */
function lazyPort(load: () => Promise<SecurityHubPort>): SecurityHubPort {
  let port: Promise<SecurityHubPort> | undefined;
  const get = (): Promise<SecurityHubPort> => {
    port ??= load().catch((err: unknown) => {
      port = undefined;
      throw err;
    });
    return port;
  };
  return {
    batchImport: async (findings: readonly AsffFinding[]) => (await get()).batchImport(findings),
    activeFindings: async (generatorId: string) => (await get()).activeFindings(generatorId),
  };
}

export function findingsFromContext(ctx: RuntimeContext): FindingsPublisher | undefined {
  if (!ctx.config.securityHub.enabled) return undefined;
  const where = {
    partition: partitionOfRegion(ctx.env.region),
    region: ctx.env.region,
    accountId: ctx.env.accountId,
  };
  const productArn = defaultProductArn(where);
  const port = lazyPort(async () =>
    (await import('./adapters/securityhub')).sdkSecurityHub(ctx.aws, productArn),
  );
  return createFindingsPublisher({ port, where, clock: ctx.clock, log: ctx.log, metrics: ctx.metrics });
}
