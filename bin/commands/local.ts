/**
 * `eip-keeper local up [--scenario <file>] [--write-env <file>]`: keeps a simulated region running — its AWS endpoints,
 * DynamoDB Local, the table and topic as deployed, the functions on their schedules, the clock following the wall
 * clock — and prints the environment another shell needs to run `pools`, `sweep --dry-run`, `report` and `audit`
 * against it (docs/local.md). Runs until interrupted (Ctrl-C); everything it started stops with it.
 */
import { writeFile } from 'node:fs/promises';
import { envLines, LIVE_ACTOR, startLiveRegion } from '../../local/live';
import { formatStory } from '../../local/scenario/story';
import { parseOptions } from '../args';
import { LOCAL_OPTIONS } from './catalog';
import { loadScenario } from './simulate';
import { type CliCommand, UsageError } from './types';

export const localCommand: CliCommand = {
  name: 'local',
  async run(args) {
    const { values, positionals } = parseOptions(args, LOCAL_OPTIONS);
    if (positionals.length !== 1 || positionals[0] !== 'up') throw new UsageError('expected `local up`');
    const scenario = values.scenario ? await loadScenario(values.scenario) : undefined;
    let t0: string | undefined;
    const live = await startLiveRegion({
      scenario,
      onStory: (line) => {
        t0 ??= line.at;
        process.stdout.write(`${formatStory([line], t0)}\n`);
      },
    });
    if (values['write-env']) {
      await writeFile(values['write-env'], `${envLines(live.env)}\n`);
    }
    process.stdout.write(
      [
        '',
        `The simulated region is up (${live.region.regionName}, account ${live.region.accountId}), its clock on real time.`,
        `In another shell, sign as "${LIVE_ACTOR}" and point the CLI at it:`,
        '',
        envLines(live.env, 'export '),
        '',
        'then: npx eip-keeper pools | sweep --dry-run | report | audit. Ctrl-C stops it.',
        'The CLI needs only the region, the credentials and the endpoints: like a deployed stack, the region published',
        'its table, topic and configuration in the SSM parameter /eip-keeper/EipKeeper/config. The handlers need all.',
        '',
      ].join('\n'),
    );
    // Runs until a signal ends the process (bin/cli.ts guardProcess stops DynamoDB Local with it).
    return new Promise<number>(() => {});
  },
};
