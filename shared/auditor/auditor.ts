/**
 * The auditor capability: for each cluster a trigger concerns, gather a snapshot, run the checks, reconcile the
 * findings with the store (reconcile.ts), and announce only what changed (announce.ts). Adapters come in through
 * AuditorDeps, so this file holds the flow and no AWS client.
 */
import type { AppConfig } from '../config/schema';
import type { Clock, Log, MetricsSink } from '../runtime/context';
import type { FindingsPublisher } from '../securityhub/publisher';
import { readinessSync } from '../securityhub/subjects';
import { announceChanges } from './announce';
import { runChecks } from './checks';
import { type CheckResult, type Finding, findingKey, isFinding } from './checks/result';
import type { FindingStore } from './finding-store';
import { type AuditSummary, summaryStory } from './findings';
import type { ClusterSnapshot, EgressProofState, ExhaustionSignal } from './model';
import type { NotifierPort } from './ports';
import { reconcileFindings } from './reconcile';
import type { Trigger } from './triggers';
import { describeError, isResourceNotFound, missingClusterResult } from './unreadable';

/** Exhaustion signals stay relevant this long. */
export const SIGNAL_WINDOW_HOURS = 24;

export interface AuditorDeps {
  config: Pick<AppConfig, 'audit' | 'pools' | 'alerts'>;
  region: string;
  accountId: string;
  clock: Clock;
  log: Log;
  metrics: MetricsSink;
  listClusters(): Promise<string[]>;
  gather(cluster: string, signals: ExhaustionSignal[]): Promise<ClusterSnapshot>;
  /** The subnet of an ENI (AssignPrivateIpAddresses names only the ENI); undefined when it is gone. */
  subnetOfEni(networkInterfaceId: string): Promise<string | undefined>;
  store: FindingStore;
  notifier: NotifierPort;
  /** With audit.egressProof.enabled: proves each pool's egress with VPC Reachability Analyzer. */
  proveEgress?(snapshot: ClusterSnapshot): Promise<Record<string, EgressProofState>>;
  /** Present when `securityHub.enabled`: failing readiness checks as Security Hub findings. */
  findings?: FindingsPublisher;
}

export interface ClusterAudit {
  summary: AuditSummary;
  story: string;
  /** The failing and unknown results of this audit. */
  findings: Finding[];
}

export interface AuditorResult {
  outcome: 'audited' | 'skipped';
  story: string | string[];
  reason?: string;
  clusters: { cluster: string; opened: number; resolved: number; failing: number; unknown: number }[];
}

/**
 * Some clusters could not be audited (AWS or table errors); every other cluster was. Thrown after all of them, so the
 * invocation fails: Lambda retries it, then its on-failure queue keeps the event.
 */
export class AuditIncompleteError extends Error {
  override readonly name = 'AuditIncompleteError';
  constructor(
    readonly failures: { cluster: string; error: string }[],
    /** What the audited clusters gave. */
    readonly result: AuditorResult,
  ) {
    super(
      `audit left ${failures.length} cluster(s) unaudited: ${failures.map((f) => `${f.cluster}: ${f.error}`).join('; ')}`,
    );
  }
}

/**
 * The results of one cluster: its checks, or — for a cluster audit.clusters names that EKS says does not exist — one
 * `unknown` result saying so. A cluster found by ListClusters and deleted since is thrown (the caller skips it).
 */
async function resultsOf(
  deps: AuditorDeps,
  cluster: string,
  signals: ExhaustionSignal[],
): Promise<{ results: CheckResult[]; snapshot?: ClusterSnapshot }> {
  try {
    const snapshot = await deps.gather(cluster, signals);
    if (deps.proveEgress && snapshot.pools.length > 0)
      snapshot.egressProofs = await deps.proveEgress(snapshot);
    return { results: runChecks(snapshot), snapshot };
  } catch (err) {
    if (!isResourceNotFound(err) || !deps.config.audit.clusters.includes(cluster)) throw err;
    return { results: [missingClusterResult(cluster, deps.region, describeError(err))] };
  }
}

/** Audits one cluster and announces what changed. */
export async function auditCluster(
  deps: AuditorDeps,
  cluster: string,
  signals: ExhaustionSignal[],
): Promise<ClusterAudit> {
  const at = deps.clock.now().toISOString();
  const { results, snapshot } = await resultsOf(deps, cluster, signals);
  const records = await reconcileFindings(deps.store, cluster, results, at);
  const { opened, resolved } = await announceChanges(
    deps,
    records,
    {
      cluster,
      ...(snapshot?.cluster.arn ? { clusterArn: snapshot.cluster.arn } : {}),
      region: deps.region,
      accountId: deps.accountId,
      at,
    },
    deps.clock.now(),
  );

  const findings = results.filter(isFinding);
  const summary: AuditSummary = {
    cluster,
    nodegroups: snapshot?.nodegroups.length ?? 0,
    results: results.length,
    failing: findings.filter((f: Finding) => f.status === 'fail').length,
    unknown: findings.filter((f: Finding) => f.status === 'unknown').length,
    opened,
    resolved,
  };
  deps.metrics.add('AuditFindingsOpened', opened.length);
  deps.metrics.add('AuditFindingsResolved', resolved.length);
  deps.metrics.add('AuditChecksFailing', summary.failing, 'Count', { cluster });
  deps.metrics.add('AuditChecksUnknown', summary.unknown, 'Count', { cluster });
  deps.log.info('audited cluster', {
    cluster,
    opened: opened.map(findingKey),
    resolved: resolved.map(findingKey),
    failing: summary.failing,
    unknown: summary.unknown,
  });
  return { summary, story: summaryStory(summary), findings };
}

/** The clusters the configuration asks to audit (all of the region when `audit.clusters` is empty). */
export async function clustersInScope(deps: Pick<AuditorDeps, 'config' | 'listClusters'>): Promise<string[]> {
  const listed = deps.config.audit.clusters;
  return listed.length > 0 ? [...listed] : deps.listClusters();
}

type Scope = { clusters: string[]; prefix: string } | { skipped: string };

/** Which clusters a trigger concerns, and the words that say why (an exhaustion signal is recorded here). */
async function scopeOfTrigger(deps: AuditorDeps, trigger: Trigger): Promise<Scope> {
  if (trigger.kind === 'ignored') return { skipped: trigger.reason };
  const clusters = await clustersInScope(deps);
  if (trigger.kind === 'cluster-change' && trigger.cluster) {
    if (!clusters.includes(trigger.cluster))
      return { skipped: `cluster ${trigger.cluster} is not in audit.clusters` };
    return { clusters: [trigger.cluster], prefix: `${trigger.what}: ` };
  }
  if (trigger.kind !== 'ip-exhaustion') return { clusters, prefix: '' };
  const subnetId =
    trigger.subnetId ??
    (trigger.networkInterfaceId ? await deps.subnetOfEni(trigger.networkInterfaceId) : undefined);
  if (!subnetId) {
    deps.log.warn('exhaustion event without a subnet', { eventId: trigger.eventId });
    return { clusters, prefix: '' };
  }
  await deps.store.recordSignal(
    {
      subnetId,
      at: trigger.at,
      eventName: trigger.eventName,
      eventId: trigger.eventId,
      errorCode: trigger.errorCode,
      ...(trigger.errorMessage ? { errorMessage: trigger.errorMessage } : {}),
    },
    SIGNAL_WINDOW_HOURS * 2,
  );
  return { clusters, prefix: `${trigger.eventName} ran out of addresses in ${subnetId}: ` };
}

/**
 * Handles one trigger: which clusters to audit, then audits each of them. A cluster that fails does not stop the
 * others; the failures are thrown together at the end (AuditIncompleteError).
 */
export async function handleTrigger(deps: AuditorDeps, trigger: Trigger): Promise<AuditorResult> {
  const scope = await scopeOfTrigger(deps, trigger);
  if ('skipped' in scope) {
    deps.log.info('event skipped', { reason: scope.skipped });
    return { outcome: 'skipped', reason: scope.skipped, story: `skipped: ${scope.skipped}`, clusters: [] };
  }
  const { clusters, prefix } = scope;
  const since = new Date(deps.clock.now().getTime() - SIGNAL_WINDOW_HOURS * 3600_000).toISOString();
  const signals = await deps.store.recentSignals(since);
  const stories: string[] = [];
  const out: AuditorResult['clusters'] = [];
  const failures: AuditIncompleteError['failures'] = [];
  const audited: { cluster: string; findings: Finding[] }[] = [];
  for (const cluster of clusters) {
    try {
      const { summary, story, findings } = await auditCluster(deps, cluster, signals);
      audited.push({ cluster, findings });
      stories.push(`${prefix}${story}`);
      const { opened, resolved, failing, unknown } = summary;
      out.push({ cluster, opened: opened.length, resolved: resolved.length, failing, unknown });
    } catch (err) {
      if (isResourceNotFound(err)) {
        deps.log.warn('cluster not found', { cluster });
        audited.push({ cluster, findings: [] }); // deleted since it was listed: its findings are over
        stories.push(`${prefix}cluster ${cluster} does not exist (skipped)`);
        continue;
      }
      const error = describeError(err);
      deps.log.error('cluster audit failed', { cluster, error });
      stories.push(`${prefix}cluster ${cluster}: audit failed (${error})`);
      failures.push({ cluster, error });
    }
  }
  if (clusters.length === 0) stories.push('no EKS cluster to audit in this region');
  if (deps.findings && audited.length > 0) {
    // Security Hub is a secondary output: its failures are logged and counted, never thrown.
    const { current, scope } = readinessSync(audited);
    await deps.findings.sync('readiness-check', current, scope);
  }
  const result: AuditorResult = {
    outcome: 'audited',
    story: stories.length === 1 ? (stories[0] as string) : stories,
    clusters: out,
  };
  if (failures.length > 0) throw new AuditIncompleteError(failures, result);
  return result;
}

/** The auditor as the handler runs it: one trigger in, what was audited out. */
export function createAuditor(deps: AuditorDeps): (trigger: Trigger) => Promise<AuditorResult> {
  return (trigger) => handleTrigger(deps, trigger);
}
