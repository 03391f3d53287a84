/**
 * The shell over Security Hub: one kind's findings brought in line with what a capability sees now (the held
 * ACTIVE findings read, the decision pure, the imports batched).
 */
import type { Log } from '../runtime/context';
import { decideImports, generatorId, type SyncScope } from './decide-findings';
import { type ImportOutcome, importFindings } from './import';
import type { FindingContext, FindingKind, FindingSubject } from './model';
import type { SecurityHubPort } from './ports';

export async function syncFindings(
  port: SecurityHubPort,
  kind: FindingKind,
  current: readonly FindingSubject[],
  ctx: FindingContext,
  log: Pick<Log, 'warn'>,
  scope: SyncScope = {},
): Promise<ImportOutcome> {
  const held = await port.activeFindings(generatorId(kind));
  return importFindings(port, decideImports(held, current, ctx, scope), log);
}
