/**
 * What each capability already knows, as finding subjects (pure): the sweeper's orphans from a sweep's decisions,
 * the keeper's pool address held outside eip-keeper from its security alert, the auditor's failing readiness checks.
 */
import type { Finding } from '../auditor/checks/result';
import type { ManuallyHeldInfo } from '../keeper/alerts';
import type { PoolAddress, PoolSnapshot } from '../keeper/model';
import type { SweepResult } from '../sweeper/run';
import type { SyncScope } from './decide-findings';
import type { AsffFinding, OrphanedEipSubject, ReadinessSubject, UntrustedEniSubject } from './model';

/** The orphans a sweep leaves: those it classified as orphans, less those it released (or found gone) meanwhile. */
export function sweepOrphanSubjects(
  result: Pick<SweepResult, 'decisions' | 'releases'>,
): OrphanedEipSubject[] {
  const gone = new Set(
    result.releases
      .filter((r) => r.outcome === 'released' || r.outcome === 'gone')
      .map((r) => r.allocationId),
  );
  return orphanSubjects(result.decisions).filter((s) => !gone.has(s.allocationId));
}

/** Every address a sweep classified as an orphan. */
export function orphanSubjects(decisions: SweepResult['decisions']): OrphanedEipSubject[] {
  return decisions
    .filter((d) => d.kind === 'orphan')
    .map((d) => ({
      kind: 'orphaned-eip',
      allocationId: d.allocationId,
      publicIp: d.publicIp,
      idleSince: d.idleSince,
      idleHours: d.idleHours,
      costAccruedUsd: d.costAccruedUsd,
    }));
}

export function untrustedEniSubject(info: ManuallyHeldInfo): UntrustedEniSubject {
  return {
    kind: 'untrusted-eni',
    pool: info.pool,
    allocationId: info.allocationId,
    publicIp: info.publicIp,
    associationId: info.associationId,
    ...(info.eniId ? { eniId: info.eniId } : {}),
    ...(info.instanceId ? { instanceId: info.instanceId } : {}),
  };
}

/** Every pool address the keeper records as held outside eip-keeper (its manual holds), after a reconcile. */
export function manualHoldSubjects(
  snapshots: readonly PoolSnapshot[],
  addresses: readonly PoolAddress[],
): UntrustedEniSubject[] {
  const ips = new Map(addresses.map((a) => [a.allocationId, a.publicIp]));
  return snapshots.flatMap((snap) =>
    snap.claims.flatMap((c) => {
      const hold = c.manualHold;
      if (!hold) return [];
      const subject: UntrustedEniSubject = {
        kind: 'untrusted-eni',
        pool: snap.pool,
        allocationId: c.allocationId,
        publicIp: ips.get(c.allocationId) ?? c.publicIp ?? c.allocationId,
        associationId: hold.associationId,
        ...(hold.eniId ? { eniId: hold.eniId } : {}),
        ...(hold.instanceId ? { instanceId: hold.instanceId } : {}),
      };
      return [subject];
    }),
  );
}

export function readinessSubject(f: Finding): ReadinessSubject {
  return {
    kind: 'readiness-check',
    checkId: f.id,
    cluster: f.cluster,
    ...(f.nodegroup !== undefined ? { nodegroup: f.nodegroup } : {}),
    ...(f.pool !== undefined ? { pool: f.pool } : {}),
    severity: f.severity,
    title: f.title,
    evidence: f.evidence,
    fix: f.fix,
  };
}

/**
 * What one audit judged: the failing checks of the clusters it audited are the current problems; the held findings
 * of other clusters, and of checks that could not run this time (`unknown`), are left as they are.
 */
export function readinessSync(audited: readonly { cluster: string; findings: readonly Finding[] }[]): {
  current: ReadinessSubject[];
  scope: SyncScope;
} {
  const clusters = new Set(audited.map((a) => a.cluster));
  const all = audited.flatMap((a) => a.findings);
  return {
    current: all.filter((f) => f.status === 'fail').map(readinessSubject),
    scope: {
      covers: (held: AsffFinding) => clusters.has(held.ProductFields['eip-keeper/cluster'] ?? ''),
      undecided: all.filter((f) => f.status === 'unknown').map(readinessSubject),
    },
  };
}
