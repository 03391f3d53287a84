/**
 * Brings a cluster's stored findings in line with what the checks say now: opens the new ones, refreshes those that
 * stay, resolves the rest, and forgets resolutions nobody was told about. Every write is conditional (a record a
 * concurrent audit changed first is left to it).
 */
import { type CheckResult, findingKey } from './checks/result';
import type { AuditRecord, FindingStore } from './finding-store';
import { diffFindings } from './findings';

/** The records that may need announcing after this audit: open and resolved, including leftovers of a failed one. */
export async function reconcileFindings(
  store: FindingStore,
  cluster: string,
  results: CheckResult[],
  at: string,
): Promise<AuditRecord[]> {
  const records = await store.listRecords(cluster);
  const byKey = new Map(records.map((r) => [findingKey(r), r]));
  const diff = diffFindings(
    records.filter((r) => r.state === 'open'),
    results,
  );

  const current: AuditRecord[] = [];
  const touched = new Set<string>();
  const keep = (key: string, rec: AuditRecord | undefined) => {
    touched.add(key);
    if (rec) current.push(rec);
  };
  for (const f of diff.opened) keep(findingKey(f), await store.open(f, at, byKey.get(findingKey(f))));
  for (const { finding, previous } of diff.persisting)
    keep(findingKey(finding), await store.refresh(finding, previous, at));
  for (const previous of diff.resolved) keep(findingKey(previous), await store.resolve(previous, at));
  // Resolved records left by an audit that failed before announcing them.
  for (const r of records) if (!touched.has(findingKey(r)) && r.state === 'resolved') current.push(r);

  const silent = current.filter((r) => r.state === 'resolved' && r.announced === 'none');
  for (const r of silent) await store.forget(r);
  return current;
}
