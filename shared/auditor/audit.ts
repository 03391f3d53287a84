/**
 * The auditor capability: for each cluster a trigger concerns, gather a snapshot, run the checks, reconcile the
 * findings with the store, and announce only what changed (new or resolved). Adapters come in through AuditorDeps,
 * so this file holds the flow and no AWS client.
 */
import type { AppConfig } from '../config/schema';
import type { Clock, Log, MetricsSink } from '../runtime/context';
import { runChecks } from './checks';
import { type Finding, findingKey, isFinding } from './checks/result';
import type { AuditRecord, FindingStore } from './finding-store';
import { type AuditSummary, diffFindings, summaryStory } from './findings';
import type { ChangeNotice } from './messages';
import type { NotifierPort } from './ports';
import type { ClusterSnapshot, ExhaustionSignal } from './snapshot';
import type { Trigger } from './triggers';

/** Exhaustion signals stay relevant this long. */
export const SIGNAL_WINDOW_HOURS = 24;
/** How long an audit holds the right to announce a record (longer than the function timeout). */
export const ANNOUNCE_LEASE_MS = 15 * 60_000;

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
}

export interface ClusterAudit {
  summary: AuditSummary;
  story: string;
}

export interface AuditorResult {
  outcome: 'audited' | 'skipped';
  story: string | string[];
  reason?: string;
  clusters: { cluster: string; opened: number; resolved: number; failing: number; unknown: number }[];
}

function isNotFound(err: unknown): boolean {
  return (err as { name?: string })?.name === 'ResourceNotFoundException';
}

/** Audits one cluster and announces what changed. */
export async function auditCluster(
  deps: AuditorDeps,
  cluster: string,
  signals: ExhaustionSignal[],
): Promise<ClusterAudit> {
  const at = deps.clock.now().toISOString();
  const snapshot = await deps.gather(cluster, signals);
  const results = runChecks(snapshot);
  const records = await deps.store.listRecords(cluster);
  const byKey = new Map(records.map((r) => [findingKey(r), r]));
  const openRecords = records.filter((r) => r.state === 'open');
  const diff = diffFindings(openRecords, results);

  const current: AuditRecord[] = [];
  const touched = new Set<string>();
  for (const f of diff.opened) {
    const key = findingKey(f);
    touched.add(key);
    const rec = await deps.store.open(f, at, byKey.get(key));
    if (rec) current.push(rec);
  }
  for (const { finding, previous } of diff.persisting) {
    touched.add(findingKey(finding));
    const rec = await deps.store.refresh(finding, previous, at);
    if (rec) current.push(rec);
  }
  for (const previous of diff.resolved) {
    touched.add(findingKey(previous));
    const rec = await deps.store.resolve(previous, at);
    if (rec) current.push(rec);
  }
  // Resolved records left by an audit that failed before announcing them.
  for (const r of records) if (!touched.has(findingKey(r)) && r.state === 'resolved') current.push(r);

  const silent = current.filter((r) => r.state === 'resolved' && r.announced === 'none');
  for (const r of silent) await deps.store.forget(r);

  // Claim what this audit announces, so that of two concurrent audits only one does.
  const until = new Date(deps.clock.now().getTime() + ANNOUNCE_LEASE_MS).toISOString();
  const claimed: AuditRecord[] = [];
  for (const r of current) {
    const pending =
      (r.state === 'open' && r.announced === 'none') || (r.state === 'resolved' && r.announced === 'open');
    if (!pending) continue;
    const c = await deps.store.claim(r, at, until);
    if (c) claimed.push(c);
  }
  const toOpen = claimed.filter((r) => r.state === 'open');
  const toResolve = claimed.filter((r) => r.state === 'resolved');

  if (claimed.length > 0) {
    const notice: ChangeNotice = {
      cluster,
      ...(snapshot.cluster.arn ? { clusterArn: snapshot.cluster.arn } : {}),
      region: deps.region,
      accountId: deps.accountId,
      at,
      opened: toOpen,
      resolved: toResolve,
    };
    try {
      await deps.notifier.publish(notice);
    } catch (err) {
      for (const r of claimed) await deps.store.release(r);
      throw err;
    }
    for (const r of claimed) await deps.store.markAnnounced(r, at);
  }

  const findings = results.filter(isFinding);
  const summary: AuditSummary = {
    cluster,
    nodegroups: snapshot.nodegroups.length,
    results: results.length,
    failing: findings.filter((f: Finding) => f.status === 'fail').length,
    unknown: findings.filter((f: Finding) => f.status === 'unknown').length,
    opened: toOpen,
    resolved: toResolve,
  };
  deps.metrics.add('AuditFindingsOpened', toOpen.length);
  deps.metrics.add('AuditFindingsResolved', toResolve.length);
  deps.metrics.add('AuditChecksFailing', summary.failing, 'Count', { cluster });
  deps.metrics.add('AuditChecksUnknown', summary.unknown, 'Count', { cluster });
  const story = summaryStory(summary);
  deps.log.info('audited cluster', {
    cluster,
    opened: toOpen.map(findingKey),
    resolved: toResolve.map(findingKey),
    failing: summary.failing,
    unknown: summary.unknown,
  });
  return { summary, story };
}

/** The clusters the configuration asks to audit (all of the region when `audit.clusters` is empty). */
export async function clustersInScope(deps: AuditorDeps): Promise<string[]> {
  const listed = deps.config.audit.clusters;
  return listed.length > 0 ? [...listed] : deps.listClusters();
}

/** Handles one trigger: which clusters to audit, then audits them one by one. */
export async function handleTrigger(deps: AuditorDeps, trigger: Trigger): Promise<AuditorResult> {
  if (trigger.kind === 'ignored') {
    deps.log.info('event skipped', { reason: trigger.reason });
    return { outcome: 'skipped', reason: trigger.reason, story: `skipped: ${trigger.reason}`, clusters: [] };
  }
  let clusters = await clustersInScope(deps);
  let prefix = '';
  if (trigger.kind === 'cluster-change' && trigger.cluster) {
    if (!clusters.includes(trigger.cluster)) {
      const reason = `cluster ${trigger.cluster} is not in audit.clusters`;
      deps.log.info('event skipped', { reason });
      return { outcome: 'skipped', reason, story: `skipped: ${reason}`, clusters: [] };
    }
    clusters = [trigger.cluster];
    prefix = `${trigger.what}: `;
  }
  if (trigger.kind === 'ip-exhaustion') {
    const subnetId =
      trigger.subnetId ??
      (trigger.networkInterfaceId ? await deps.subnetOfEni(trigger.networkInterfaceId) : undefined);
    if (subnetId) {
      await deps.store.recordSignal(
        {
          subnetId,
          at: trigger.at,
          eventName: trigger.eventName,
          eventId: trigger.eventId,
          ...(trigger.errorMessage ? { errorMessage: trigger.errorMessage } : {}),
        },
        SIGNAL_WINDOW_HOURS * 2,
      );
      prefix = `${trigger.eventName} ran out of addresses in ${subnetId}: `;
    } else {
      deps.log.warn('exhaustion event without a subnet', { eventId: trigger.eventId });
    }
  }
  const since = new Date(deps.clock.now().getTime() - SIGNAL_WINDOW_HOURS * 3600_000).toISOString();
  const signals = await deps.store.recentSignals(since);
  const stories: string[] = [];
  const out: AuditorResult['clusters'] = [];
  for (const cluster of clusters) {
    try {
      const { summary, story } = await auditCluster(deps, cluster, signals);
      stories.push(`${prefix}${story}`);
      out.push({
        cluster,
        opened: summary.opened.length,
        resolved: summary.resolved.length,
        failing: summary.failing,
        unknown: summary.unknown,
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      deps.log.warn('cluster not found', { cluster });
      stories.push(`${prefix}cluster ${cluster} does not exist (skipped)`);
    }
  }
  if (clusters.length === 0) stories.push('no EKS cluster to audit in this region');
  return {
    outcome: 'audited',
    story: stories.length === 1 ? (stories[0] as string) : stories,
    clusters: out,
  };
}
