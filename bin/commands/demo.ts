/**
 * `eip-keeper demo [--verbose]`: the bundled stories on a simulated region, told the way people read them (one line
 * per meaningful event, stamped with when it happened; `--verbose` tells every event), then a closing summary, one
 * alert as it arrives by e-mail and the finance report. One DynamoDB Local serves every story; its start shows as a
 * progress line on a terminal.
 */
import { join } from 'node:path';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../local/dynamodb';
import { SimulatedRegion } from '../../local/region';
import { regionOptionsOf, runOn } from '../../local/scenario/runner';
import type { Scenario } from '../../local/scenario/schema';
import { createDocumentClient } from '../../shared/store/client';
import { DynamoSweepStore } from '../../shared/sweeper/dynamo-sweep-store';
import { ledgerFreshness } from '../../shared/sweeper/finance';
import { monthOf, rollUpMonth } from '../../shared/sweeper/ledger';
import { formatReportTable, monthName } from '../../shared/sweeper/report';
import { parseOptions } from '../args';
import { curateStory } from '../demo/curate';
import { alertExcerpt, closingSummary, type DemoOutcome, findingLines, recorderLine } from '../demo/summary';
import { EXIT } from '../errors';
import { packageRoot } from '../help';
import { type Progress, progressLine, QUIET } from '../progress';
import { DEMO_OPTIONS } from './catalog';
import { loadScenario } from './simulate';
import { type CliCommand, UsageError } from './types';

/** The bundled stories `npm start` tells, in order. */
export const DEMO_SCENARIOS: ReadonlyArray<{ key: DemoOutcome['key']; path: string; tells: string[] }> = [
  { key: 'inventory', path: 'local/scenarios/demo-inventory.json', tells: [] },
  { key: 'keeper', path: 'local/scenarios/demo-keeper.json', tells: ['KeeperEvents', 'KeeperReconciler'] },
  { key: 'sweeper', path: 'local/scenarios/demo-sweeper.json', tells: ['Sweeper'] },
  { key: 'auditor', path: 'local/scenarios/demo-auditor.json', tells: ['Auditor'] },
];

/** The facts of the alert the demo shows. */
const ALERT_FACTS = ['Idle since', 'Cost accrued', 'Last holder', 'Taken off'];
/** The finance report's totals the demo shows. */
const REPORT_TOTALS = [
  'Cost of idle addresses',
  'Released by eip-keeper',
  'Monthly saving from releases',
  'Orphans still idle',
];

const write = (lines: readonly string[]) => process.stdout.write(`${lines.join('\n')}\n`);

/** The sweeper story's month as the finance report shows it, read from the region's ledger before it stops. */
async function ledgerOf(region: SimulatedRegion): Promise<DemoOutcome['report']> {
  const doc = createDocumentClient(region.connection());
  try {
    const store = new DynamoSweepStore(doc, region.tableName, 400);
    const [episodes, releases] = await Promise.all([store.listEpisodes(), store.listReleases()]);
    const now = region.clock.now().toISOString();
    return rollUpMonth(episodes, releases, monthOf(now), now);
  } finally {
    doc.destroy();
  }
}

async function runStory(
  key: DemoOutcome['key'],
  scenario: Scenario,
  dynamoEndpoint: string,
  progress: Progress,
): Promise<DemoOutcome> {
  const region = await SimulatedRegion.start(regionOptionsOf(scenario, { dynamoEndpoint }));
  try {
    const { story, output } = await runOn(region, scenario, {
      onStory: (line) => progress.set(`${scenario.name.split(':')[0]}, virtual ${line.at.slice(11, 16)}`),
    });
    return { key, story, output, ...(key === 'sweeper' ? { report: await ledgerOf(region) } : {}) };
  } finally {
    await region.stop();
  }
}

function storyLines(o: DemoOutcome, scenario: Scenario, i: number, verbose: boolean): string[] {
  const { tells } = DEMO_SCENARIOS[i] as (typeof DEMO_SCENARIOS)[number];
  const lines = curateStory(o.story, o.output.labels, { start: scenario.start, verbose, tells });
  const extra =
    verbose || o.key === 'keeper' || o.key === 'sweeper'
      ? []
      : o.key === 'inventory'
        ? [`${' '.repeat(11)}${recorderLine(o.output)}`]
        : findingLines(o.output, 2);
  return ['', `== ${i + 1}/${DEMO_SCENARIOS.length} ${scenario.name}`, ...lines, ...extra];
}

/** The closing part: summary, one alert, the finance report's totals. */
function closing(outcomes: readonly DemoOutcome[]): string[] {
  const sweeper = outcomes.find((o) => o.key === 'sweeper');
  const orphan = sweeper?.output.sns.find((m) => /Orphaned Elastic IP 3\.248\.0\.1 /.test(m.subject ?? ''));
  const report = sweeper?.report;
  const totals = report
    ? formatReportTable(report, {
        accountId: sweeper?.output.accountId,
        freshness: ledgerFreshness({
          requestedAsOf: report.asOf,
          lastWriteAt: report.asOf,
          sweepMinutes: 60,
        }),
      })
        .split('\n')
        .filter((l) => REPORT_TOTALS.some((t) => l.startsWith(`  ${t} `)))
    : [];
  return [
    '',
    '== What happened',
    ...closingSummary(outcomes),
    ...(orphan
      ? [
          '',
          '== One alert as the security team reads it (e-mail; the same goes to chat and SQS)',
          ...alertExcerpt(orphan.subject ?? '', orphan.email, ALERT_FACTS),
        ]
      : []),
    ...(report
      ? [
          '',
          `== The finance report, ${monthName(report.month)} (npx eip-keeper report; --format html: a chart)`,
          ...totals,
        ]
      : []),
  ];
}

/**
 * Tells every story on one DynamoDB Local, then the closing part; `write` gets each story's lines as soon as it
 * ends. Returns what each story left.
 */
export async function tellDemo(opts: {
  dynamoEndpoint: string;
  verbose: boolean;
  write: (lines: readonly string[]) => void;
  progress?: Progress;
}): Promise<DemoOutcome[]> {
  const root = packageRoot();
  const scenarios = await Promise.all(DEMO_SCENARIOS.map((s) => loadScenario(join(root, s.path))));
  const progress = opts.progress ?? QUIET;
  const outcomes: DemoOutcome[] = [];
  for (const [i, { key }] of DEMO_SCENARIOS.entries()) {
    const scenario = scenarios[i] as Scenario;
    const outcome = await runStory(key, scenario, opts.dynamoEndpoint, progress);
    progress.clear();
    opts.write(storyLines(outcome, scenario, i, opts.verbose));
    outcomes.push(outcome);
  }
  opts.write(closing(outcomes));
  return outcomes;
}

export const demoCommand: CliCommand = {
  name: 'demo',
  async run(args) {
    const { values, positionals } = parseOptions(args, DEMO_OPTIONS);
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
    write([
      'eip-keeper demo: four stories on a simulated AWS region, in virtual time (--verbose tells every event)',
    ]);
    const progress = progressLine('demo');
    progress.set('starting DynamoDB Local (Java)');
    let dynamo: DynamoDbLocal | undefined;
    try {
      dynamo = await startDynamoDbLocal();
      const outcomes = await tellDemo({
        dynamoEndpoint: dynamo.endpoint,
        verbose: values.verbose === true,
        write,
        progress,
      });
      return outcomes.some((o) => o.output.dlq.length > 0) ? EXIT.deadLetters : EXIT.ok;
    } finally {
      progress.done();
      await dynamo?.stop();
    }
  },
};
