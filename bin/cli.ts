/**
 * `eip-keeper` command line. `demo` and `simulate` run on the local simulated region; the operational commands of
 * each capability run against the AWS account and region of the current credentials (or a simulated region through
 * AWS_ENDPOINT_URL_* overrides), finding the deployment from what the stack publishes.
 *
 * Only the command that runs is loaded (bin/commands/catalog.ts), and every failure goes through one path
 * (bin/errors.ts): one line that says what to do, the same exit code for the same problem in every command.
 */
import { closestName } from '../shared/config/did-you-mean';
import { COMMAND_SPECS, commandSpec } from './commands/catalog';
import { type CommandSpec, UsageError } from './commands/types';
import { cliTarget, EXIT, failureOf } from './errors';
import { commandHelp, overview, usageLine, version } from './help';

const SIGNALS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;

/**
 * For the CLI's own process (not in-process callers such as tests): output piped into a reader that stops early
 * (`eip-keeper demo | head`) ends the run quietly with status 0 instead of an EPIPE stack trace, and a signal ends it
 * with the usual 128 + n. Either way every DynamoDB Local it started goes with it (local/dynamodb.ts kills them on
 * the process's exit), so nothing is left running.
 */
export function guardProcess(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(0);
  });
  for (const [signal, n] of Object.entries(SIGNALS)) {
    process.once(signal, () => {
      process.exit(128 + n);
    });
  }
}

function unknownCommand(name: string): number {
  const meant = closestName(
    name,
    COMMAND_SPECS.map((c) => c.name),
  );
  process.stderr.write(
    `eip-keeper: unknown command "${name}"${meant ? ` (did you mean "${meant}"?)` : ''}\n\n${overview()}\n`,
  );
  return EXIT.usage;
}

/** `--help` or `-h` among a command's arguments (before a `--`). */
function asksForHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

async function runCommand(spec: CommandSpec, args: string[]): Promise<number> {
  try {
    const command = await spec.load();
    return await command.run(args);
  } catch (err) {
    if (err instanceof UsageError || (err as Error)?.name === 'UsageError') {
      process.stderr.write(`eip-keeper ${spec.name}: ${(err as Error).message}\n${usageLine(spec)}\n`);
      return EXIT.usage;
    }
    const failure = failureOf(err, cliTarget);
    process.stderr.write(`${failure.bare ? '' : `eip-keeper ${spec.name}: `}${failure.message}\n`);
    return failure.code;
  }
}

/** Runs the CLI; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  for (const key of Object.keys(cliTarget)) delete cliTarget[key as keyof typeof cliTarget];
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stderr.write(`${overview()}\n`);
    return EXIT.usage;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(`eip-keeper ${version()}\n`);
    return EXIT.ok;
  }
  if (name === 'help' || name === '--help' || name === '-h') {
    const topic = rest[0];
    if (topic === undefined) {
      process.stdout.write(`${overview()}\n`);
      return EXIT.ok;
    }
    const spec = commandSpec(topic);
    if (!spec) return unknownCommand(topic);
    process.stdout.write(`${commandHelp(spec)}\n`);
    return EXIT.ok;
  }
  const spec = commandSpec(name);
  if (!spec) return unknownCommand(name);
  if (asksForHelp(rest)) {
    process.stdout.write(`${commandHelp(spec)}\n`);
    return EXIT.ok;
  }
  return runCommand(spec, rest);
}
