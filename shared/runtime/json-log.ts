/**
 * The Lambda shell's structured log: one JSON object per line on stdout, as CloudWatch Logs Insights reads it
 * (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html). Each entry has `level`,
 * `message`, `timestamp`, `service`, the X-Ray trace id when Lambda sets one, and the caller's extra keys; an Error
 * among them is written as its name, message and stack. Entries below the level are not written: the level is Lambda's
 * log-level control (AWS_LAMBDA_LOG_LEVEL) when set, else POWERTOOLS_LOG_LEVEL or LOG_LEVEL, else INFO.
 *
 * Written here rather than with a logging library: this is all a handler logs, and a library's import and setup cost
 * as much at a cold start as the rest of this shell (docs/performance.md).
 */
import type { Log } from './context';

const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'] as const;
type Level = (typeof LEVELS)[number];

/**
 * Lambda's level names that this logger spells otherwise. Lambda's FATAL is the level above ERROR
 * (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html), CRITICAL here: Lambda
 * drops the entries below its level itself, so at FATAL an ERROR entry would not reach CloudWatch either.
 */
const LEVEL_ALIASES: Readonly<Record<string, Level>> = { FATAL: 'CRITICAL' };

/** The threshold named by the environment; an unknown name is INFO (a typo must not silence errors). */
export function logLevelOf(env: Record<string, string | undefined>): Level {
  const named = (
    env.AWS_LAMBDA_LOG_LEVEL ??
    env.POWERTOOLS_LOG_LEVEL ??
    env.LOG_LEVEL ??
    'INFO'
  ).toUpperCase();
  const level = LEVEL_ALIASES[named] ?? named;
  return (LEVELS as readonly string[]).includes(level) ? (level as Level) : 'INFO';
}

/**
 * Errors as data (JSON.stringify writes an Error as `{}`), and a cycle written as a marker: an object among its own
 * ancestors. An object that appears twice elsewhere is written in full each time.
 */
function jsonReplacer(): (this: unknown, key: string, value: unknown) => unknown {
  // The objects from the root down to the one being written. JSON.stringify calls the replacer with `this` set to the
  // object holding the value: the objects stacked above the holder are written out, so they are not its ancestors.
  const ancestors: object[] = [];
  return function (this: unknown, _key, value) {
    if (typeof value === 'bigint') return value.toString();
    if (typeof value !== 'object' || value === null) return value;
    while (ancestors.length > 0 && ancestors[ancestors.length - 1] !== this) ancestors.pop();
    if (ancestors.includes(value)) return '[Circular]';
    const written =
      value instanceof Error ? { name: value.name, message: value.message, stack: value.stack } : value;
    // What is returned is what JSON.stringify writes next, and so the holder of the keys below.
    ancestors.push(written);
    return written;
  };
}

export function jsonLog(
  service: string,
  env: Record<string, string | undefined> = process.env,
  write: (line: string) => void = (line) => process.stdout.write(line),
  now: () => Date = () => new Date(),
): Log {
  const threshold = LEVELS.indexOf(logLevelOf(env));
  const entry = (level: Level) => {
    if (LEVELS.indexOf(level) < threshold) return () => undefined;
    return (message: string, extra?: Record<string, unknown>) => {
      const trace = env._X_AMZN_TRACE_ID;
      write(
        `${JSON.stringify(
          {
            ...extra,
            level,
            message,
            timestamp: now().toISOString(),
            service,
            ...(trace ? { xray_trace_id: trace.split(';')[0]?.replace('Root=', '') } : {}),
          },
          jsonReplacer(),
        )}\n`,
      );
    };
  };
  return { debug: entry('DEBUG'), info: entry('INFO'), warn: entry('WARN'), error: entry('ERROR') };
}
