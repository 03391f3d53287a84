/**
 * `npm run bench`: eip-keeper's performance figures in one run, against their targets (docs/performance.md).
 *   npm run bench                 a readable table on stdout
 *   npm run -s bench -- --json    exactly one JSON object on stdout (npm's own banner needs `-s` to go)
 * Progress goes to stderr. Options: --only=burst,flood,sweep,coldStart,dynamodb,cliStart  --enis=N  --flood=N
 * --addresses=N --processes=N
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
import { type CapacityRow, runDynamoDbBench } from './dynamodb';
import { type FloodResult, renderFlood, runFlood } from './flood';
import { formatTable, TARGETS, verdict } from './measure';
import { runSweepBench, type SweepBenchResult } from './sweep';

const SECTIONS = ['burst', 'flood', 'sweep', 'coldStart', 'dynamodb', 'cliStart'] as const;
type Section = (typeof SECTIONS)[number];

const HANDLERS = ['inventory-recorder', 'keeper-events', 'keeper-reconciler', 'sweeper', 'auditor'];

export interface BenchOptions {
  json: boolean;
  only: Set<Section>;
  enis: number;
  /** ENIs of the flood section. */
  flood: number;
  addresses: number;
  processes: number;
}

export function parseArgs(argv: readonly string[]): BenchOptions {
  const opts: BenchOptions = {
    json: false,
    only: new Set(SECTIONS),
    enis: 2_000,
    flood: 10_000,
    addresses: 10_000,
    processes: 7,
  };
  for (const arg of argv) {
    const [name, value = ''] = arg.split('=', 2) as [string, string?];
    const count = () => {
      const n = Number(value);
      if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} needs a positive integer, got "${value}"`);
      return n;
    };
    if (name === '--json') opts.json = true;
    else if (name === '--enis') opts.enis = count();
    else if (name === '--flood') opts.flood = count();
    else if (name === '--addresses') opts.addresses = count();
    else if (name === '--processes') opts.processes = count();
    else if (name === '--only') {
      const wanted = value.split(',').filter(Boolean);
      for (const w of wanted)
        if (!(SECTIONS as readonly string[]).includes(w)) throw new Error(`--only: unknown section "${w}"`);
      opts.only = new Set(wanted as Section[]);
    } else
      throw new Error(
        `unknown option ${arg} (options: --json --only= --enis= --flood= --addresses= --processes=)`,
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
            'ratioVsDescribeFloor',
            s.ratioVsDescribeFloor,
            `≤ ${TARGETS.ratioVsDescribeFloor}`,
            v['sweep.ratioVsDescribeFloor'] ?? '',
          ],
        ],
      ),
      `  runs: ${s.runs.map((x) => `${x.label} ${x.ms.toFixed(0)} ms`).join(', ')}`,
    );
  }
  if (r.coldStart) {
    out.push(
      '',
      'coldStart: import + init in fresh node processes (medians; ratio on CPU time)',
      formatTable(
        [
          'handler',
          'bundleBytes',
          'initMs',
          'bareSdkMs',
          'initCpuMs',
          'bareSdkCpuMs',
          'ratioVsBareSdk',
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
          v[`coldStart.${c.handler}`] ?? '',
        ]),
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
  if (r.cliStart) out.push(...renderCliStart(r.cliStart, v));
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
          log,
        });
      } finally {
        await rm(outDir, { recursive: true, force: true });
      }
    }
    if (ddb && opts.only.has('dynamodb')) {
      report.dynamodb = await runDynamoDbBench({
        dynamoEndpoint: ddb.endpoint,
        enis: 20,
        sweepAddresses: 300,
        log,
      });
    }
    if (ddb && opts.only.has('cliStart')) {
      report.cliStart = await runCliStart({ root, dynamoEndpoint: ddb.endpoint, log });
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
