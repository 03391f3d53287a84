import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runScenario } from '../../local/scenario/runner';
import { formatStory } from '../../local/scenario/story';
import { loadScenario } from './simulate';
import type { CliCommand } from './types';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The bundled demo scenarios `npm start` runs, in order. */
export const DEMO_SCENARIOS = [
  'local/scenarios/demo-inventory.json',
  'local/scenarios/demo-keeper.json',
  'local/scenarios/demo-sweeper.json',
];

export const demoCommand: CliCommand = {
  name: 'demo',
  async run() {
    let code = 0;
    for (const rel of DEMO_SCENARIOS) {
      const path = join(ROOT, rel);
      const scenario = await loadScenario(path);
      process.stdout.write(`\n=== ${scenario.name} (${relative(process.cwd(), path)}) ===\n`);
      if (scenario.description) process.stdout.write(`${scenario.description}\n\n`);
      const started = performance.now();
      const result = await runScenario(scenario, {
        onStory: (line) => process.stdout.write(`${formatStory([line], scenario.start)}\n`),
      });
      const o = result.output;
      const calls = Object.values(o.ec2Calls).reduce((a, b) => a + b, 0);
      process.stdout.write(
        `\n--- end: ${o.addresses.length} addresses, ${o.networkInterfaces.length} network interfaces, ${calls} EC2 calls, ` +
          `${o.sns.length} alerts, ${o.dlq.length} DLQ entries (${Math.round(performance.now() - started)} ms)\n`,
      );
      if (o.dlq.length > 0) code = 3;
    }
    return code;
  },
};
