/**
 * Importing findings: BatchImportFindings takes at most 100 findings per call
 * (https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_BatchImportFindings.html); the findings a call
 * refuses (`FailedFindings`) are sent once more, and what is refused again is logged and returned, not thrown: a
 * finding Security Hub cannot take must not fail the sweep or the audit that found the problem.
 */
import type { Log } from '../runtime/context';
import type { AsffFinding, FailedFinding } from './model';
import type { SecurityHubPort } from './ports';

export const BATCH_IMPORT_MAX = 100;

export function batches<T>(items: readonly T[], size: number = BATCH_IMPORT_MAX): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function importAll(port: SecurityHubPort, findings: readonly AsffFinding[]): Promise<FailedFinding[]> {
  const failed: FailedFinding[] = [];
  for (const batch of batches(findings)) failed.push(...(await port.batchImport(batch)));
  return failed;
}

export interface ImportOutcome {
  imported: number;
  failed: FailedFinding[];
}

export async function importFindings(
  port: SecurityHubPort,
  findings: readonly AsffFinding[],
  log: Pick<Log, 'warn'>,
): Promise<ImportOutcome> {
  if (findings.length === 0) return { imported: 0, failed: [] };
  const first = await importAll(port, findings);
  let failed = first;
  if (first.length > 0) {
    const retry = new Set(first.map((f) => f.id));
    failed = await importAll(
      port,
      findings.filter((f) => retry.has(f.Id)),
    );
  }
  for (const f of failed) {
    log.warn('Security Hub refused a finding twice', { findingId: f.id, code: f.code, message: f.message });
  }
  return { imported: findings.length - failed.length, failed };
}
