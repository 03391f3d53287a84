/**
 * What the capabilities call when `securityHub.enabled`: their findings brought into Security Hub, as a secondary
 * output. A Security Hub failure (not enabled in the Region, access denied, throttled past the SDK's retries, a
 * refused finding) is logged and counted (`SecurityHubImportFailures`) and never fails the sweep, the audit or the
 * keeper's work: the next run compares again what Security Hub holds with what it sees, and imports what is missing.
 */
import type { Clock, Log, MetricsSink } from '../runtime/context';
import { asffFinding, type SyncScope } from './decide-findings';
import { type ImportOutcome, importFindings } from './import';
import type { FindingContext, FindingKind, FindingSubject } from './model';
import type { SecurityHubPort } from './ports';
import { syncFindings } from './sync';

/** The current problems, or how to read them (a read that fails is handled like a Security Hub failure). */
export type Current = readonly FindingSubject[] | (() => Promise<readonly FindingSubject[]>);

export interface FindingsPublisher {
  /**
   * Brings one kind's findings in line with what the capability sees now: a finding for each new problem, each held
   * one whose problem is gone archived (within `scope`). Never throws.
   */
  sync(kind: FindingKind, current: Current, scope?: SyncScope): Promise<void>;
  /** Imports the findings of problems just found, without reading what Security Hub holds. Never throws. */
  raise(subjects: readonly FindingSubject[]): Promise<void>;
}

export interface PublisherDeps {
  port: SecurityHubPort;
  where: Omit<FindingContext, 'now'>;
  clock: Clock;
  log: Log;
  metrics: MetricsSink;
}

export function createFindingsPublisher(deps: PublisherDeps): FindingsPublisher {
  const { port, log, metrics } = deps;
  const ctx = (): FindingContext => ({ ...deps.where, now: deps.clock.now().toISOString() });

  async function guarded(kind: string, run: () => Promise<ImportOutcome>): Promise<void> {
    try {
      const { imported, failed } = await run();
      if (imported > 0) metrics.add('SecurityHubFindingsImported', imported);
      if (failed.length > 0) metrics.add('SecurityHubImportFailures', failed.length);
    } catch (err) {
      metrics.add('SecurityHubImportFailures', 1);
      log.error('Security Hub findings not imported; the next run tries again', {
        kind,
        error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      });
    }
  }

  return {
    sync: (kind, current, scope) =>
      guarded(kind, async () => {
        const now = typeof current === 'function' ? await current() : current;
        return syncFindings(port, kind, now, ctx(), log, scope);
      }),
    async raise(subjects) {
      if (subjects.length === 0) return;
      const at = ctx();
      const kinds = [...new Set(subjects.map((s) => s.kind))].join(',');
      await guarded(kinds, () =>
        importFindings(
          port,
          subjects.map((s) => asffFinding(s, 'active', at)),
          log,
        ),
      );
    },
  };
}
