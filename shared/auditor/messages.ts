/**
 * What the auditor sends when findings change: an SNS message (plain text for e-mail, an AWS Chatbot custom
 * notification for the `https` protocol Chatbot subscribes with) and EventBridge entries. Pure: no AWS import.
 */
import type { Finding } from './checks/result';
import type { StoredFinding } from './findings';

export const EVENT_SOURCE = 'eip-keeper';
export const FINDING_DETAIL_TYPE = 'Node Group Readiness Finding';
/** SNS subjects must be ASCII and shorter than 100 characters. */
export const MAX_SUBJECT = 99;
/** AWS Chatbot truncates long descriptions; keep well below its limit. */
export const MAX_CHATBOT_DESCRIPTION = 3500;

export interface ChangeNotice {
  cluster: string;
  clusterArn?: string;
  region: string;
  accountId: string;
  at: string;
  opened: Finding[];
  resolved: StoredFinding[];
}

/** ASCII only, one line: SNS rejects anything else in a subject. */
export function asciiLine(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u2010-\u2015]/g, '-')
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/\u2026/g, '...')
    .replace(/[^\x20-\x7e]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

export function changeSubject(prefix: string, n: ChangeNotice): string {
  const parts: string[] = [];
  if (n.opened.length > 0) parts.push(`${n.opened.length} new`);
  if (n.resolved.length > 0) parts.push(`${n.resolved.length} resolved`);
  const what = n.opened.length + n.resolved.length === 1 ? 'readiness finding' : 'readiness findings';
  const lead = asciiLine(`${prefix} ${n.cluster}:`);
  let subject = asciiLine(`${lead} ${parts.join(', ')} ${what}`);
  if (subject.length > MAX_SUBJECT) subject = `${subject.slice(0, MAX_SUBJECT - 3)}...`;
  // SNS: the subject must start with a letter, number or punctuation mark.
  return /^[A-Za-z0-9\p{P}]/u.test(subject) ? subject : `-${subject}`.slice(0, MAX_SUBJECT);
}

function where(f: Pick<Finding, 'nodegroup' | 'pool'>): string {
  if (f.nodegroup !== undefined) return `node group ${f.nodegroup}`;
  if (f.pool !== undefined) return `pool ${f.pool}`;
  return 'cluster';
}

function findingText(f: Finding, resolvedSince?: string): string {
  const lines = [
    `[${f.status === 'unknown' ? 'UNKNOWN' : f.severity.toUpperCase()}] ${f.id} - ${where(f)}${resolvedSince ? ` (open since ${resolvedSince})` : ''}`,
    `  ${f.title}`,
  ];
  if (f.evidence.length > 0)
    lines.push('  Evidence:', ...f.evidence.filter(Boolean).map((e) => `    - ${e}`));
  if (!resolvedSince)
    lines.push(
      f.status === 'unknown' ? '  To check it:' : '  Fix:',
      ...f.fix.split('\n').map((l) => `    ${l}`),
    );
  return lines.join('\n');
}

export function changeText(n: ChangeNotice): string {
  const out = [
    `eip-keeper node-group readiness audit of cluster ${n.cluster} (${n.region}, account ${n.accountId}) at ${n.at}`,
    '',
  ];
  if (n.opened.length > 0) {
    out.push(`NEW (${n.opened.length})`, '');
    for (const f of n.opened) out.push(findingText(f), '');
  }
  if (n.resolved.length > 0) {
    out.push(`RESOLVED (${n.resolved.length})`, '');
    for (const f of n.resolved) out.push(findingText(f, f.firstSeenAt), '');
  }
  out.push(
    `Findings stay open until the check passes; run "npx eip-keeper audit --cluster ${n.cluster}" for the full report.`,
  );
  return out.join('\n');
}

/** AWS Chatbot custom notification (https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html). */
export function chatbotNotification(prefix: string, n: ChangeNotice): Record<string, unknown> {
  const bullet = (f: Finding, resolved: boolean) =>
    `• ${resolved ? '✅' : f.status === 'unknown' ? '❔' : f.severity === 'critical' || f.severity === 'high' ? '🔴' : '🟠'} *${f.id}* (${where(f)}): ${f.title}`;
  let description = [
    ...(n.opened.length > 0 ? [`*New (${n.opened.length})*`, ...n.opened.map((f) => bullet(f, false))] : []),
    ...(n.resolved.length > 0
      ? [`*Resolved (${n.resolved.length})*`, ...n.resolved.map((f) => bullet(f, true))]
      : []),
  ].join('\n');
  if (description.length > MAX_CHATBOT_DESCRIPTION)
    description = `${description.slice(0, MAX_CHATBOT_DESCRIPTION - 1)}…`;
  const nextSteps = n.opened
    .filter((f) => f.status === 'fail')
    .slice(0, 5)
    .map((f) => `${f.id}: \`${f.fix.split('\n')[0]}\``);
  return {
    version: '1.0',
    source: 'custom',
    id: `${n.cluster}-${n.at}`,
    content: {
      textType: 'client-markdown',
      title: changeSubject(prefix, n),
      description,
      ...(nextSteps.length > 0 ? { nextSteps } : {}),
      keywords: [n.cluster, n.region, ...new Set([...n.opened, ...n.resolved].map((f) => f.id))].slice(0, 10),
    },
    metadata: {
      threadId: `eip-keeper-audit-${n.cluster}`,
      summary: changeSubject(prefix, n),
      eventType: FINDING_DETAIL_TYPE,
      ...(n.clusterArn ? { relatedResources: [n.clusterArn] } : {}),
    },
  };
}

/** The SNS `Message` for `MessageStructure=json`: `default`/`email` text, `https` for AWS Chatbot. */
export function snsMessage(prefix: string, n: ChangeNotice): { subject: string; message: string } {
  const text = changeText(n);
  return {
    subject: changeSubject(prefix, n),
    message: JSON.stringify({
      default: text,
      email: text,
      https: JSON.stringify(chatbotNotification(prefix, n)),
    }),
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
