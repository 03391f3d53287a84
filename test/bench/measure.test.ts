import { describe, expect, it } from 'vitest';
import { bareSdkSource, sdkClientsOf } from '../../bench/cold-start';
import {
  floodQueueDelaySeconds,
  formatTable,
  median,
  tokenBucketFloorSeconds,
  verdict,
} from '../../bench/measure';
import { parseArgs } from '../../bench/run';
import { sweepMix } from '../../bench/sweep';
import { ec2RateOf } from '../../local/core/throttle';

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
});
