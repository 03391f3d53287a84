/**
 * Where audit findings live between audits (interface; `dynamo-finding-store.ts` implements it on the single table).
 *
 * A record is `open` or `resolved`, and remembers what was last announced (`none`, `open`): an audit claims the
 * difference (a lease), announces it, then marks it announced (or, for a resolution, forgets the record). A failed
 * announcement releases the claim; a crash leaves it to expire, and a later audit announces: notifications are at
 * least once, never lost. Every write is conditional on the revision the audit read, so of two concurrent audits only
 * one opens, resolves or announces a finding.
 */
import type { Finding } from './checks/result';
import type { StoredFinding } from './findings';
import type { ExhaustionSignal } from './model';

export interface AuditRecord extends StoredFinding {
  state: 'open' | 'resolved';
  announced: 'none' | 'open';
  rev: number;
  resolvedAt?: string;
  /** An audit announcing this record right now. */
  claim?: { token: string; until: string };
}

export interface FindingStore {
  /** Every record of a cluster (open, and resolved but not yet announced). */
  listRecords(cluster: string): Promise<AuditRecord[]>;
  /**
   * Opens a finding, or re-opens `previous` (resolved, or open as `unknown` and now `fail`, which is announced anew).
   * Undefined when a concurrent audit changed the record first.
   */
  open(finding: Finding, at: string, previous?: AuditRecord): Promise<AuditRecord | undefined>;
  /** Updates a finding that stays open (status, evidence, fix, last seen); undefined when it lost a race. */
  refresh(finding: Finding, previous: AuditRecord, at: string): Promise<AuditRecord | undefined>;
  /** Marks an open finding resolved; undefined when it lost a race. */
  resolve(previous: AuditRecord, at: string): Promise<AuditRecord | undefined>;
  /** Claims the right to announce the record until `until`; undefined when another audit holds it or changed it. */
  claim(record: AuditRecord, at: string, until: string): Promise<AuditRecord | undefined>;
  /** Gives a claim back (the announcement failed). */
  release(record: AuditRecord): Promise<void>;
  /** Records that a claimed record was announced: open → announced; resolved → forgotten. */
  markAnnounced(record: AuditRecord, at: string): Promise<void>;
  /** Forgets a resolved record whose opening was never announced. */
  forget(record: AuditRecord): Promise<void>;
  /** Remembers a failed ENI/IP call that ran out of addresses (kept `retentionHours`). */
  recordSignal(signal: ExhaustionSignal & { eventId: string }, retentionHours: number): Promise<void>;
  /** Exhaustion signals since `sinceIso`. */
  recentSignals(sinceIso: string): Promise<ExhaustionSignal[]>;
}
