/**
 * `eip-keeper pools [--json] [--table <name>] [--region <region>]`: each pool, its EIPs, the holder ENI and private
 * IP, since when, and how long free ones have been idle. Runs against the account and region of the current
 * credentials; the SDK honours AWS_ENDPOINT_URL_EC2 / AWS_ENDPOINT_URL_DYNAMODB (e.g. a simulated region).
 */

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeAddressesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { poolAddressOf } from '../../shared/keeper/adapters/ec2';
import { DynamoClaimStore } from '../../shared/keeper/dynamo-claim-store';
import { POOL_TAG, type PoolSnapshot } from '../../shared/keeper/model';
import { buildPoolsReport, formatPoolsReport } from '../../shared/keeper/report';
import { noPositionals, parseOptions } from '../args';
import { CONTEXT_OPTIONS, regionOf, tableOf } from '../context';
import type { CliCommand } from './types';

export const poolsCommand: CliCommand = {
  name: 'pools',
  usage:
    'pools [--json] [--table <name>] [--region <r>]   each pool: its EIPs, holder ENI/private IP, idle since',
  async run(args) {
    const { values, positionals } = parseOptions(args, {
      region: CONTEXT_OPTIONS.region,
      table: CONTEXT_OPTIONS.table,
      json: { type: 'boolean' },
    });
    noPositionals(positionals);
    const region = regionOf(values);
    const tableName = tableOf(values);
    const ec2 = new EC2Client(region ? { region } : {});
    const ddb = tableName ? new DynamoDBClient(region ? { region } : {}) : undefined;
    try {
      const out = await ec2.send(
        new DescribeAddressesCommand({ Filters: [{ Name: 'tag-key', Values: [POOL_TAG] }] }),
      );
      const addresses = (out.Addresses ?? []).flatMap((a) => poolAddressOf(a) ?? []);
      let snapshots: Map<string, PoolSnapshot> | undefined;
      if (ddb && tableName) {
        const store = new DynamoClaimStore(
          DynamoDBDocumentClient.from(ddb, { marshallOptions: { removeUndefinedValues: true } }),
          tableName,
        );
        snapshots = new Map();
        for (const pool of [...new Set(addresses.map((a) => a.pool))].sort()) {
          snapshots.set(pool, await store.loadPool(pool));
        }
      }
      const report = buildPoolsReport(addresses, snapshots);
      process.stdout.write(
        values.json
          ? `${JSON.stringify({ region: await ec2.config.region(), table: tableName ?? null, pools: report }, null, 2)}\n`
          : `${formatPoolsReport(report, snapshots !== undefined)}\n`,
      );
      return 0;
    } catch (err) {
      const e = err as Error;
      process.stderr.write(`eip-keeper pools: ${e.name}: ${e.message}\n`);
      return 1;
    } finally {
      ec2.destroy();
      ddb?.destroy();
    }
  },
};
