/**
 * One `eip-keeper <name>` command: its description for `help` (bin/commands/catalog.ts, loaded at every start) and
 * its implementation (one file per command under bin/commands, loaded only when the command runs).
 */

/** One option, as node:util parseArgs takes it, with what `help` says of it. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  /** The value's placeholder in help (`FILE`, `YYYY-MM`). */
  value?: string;
  help: string;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** A command's implementation. */
export interface CliCommand {
  name: string;
  /** Runs the command; returns the exit code (bin/errors.ts EXIT). */
  run(args: string[]): Promise<number>;
}

/** What `help` knows of a command without loading it. */
export interface CommandSpec {
  name: string;
  /** Positional arguments in the synopsis (`<scenario.json>`, `[file]`). */
  args?: string;
  /** One line for the command list. */
  summary: string;
  options: OptionSpecs;
  /** Paragraphs `help <command>` prints after the options. */
  details?: readonly string[];
  load(): Promise<CliCommand>;
}

/** A usage error: printed with the usage line, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
