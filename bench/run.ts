/**
 * `npm run bench`: eip-keeper's performance figures in one run, against their targets (docs/performance.md).
 *   npm run bench                 a readable table on stdout
 *   npm run -s bench -- --json    exactly one JSON object on stdout (npm's own banner needs `-s` to go)
 * Progress goes to stderr. Options: --only=burst,flood,sweep,coldStart,dynamodb,cliStart,podWait,cost,hubIngest --enis=N
 * --flood=N  --addresses=N  --processes=N (cold-start rounds)  --instructions (cold start also counted in
 * instructions, under valgrind)
 * Needs DynamoDB Local (Java); starts its own.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDynamoDbLocal } from '../local/dynamodb';
import { type BurstResult, runBurst } from './burst';
import { type CliStartResult, cliStartVerdicts, renderCliStart, runCliStart } from './cli-start';
import { type ColdStartResult, runColdStart } from './cold-start';
import { type CostResult, costPerMillionPods, renderCost } from './cost';
import { type CapacityRow, runDynamoDbBench } from './dynamodb';
import { type FloodResult, renderFlood, runFlood } from './flood';
import { type HubIngestResult, renderHubIngest, runHubIngest } from './hub-ingest';
import { formatTable, spreadText, TARGETS, verdict } from './measure';
import { type PodWaitResult, renderPodWait, runPodWait } from './pod-wait';
import { runSweepBench, type SweepBenchResult } from './sweep';

const SECTIONS = [
  'burst',
  'flood',
  'sweep',
  'coldStart',
  'dynamodb',
  'cliStart',
  'podWait',
  'cost',
  'hubIngest',
] as const;
type Section = (typeof SECTIONS)[number];

/** Pods the capacity section creates and deletes (the cost per pod is divided by it). */
const DYNAMODB_PODS = 20;
/** The keeper's billed seconds per invocation when podWait did not run (its steady p50 handler time, rounded up). */
const DEFAULT_KEEPER_SECONDS = 0.5;

const HANDLERS = ['inventory-recorder', 'keeper-events', 'keeper-reconciler', 'sweeper', 'auditor'];

export interface BenchOptions {
  json: boolean;
  only: Set<Section>;
  enis: number;
  /** ENIs of the flood section. */
  flood: number;
  addresses: number;
  processes: number;
  /** Count cold-start instructions under valgrind's callgrind too (minutes more; figures independent of load). */
  instructions: boolean;
  /** Minutes of steady churn (100 pods a minute) in `podWait`. */
  churnMinutes: number;
}

export function parseArgs(argv: readonly string[]): BenchOptions {
  const opts: BenchOptions = {
    json: false,
    only: new Set(SECTIONS),
    enis: 2_000,
    flood: 10_000,
    addresses: 10_000,
    processes: 7,
    instructions: false,
    churnMinutes: 10,
  };
  for (const arg of argv) {
    const [name, value = ''] = arg.split('=', 2) as [string, string?];
    const count = () => {
      const n = Number(value);
      if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} needs a positive integer, got "${value}"`);
      return n;
    };
    if (name === '--json') opts.json = true;
    else if (name === '--instructions') opts.instructions = true;
    else if (name === '--enis') opts.enis = count();
    else if (name === '--flood') opts.flood = count();
    else if (name === '--addresses') opts.addresses = count();
    else if (name === '--processes') opts.processes = count();
    else if (name === '--churn-minutes') opts.churnMinutes = count();
    else if (name === '--only') {
      const wanted = value.split(',').filter(Boolean);
      for (const w of wanted)
        if (!(SECTIONS as readonly string[]).includes(w)) throw new Error(`--only: unknown section "${w}"`);
      opts.only = new Set(wanted as Section[]);
    } else
      throw new Error(
        `unknown option ${arg} (options: --json --only= --enis= --flood= --addresses= --processes= --churn-minutes= --instructions)`,
      );
  }
  return opts;
}

interface BenchReport {
  generatedAt: string;
  machine: { node: string; cpus: number };
  targets: typeof TARGETS;
  burst?: BurstResult;
  flood?: FloodResult;
  sweep?: SweepBenchResult;
  coldStart?: ColdStartResult[];
  dynamodb?: CapacityRow[];
  cliStart?: CliStartResult;
  podWait?: PodWaitResult;
  cost?: CostResult;
  hubIngest?: HubIngestResult;
  /** Every target, met or not. */
  verdicts: Record<string, 'met' | 'MISSED'>;
  wallSeconds: number;
}

function verdictsOf(r: Omit<BenchReport, 'verdicts'>): Record<string, 'met' | 'MISSED'> {
  const v: Record<string, 'met' | 'MISSED'> = {};
  if (r.burst) {
    v['burst.completionVsFloor'] = verdict(r.burst.completionVsFloor, TARGETS.completionVsFloor);
    v['burst.mutatingCallsPerAssociation'] = verdict(
      r.burst.mutatingCallsPerAssociation,
      TARGETS.mutatingCallsPerAssociation,
    );
    v['burst.doubleAssignments'] = verdict(r.burst.doubleAssignments, TARGETS.doubleAssignments);
    v['burst.lost'] = verdict(r.burst.lost, TARGETS.lost);
  }
  if (r.flood)
    v['flood.createInvocationsPer1000'] = verdict(
      r.flood.createInvocationsPer1000,
      TARGETS.floodCreateInvocationsPer1000,
    );
  if (r.sweep)
    v['sweep.ratioVsDescribeFloor'] = verdict(r.sweep.ratioVsDescribeFloor, TARGETS.ratioVsDescribeFloor);
  for (const c of r.coldStart ?? [])
    v[`coldStart.${c.handler}`] = verdict(c.ratioVsBareSdk, TARGETS.ratioVsBareSdk);
  if (r.cliStart) Object.assign(v, cliStartVerdicts(r.cliStart));
  if (r.podWait) v['podWait.steady.oursP99'] = verdict(r.podWait.steady.ours.p99, TARGETS.oursP99Seconds);
  return v;
}

function render(r: BenchReport): string {
  const out: string[] = [
    `eip-keeper bench — ${r.generatedAt}, node ${r.machine.node}, ${r.machine.cpus} CPUs`,
  ];
  const v = r.verdicts;
  if (r.burst) {
    const b = r.burst;
    const counts = (c: Record<string, number>) =>
      Object.entries(c)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ');
    out.push(
      '',
      `burst: ${b.enis} pod ENIs at once, pool of ${b.poolSize} EIPs, EC2 throttling at AWS rates (virtual clock)`,
      formatTable(
        ['figure', 'value', 'target', 'verdict'],
        [
          [
            'completionVsFloor',
            b.completionVsFloor,
            `≤ ${TARGETS.completionVsFloor}`,
            v['burst.completionVsFloor'] ?? '',
          ],
          [
            'mutatingCallsPerAssociation (address bucket)',
            b.mutatingCallsPerAssociation,
            `≤ ${TARGETS.mutatingCallsPerAssociation}`,
            v['burst.mutatingCallsPerAssociation'] ?? '',
          ],
          ['tagCallsPerAssociation (other bucket)', b.tagCallsPerAssociation, '', ''],
          ['allMutatingCallsPerAssociation', b.allMutatingCallsPerAssociation, '', ''],
          ['doubleAssignments', b.doubleAssignments, '0', v['burst.doubleAssignments'] ?? ''],
          ['lost', b.lost, '0', v['burst.lost'] ?? ''],
        ],
      ),
      `  last association after ${b.completionSeconds.toFixed(1)} s virtual; AssociateAddress bucket floor ${b.floorSeconds.toFixed(1)} s`,
      `  keeper's mutating calls: ${counts(b.mutatingCalls)}; throttled attempts ${b.throttledCalls} (${counts(b.throttledCallsByBucket)}); ${b.failedInvocations} invocations retried by Lambda; ${b.holderTagsWrong} holder tags wrong at the end`,
      `  keeper's reads per association: ${counts(b.readsPerAssociation)}`,
      `  wall time ${(b.wallMs / 1000).toFixed(1)} s`,
    );
  }
  if (r.flood) out.push('', renderFlood(r.flood, v['flood.createInvocationsPer1000'] ?? ''));
  if (r.sweep) {
    const s = r.sweep;
    out.push(
      '',
      `sweep: ${s.addresses} addresses (${s.mix.inUse} in use, ${s.mix.orphans} idle orphans, ${s.mix.pool} pool, ${s.mix.exempt} exempt)`,
      formatTable(
        ['figure', 'value', 'target', 'verdict'],
        [
          ['sweepMs (hourly run, median)', s.sweepMs, '', ''],
          ['describeMs (DescribeAddresses alone, median)', s.describeMs, '', ''],
          [
            `ratioVsDescribeFloor (median of ${s.runs.length - 1} pairs; spread ${spreadText(s.ratioSpread)})`,
            s.ratioVsDescribeFloor,
            `≤ ${TARGETS.ratioVsDescribeFloor}`,
            v['sweep.ratioVsDescribeFloor'] ?? '',
          ],
          [
            `cpuRatioVsDescribeFloor (CPU of this process; spread ${spreadText(s.cpuRatioSpread)})`,
            s.cpuRatioVsDescribeFloor,
            '',
            '',
          ],
        ],
      ),
      `  first sight of every address ${(s.firstMs / 1000).toFixed(1)} s, the run after it ${s.afterFirstMs.toFixed(0)} ms; runs: ${s.runs.map((x) => `${x.label} ${x.ms.toFixed(0)} ms`).join(', ')}`,
    );
  }
  if (r.coldStart) {
    out.push(
      '',
      `coldStart: import + init in fresh node processes, ${r.coldStart[0]?.processes ?? 0} rounds interleaved (medians; ratio on CPU time, per round)`,
      formatTable(
        [
          'handler',
          'bundleBytes',
          'initMs',
          'bareSdkMs',
          'initCpuMs',
          'bareSdkCpuMs',
          'ratioVsBareSdk',
          'spread',
          ...(r.coldStart.some((c) => c.instructions) ? ['instructions'] : []),
          'target',
          'verdict',
        ],
        r.coldStart.map((c) => [
          c.handler,
          c.bundleBytes,
          c.initMs,
          c.bareSdkMs,
          c.initCpuMs,
          c.bareSdkCpuMs,
          c.ratioVsBareSdk,
          spreadText(c.ratioSpread),
          ...(c.instructions ? [c.instructions.ratio] : []),
          `≤ ${TARGETS.ratioVsBareSdk}`,
          v[`coldStart.${c.handler}`] ?? '',
        ]),
      ),
      ...r.coldStart.map(
        (c) =>
          `  ${c.handler}: built at cold start ${c.sdkClients.join(', ')}; on first use ${c.lazyClients.join(', ') || 'none'}`,
      ),
    );
  }
  if (r.dynamodb) {
    out.push(
      '',
      'dynamodb: consumed capacity per event (ReturnConsumedCapacity=TOTAL)',
      formatTable(
        ['event', 'function', 'count', 'RCU/event', 'WCU/event', 'requests/event'],
        r.dynamodb.map((d) => [
          d.event,
          d.function,
          d.count,
          d.rcuPerEvent,
          d.wcuPerEvent,
          d.requestsPerEvent,
        ]),
      ),
    );
  }
  if (r.podWait) out.push(...renderPodWait(r.podWait, v));
  if (r.cost) out.push(...renderCost(r.cost));
  if (r.cliStart) out.push(...renderCliStart(r.cliStart, v));
  if (r.hubIngest) out.push(...renderHubIngest(r.hubIngest));
  const missed = Object.entries(v).filter(([, x]) => x === 'MISSED');
  out.push(
    '',
    missed.length === 0
      ? `every target met (${Object.keys(v).length}); ${r.wallSeconds.toFixed(0)} s`
      : `MISSED: ${missed.map(([k]) => k).join(', ')}; ${r.wallSeconds.toFixed(0)} s`,
  );
  return out.join('\n');
}

export async function main(argv: readonly string[]): Promise<number> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const opts = parseArgs(argv);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const started = performance.now();
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const ddb = opts.only.has('coldStart') && opts.only.size === 1 ? undefined : await startDynamoDbLocal();
  const report: Omit<BenchReport, 'verdicts'> = {
    generatedAt: new Date().toISOString(),
    machine: { node: process.version, cpus: cpus().length },
    targets: TARGETS,
    wallSeconds: 0,
  };
  try {
    if (ddb && opts.only.has('burst')) {
      report.burst = await runBurst({
        enis: opts.enis,
        poolSize: opts.enis,
        dynamoEndpoint: ddb.endpoint,
        log,
      });
    }
    if (ddb && opts.only.has('flood'))
      report.flood = await runFlood({ floodEnis: opts.flood, dynamoEndpoint: ddb.endpoint, log });
    if (ddb && opts.only.has('sweep')) {
      report.sweep = await runSweepBench({ addresses: opts.addresses, dynamoEndpoint: ddb.endpoint, log });
    }
    if (opts.only.has('coldStart')) {
      const outDir = await mkdtemp(path.join(tmpdir(), 'eip-keeper-bench-'));
      try {
        report.coldStart = await runColdStart({
          root,
          outDir,
          handlers: HANDLERS,
          processes: opts.processes,
          counter: opts.instructions ? 'instructions' : 'cpu',
          log,
        });
      } finally {
        await rm(outDir, { recursive: true, force: true });
      }
    }
    if (ddb && (opts.only.has('dynamodb') || opts.only.has('cost'))) {
      report.dynamodb = await runDynamoDbBench({
        dynamoEndpoint: ddb.endpoint,
        enis: DYNAMODB_PODS,
        sweepAddresses: 300,
        log,
      });
    }
    if (ddb && opts.only.has('podWait')) {
      report.podWait = await runPodWait({
        dynamoEndpoint: ddb.endpoint,
        enis: opts.enis,
        podsPerMinute: 100,
        minutes: opts.churnMinutes,
        log,
      });
    }
    if (report.dynamodb && opts.only.has('cost')) {
      // The keeper's billed seconds: its handler time in podWait (virtual, modelled round trips) when it ran.
      const keeperSeconds = report.podWait?.steady.handler.p50 ?? DEFAULT_KEEPER_SECONDS;
      report.cost = costPerMillionPods(report.dynamodb, DYNAMODB_PODS, keeperSeconds);
    }
    if (ddb && opts.only.has('cliStart')) {
      report.cliStart = await runCliStart({ root, dynamoEndpoint: ddb.endpoint, log });
    }
    if (ddb && opts.only.has('hubIngest')) {
      // 500 accounts × 2 regions, 4 addresses each: 5,000 events, a day of a large organization's ledger changes.
      report.hubIngest = await runHubIngest({
        accounts: 500,
        addressesPerMember: 4,
        dynamoEndpoint: ddb.endpoint,
        log,
      });
    }
  } finally {
    await ddb?.stop();
  }
  report.wallSeconds = (performance.now() - started) / 1000;
  const full: BenchReport = { ...report, verdicts: verdictsOf(report) };
  process.stdout.write(opts.json ? `${JSON.stringify(full, null, 2)}\n` : `${render(full)}\n`);
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(
        `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
