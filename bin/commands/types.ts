/** One `eip-keeper <name>` command. Each lives in its own file under bin/commands and is listed in bin/commands/index.ts. */
export interface CliCommand {
  name: string;
  /** One line for `eip-keeper help`, starting with the argument synopsis. */
  usage: string;
  /** Runs the command; returns the exit code (0 ok, 1 failure, 2 usage error, others as documented). */
  run(args: string[]): Promise<number>;
}

/** A usage error: printed with the usage line, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
