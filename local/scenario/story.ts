/**
 * What a scenario run tells: a readable story (steps, what each handler decided and why, alerts, failures) and a
 * JSON output of the final state for tests and tooling.
 */

import type { SimulatedRegion } from '../region';
import { deliveredMessage } from '../sns/service';
import { type AuditOutput, auditResults } from './audit';
import type { Scenario } from './schema';

export type StoryKind =
  | 'setup'
  | 'note'
  | 'clock'
  | 'faults'
  | 'event'
  | 'invoke'
  | 'deploy'
  | 'dns'
  | 'hook'
  | 'action'
  | 'handler'
  | 'handler-error'
  | 'alert'
  | 'dlq'
  | 'dropped'
  | 'warning';

export interface StoryLine {
  at: string;
  kind: StoryKind;
  text: string;
}

/** A handler may return `{ story: string | string[] }` to explain itself; otherwise its outcome is shown. */
export function describeResult(result: unknown): string[] {
  if (result === undefined || result === null) return ['done'];
  if (typeof result !== 'object') return [String(result)];
  const r = result as Record<string, unknown>;
  if (typeof r.story === 'string') return [r.story];
  if (Array.isArray(r.story)) return r.story.map(String);
  if (typeof r.outcome === 'string')
    return [`${r.outcome}${typeof r.reason === 'string' ? `: ${r.reason}` : ''}`];
  return [JSON.stringify(result)];
}

export class StoryRecorder {
  readonly lines: StoryLine[] = [];
  private seen = { invocations: 0, sns: 0, dlq: 0, dropped: 0, logs: 0 };

  constructor(
    private readonly region: SimulatedRegion,
    private readonly onLine?: (line: StoryLine) => void,
  ) {}

  /** Takes what happened so far as told (a recorder that joins a running region tells only what comes next). */
  catchUp(): void {
    const { bus, sns, logs } = this.region;
    this.seen = {
      invocations: bus.invocations.length,
      sns: sns.messages.length,
      dlq: bus.dlq.length,
      dropped: bus.dropped.length,
      logs: logs.length,
    };
  }

  /** A line stamped with `at` (the virtual time it happened), else with the clock's now. */
  line(kind: StoryKind, text: string, at?: string): void {
    const l = { at: at ?? this.region.clock.now().toISOString(), kind, text };
    this.lines.push(l);
    this.onLine?.(l);
  }

  /**
   * Adds what happened since the last call — handler outcomes, alerts, DLQ entries, dropped events, warnings — each
   * stamped with when it happened, in that order. An alert a handler already told ("alert sent: <subject>") is told
   * once.
   */
  collect(): void {
    const { bus, sns, logs } = this.region;
    const found: StoryLine[] = [];
    const told = new Set<string>();
    for (const inv of bus.invocations.slice(this.seen.invocations)) {
      const what =
        inv.eventName ??
        (inv.ruleId.endsWith('Schedule') || inv.ruleId === 'manual' ? 'schedule' : inv.ruleId);
      const retry = inv.attempt > 1 ? ` (attempt ${inv.attempt})` : '';
      if (inv.outcome === 'error')
        found.push({
          at: inv.at,
          kind: 'handler-error',
          text: `  ${inv.functionId} ← ${what}${retry}: FAILED ${inv.error}`,
        });
      else
        for (const text of describeResult(inv.result)) {
          if (text.startsWith('alert sent: ')) told.add(text.slice('alert sent: '.length));
          found.push({ at: inv.at, kind: 'handler', text: `  ${inv.functionId} ← ${what}${retry}: ${text}` });
        }
    }
    this.seen.invocations = bus.invocations.length;
    for (const m of sns.messages.slice(this.seen.sns)) {
      const subject = m.subject ?? '(no subject)';
      if (!told.has(subject)) found.push({ at: m.at, kind: 'alert', text: `  SNS alert: ${subject}` });
    }
    this.seen.sns = sns.messages.length;
    for (const d of bus.dlq.slice(this.seen.dlq)) {
      const text = `  DLQ: ${d.functionId} gave up on event ${d.eventId} (${d.reason}${d.error ? `: ${d.error}` : ''})`;
      found.push({ at: d.at, kind: 'dlq', text });
    }
    this.seen.dlq = bus.dlq.length;
    for (const d of bus.dropped.slice(this.seen.dropped))
      found.push({
        at: d.at,
        kind: 'dropped',
        text: `  (fault) event ${d.eventName ?? d.eventId} was never delivered`,
      });
    this.seen.dropped = bus.dropped.length;
    for (const l of logs.slice(this.seen.logs)) {
      if (l.level === 'warn' || l.level === 'error')
        found.push({ at: l.at, kind: 'warning', text: `  ${l.functionId} ${l.level}: ${l.message}` });
    }
    this.seen.logs = logs.length;
    // Stable: what happened at the same instant keeps the order above (a handler's outcome before its alert).
    for (const l of found.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0)))
      this.line(l.kind, l.text, l.at);
  }
}

export interface ScenarioOutput {
  scenario: string;
  region: string;
  accountId: string;
  startedAt: string;
  endedAt: string;
  labels: Record<string, string>;
  addresses: unknown[];
  networkInterfaces: unknown[];
  dynamodb: Record<string, Record<string, unknown>[]>;
  /** Every message published on the topic: what an e-mail subscriber reads, and the message as published. */
  sns: { at: string; subject?: string; email: string; message: string; messageStructure?: string }[];
  ec2Calls: Record<string, number>;
  apiCalls: Record<string, number>;
  invocations: Record<string, { ok: number; error: number }>;
  dlq: {
    functionId: string;
    at: string;
    reason: string;
    error?: string;
    eventId: string;
    eventName?: string;
  }[];
  droppedEvents: { at: string; eventId: string; eventName?: string }[];
  metrics: Record<string, number>;
  warnings: { at: string; functionId: string; level: string; message: string }[];
  /** The auditor's results on the final state: every check per cluster, node group and pool (docs/scenarios.md). */
  audit: AuditOutput;
}

export async function collectOutput(
  region: SimulatedRegion,
  scenario: Scenario,
  labels: Map<string, string>,
): Promise<ScenarioOutput> {
  const invocations: ScenarioOutput['invocations'] = {};
  for (const inv of region.bus.invocations) {
    const c = (invocations[inv.functionId] ??= { ok: 0, error: 0 });
    c[inv.outcome] += 1;
  }
  const metrics: Record<string, number> = {};
  for (const m of region.metrics) {
    const dims = m.dimensions
      ? `{${Object.entries(m.dimensions)
          .map(([k, v]) => `${k}=${v}`)
          .join(',')}}`
      : '';
    const key = `${m.name}${dims}`;
    metrics[key] = (metrics[key] ?? 0) + m.value;
  }
  return {
    scenario: scenario.name,
    region: region.regionName,
    accountId: region.accountId,
    startedAt: scenario.start,
    endedAt: region.clock.now().toISOString(),
    labels: Object.fromEntries(labels),
    addresses: region.addressesSnapshot(),
    networkInterfaces: region.networkInterfacesSnapshot(),
    dynamodb: await region.tableItemsByKind(),
    sns: region.sns.messages.map(({ at, subject, message, messageStructure }) => ({
      at,
      subject,
      email: deliveredMessage({ message, messageStructure }, 'email'),
      message,
      messageStructure,
    })),
    ec2Calls: region.server.callCounts('ec2'),
    apiCalls: region.server.callCounts(),
    invocations,
    dlq: region.bus.dlq.map((d) => ({
      functionId: d.functionId,
      at: d.at,
      reason: d.reason,
      error: d.error,
      eventId: d.eventId,
      eventName: (d.event.detail as { eventName?: string }).eventName,
    })),
    droppedEvents: region.bus.dropped,
    metrics,
    warnings: region.logs
      .filter((l) => l.level === 'warn' || l.level === 'error')
      .map(({ at, functionId, level, message }) => ({ at, functionId, level, message })),
    audit: await auditResults(region),
  };
}

/** `d+1 09:00`: the time of day, after the calendar days since the scenario's start (UTC), if any. */
export function storyTime(at: string, start: string): string {
  const day = (Date.parse(at.slice(0, 10)) - Date.parse(start.slice(0, 10))) / 86_400_000;
  return `${day > 0 ? `d+${day} ` : ''}${at.slice(11, 16)}`;
}

/** The story as a person reads it: one line per happening, stamped with when it happened. */
export function formatStory(lines: StoryLine[], start: string): string {
  return lines.map((l) => `${storyTime(new Date(l.at).toISOString(), start)}  ${l.text}`).join('\n');
}
