import { describe, expect, it } from 'vitest';
import { bareSdkSource, eagerInputsOf, sdkClientsOf } from '../../bench/cold-start';
import { costPerMillionPods } from '../../bench/cost';
import {
  floodQueueDelaySeconds,
  formatTable,
  median,
  pairedRatios,
  percentile,
  spreadOf,
  tokenBucketFloorSeconds,
  verdict,
} from '../../bench/measure';
import { parseArgs } from '../../bench/run';
import { pairOrder, sweepMix } from '../../bench/sweep';
import { ec2RateOf } from '../../local/core/throttle';
import { logNormalSeconds, seededRandom } from '../../local/eventbridge/router';

describe('the token-bucket floor', () => {
  it('is free within the burst and then one refill interval per call', () => {
    expect(tokenBucketFloorSeconds(50, ec2RateOf('AssociateAddress'))).toBe(0);
    expect(tokenBucketFloorSeconds(2_000, ec2RateOf('AssociateAddress'))).toBe(390);
    expect(tokenBucketFloorSeconds(120, { capacity: 100, refillPerSecond: 20 })).toBe(1);
  });
});

describe('the flood queue', () => {
  it('adds no wait while the invocations keep up with the flood', () => {
    expect(
      floodQueueDelaySeconds({ arrivalsPerSecond: 100, serviceSeconds: 0.02, concurrency: 3, atSeconds: 30 }),
    ).toBe(0);
  });

  it('makes an event wait for the backlog grown ahead of it, served at the concurrency', () => {
    // 200/s arrive, 3 invocations of 20 ms serve 150/s: 50/s pile up, 1,500 after 30 s, 10 s to serve them.
    expect(
      floodQueueDelaySeconds({ arrivalsPerSecond: 200, serviceSeconds: 0.02, concurrency: 3, atSeconds: 30 }),
    ).toBeCloseTo(10, 9);
  });
});

describe('bench helpers', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('meets a target at or under the limit only', () => {
    expect(verdict(1.2, 1.2)).toBe('met');
    expect(verdict(1.21, 1.2)).toBe('MISSED');
    expect(verdict(Number.NaN, 1.2)).toBe('MISSED');
  });

  it('aligns numbers right and text left', () => {
    expect(
      formatTable(
        ['name', 'n'],
        [
          ['a', 1.5],
          ['bbb', 12],
        ],
      ).split('\n'),
    ).toEqual(['name      n', '----  -----', 'a     1.500', 'bbb      12']);
  });

  it('orders the sweep pairs the same in every run, neither side always first nor in strict alternation', () => {
    const take = (next: () => string) => Array.from({ length: 15 }, next);
    const orders = take(pairOrder());

    expect(take(pairOrder())).toEqual(orders);
    expect(new Set(orders).size).toBe(2);
    expect(orders.some((o, i) => i > 0 && o === orders[i - 1])).toBe(true);
    expect(orders.some((o, i) => i > 0 && o !== orders[i - 1])).toBe(true);
  });

  it('splits the sweep population into in use, orphans, pool and exempt that add up', () => {
    const mix = sweepMix(10_000);
    expect(mix).toEqual({ inUse: 4_000, orphans: 3_000, pool: 2_000, exempt: 1_000 });
  });

  it('reads its options and refuses unknown ones', () => {
    expect(parseArgs(['--json', '--only=burst,flood,sweep', '--enis=10', '--flood=500'])).toMatchObject({
      json: true,
      only: new Set(['burst', 'flood', 'sweep']),
      enis: 10,
      flood: 500,
    });
    expect(() => parseArgs(['--only=everything'])).toThrow(/unknown section/);
    expect(() => parseArgs(['--enis=0'])).toThrow(/positive integer/);
  });
});

describe('the bare SDK bundle of a handler', () => {
  it('constructs the clients the handler bundle contains, and the DynamoDB client lib-dynamodb wraps', () => {
    const clients = sdkClientsOf({
      inputs: {
        'node_modules/@aws-sdk/client-ec2/dist-es/EC2Client.js': { bytes: 1, imports: [] },
        'node_modules/@aws-sdk/lib-dynamodb/dist-es/index.js': { bytes: 1, imports: [] },
        'node_modules/@smithy/core/dist-es/index.js': { bytes: 1, imports: [] },
        'shared/keeper/keeper.ts': { bytes: 1, imports: [] },
      },
      outputs: {},
    });
    expect(clients).toEqual(['@aws-sdk/client-ec2', '@aws-sdk/lib-dynamodb']);
    const source = bareSdkSource(clients);
    expect(source).toContain('new EC2Client({ region })');
    expect(source).toContain('DynamoDBDocumentClient.from(new DynamoDBClient({ region }))');
    expect(source).toContain("import { DynamoDBClient } from '@aws-sdk/client-dynamodb';");
  });

  it('constructs only what a cold start evaluates: a client imported with import() is left out', () => {
    const metafile = {
      inputs: {
        'functions/sweeper.ts': {
          bytes: 1,
          imports: [{ path: 'shared/sweeper/wiring.ts', kind: 'import-statement' as const, original: '' }],
        },
        'shared/sweeper/wiring.ts': {
          bytes: 1,
          imports: [
            {
              path: 'node_modules/@aws-sdk/client-ec2/dist-es/index.js',
              kind: 'import-statement' as const,
              original: '',
            },
            {
              path: 'node_modules/@aws-sdk/client-route-53/dist-es/index.js',
              kind: 'dynamic-import' as const,
              original: '',
            },
          ],
        },
        'node_modules/@aws-sdk/client-ec2/dist-es/index.js': { bytes: 1, imports: [] },
        'node_modules/@aws-sdk/client-route-53/dist-es/index.js': { bytes: 1, imports: [] },
      },
      outputs: {
        'index.mjs': { bytes: 4, inputs: {}, imports: [], exports: [], entryPoint: 'functions/sweeper.ts' },
      },
    };
    expect(sdkClientsOf(metafile, eagerInputsOf(metafile))).toEqual(['@aws-sdk/client-ec2']);
    expect(sdkClientsOf(metafile)).toEqual(['@aws-sdk/client-ec2', '@aws-sdk/client-route-53']);
  });
});

describe('repeated measurements', () => {
  it('pairs each of ours with the reference taken beside it, and reports the median and the extremes', () => {
    const ratios = pairedRatios([12, 30, 11], [10, 20, 10]);
    expect(ratios).toEqual([1.2, 1.5, 1.1]);
    expect(spreadOf(ratios)).toEqual({ median: 1.2, min: 1.1, max: 1.5 });
    expect(() => pairedRatios([1, 2], [1])).toThrow(/unpaired/);
  });
});

describe('delivery delays drawn from a log-normal distribution', () => {
  it('has the median and the 99th percentile it is given', () => {
    const random = seededRandom(7);
    const draws = Array.from({ length: 20_000 }, () =>
      logNormalSeconds({ medianSeconds: 15, p99Seconds: 300 }, random),
    );
    expect(percentile(draws, 50)).toBeGreaterThan(14);
    expect(percentile(draws, 50)).toBeLessThan(16);
    expect(percentile(draws, 99)).toBeGreaterThan(270);
    expect(percentile(draws, 99)).toBeLessThan(330);
    expect(Math.min(...draws)).toBeGreaterThan(0);
  });

  it('takes the nearest-rank percentile', () => {
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99)).toBe(10);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('the cost per million pods', () => {
  it('adds each event of a pod lifecycle once, at its function’s memory, and prices it on demand', () => {
    const rows = [
      {
        event: 'CreateNetworkInterface (matched)',
        function: 'KeeperEvents',
        count: 10,
        rcuPerEvent: 2,
        wcuPerEvent: 8,
        requestsPerEvent: 5,
      },
      {
        event: 'AssociateAddress',
        function: 'InventoryRecorder',
        count: 10,
        rcuPerEvent: 1,
        wcuPerEvent: 2,
        requestsPerEvent: 3,
      },
      {
        event: 'sweep, hourly (per address)',
        function: 'Sweeper',
        count: 300,
        rcuPerEvent: 1,
        wcuPerEvent: 1,
        requestsPerEvent: 1,
      },
    ];
    const c = costPerMillionPods(rows, 10, 0.5);
    expect(c.perPod.invocations).toBe(2);
    expect(c.perPod.readUnits).toBe(3);
    expect(c.perPod.writeUnits).toBe(10);
    // 256 MB for 0.5 s, and 256 MB for (3 + 1) × 10 ms.
    expect(c.perPod.gbSeconds).toBeCloseTo(0.25 * 0.5 + 0.25 * 0.04, 10);
    expect(c.perMillionPods.dynamoUsd).toBeCloseTo(3 * 0.125 + 10 * 0.625, 10);
    expect(c.perMillionPods.lambdaUsd).toBeCloseTo(2 * 0.2 + 0.135 * 1e6 * 0.0000133334, 6);
    expect(c.eipUsdPerMillionPods).toBe(5_000);
    // 10,000 pod starts a day for 30 days are 0.3 million pods.
    expect(c.perMonth.pods).toBe(300_000);
    expect(c.perMonth.usd).toBeCloseTo(0.3 * c.perMillionPods.totalUsd, 10);
  });
});
