/**
 * The Lambda shell around a handler factory: at cold start it validates the environment, loads the configuration
 * (inline JSON or SSM) and builds the context once; each invocation then calls the same handler the simulated
 * region calls, and flushes metrics. Errors propagate, so EventBridge/Lambda retry and the DLQ catch failures.
 */
import { importRuntimeSdk } from '../aws/runtime-sdk';
import { loadAppConfig, parseRuntimeEnv } from '../config/environment';
import type { HandlerFactory, RuntimeContext } from './context';
import { systemClock } from './context';
import { emfMetrics } from './emf';
import { jsonLog } from './json-log';
import { METRICS_NAMESPACE } from './metric-names';

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
  const log = jsonLog(serviceName, env);
  const runtimeEnv = parseRuntimeEnv(env);
  const config = await loadAppConfig(runtimeEnv, (name) => readSsmParameter(runtimeEnv.region, name));
  return {
    env: runtimeEnv,
    config,
    aws: { region: runtimeEnv.region },
    clock: systemClock,
    log,
    metrics: emfMetrics(METRICS_NAMESPACE, serviceName),
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
