/**
 * `sweep`: sweeper runs over 10,000 addresses (in use, idle orphans, pool members, exempt), timed against the
 * floor no sweep can beat: fetching and parsing DescribeAddresses alone with the same SDK client from the same
 * simulated endpoint. The first run sees every address for the first time, the next goes once through its writes;
 * then fifteen hourly runs, each beside a DescribeAddresses alone, so that the sweep and its floor are sampled under
 * the same conditions (medians, because the machine may be shared).
 */
import { SimulatedRegion } from '../local/region';
import { localContext } from '../local/runtime';
import { createSweeper } from '../shared/sweeper/sweeper';
import { sweeperDepsFromContext } from '../shared/sweeper/wiring';
import { median, pairedRatios, type Spread, spreadOf } from './measure';

const VPC = 'vpc-0be0c0a000000c001';
const SUBNET = 'subnet-0be0c0a000000c001';
const SG = 'sg-0be0c0a000000c001';
const POOL = 'sweep-pool';
const HOUR = 3_600_000;
/** Hourly runs after the first, each paired with a DescribeAddresses alone. */
const HOURLY_RUNS = 15;

/**
 * Which of a pair runs first: a fixed pseudo-random sequence (xorshift32), the same every run of the bench. A full
 * collection of the old generation (25–70 ms) comes about every fourth sample, and with a fixed alternation it kept
 * landing on the same side for a whole run (docs/performance.md, "How stable each figure is").
 */
export function pairOrder(seed = 0x2545f491): () => 'describe first' | 'sweep first' {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % 2 === 0 ? 'describe first' : 'sweep first';
  };
}

export interface SweepMix {
  inUse: number;
  orphans: number;
  pool: number;
  exempt: number;
}

export interface SweepRun {
  label: string;
  ms: number;
  alerts: number;
  /**
   * Tracks the run's queries returned: the first reads none (nothing is stored), the hourly ones only what other
   * writers changed since the index of tracks (docs/performance.md, "The sweep reads an index of tracks").
   */
  tracksRead: number | null;
}

export interface SweepBenchResult {
  addresses: number;
  mix: SweepMix;
  /** The steady-state hourly sweep: median of the hourly runs. */
  sweepMs: number;
  /** Median of DescribeAddresses alone, one beside each hourly run. */
  describeMs: number;
  /** The first sweep, which writes a track for every address. */
  firstMs: number;
  /** The sweep an hour after it, which goes once through the first sweep's writes. */
  afterFirstMs: number;
  /** Median over the hourly runs of each run ÷ the DescribeAddresses alone beside it. */
  ratioVsDescribeFloor: number;
  /** The lowest and highest of those per-run ratios. */
  ratioSpread: Spread;
  /**
   * The same ratio in CPU time of this process (the sweeper, the SDK, and the simulated EC2 answering both): what a
   * busy machine does not move, since neither side's time waiting for the other processes counts. DynamoDB Local's
   * work is not in it (in AWS it is the table's, not the function's).
   */
  cpuRatioVsDescribeFloor: number;
  cpuRatioSpread: Spread;
  runs: SweepRun[];
}

/** 10,000 split 40 % in use, 30 % idle orphans, 20 % pool (half held), 10 % exempt. */
export function sweepMix(total: number): SweepMix {
  const inUse = Math.round(total * 0.4);
  const orphans = Math.round(total * 0.3);
  const pool = Math.round(total * 0.2);
  return { inUse, orphans, pool, exempt: total - inUse - orphans - pool };
}

export async function runSweepBench(opts: {
  addresses: number;
  dynamoEndpoint: string;
  log: (line: string) => void;
  /**
   * IAM evaluation in the region (default off here): with it, every DynamoDB request goes through the region's
   * authorizing proxy, an extra HTTP hop in this process that the sweep pays and DescribeAddresses does not.
   */
  iam?: boolean;
}): Promise<SweepBenchResult> {
  const mix = sweepMix(opts.addresses);
  const region = await SimulatedRegion.start({
    dynamoEndpoint: opts.dynamoEndpoint,
    functions: [],
    iam: opts.iam ?? false,
    config: {
      // The pool exists for the sweeper's classification only (no keeper runs here).
      pools: [
        {
          name: POOL,
          cluster: 'bench',
          vpcId: VPC,
          members: ['198.51.100.1'],
          selector: { securityGroupIds: [SG] },
        },
      ],
    },
  });
  try {
    const ec2 = region.ec2;
    ec2.addVpc({ vpcId: VPC, cidrBlock: '10.0.0.0/16' });
    ec2.addSubnet({ subnetId: SUBNET, vpcId: VPC, availabilityZone: 'eu-west-1a', cidrBlock: '10.0.0.0/17' });
    ec2.addSecurityGroup({ groupId: SG, groupName: 'bench-pods', vpcId: VPC });
    ec2.addressLimit = opts.addresses + 10;
    let ip = 0;
    const eni = () =>
      ec2.addNetworkInterface({
        subnetId: SUBNET,
        description: 'aws-k8s-branch-eni',
        securityGroupIds: [SG],
        privateIpAddress: `10.0.${Math.floor((ip + 4) / 256)}.${(ip++ + 4) % 256}`,
      }).networkInterfaceId;
    for (let i = 0; i < mix.inUse; i++)
      ec2.addAddress({ tags: { Name: `web-${i}` }, association: { networkInterfaceId: eni() } });
    for (let i = 0; i < mix.orphans; i++) ec2.addAddress({ tags: { Name: `old-batch-${i}` } });
    for (let i = 0; i < mix.pool; i++) {
      ec2.addAddress({
        tags: { 'eip-keeper:pool': POOL },
        ...(i % 2 === 0 ? { association: { networkInterfaceId: eni() } } : {}),
      });
    }
    for (let i = 0; i < mix.exempt; i++) ec2.addAddress({ tags: { 'eip-keeper:keep': 'partner allowlist' } });
    opts.log(`sweep: ${ec2.addressById.size} addresses seeded`);

    const ctx = localContext({
      functionId: 'Sweeper',
      env: region.runtimeEnv(),
      config: region.config,
      aws: region.connection('eip-keeper'),
      clock: region.clock,
      logs: region.logs,
      metrics: region.metrics,
    });
    const deps = sweeperDepsFromContext(ctx);
    const sweep = createSweeper(deps);

    const describe: number[] = [];
    const describeCpu: number[] = [];
    const sweepCpu: number[] = [];
    const cpuMs = (since: NodeJS.CpuUsage) => {
      const c = process.cpuUsage(since);
      return (c.user + c.system) / 1000;
    };
    const describeAlone = async () => {
      const t = performance.now();
      const c = process.cpuUsage();
      const seen = await deps.ec2.describeAddresses();
      describe.push(performance.now() - t);
      describeCpu.push(cpuMs(c));
      if (seen.length !== opts.addresses) throw new Error(`DescribeAddresses saw ${seen.length} addresses`);
    };
    // Warm-up, not counted: the first fetches compile the parsing code.
    for (let i = 0; i < 2; i++) await describeAlone();
    describe.length = 0;
    describeCpu.length = 0;
    const runs: SweepRun[] = [];
    const timed = async (label: string) => {
      const t = performance.now();
      const c = process.cpuUsage();
      const r = await sweep({ runId: `bench-${label}` });
      const ms = performance.now() - t;
      if (label.startsWith('hourly')) sweepCpu.push(cpuMs(c));
      const saved = region.logs.findLast((l) => l.message === 'index of tracks saved');
      const tracksRead = typeof saved?.extra?.tracksRead === 'number' ? saved.extra.tracksRead : null;
      runs.push({ label, ms, alerts: r.alerts.length, tracksRead });
      opts.log(
        `sweep: ${label} ${ms.toFixed(0)} ms, ${r.alerts.length} alerts, ${tracksRead} tracks read, counts ${JSON.stringify(r.counts)}`,
      );
    };
    await timed('first');
    // The run after the first sight goes once through its writes (to move the index of tracks past them): timed
    // apart, like the first sight, not an ordinary hourly run.
    region.clock.advanceBy(HOUR);
    await timed('after-first');
    // Each hourly run beside one DescribeAddresses alone, in an order that does not repeat, so that load and heap
    // state fall on both alike.
    const next = pairOrder();
    for (let hour = 1; hour <= HOURLY_RUNS; hour++) {
      region.clock.advanceBy(HOUR);
      if (next() === 'describe first') {
        await describeAlone();
        await timed(`hourly-${hour}`);
      } else {
        await timed(`hourly-${hour}`);
        await describeAlone();
      }
    }
    const hourly = runs.filter((r) => r.label.startsWith('hourly')).map((r) => r.ms);
    const ratios = spreadOf(pairedRatios(hourly, describe));
    const cpuRatios = spreadOf(pairedRatios(sweepCpu, describeCpu));
    return {
      addresses: opts.addresses,
      mix,
      sweepMs: median(hourly),
      describeMs: median(describe),
      firstMs: (runs[0] as SweepRun).ms,
      afterFirstMs: (runs[1] as SweepRun).ms,
      ratioVsDescribeFloor: ratios.median,
      ratioSpread: { min: ratios.min, max: ratios.max },
      cpuRatioVsDescribeFloor: cpuRatios.median,
      cpuRatioSpread: { min: cpuRatios.min, max: cpuRatios.max },
      runs,
    };
  } finally {
    await region.stop();
  }
}
