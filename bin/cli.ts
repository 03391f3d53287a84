/**
 * `eip-keeper` command line. `demo` and `simulate` run on the local simulated region; the operational commands of
 * each capability run against the AWS account and region of the current credentials (or a simulated region through
 * AWS_ENDPOINT_URL_* overrides).
 */
import { DynamoDbLocalUnavailableError } from '../local/dynamodb';
import { ScenarioStepError } from '../local/scenario/runner';
import { InvalidScenarioError } from '../local/scenario/schema';
import { InvalidConfigError } from '../shared/config/schema';
import { COMMANDS } from './commands';
import { UsageError } from './commands/types';

function usage(): string {
  return `usage: eip-keeper <command> [options]\n\ncommands:\n${COMMANDS.map((c) => `  ${c.usage}`).join('\n')}\n  help`;
}

/** Runs the CLI; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(`${usage()}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`eip-keeper: unknown command "${name}"\n\n${usage()}\n`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`eip-keeper ${name}: ${err.message}\nusage: eip-keeper ${command.usage}\n`);
      return 2;
    }
    const known = [
      InvalidScenarioError,
      InvalidConfigError,
      ScenarioStepError,
      DynamoDbLocalUnavailableError,
    ];
    if (known.some((k) => err instanceof k)) {
      process.stderr.write(`${(err as Error).message}\n`);
      return 1;
    }
    process.stderr.write(`eip-keeper ${name}: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
    return 1;
  }
}
