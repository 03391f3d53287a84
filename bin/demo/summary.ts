/**
 * What the demo says at the end of its stories, pure: the closing summary (EIPs kept on pods, orphans found,
 * released, blocked and why, dollars a month saved, audit findings), one alert as it arrives by e-mail, and the
 * finance report's totals, from the stories' final states.
 */
import type { ScenarioOutput, StoryLine } from '../../local/scenario/story';
import { formatUsd } from '../../shared/sweeper/alerts-format';
import type { MonthlyReport } from '../../shared/sweeper/ledger';
import { clip } from './curate';

/** A metric summed over its dimensions (`AssociationsMade{Pool=payments}` and the like). */
export function metricSum(output: Pick<ScenarioOutput, 'metrics'>, name: string): number {
  return Object.entries(output.metrics)
    .filter(([k]) => k === name || k.startsWith(`${name}{`))
    .reduce((a, [, v]) => a + v, 0);
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** What the recorder did, in one line (its per-event lines are bookkeeping). */
export function recorderLine(output: Pick<ScenarioOutput, 'metrics'>): string {
  const recorded = metricSum(output, 'InventoryEventsRecorded');
  const skipped = Object.keys(output.metrics)
    .filter((k) => k.startsWith('InventoryEventsSkipped{'))
    .map((k) => /errorCode=([^,}]+)/.exec(k)?.[1] ?? 'failed call');
  return `recorder: ${plural(recorded, 'ENI/EIP call')} in the history${skipped.length > 0 ? `; failed calls skipped (${skipped.join(', ')})` : ''}`;
}

const SEVERITY = ['critical', 'high', 'medium', 'low'];

type AuditResult = ScenarioOutput['audit']['clusters'][number]['results'][number];

/** The failing checks, gravest first: the first `max` by their title's first clause, then how many more. */
export function findingLines(output: Pick<ScenarioOutput, 'audit'>, max = 4): string[] {
  const failing = output.audit.clusters
    .flatMap((c) => c.results)
    .filter((r: AuditResult) => r.status === 'fail')
    .sort((a, b) => SEVERITY.indexOf(a.severity) - SEVERITY.indexOf(b.severity));
  const lines = failing
    .slice(0, max)
    .map((r) => clip(`    ${r.severity.padEnd(8)} ${r.title.split(/: /)[0]}`));
  if (failing.length > max)
    lines.push(
      `    …and ${failing.length - max} more (${failing
        .slice(max)
        .map((r) => r.severity)
        .join(', ')}), each with its fix`,
    );
  return lines;
}

export interface DemoOutcome {
  key: 'inventory' | 'keeper' | 'sweeper' | 'auditor';
  output: ScenarioOutput;
  story: StoryLine[];
  /** The sweeper's month, from its ledger. */
  report?: MonthlyReport;
}

function keeperSummary(o: DemoOutcome): string {
  const served = metricSum(o.output, 'AssociationsMade');
  const waits = o.story.filter((l) => /no free EIP for/.test(l.text)).length;
  const repairs = metricSum(o.output, 'ReconcileRepairs');
  const allocated = o.output.ec2Calls.AllocateAddress ?? 0;
  return `keeper     ${plural(served, 'pod')} given an allowlisted EIP, ${allocated === 0 ? 'never a new IP' : `${allocated} allocated`}; ${plural(waits, 'pod')} waited; ${plural(repairs, 'lost event')} repaired`;
}

function sweeperSummary(o: DemoOutcome): string[] {
  const released = o.story.filter((l) => /Sweeper ← .*: released: /.test(l.text)).length;
  // Why each release was blocked: the reason its alert's subject ends with (`- dangling-dns`).
  const blocked = o.output.sns.flatMap(
    (m) => /release blocked .* - ([\w-]+)$/.exec(m.subject ?? '')?.[1]?.replace(/-/g, ' ') ?? [],
  );
  const orphans = new Set(
    o.output.sns.flatMap((m) => /Orphaned Elastic IP (\S+)/.exec(m.subject ?? '')?.[1] ?? []),
  ).size;
  const t = o.report?.totals;
  return [
    `sweeper    ${plural(orphans, 'orphan')} found; ${released} released; ${blocked.length} blocked${blocked.length > 0 ? ` (${blocked.join(', ')})` : ''}, each after its notice`,
    ...(t
      ? [
          `savings    ${formatUsd(t.projectedMonthlySavingUsd)} a month saved by the releases; ${plural(t.orphansIdleNow, 'orphan')} still idle cost ${formatUsd(t.orphanMonthlyCostUsd)} a month`,
        ]
      : []),
  ];
}

function auditorSummary(o: DemoOutcome): string {
  const failing = o.output.audit.clusters.flatMap((c) => c.results).filter((r) => r.status === 'fail');
  const critical = failing.filter((r) => r.severity === 'critical').length;
  return `auditor    ${plural(failing.length, 'finding')} (${critical} critical) on ${plural(o.output.audit.clusters.length, 'cluster')}, each with its fix; alerted once`;
}

/** The closing summary. */
export function closingSummary(outcomes: readonly DemoOutcome[]): string[] {
  const by = (key: DemoOutcome['key']) => outcomes.find((o) => o.key === key);
  const alerts = outcomes.reduce((a, o) => a + o.output.sns.length, 0);
  const keeper = by('keeper');
  const sweeper = by('sweeper');
  const auditor = by('auditor');
  return [
    ...(keeper ? [keeperSummary(keeper)] : []),
    ...(sweeper ? sweeperSummary(sweeper) : []),
    ...(auditor ? [auditorSummary(auditor)] : []),
    `alerts     ${alerts} to the security topic, each once (e-mail, chat, SQS: docs/notifications.md)`,
  ].map((l) => clip(l));
}

/** An alert as e-mail shows it, its facts only: subject, what it is, since when, what it cost, who held it. */
export function alertExcerpt(subject: string, email: string, facts: readonly string[]): string[] {
  const rows = email
    .split('\n')
    .filter((l) => facts.some((f) => l.startsWith(`  ${f} `)))
    .map((l) => clip(`  ${l}`));
  return [clip(`  Subject: ${subject}`), ...rows];
}
