/**
 * `eip-keeper sweep [--dry-run] [--all] [--json]`: one sweep now, exactly as the scheduled Sweeper runs it, against
 * the deployment in the region of the current credentials (the SDK honours AWS_ENDPOINT_URL_*, e.g. a simulated
 * region). `--dry-run` reads everything, decides everything, and writes, publishes and releases nothing. The output
 * leads with the summary and the addresses that need action; `--all` lists every address.
 */
import { randomUUID } from 'node:crypto';
import { formatHours, formatTime, formatUsd } from '../../shared/sweeper/alerts-format';
import { createSweeper, type SweeperDeps, type SweepResult } from '../../shared/sweeper/sweeper';
import { sweeperDepsFromContext } from '../../shared/sweeper/wiring';
import { noPositionals, parseOptions } from '../args';
import { cliContext } from '../context';
import { NoConfigurationError } from '../errors';
import { observePorts, progressLine } from '../progress';
import { SWEEP_OPTIONS } from './catalog';
import type { CliCommand } from './types';

type Decision = SweepResult['decisions'][number];

const PORT_WORDS: Record<string, string> = {
  ec2: 'EC2 addresses',
  inventory: 'the EIP history',
  store: 'the ledger',
  dns: 'Route 53 records',
  killSwitch: 'the kill switch',
  alerts: 'the alert topic',
  price: 'the Pricing API',
};

/** The addresses a reader must look at: orphans, and any address this run alerts on or releases. */
export function needsAction(r: SweepResult): Decision[] {
  const touched = new Set([
    ...r.alerts.flatMap((a) => (a.allocationId ? [a.allocationId] : [])),
    ...r.releases.map((x) => x.allocationId),
  ]);
  return r.decisions.filter((d) => d.kind === 'orphan' || touched.has(d.allocationId));
}

function table(decisions: readonly Decision[]): string[] {
  const rows = decisions.map((d) => [
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
  return [line(head), ...rows.map(line)];
}

/** `3 in-use, 1 exempt`: what the addresses left out of the table are. */
function kindsOf(decisions: readonly Decision[]): string {
  const counts = new Map<string, number>();
  for (const d of decisions) counts.set(d.kind, (counts.get(d.kind) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${n.toLocaleString('en-US')} ${k}`).join(', ');
}

/** The sweep as a person reads it: summary, what happens, the addresses needing action, then the rest in one line. */
export function formatSweep(r: SweepResult, opts: { all?: boolean; configSource?: string } = {}): string {
  const [summary = '', ...happenings] = r.story;
  const action = needsAction(r);
  const actionIds = new Set(action.map((d) => d.allocationId));
  const rest = r.decisions.filter((d) => !actionIds.has(d.allocationId));
  const settings = [
    ...(opts.configSource ? [`configuration from ${opts.configSource}`] : []),
    `price $${r.rate.usdPerHour} per address-hour (${r.rate.source})`,
    `kill switch ${r.killSwitch.on ? 'on' : 'off'} (${r.killSwitch.detail})`,
  ].join('; ');
  const lines = [summary, settings, ...happenings, ''];
  if (opts.all) return [...lines, ...table(r.decisions)].join('\n');
  lines.push(
    action.length === 0
      ? 'No address needs action.'
      : `Needs action: ${action.length} address${action.length === 1 ? '' : 'es'}`,
  );
  if (action.length > 0) lines.push(...table(action));
  if (rest.length > 0)
    lines.push(
      '',
      `${rest.length.toLocaleString('en-US')} more need nothing (${kindsOf(rest)}): --all lists them.`,
    );
  return lines.join('\n');
}

export const sweepCommand: CliCommand = {
  name: 'sweep',
  async run(args) {
    const { values, positionals } = parseOptions(args, SWEEP_OPTIONS);
    noPositionals(positionals);
    const dryRun = values['dry-run'] === true;
    const { ctx, configSource } = await cliContext(values, { needTopic: !dryRun });
    if (!dryRun && configSource.defaults) {
      throw new NoConfigurationError(
        'eip-keeper sweep: no configuration found, and a real sweep on the defaults could alert on (or release) addresses your deployment protects. ' +
          'Pass --config <eip-keeper.yaml>, --stack <name> if the stack is not called EipKeeper, or use --dry-run.',
      );
    }
    const progress = progressLine(dryRun ? 'dry run' : 'sweep');
    const deps = observePorts<SweeperDeps>(
      sweeperDepsFromContext(ctx),
      ['ec2', 'inventory', 'store', 'dns', 'killSwitch', 'alerts', 'price'],
      (port) => progress.set(PORT_WORDS[port] ?? port),
    );
    let result: SweepResult;
    try {
      result = await createSweeper(deps)({
        runId: `cli-${new Date().toISOString()}-${randomUUID().slice(0, 8)}`,
        dryRun,
      });
    } finally {
      progress.done();
    }
    process.stdout.write(
      values.json
        ? `${JSON.stringify(result, null, 2)}\n`
        : `${formatSweep(result, { all: values.all === true, configSource: configSource.source })}\n`,
    );
    return 0;
  },
};
