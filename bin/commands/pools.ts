/**
 * `eip-keeper pools [--json] [--members] [--table <name>] [--region <region>] [--stack <name>]`: each pool, its EIPs,
 * the holder ENI and private IP, since when, and how long free ones have been idle. `--members` prints instead each
 * pool's tagged addresses as the `members` list its configuration must approve (the migration from pools that trusted
 * the tag alone). Runs against the account and region of the current credentials, the table from the flag,
 * EIP_KEEPER_TABLE or the deployment (without one, EC2's view only); the SDK honours AWS_ENDPOINT_URL_* (e.g. a
 * simulated region).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeAddressesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { poolAddressOf } from '../../shared/keeper/adapters/ec2';
import { membersSnippet } from '../../shared/keeper/decide-membership';
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
      if (values.members) {
        process.stdout.write(membersText(membersSnippet(addresses), Boolean(values.json)));
        return 0;
      }
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

/** The members lists to paste into each pool's configuration (`pools[].members`). */
function membersText(byPool: Record<string, string[]>, json: boolean): string {
  if (json) return `${JSON.stringify(byPool, null, 2)}\n`;
  const pools = Object.entries(byPool);
  if (pools.length === 0) return 'no address is tagged eip-keeper:pool=<name> in this region\n';
  return [
    'Each pool\'s addresses as tagged today. Check them, paste each list as the pool\'s "members", then deploy:',
    '',
    ...pools.map(([pool, ids]) => `  ${pool}: "members": ${JSON.stringify(ids)}`),
    '',
  ].join('\n');
}
