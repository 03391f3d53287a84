/** `eip-keeper simulate <scenario.json> [--json]`: one scenario on a fresh simulated region (docs/scenarios.md). */
import { readFile } from 'node:fs/promises';
import { runScenario } from '../../local/scenario/runner';
import { InvalidScenarioError, parseScenario, type Scenario } from '../../local/scenario/schema';
import { formatStory } from '../../local/scenario/story';
import { parseJsonText } from '../../shared/config/json-position';
import { parseOptions } from '../args';
import { EXIT } from '../errors';
import { SIMULATE_OPTIONS } from './catalog';
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
    raw = parseJsonText(text);
  } catch (err) {
    throw new InvalidScenarioError(`invalid scenario ${path}: not valid JSON: ${(err as Error).message}`);
  }
  return parseScenario(raw, path);
}

export const simulateCommand: CliCommand = {
  name: 'simulate',
  async run(args) {
    const { values, positionals } = parseOptions(args, SIMULATE_OPTIONS);
    if (positionals.length !== 1) throw new UsageError('expected exactly one scenario file');
    const scenario = await loadScenario(positionals[0] as string);
    const json = values.json === true;
    const result = await runScenario(scenario, {
      onStory: json ? undefined : (line) => process.stdout.write(`${formatStory([line], scenario.start)}\n`),
    });
    if (json) process.stdout.write(`${JSON.stringify(result.output, null, 2)}\n`);
    return result.output.dlq.length > 0 ? EXIT.deadLetters : EXIT.ok;
  },
};
