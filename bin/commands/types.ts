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

/** `--flag value` / `--flag=value` / `--switch` parsing without surprises; unknown flags are usage errors. */
export function parseFlags(
  args: string[],
  spec: { values?: string[]; switches?: string[] },
): { flags: Record<string, string>; switches: Set<string>; positional: string[] } {
  const flags: Record<string, string> = {};
  const switches = new Set<string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (spec.switches?.includes(name)) {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      switches.add(name);
    } else if (spec.values?.includes(name)) {
      const value = inline ?? args[++i];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value`);
      flags[name] = value;
    } else {
      throw new UsageError(`unknown option --${name}`);
    }
  }
  return { flags, switches, positional };
}
