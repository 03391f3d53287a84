/**
 * Findings across audits: which are new, which are resolved, which persist. Pure: no AWS import.
 *
 * A finding is resolved when the same check on the same cluster/scope now passes, does not apply, or is no longer
 * evaluated (the node group or pool is gone). A finding that was `unknown` and is now `fail` counts as new: the
 * problem is confirmed. One that was `fail` and is now `unknown` persists quietly (the input went away, the
 * problem may not have).
 */
import { type CheckResult, compareResults, type Finding, findingKey, isFinding } from './checks/result';

export interface StoredFinding extends Finding {
  firstSeenAt: string;
  lastSeenAt: string;
}

export interface FindingDiff<T extends StoredFinding = StoredFinding> {
  /** New failures or unknowns (including unknown → fail). */
  opened: Finding[];
  /** Previously open, no longer a finding. */
  resolved: T[];
  /** Open before and now, with their stored record. */
  persisting: { finding: Finding; previous: T }[];
}

export function diffFindings<T extends StoredFinding>(
  previous: readonly T[],
  current: readonly CheckResult[],
): FindingDiff<T> {
  const now = new Map<string, Finding>();
  for (const r of current) if (isFinding(r)) now.set(findingKey(r), r);
  const before = new Map(previous.map((p) => [findingKey(p), p]));
  const opened: Finding[] = [];
  const persisting: FindingDiff<T>['persisting'] = [];
  for (const [key, f] of now) {
    const p = before.get(key);
    if (!p || (p.status === 'unknown' && f.status === 'fail')) opened.push(f);
    else persisting.push({ finding: f, previous: p });
  }
  const resolved = previous.filter((p) => !now.has(findingKey(p)));
  return {
    opened: opened.sort(compareResults),
    resolved: [...resolved].sort(compareResults),
    persisting,
  };
}

/** How an audit summarises itself (the handler's return value and the story line). */
export interface AuditSummary {
  cluster: string;
  nodegroups: number;
  results: number;
  failing: number;
  unknown: number;
  opened: Finding[];
  resolved: StoredFinding[];
}

function describeFinding(f: Pick<Finding, 'id' | 'nodegroup' | 'pool'>): string {
  const where =
    f.nodegroup !== undefined ? ` on ${f.nodegroup}` : f.pool !== undefined ? ` for pool ${f.pool}` : '';
  return `${f.id}${where}`;
}

/** `cluster prod: 2 node groups, 1 new finding (sgp-instance-type on t3-workers), 0 resolved`. */
export function summaryStory(s: AuditSummary): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const parts = [`cluster ${s.cluster}: ${plural(s.nodegroups, 'node group')}`];
  const list = (items: Pick<Finding, 'id' | 'nodegroup' | 'pool'>[]) =>
    items.length > 0
      ? ` (${items.slice(0, 4).map(describeFinding).join(', ')}${items.length > 4 ? ', …' : ''})`
      : '';
  parts.push(`${plural(s.opened.length, 'new finding')}${list(s.opened)}`);
  parts.push(`${s.resolved.length} resolved${list(s.resolved)}`);
  parts.push(`${s.failing} failing, ${s.unknown} unknown of ${s.results} checks`);
  return parts.join(', ');
}
