/**
 * What each capability already knows, as finding subjects (pure): the sweeper's orphans from a sweep's decisions,
 * the keeper's pool address held outside eip-keeper from its security alert, the auditor's failing readiness checks.
 */
import type { Finding } from '../auditor/checks/result';
import type { ManuallyHeldInfo } from '../keeper/alerts';
import type { SweepResult } from '../sweeper/run';
import type { OrphanedEipSubject, ReadinessSubject, UntrustedEniSubject } from './model';

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
