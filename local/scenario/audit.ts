/**
 * The auditor's full results at the end of a scenario, for `simulate --json`: every check of every cluster in the
 * configuration's scope, per cluster, node group and pool, passes and not-applicable included — computed as the
 * deployed Auditor computes them (its own wiring, configuration and recorded exhaustion signals), on the final state.
 */
import { clustersInScope, SIGNAL_WINDOW_HOURS } from '../../shared/auditor/auditor';
import { runChecks } from '../../shared/auditor/checks';
import { type ClusterReport, clusterReport } from '../../shared/auditor/report';
import { auditorDepsFromContext } from '../../shared/auditor/wiring';
import type { SimulatedRegion } from '../region';
import { localContext } from '../runtime';

export interface AuditOutput {
  clusters: ClusterReport[];
  /** Clusters whose audit failed (an AWS error), with the error. */
  errors: { cluster: string; error: string }[];
}

export async function auditResults(region: SimulatedRegion): Promise<AuditOutput> {
  if (region.auditor.eks.clusters.size === 0) return { clusters: [], errors: [] };
  const deps = auditorDepsFromContext(
    localContext({
      functionId: 'AuditReport',
      env: region.runtimeEnv(),
      config: region.config,
      aws: region.connection('eip-keeper'),
      clock: region.clock,
      logs: [],
      metrics: [],
    }),
  );
  const since = new Date(region.clock.nowMs() - SIGNAL_WINDOW_HOURS * 3600_000).toISOString();
  const signals = await deps.store.recentSignals(since);
  const out: AuditOutput = { clusters: [], errors: [] };
  for (const cluster of await clustersInScope(deps)) {
    try {
      const snapshot = await deps.gather(cluster, signals);
      out.clusters.push(clusterReport(snapshot, runChecks(snapshot)));
    } catch (err) {
      const e = err as Error;
      out.errors.push({ cluster, error: `${e.name}: ${e.message}` });
    }
  }
  return out;
}
