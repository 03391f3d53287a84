/**
 * `eip-keeper pools [--json] [--table <name>] [--region <region>] [--stack <name>]`: each pool, its EIPs, the holder
 * ENI and private IP, since when, and how long free ones have been idle. Runs against the account and region of the
 * current credentials, the table from the flag, EIP_KEEPER_TABLE or the deployment (without one, EC2's view only); the
 * SDK honours AWS_ENDPOINT_URL_* (e.g. a simulated region).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeAddressesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { poolAddressOf } from '../../shared/keeper/adapters/ec2';
import { DynamoClaimStore } from '../../shared/keeper/dynamo-claim-store';
import { POOL_TAG, type PoolSnapshot } from '../../shared/keeper/model';
import { buildPoolsReport, formatPoolsReport } from '../../shared/keeper/report';
import { noPositionals, parseOptions } from '../args';
import { cliConnection, cliTable, DeploymentLookup } from '../context';
import { POOLS_OPTIONS } from './catalog';
import type { CliCommand } from './types';

export const poolsCommand: CliCommand = {
  name: 'pools',
  async run(args) {
    const { values, positionals } = parseOptions(args, POOLS_OPTIONS);
    noPositionals(positionals);
    const { region } = await cliConnection(values);
    const tableName = await cliTable(values, new DeploymentLookup(region, values), process.env, {
      required: false,
    });
    const ec2 = new EC2Client({ region });
    const ddb = tableName ? new DynamoDBClient({ region }) : undefined;
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
          ? `${JSON.stringify({ region, table: tableName ?? null, pools: report }, null, 2)}\n`
          : `${formatPoolsReport(report, snapshots !== undefined)}\n`,
      );
      return 0;
    } finally {
      ec2.destroy();
      ddb?.destroy();
    }
  },
};
