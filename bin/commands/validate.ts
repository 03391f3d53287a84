/**
 * `eip-keeper validate [file] [--json]`: checks a configuration file offline, exactly as `cdk synth` and every
 * function's cold start check it (shared/config), and says in one line what it deploys. Without a file: the one
 * cdk.json names (`eip-keeper:configFile`), else eip-keeper.yaml.
 */
import { readFile } from 'node:fs/promises';
import { DEFAULT_CONFIG_FILE, parseConfigFile } from '../../shared/config/file';
import type { AppConfig } from '../../shared/config/schema';
import { parseOptions } from '../args';
import { VALIDATE_OPTIONS } from './catalog';
import { type CliCommand, UsageError } from './types';

/** The context key of cdk.json that names the file (infra/context.ts CONFIG_FILE_KEY). */
const CONFIG_FILE_KEY = 'eip-keeper:configFile';

/** The file cdk.json (in `dir`) names, else the default name. */
export async function configFileOfCdkJson(dir = '.'): Promise<string> {
  try {
    const cdk = JSON.parse(await readFile(`${dir}/cdk.json`, 'utf8')) as {
      context?: Record<string, unknown>;
    };
    const named = cdk.context?.[CONFIG_FILE_KEY];
    if (typeof named === 'string' && named.length > 0) return named;
  } catch {
    // No cdk.json here (or not JSON): the default name.
  }
  return DEFAULT_CONFIG_FILE;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** What a configuration deploys, in one line. */
export function describeConfig(c: AppConfig): string {
  const pools =
    c.pools.length === 0
      ? 'no pools'
      : `${plural(c.pools.length, 'pool')} (${c.pools.map((p) => p.name).join(', ')})`;
  const release = c.sweeper.release.enabled
    ? `release on (at most ${c.sweeper.release.maxPerRun} per sweep, ${c.sweeper.release.noticeHours} h after the alert)`
    : 'release off';
  return [
    pools,
    c.alerts.email ? `alerts to ${c.alerts.email}` : 'no alert e-mail',
    release,
    `sweep every ${c.sweeper.scheduleMinutes} min, grace ${c.sweeper.graceHours} h`,
    `audit every ${c.audit.scheduleHours} h`,
  ].join('; ');
}

export const validateCommand: CliCommand = {
  name: 'validate',
  async run(args) {
    const { values, positionals } = parseOptions(args, VALIDATE_OPTIONS);
    if (positionals.length > 1) throw new UsageError(`expected at most one file, got ${positionals.length}`);
    const file = positionals[0] ?? (await configFileOfCdkJson());
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
    }
    const config = parseConfigFile(text, file);
    process.stdout.write(
      values.json ? `${JSON.stringify(config, null, 2)}\n` : `${file}: valid. ${describeConfig(config)}.\n`,
    );
    return 0;
  },
};
