/**
 * What the auditor sends when findings change: a notification on the alert topic (shared/notify renders it per
 * protocol) and EventBridge entries. Pure: no AWS import. Titles, evidence and fixes quote what the checks read —
 * ENIConfig fields, node group and Kubernetes names, AWS and Kubernetes error messages — so they go through
 * shared/notify/escape.ts: one line each in e-mail (a fix keeps its own lines, each escaped), code spans in chat.
 */

import { EVENT_SOURCE } from '../events/source';
import { inlineText, markdownName, markdownValue, subjectLine } from '../notify/escape';
import type { Notification } from '../notify/notification';
import { type Finding, SEVERITY_ORDER, type Severity } from './checks/result';
import type { StoredFinding } from './findings';

export { EVENT_SOURCE };
export const FINDING_DETAIL_TYPE = 'Node Group Readiness Finding';

export interface ChangeNotice {
  cluster: string;
  clusterArn?: string;
  region: string;
  accountId: string;
  at: string;
  opened: Finding[];
  resolved: StoredFinding[];
}

export function changeSubject(prefix: string, n: ChangeNotice): string {
  const parts: string[] = [];
  if (n.opened.length > 0) parts.push(`${n.opened.length} new`);
  if (n.resolved.length > 0) parts.push(`${n.resolved.length} resolved`);
  const what = n.opened.length + n.resolved.length === 1 ? 'readiness finding' : 'readiness findings';
  return subjectLine(`${prefix} ${n.cluster}: ${parts.join(', ')} ${what}`);
}

function where(f: Pick<Finding, 'nodegroup' | 'pool'>): string {
  if (f.nodegroup !== undefined) return `node group ${inlineText(f.nodegroup, 100)}`;
  if (f.pool !== undefined) return `pool ${inlineText(f.pool, 100)}`;
  return 'cluster';
}

function whereMarkdown(f: Pick<Finding, 'nodegroup' | 'pool'>): string {
  if (f.nodegroup !== undefined) return `node group ${markdownName(f.nodegroup, 100)}`;
  if (f.pool !== undefined) return `pool ${markdownName(f.pool, 100)}`;
  return 'cluster';
}

function findingText(f: Finding, resolvedSince?: string): string[] {
  const lines = [
    `[${f.status === 'unknown' ? 'UNKNOWN' : f.severity.toUpperCase()}] ${f.id} - ${where(f)}${resolvedSince ? ` (open since ${resolvedSince})` : ''}`,
    `  ${inlineText(f.title, 1000)}`,
  ];
  if (f.evidence.length > 0)
    lines.push('  Evidence:', ...f.evidence.filter(Boolean).map((e) => `    - ${inlineText(e, 1000)}`));
  if (!resolvedSince)
    lines.push(
      f.status === 'unknown' ? '  To check it:' : '  Fix:',
      ...f.fix.split('\n').map((l) => `    ${inlineText(l, 4000)}`),
    );
  return lines;
}

/** The e-mail body, by sections. */
export function changeText(n: ChangeNotice): string[][] {
  const out: string[][] = [
    [
      `eip-keeper node-group readiness audit of cluster ${inlineText(n.cluster, 100)} (${n.region}, account ${n.accountId}) at ${n.at}`,
    ],
  ];
  if (n.opened.length > 0) out.push([`NEW (${n.opened.length})`], ...n.opened.map((f) => findingText(f)));
  if (n.resolved.length > 0)
    out.push([`RESOLVED (${n.resolved.length})`], ...n.resolved.map((f) => findingText(f, f.firstSeenAt)));
  out.push([
    `Findings stay open until the check passes; run "npx eip-keeper audit --cluster ${inlineText(n.cluster, 100)}" for the full report.`,
  ]);
  return out;
}

function chatLines(n: ChangeNotice): string[] {
  const bullet = (f: Finding, resolved: boolean) =>
    `• ${resolved ? '✅' : f.status === 'unknown' ? '❔' : f.severity === 'critical' || f.severity === 'high' ? '🔴' : '🟠'} *${f.id}* (${whereMarkdown(f)}): ${markdownValue(f.title, 300)}`;
  return [
    ...(n.opened.length > 0 ? [`*New (${n.opened.length})*`, ...n.opened.map((f) => bullet(f, false))] : []),
    ...(n.resolved.length > 0
      ? [`*Resolved (${n.resolved.length})*`, ...n.resolved.map((f) => bullet(f, true))]
      : []),
  ];
}

/** The most severe new failing finding's; `info` when only unknowns open or findings resolve. */
function severityOf(failing: readonly Finding[]): Severity {
  return SEVERITY_ORDER.find((s) => failing.some((f) => f.severity === s)) ?? 'info';
}

/** What one audit of a cluster changed, as one notification. */
export function changeNotification(prefix: string, n: ChangeNotice): Notification {
  const subject = changeSubject(prefix, n);
  const failing = n.opened.filter((f) => f.status === 'fail');
  return {
    source: 'auditor',
    kind: 'audit-finding',
    severity: severityOf(failing),
    subject,
    title: subject,
    account: n.accountId,
    region: n.region,
    time: n.at,
    dedupKey: `audit-finding#${n.cluster}#${n.at}`,
    resources: [n.clusterArn ?? n.cluster],
    facts: {
      cluster: n.cluster,
      opened: n.opened.length,
      openedFailing: failing.length,
      openedUnknown: n.opened.length - failing.length,
      resolved: n.resolved.length,
    },
    body: changeText(n),
    chat: {
      description: chatLines(n),
      nextSteps: failing.slice(0, 5).map((f) => `${f.id}: ${markdownValue(f.fix.split('\n')[0] ?? '', 500)}`),
      threadId: `eip-keeper-audit-${n.cluster}`,
      keywords: [n.cluster, ...new Set([...n.opened, ...n.resolved].map((f) => f.id))],
      context: { cluster: n.cluster },
    },
  };
}

export interface FindingEventEntry {
  Source: string;
  DetailType: string;
  Detail: string;
  Resources: string[];
  Time: string;
}

/** One EventBridge entry per change. */
export function findingEvents(n: ChangeNotice): FindingEventEntry[] {
  const entry = (change: 'new' | 'resolved', f: Finding | StoredFinding): FindingEventEntry => ({
    Source: EVENT_SOURCE,
    DetailType: FINDING_DETAIL_TYPE,
    Time: n.at,
    Resources: n.clusterArn ? [n.clusterArn] : [],
    Detail: JSON.stringify({
      change,
      cluster: f.cluster,
      ...(f.nodegroup !== undefined ? { nodegroup: f.nodegroup } : {}),
      ...(f.pool !== undefined ? { pool: f.pool } : {}),
      checkId: f.id,
      status: change === 'resolved' ? 'resolved' : f.status,
      severity: f.severity,
      title: f.title,
      evidence: f.evidence,
      fix: f.fix,
      ...('firstSeenAt' in f ? { firstSeenAt: f.firstSeenAt } : {}),
      at: n.at,
    }),
  });
  return [...n.opened.map((f) => entry('new', f)), ...n.resolved.map((f) => entry('resolved', f))];
}
