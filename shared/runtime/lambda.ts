/**
 * The Lambda shell around a handler factory: at cold start it validates the environment, loads the configuration
 * (inline JSON or SSM) and builds the context once; each invocation then calls the same handler the simulated
 * region calls, and flushes metrics. Errors propagate, so EventBridge/Lambda retry and the DLQ catch failures.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { importRuntimeSdk } from '../aws/runtime-sdk';
import { loadAppConfig, parseRuntimeEnv } from '../config/environment';
import type { HandlerFactory, MetricsSink, RuntimeContext } from './context';
import { systemClock } from './context';
import { METRICS_NAMESPACE } from './metric-names';

const UNITS: Record<string, (typeof MetricUnit)[keyof typeof MetricUnit]> = {
  Count: MetricUnit.Count,
  None: MetricUnit.NoUnit,
  Seconds: MetricUnit.Seconds,
  Milliseconds: MetricUnit.Milliseconds,
  Percent: MetricUnit.Percent,
};

/** Powertools Metrics (EMF) behind the domain's MetricsSink; dimensioned metrics go out as single-metric blobs. */
export function powertoolsMetricsSink(metrics: Metrics): MetricsSink {
  return {
    add(name, value, unit = 'Count', dimensions) {
      const u = UNITS[unit] ?? MetricUnit.Count;
      if (dimensions && Object.keys(dimensions).length > 0) {
        const single = metrics.singleMetric();
        for (const [k, v] of Object.entries(dimensions)) single.addDimension(k, v);
        single.addMetric(name, u, value);
        return;
      }
      metrics.addMetric(name, u, value);
    },
    flush() {
      metrics.publishStoredMetrics();
    },
  };
}

/** Only a configuration longer than the environment allows lives in SSM: its client is the runtime's (runtime-sdk.ts). */
async function readSsmParameter(region: string, name: string): Promise<string> {
  const { SSMClient, GetParameterCommand } = await importRuntimeSdk('@aws-sdk/client-ssm');
  const ssm = new SSMClient({ region });
  const out = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
  const value = out.Parameter?.Value;
  if (value === undefined) throw new Error(`SSM parameter ${name} has no value`);
  return value;
}

export async function contextFromEnvironment(
  serviceName: string,
  env: Record<string, string | undefined> = process.env,
): Promise<RuntimeContext> {
  const logger = new Logger({ serviceName });
  const log: RuntimeContext['log'] = {
    debug: (m, extra) => (extra ? logger.debug(m, extra) : logger.debug(m)),
    info: (m, extra) => (extra ? logger.info(m, extra) : logger.info(m)),
    warn: (m, extra) => (extra ? logger.warn(m, extra) : logger.warn(m)),
    error: (m, extra) => (extra ? logger.error(m, extra) : logger.error(m)),
  };
  const runtimeEnv = parseRuntimeEnv(env);
  const config = await loadAppConfig(runtimeEnv, (name) => readSsmParameter(runtimeEnv.region, name));
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName });
  return {
    env: runtimeEnv,
    config,
    aws: { region: runtimeEnv.region },
    clock: systemClock,
    log,
    metrics: powertoolsMetricsSink(metrics),
  };
}

/** A Lambda handler, plus the cold-start init on its own (what the first event would build). */
export type LambdaHandler<E, R> = ((event: E) => Promise<R>) & {
  /** Validates the environment, loads the configuration and builds the clients now; idempotent. */
  warmUp(): Promise<void>;
};

/** Wraps a handler factory for Lambda: one context per execution environment, built on the first event. */
export function lambdaHandler<E, R>(serviceName: string, factory: HandlerFactory<E, R>): LambdaHandler<E, R> {
  let ready: Promise<{ ctx: RuntimeContext; handle: (event: E) => Promise<R> }> | undefined;
  const build = async () => {
    ready ??= contextFromEnvironment(serviceName).then((ctx) => ({ ctx, handle: factory(ctx) }));
    try {
      return await ready;
    } catch (err) {
      // Do not cache a failed cold start: a fixed SSM parameter must take effect without a redeploy.
      ready = undefined;
      throw err;
    }
  };
  const handler = async (event: E) => {
    const built = await build();
    try {
      return await built.handle(event);
    } finally {
      built.ctx.metrics.flush();
    }
  };
  return Object.assign(handler, {
    warmUp: async () => {
      await build();
    },
  });
}
