/**
 * CLI start times: wall time of `eip-keeper help`, `validate`, `pools` and `sweep --dry-run` as fresh processes
 * (the built CLI, bin/build.js), each against `node -e 0` on the same machine, medians of several runs. The
 * operational commands run against a small simulated region (its deployment published as a stack publishes it), so
 * what is measured is start, configuration lookup and a handful of calls.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { ensureBuilt } from '../bin/build.js';
import { liveEnvironment, startLiveRegion } from '../local/live';
import { parseScenario } from '../local/scenario/schema';
import { formatTable, median } from './measure';

/** Targets (seconds of wall time on the development machine). */
export const CLI_TARGETS = { helpSeconds: 0.5, commandSeconds: 1 } as const;

export interface CliStartRow {
  command: string;
  medianMs: number;
  /** Median wall time ÷ that of `node -e 0`. */
  ratioVsNode: number;
  targetSeconds: number;
}

export interface CliStartResult {
  nodeMs: number;
  runs: number;
  rows: CliStartRow[];
}

function timeRun(args: readonly string[], env: NodeJS.ProcessEnv, cwd: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { env, cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => {
      const ms = performance.now() - started;
      if (code !== 0) reject(new Error(`node ${args.join(' ')} exited ${code}: ${err}`));
      else resolve(ms);
    });
  });
}

/** A region with a handful of addresses and a pool, its deployment published. */
const SCENARIO = parseScenario(
  {
    name: 'cli start',
    config: {
      pools: [
        {
          name: 'p',
          cluster: 'prod',
          vpcId: 'vpc-0a1b2c3d4e5f60001',
          members: ['eipalloc-0000000000000c001', 'eipalloc-0000000000000c002'],
          selector: { securityGroupIds: ['sg-0a1b2c3d4e5f60001'] },
        },
      ],
    },
    state: {
      vpcs: [{ id: 'vpc-0a1b2c3d4e5f60001', cidr: '10.0.0.0/16' }],
      addresses: Array.from({ length: 5 }, (_, i) =>
        i < 2
          ? { allocationId: `eipalloc-0000000000000c00${i + 1}`, tags: { 'eip-keeper:pool': 'p' } }
          : { tags: {} },
      ),
    },
  },
  'bench',
);

export async function runCliStart(opts: {
  root: string;
  dynamoEndpoint: string;
  runs?: number;
  log: (line: string) => void;
}): Promise<CliStartResult> {
  const runs = opts.runs ?? 7;
  await ensureBuilt();
  const live = await startLiveRegion({ scenario: SCENARIO, dynamoEndpoint: opts.dynamoEndpoint });
  try {
    const all = liveEnvironment(live.region);
    // Only what a user of a deployed stack sets: region, credentials, endpoints. The rest comes from the deployment.
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...Object.fromEntries(Object.entries(all).filter(([k]) => k.startsWith('AWS_'))),
    };
    const cli = path.join(opts.root, 'bin/eip-keeper.js');
    const measure = async (args: string[]) => {
      const times: number[] = [];
      await timeRun(args, env, opts.root); // warm the file cache
      for (let i = 0; i < runs; i++) times.push(await timeRun(args, env, opts.root));
      return median(times);
    };
    opts.log('cliStart: node -e 0');
    const nodeMs = await measure(['-e', '0']);
    const commands: Array<[string, number]> = [
      ['help', CLI_TARGETS.helpSeconds],
      ['validate', CLI_TARGETS.commandSeconds],
      ['pools', CLI_TARGETS.commandSeconds],
      ['sweep --dry-run', CLI_TARGETS.commandSeconds],
    ];
    const rows: CliStartRow[] = [];
    for (const [command, targetSeconds] of commands) {
      opts.log(`cliStart: eip-keeper ${command}`);
      const medianMs = await measure([cli, ...command.split(' ')]);
      rows.push({ command, medianMs, ratioVsNode: medianMs / nodeMs, targetSeconds });
    }
    return { nodeMs, runs, rows };
  } finally {
    await live.stop();
  }
}

export function cliStartVerdicts(r: CliStartResult): Record<string, 'met' | 'MISSED'> {
  return Object.fromEntries(
    r.rows.map((row) => [
      `cliStart.${row.command}`,
      row.medianMs <= row.targetSeconds * 1000 ? 'met' : 'MISSED',
    ]),
  );
}

export function renderCliStart(r: CliStartResult, verdicts: Record<string, string>): string[] {
  return [
    '',
    `cliStart: fresh processes of the built CLI, medians of ${r.runs} runs; node -e 0 takes ${r.nodeMs.toFixed(0)} ms`,
    formatTable(
      ['command', 'ms', 'ratioVsNode', 'target', 'verdict'],
      r.rows.map((row) => [
        `eip-keeper ${row.command}`,
        Math.round(row.medianMs),
        row.ratioVsNode,
        `≤ ${row.targetSeconds} s`,
        verdicts[`cliStart.${row.command}`] ?? '',
      ]),
    ),
  ];
}
