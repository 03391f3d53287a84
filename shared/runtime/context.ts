/**
 * What every handler is built from. Lambda builds it once per cold start from the environment
 * (`shared/runtime/lambda.ts`); the local simulated region builds it pointing at its own endpoints and virtual
 * clock. Capabilities take this, never `process.env`.
 */

import type { AwsConnection } from '../aws/clients';
import type { RuntimeEnv } from '../config/environment';
import type { AppConfig } from '../config/schema';
import type { MetricName } from './metric-names';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** The structured log a handler writes (json-log.ts in Lambda); tests and the simulator record it. */
export interface Log {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export type MetricUnit = 'Count' | 'None' | 'Seconds' | 'Milliseconds' | 'Percent';

/** Metrics as the domain emits them; Lambda writes them as EMF (emf.ts). */
export interface MetricsSink {
  add(name: MetricName, value: number, unit?: MetricUnit, dimensions?: Record<string, string>): void;
  /** Writes out what was added (once per invocation). */
  flush(): void;
}

export interface RuntimeContext {
  env: RuntimeEnv;
  config: AppConfig;
  aws: AwsConnection;
  clock: Clock;
  log: Log;
  metrics: MetricsSink;
}

/** A handler factory: builds the handler once from a context (cold start), then serves many events. */
export type HandlerFactory<E = unknown, R = unknown> = (ctx: RuntimeContext) => (event: E) => Promise<R>;
