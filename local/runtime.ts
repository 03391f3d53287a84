/**
 * Handler contexts inside the simulated region: the same RuntimeContext Lambda builds, but pointing at the local
 * endpoints and the virtual clock, with logs and metrics recorded for the scenario output and story.
 */

import type { AwsConnection } from '../shared/aws/clients';
import type { RuntimeEnv } from '../shared/config/environment';
import type { AppConfig } from '../shared/config/schema';
import type { Clock, Log, MetricsSink, MetricUnit, RuntimeContext } from '../shared/runtime/context';

export interface LogRecord {
  at: string;
  functionId: string;
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  extra?: Record<string, unknown>;
}

export interface MetricRecord {
  at: string;
  functionId: string;
  name: string;
  value: number;
  unit: MetricUnit;
  dimensions?: Record<string, string>;
}

export function recordingLog(functionId: string, clock: Clock, sink: LogRecord[], echo = false): Log {
  const write = (level: LogRecord['level']) => (message: string, extra?: Record<string, unknown>) => {
    const record: LogRecord = {
      at: clock.now().toISOString(),
      functionId,
      level,
      message,
      ...(extra ? { extra } : {}),
    };
    sink.push(record);
    if (echo) process.stderr.write(`${JSON.stringify(record)}\n`);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

export function recordingMetrics(functionId: string, clock: Clock, sink: MetricRecord[]): MetricsSink {
  return {
    add(name, value, unit = 'Count', dimensions) {
      sink.push({
        at: clock.now().toISOString(),
        functionId,
        name,
        value,
        unit,
        ...(dimensions ? { dimensions } : {}),
      });
    },
    flush() {},
  };
}

export function localContext(opts: {
  functionId: string;
  env: RuntimeEnv;
  config: AppConfig;
  aws: AwsConnection;
  clock: Clock;
  logs: LogRecord[];
  metrics: MetricRecord[];
  echoLogs?: boolean;
}): RuntimeContext {
  return {
    env: opts.env,
    config: opts.config,
    aws: opts.aws,
    clock: opts.clock,
    log: recordingLog(opts.functionId, opts.clock, opts.logs, opts.echoLogs),
    metrics: recordingMetrics(opts.functionId, opts.clock, opts.metrics),
  };
}
