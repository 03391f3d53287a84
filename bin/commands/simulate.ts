import { readFile } from 'node:fs/promises';
import { runScenario } from '../../local/scenario/runner';
import { InvalidScenarioError, parseScenario, type Scenario } from '../../local/scenario/schema';
import { formatStory } from '../../local/scenario/story';
import { parseOptions } from '../args';
import { type CliCommand, UsageError } from './types';

export async function loadScenario(path: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read scenario ${path}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new InvalidScenarioError(`invalid scenario ${path}: not valid JSON: ${(err as Error).message}`);
  }
  return parseScenario(raw, path);
}

export const simulateCommand: CliCommand = {
  name: 'simulate',
  usage:
    'simulate <scenario.json> [--json]   run a scenario on the local simulated region (docs/scenarios.md)',
  async run(args) {
    const { values, positionals } = parseOptions(args, { json: { type: 'boolean' } });
    if (positionals.length !== 1) throw new UsageError('expected exactly one scenario file');
    const scenario = await loadScenario(positionals[0] as string);
    const json = values.json === true;
    const result = await runScenario(scenario, {
      onStory: json ? undefined : (line) => process.stdout.write(`${formatStory([line], scenario.start)}\n`),
    });
    if (json) process.stdout.write(`${JSON.stringify(result.output, null, 2)}\n`);
    return result.output.dlq.length > 0 ? 3 : 0;
  },
};
