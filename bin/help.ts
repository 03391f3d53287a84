/** What `eip-keeper help`, `help <command>`, `<command> --help` and `--version` print. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../shared/runtime/package-root';
import { COMMAND_SPECS } from './commands/catalog';
import type { CommandSpec, OptionSpec } from './commands/types';
import { EXIT_CODE_HELP } from './errors';

export { packageRoot };

const WIDTH = 100;

export function version(): string {
  return JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')).version;
}

/** Words joined into lines of at most `width` characters, each after `indent`. */
export function wrap(text: string, indent = '', width = WIDTH): string[] {
  const lines: string[] = [];
  let line = indent;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line.length > indent.length && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent;
    }
    line += line.length > indent.length ? ` ${word}` : word;
  }
  if (line.length > indent.length) lines.push(line);
  return lines;
}

function optionSynopsis(name: string, o: OptionSpec): string {
  const flag = `--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
  return o.multiple ? `[${flag}]...` : `[${flag}]`;
}

/** `usage: eip-keeper sweep [--dry-run] [--all] …`, wrapped under itself. */
export function usageLine(spec: CommandSpec): string {
  const parts = [
    ...(spec.args ? [spec.args] : []),
    ...Object.entries(spec.options).map(([n, o]) => optionSynopsis(n, o)),
  ];
  const head = `usage: eip-keeper ${spec.name}`;
  const [first = '', ...rest] = wrap(parts.join(' '), ' '.repeat(head.length + 1));
  return [`${head} ${first.trimStart()}`, ...rest].join('\n');
}

/** The overview: every command, the options every command takes, the exit codes. */
export function overview(): string {
  const w = Math.max(...COMMAND_SPECS.map((c) => c.name.length), 'help [command]'.length);
  return [
    'usage: eip-keeper <command> [options]',
    '',
    'commands:',
    ...COMMAND_SPECS.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
    `  ${'help [command]'.padEnd(w)}  this overview, or one command's options`,
    '',
    'every command: --help (-h) shows its options and runs nothing; --version (-V) prints the version.',
    '',
    'exit codes:',
    ...EXIT_CODE_HELP.map(([code, text]) => `  ${code}  ${text}`),
    '',
    'docs/operating.md tells how the CLI finds a deployment and how to read its output.',
  ].join('\n');
}

/** One command's help: usage, summary, each option, details. */
export function commandHelp(spec: CommandSpec): string {
  const options: Array<[string, string]> = [
    ...Object.entries(spec.options).map(([n, o]): [string, string] => [
      `${o.short ? `-${o.short}, ` : ''}--${n}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}${o.multiple ? ' ...' : ''}`,
      o.help,
    ]),
    ['-h, --help', 'this help'],
  ];
  const w = Math.max(...options.map(([f]) => f.length));
  return [
    usageLine(spec),
    '',
    ...wrap(spec.summary),
    '',
    'options:',
    ...options.flatMap(([flag, help]) => {
      const [first = '', ...rest] = wrap(help, ' '.repeat(w + 4));
      return [`  ${flag.padEnd(w)}  ${first.trimStart()}`, ...rest];
    }),
    ...(spec.details ?? []).flatMap((d) => ['', ...wrap(d)]),
  ].join('\n');
}
