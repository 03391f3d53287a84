/**
 * Plain data of Security Hub findings: what each capability says a finding is about, and the subset of the AWS
 * Security Finding Format (ASFF) eip-keeper imports.
 *
 * ASFF: https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-findings-format.html; required
 * top-level attributes: https://docs.aws.amazon.com/securityhub/latest/userguide/asff-required-attributes.html;
 * AwsSecurityFinding: https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_AwsSecurityFinding.html.
 */

/** The ASFF version every finding is written for. */
export const ASFF_SCHEMA_VERSION = '2018-10-08';

/** An unassociated address past the grace period, owned by no pool (the sweeper's orphan). */
export interface OrphanedEipSubject {
  kind: 'orphaned-eip';
  allocationId: string;
  publicIp: string;
  idleSince: string | null;
  idleHours: number | null;
  costAccruedUsd: number;
}

/** A pool address associated outside eip-keeper, with the ENI that holds it (the keeper's security alert). */
export interface UntrustedEniSubject {
  kind: 'untrusted-eni';
  pool: string;
  allocationId: string;
  publicIp: string;
  associationId: string;
  eniId?: string;
  instanceId?: string;
}

/** A readiness check of a cluster that fails or cannot run (the auditor's finding). */
export interface ReadinessSubject {
  kind: 'readiness-check';
  checkId: string;
  /** The cluster's name; its ARN is built from the context. */
  cluster: string;
  nodegroup?: string;
  pool?: string;
  severity: 'critical' | 'high' | 'medium' | 'low' | 'info';
  title: string;
  evidence: string[];
  fix: string;
}

export type FindingSubject = OrphanedEipSubject | UntrustedEniSubject | ReadinessSubject;
export type FindingKind = FindingSubject['kind'];

/** `active`: the problem is there; `resolved`: it was fixed (the finding is archived). */
export type FindingState = 'active' | 'resolved';

/** Where and when the findings are imported. */
export interface FindingContext {
  partition: string;
  region: string;
  accountId: string;
  /** ISO 8601, UTC. */
  now: string;
}

export type AsffSeverityLabel = 'INFORMATIONAL' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';

export interface AsffResource {
  Type: 'AwsEc2Eip' | 'AwsEc2NetworkInterface' | 'AwsEksCluster';
  Id: string;
  Partition: string;
  Region: string;
  Details?: Record<string, unknown>;
}

/** The ASFF fields eip-keeper sets (every required one among them). */
export interface AsffFinding {
  SchemaVersion: string;
  Id: string;
  ProductArn: string;
  GeneratorId: string;
  AwsAccountId: string;
  Types: string[];
  CreatedAt: string;
  UpdatedAt: string;
  FirstObservedAt?: string;
  LastObservedAt?: string;
  Severity: { Label: AsffSeverityLabel; Original: string };
  Title: string;
  Description: string;
  Remediation: { Recommendation: { Text: string; Url?: string } };
  ProductFields: Record<string, string>;
  Resources: AsffResource[];
  Region: string;
  RecordState: 'ACTIVE' | 'ARCHIVED';
  /** Only on creation: after that the workflow is the security team's (BatchImportFindings cannot change it). */
  Workflow?: { Status: 'NEW' };
  Compliance?: { Status: 'PASSED' | 'FAILED' | 'WARNING' | 'NOT_AVAILABLE' };
}

/** A finding Security Hub refused, as BatchImportFindings reports it (`FailedFindings`). */
export interface FailedFinding {
  id: string;
  code: string;
  message: string;
}
