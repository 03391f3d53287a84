/**
 * What a check says about one cluster, node group or pool. Pure: no AWS import.
 *
 * `fail` and `unknown` results are findings. `unknown` means an input was missing; its `fix` says what to enable.
 */

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';
export type CheckStatus = 'pass' | 'fail' | 'unknown' | 'not-applicable';

export const SEVERITY_ORDER: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

export interface CheckResult {
  /** Check id, e.g. `sgp-instance-type`. */
  id: string;
  status: CheckStatus;
  severity: Severity;
  cluster: string;
  nodegroup?: string;
  /** Keeper pool the result is about (pod-EIP egress checks). */
  pool?: string;
  /** One sentence: what is (not) ready. */
  title: string;
  /** The facts behind the verdict. */
  evidence: string[];
  /** Exact command or setting that fixes it (`fail`), or what to enable so the check can run (`unknown`). */
  fix?: string;
}

export type Finding = CheckResult & { status: 'fail' | 'unknown'; fix: string };

export function isFinding(r: CheckResult): r is Finding {
  return r.status === 'fail' || r.status === 'unknown';
}

/** Where a result applies: `cluster`, `nodegroup:<name>` or `pool:<name>`. */
export function scopeOf(r: Pick<CheckResult, 'nodegroup' | 'pool'>): string {
  if (r.nodegroup !== undefined) return `nodegroup:${r.nodegroup}`;
  if (r.pool !== undefined) return `pool:${r.pool}`;
  return 'cluster';
}

/** The identity of a finding across audits: cluster, scope and check id. */
export function findingKey(r: Pick<CheckResult, 'cluster' | 'nodegroup' | 'pool' | 'id'>): string {
  return `${r.cluster}|${scopeOf(r)}|${r.id}`;
}

export interface ResultBase {
  id: string;
  severity: Severity;
  cluster: string;
  nodegroup?: string;
  pool?: string;
}

/** Builds the four kinds of result for one check and scope. */
export function resultsFor(base: ResultBase) {
  const make = (status: CheckStatus, title: string, evidence: string[], fix?: string): CheckResult => ({
    id: base.id,
    status,
    severity: status === 'unknown' ? 'info' : base.severity,
    cluster: base.cluster,
    ...(base.nodegroup !== undefined ? { nodegroup: base.nodegroup } : {}),
    ...(base.pool !== undefined ? { pool: base.pool } : {}),
    title,
    evidence,
    ...(fix !== undefined ? { fix } : {}),
  });
  return {
    pass: (title: string, evidence: string[] = []) => make('pass', title, evidence),
    fail: (title: string, evidence: string[], fix: string) => make('fail', title, evidence, fix),
    unknown: (title: string, evidence: string[], enable: string) => make('unknown', title, evidence, enable),
    notApplicable: (title: string, evidence: string[] = []) => make('not-applicable', title, evidence),
  };
}

/** Orders results by severity, then cluster, scope and id (stable reports and messages). */
export function compareResults(a: CheckResult, b: CheckResult): number {
  const sa = SEVERITY_ORDER.indexOf(a.severity);
  const sb = SEVERITY_ORDER.indexOf(b.severity);
  if (sa !== sb) return sa - sb;
  const ka = findingKey(a);
  const kb = findingKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
