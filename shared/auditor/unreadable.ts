/**
 * What the auditor does when an AWS answer about one cluster cannot be used: a cluster that does not exist, or an
 * add-on answer it cannot read, makes that cluster's checks `unknown` with the reason; other clusters are audited as
 * usual. Throttling, server faults and table errors stay failures (the invocation is retried). Pure: no AWS import.
 */
import { type CheckResult, resultsFor } from './checks/result';

export const CLUSTER_READABLE_CHECK = 'cluster-readable';

/** Error names AWS uses for throttling: retried, never read as "unreadable". */
const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'SlowDown',
]);

interface AwsErrorShape {
  name?: string;
  message?: string;
  $fault?: string;
  $responseBodyText?: unknown;
}

export function isResourceNotFound(err: unknown): boolean {
  return (err as AwsErrorShape | undefined)?.name === 'ResourceNotFoundException';
}

/**
 * An answer no retry will change: a client error other than throttling (access denied, invalid parameter), or a
 * response body the SDK could not parse.
 */
export function isUnreadableAnswer(err: unknown): boolean {
  const e = err as AwsErrorShape | undefined;
  if (!e || THROTTLING.has(e.name ?? '')) return false;
  return e.$fault === 'client' || e.$responseBodyText !== undefined || e.name === 'SyntaxError';
}

export function describeError(err: unknown): string {
  const e = err as AwsErrorShape | undefined;
  return e?.message ? `${e.name ?? 'Error'}: ${e.message}` : String(err);
}

/** The one result of a cluster that DescribeCluster says does not exist. */
export function missingClusterResult(cluster: string, region: string, error: string): CheckResult {
  return resultsFor({ id: CLUSTER_READABLE_CHECK, severity: 'info', cluster }).unknown(
    `Cannot audit cluster ${cluster}: EKS says it does not exist in ${region}, so none of its checks can run`,
    [error],
    `check the cluster name (aws eks list-clusters --region ${region}) and audit.clusters`,
  );
}
