/**
 * `eip-keeper sweep [--dry-run] [--json]`: one sweep now, exactly as the scheduled Sweeper runs it, against the
 * account and region of the current credentials (the SDK honours AWS_ENDPOINT_URL_*, e.g. a simulated region).
 * `--dry-run` reads everything, decides everything, and writes, publishes and releases nothing.
 */
import { randomUUID } from 'node:crypto';
import { formatHours, formatTime, formatUsd } from '../../shared/sweeper/alerts-format';
import { createSweeper, SweepIncompleteError, type SweepResult } from '../../shared/sweeper/sweeper';
import { sweeperDepsFromContext } from '../../shared/sweeper/wiring';
import { noPositionals, parseOptions } from '../args';
import { CONTEXT_OPTIONS, cliContext } from '../context';
import type { CliCommand } from './types';

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
    const { values, positionals } = parseOptions(args, {
      ...CONTEXT_OPTIONS,
      'dry-run': { type: 'boolean' },
      json: { type: 'boolean' },
    });
    noPositionals(positionals);
    const dryRun = values['dry-run'] === true;
    const ctx = await cliContext(values, { needTopic: !dryRun });
    const sweep = createSweeper(sweeperDepsFromContext(ctx));
    try {
      const result = await sweep({
        runId: `cli-${new Date().toISOString()}-${randomUUID().slice(0, 8)}`,
        dryRun,
      });
      process.stdout.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatSweep(result)}\n`);
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
