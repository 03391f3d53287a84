/**
 * Command-line options, parsed by `node:util` parseArgs in strict mode: each command declares its options, and an
 * unknown option, a missing value or a value given to a switch is a usage error worded for the user.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { didYouMean } from '../shared/config/did-you-mean';
import { UsageError } from './commands/types';

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** parseArgs' error, said the way the CLI says it (`unknown option --x`, `--table needs a value`). */
function usageMessage(err: unknown, known: readonly string[]): string {
  const { code, message = String(err) } = err as { code?: string; message?: string };
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const option = /Unknown option '([^']+)'/.exec(message)?.[1];
    if (option)
      return `unknown option ${option}${didYouMean(
        option,
        known.map((k) => `--${k}`),
      )}`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const option = /Option '(-[^' ]+)/.exec(message)?.[1];
    if (option && /does not take an argument/.test(message)) return `${option} takes no value`;
    if (option) return `${option} needs a value`;
  }
  return message;
}

/** The option values and positional arguments of one command. */
export function parseOptions<const O extends OptionsConfig>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError(usageMessage(err, Object.keys(options)));
  }
}

/** Fails with a usage error when a command that takes no positional argument got one. */
export function noPositionals(positionals: string[]): void {
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
}
