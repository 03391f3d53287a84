/**
 * The auditor's keys on the single table (docs/data-model.md).
 *
 * | Item                | PK                  | SK                                        | GSI1PK                | GSI1SK                    |
 * |---------------------|---------------------|-------------------------------------------|-----------------------|---------------------------|
 * | Latest finding      | `AUDIT#<cluster>`   | `FINDING#<scope>#<checkId>`               | `KIND#audit-finding`  | `<cluster>#<scope>#<id>`  |
 * | Finding history     | `AUDIT#<cluster>`   | `HIST#<at>#<scope>#<checkId>#<change>`    |                       |                           |
 * | Exhaustion signal   | `AUDIT##signals`    | `<at>#<eventId>`                          |                       |                           |
 * | Egress proof        | `AUDIT#<cluster>`   | `PROOF#<pool>`                            |                       |                           |
 *
 * `<scope>` is `cluster`, `nodegroup:<name>` or `pool:<name>`. History and signals expire through `expiresAt`.
 */
import { PREFIX, type TableKey } from '../store/keys';
import { type Finding, scopeOf } from './checks/result';

type FindingRef = Pick<Finding, 'cluster' | 'nodegroup' | 'pool' | 'id'>;

export const AUDIT_KIND = `${PREFIX.kind}audit-finding`;
/** Every finding of a cluster sorts under this SK prefix (the history does not). */
export const FINDING_SK_PREFIX = 'FINDING#';
export const SIGNALS_PK = `${PREFIX.audit}#signals`;

export const auditPk = (cluster: string): string => `${PREFIX.audit}${cluster}`;

export const findingItemKey = (f: FindingRef): TableKey => ({
  PK: auditPk(f.cluster),
  SK: `${FINDING_SK_PREFIX}${scopeOf(f)}#${f.id}`,
});

export const findingGsi1 = (f: FindingRef) => ({
  GSI1PK: AUDIT_KIND,
  GSI1SK: `${f.cluster}#${scopeOf(f)}#${f.id}`,
});

/** History sort keys order by time within the cluster. */
export const findingHistoryKey = (f: FindingRef, at: string, change: 'opened' | 'resolved'): TableKey => ({
  PK: auditPk(f.cluster),
  SK: `${PREFIX.history}${at}#${scopeOf(f)}#${f.id}#${change}`,
});

/** Signals sort by time, so "since" is a range query. */
export const signalKey = (at: string, eventId: string): TableKey => ({
  PK: SIGNALS_PK,
  SK: `${at}#${eventId}`,
});

/** The last Reachability Analyzer proof of a pool's egress (outside the FINDING# range the findings are read from). */
export const proofKey = (cluster: string, pool: string): TableKey => ({
  PK: auditPk(cluster),
  SK: `PROOF#${pool}`,
});
