/**
 * `eip-keeper sweep [--dry-run] [--json]`: one sweep now, exactly as the scheduled Sweeper runs it, against the
 * account and region of the current credentials (the SDK honours AWS_ENDPOINT_URL_*, e.g. a simulated region).
 * `--dry-run` reads everything, decides everything, and writes, publishes and releases nothing.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ENV, loadAppConfig, parseConfigJson, type RuntimeEnv } from '../../shared/config/environment';
import { DEFAULT_CONFIG } from '../../shared/config/schema';
import type { Log, RuntimeContext } from '../../shared/runtime/context';
import { systemClock } from '../../shared/runtime/context';
import { formatHours, formatTime, formatUsd } from '../../shared/sweeper/alerts';
import { createSweeper, SweepIncompleteError, type SweepResult } from '../../shared/sweeper/sweep';
import { sweeperDepsFromContext } from '../../shared/sweeper/wiring';
import { type CliCommand, parseFlags, UsageError } from './types';

const stderrLog: Log = {
  debug() {},
  info() {},
  warn: (m, extra) => process.stderr.write(`warning: ${m}${extra ? ` ${JSON.stringify(extra)}` : ''}\n`),
  error: (m, extra) => process.stderr.write(`error: ${m}${extra ? ` ${JSON.stringify(extra)}` : ''}\n`),
};

/** The environment and configuration of a CLI run: flags first, then the variables the stack gives the functions. */
export async function cliContext(
  flags: Record<string, string>,
  opts: { needTopic: boolean; env?: Record<string, string | undefined> },
): Promise<RuntimeContext> {
  const env = opts.env ?? process.env;
  const region = flags.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new UsageError('no region: set AWS_REGION or pass --region');
  const tableName = flags.table ?? env[ENV.tableName];
  if (!tableName)
    throw new UsageError(`no table: pass --table or set ${ENV.tableName} (the stack output TableName)`);
  const topicArn = flags.topic ?? env[ENV.topicArn];
  if (opts.needTopic && !topicArn) {
    throw new UsageError(
      `no alert topic: pass --topic or set ${ENV.topicArn} (the stack output AlertTopicArn), or use --dry-run`,
    );
  }
  const runtimeEnv: RuntimeEnv = {
    tableName,
    topicArn: topicArn ?? `arn:aws:sns:${region}:000000000000:dry-run`,
    accountId: flags.account ?? env[ENV.accountId] ?? 'this account',
    region,
    eventBusName: 'default',
  };
  let config = DEFAULT_CONFIG;
  if (flags.config) {
    let text: string;
    try {
      text = await readFile(flags.config, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read ${flags.config}: ${(err as Error).message}`);
    }
    config = parseConfigJson(text, flags.config);
  } else if (env[ENV.configJson] || env[ENV.configParameter]) {
    const { SSMClient, GetParameterCommand } = await import('@aws-sdk/client-ssm');
    config = await loadAppConfig(
      { ...runtimeEnv, configJson: env[ENV.configJson], configParameter: env[ENV.configParameter] },
      async (name) => {
        const ssm = new SSMClient({ region });
        try {
          const out = await ssm.send(new GetParameterCommand({ Name: name }));
          return out.Parameter?.Value ?? '';
        } finally {
          ssm.destroy();
        }
      },
    );
  } else {
    process.stderr.write(
      `note: using the default configuration; pass --config <file> (the file you deploy with) or set ${ENV.configJson}\n`,
    );
  }
  return {
    env: runtimeEnv,
    config,
    aws: { region },
    clock: systemClock,
    log: stderrLog,
    metrics: { add() {}, flush() {} },
  };
}

export function formatSweep(r: SweepResult): string {
  const rows = r.decisions.map((d) => [
    d.allocationId,
    d.publicIp,
    d.kind,
    d.idleSince
      ? `${formatTime(d.idleSince)} (${d.idleSource === 'history' ? 'history' : 'first seen'})`
      : '-',
    d.idleHours === null ? '-' : formatHours(d.idleHours),
    formatUsd(d.costAccruedUsd),
    d.hold ? `${d.hold.reason}${d.hold.until ? ` until ${formatTime(d.hold.until)}` : ''}` : '',
  ]);
  const head = ['ALLOCATION ID', 'PUBLIC IP', 'CLASS', 'IDLE SINCE', 'IDLE', 'COST', 'RELEASE'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((x) => (x[i] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(w[i] as number))
      .join('  ')
      .trimEnd();
  return [
    ...r.story,
    '',
    line(head),
    ...rows.map(line),
    '',
    `price ${r.rate.usdPerHour} USD per address-hour (${r.rate.source}); kill switch ${r.killSwitch.on ? 'on' : 'off'} (${r.killSwitch.detail})`,
  ].join('\n');
}

export const sweepCommand: CliCommand = {
  name: 'sweep',
  usage:
    'sweep [--dry-run] [--json] [--table <name>] [--topic <arn>] [--config <file>] [--region <r>]   one sweep now',
  async run(args) {
    const { flags, switches, positional } = parseFlags(args, {
      switches: ['dry-run', 'json'],
      values: ['table', 'topic', 'config', 'region', 'account'],
    });
    if (positional.length > 0) throw new UsageError(`unexpected argument ${positional[0]}`);
    const dryRun = switches.has('dry-run');
    const ctx = await cliContext(flags, { needTopic: !dryRun });
    const sweep = createSweeper(sweeperDepsFromContext(ctx));
    try {
      const result = await sweep({
        runId: `cli-${new Date().toISOString()}-${randomUUID().slice(0, 8)}`,
        dryRun,
      });
      process.stdout.write(
        switches.has('json') ? `${JSON.stringify(result, null, 2)}\n` : `${formatSweep(result)}\n`,
      );
      return 0;
    } catch (err) {
      if (err instanceof SweepIncompleteError) {
        process.stderr.write(`eip-keeper sweep: ${err.message}\n`);
        return 1;
      }
      throw err;
    }
  },
};
