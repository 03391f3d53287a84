/**
 * `eip-keeper` command line. `demo` and `simulate` run on the local simulated region; the operational commands of
 * each capability run against the AWS account and region of the current credentials (or a simulated region through
 * AWS_ENDPOINT_URL_* overrides).
 */
import { DynamoDbLocalUnavailableError, stopAllDynamoDbLocal } from '../local/dynamodb';
import { ScenarioStepError } from '../local/scenario/runner';
import { InvalidScenarioError } from '../local/scenario/schema';
import { InvalidConfigError } from '../shared/config/schema';
import { COMMANDS } from './commands';
import { UsageError } from './commands/types';

/**
 * Errors that mean "no AWS account to talk to" rather than a bug: a missing region or credentials, or an endpoint
 * that does not answer. They get one line that says what to set, not a stack trace.
 */
export function awsSetupProblem(err: unknown): string | undefined {
  const e = err as { name?: string; message?: string; code?: string; cause?: { code?: string } } | undefined;
  const message = e?.message ?? '';
  if (message === 'Region is missing')
    return 'no AWS region configured: set AWS_REGION (or AWS_PROFILE with a region), or pass --region';
  if (e?.name === 'CredentialsProviderError' || /Could not load credentials/.test(message))
    return `no AWS credentials: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (${message})`;
  const code = e?.code ?? e?.cause?.code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return `cannot reach the AWS endpoint (${code}): check the network, AWS_REGION and any AWS_ENDPOINT_URL_* override`;
  return undefined;
}

function usage(): string {
  return `usage: eip-keeper <command> [options]\n\ncommands:\n${COMMANDS.map((c) => `  ${c.usage}`).join('\n')}\n  help`;
}

const SIGNALS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;

/**
 * For the CLI's own process (not in-process callers such as tests): output piped into a reader that stops early
 * (`eip-keeper demo | head`) ends the run quietly with status 0 instead of an EPIPE stack trace, and a signal ends it
 * with the usual 128 + n. Either way every DynamoDB Local it started goes with it (local/dynamodb.ts kills them on
 * exit), so nothing is left running.
 */
export function guardProcess(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    stopAllDynamoDbLocal();
    process.exit(0);
  });
  for (const [signal, n] of Object.entries(SIGNALS)) {
    process.once(signal, () => {
      stopAllDynamoDbLocal();
      process.exit(128 + n);
    });
  }
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
    const setup = awsSetupProblem(err);
    if (setup) {
      process.stderr.write(`eip-keeper ${name}: ${setup}\n`);
      return 1;
    }
    process.stderr.write(`eip-keeper ${name}: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
    return 1;
  }
}
