/**
 * How SDK clients are configured. Each adapter constructs only the client it needs (so a handler bundle only
 * carries the SDK code it calls), from this one connection description.
 */
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import type { RetryStrategyV2 } from '@smithy/types';

export type AwsService =
  | 'ec2'
  | 'dynamodb'
  | 'sns'
  | 'ssm'
  | 'eks'
  | 'iam'
  | 'route53'
  | 'pricing'
  | 'sts'
  | 'eventbridge'
  | 'securityhub';

export interface AwsConnection {
  region: string;
  /** Per-service endpoint overrides (the local simulated region); unset in Lambda, where the SDK also honours AWS_ENDPOINT_URL_*. */
  endpoints?: Partial<Record<AwsService, string>>;
  credentials?: AwsCredentialIdentity;
  /** SDK attempts per call, including the first (the SDK's standard retry strategy handles throttling). */
  maxAttempts?: number;
  /** Replaces the SDK's standard retry strategy (the simulated region backs off on its virtual clock). */
  retryStrategy?: RetryStrategyV2;
}

export interface SdkClientOptions {
  region: string;
  endpoint?: string;
  credentials?: AwsCredentialIdentity;
  maxAttempts: number;
  retryStrategy?: RetryStrategyV2;
}

export const DEFAULT_MAX_ATTEMPTS = 8;

/** Options for `new XxxClient(...)` for one service. */
export function clientOptions(conn: AwsConnection, service: AwsService): SdkClientOptions {
  const region = service === 'pricing' ? 'us-east-1' : conn.region;
  const opts: SdkClientOptions = { region, maxAttempts: conn.maxAttempts ?? DEFAULT_MAX_ATTEMPTS };
  const endpoint = conn.endpoints?.[service];
  if (endpoint) opts.endpoint = endpoint;
  if (conn.credentials) opts.credentials = conn.credentials;
  if (conn.retryStrategy) opts.retryStrategy = conn.retryStrategy;
  return opts;
}

type AsyncMethods<T> = { [K in keyof T]: (...args: never[]) => Promise<unknown> };

/**
 * A port whose adapter (and the SDK client under it) is built on the first call of one of its methods instead of at
 * cold start: for clients a handler rarely calls (Route 53, Pricing, IAM, the Kubernetes reader, the alert topic).
 * `build` imports the SDK package with `import()`, so the bundle carries it but evaluates it only when it is needed
 * (esbuild wraps a dynamically imported module in a lazy initialiser). `methods` names every method of the port
 * (checked by the compiler), so the result is a plain object: spreading or wrapping it behaves as usual. A failed
 * build is not kept: the next call tries again.
 */
export function onFirstUse<T extends AsyncMethods<T>>(
  methods: Record<keyof T, true>,
  build: () => Promise<T>,
): T {
  let built: Promise<T> | undefined;
  const port = () => {
    built ??= build().catch((err: unknown) => {
      built = undefined;
      throw err;
    });
    return built;
  };
  const lazy: Partial<Record<keyof T, unknown>> = {};
  for (const name of Object.keys(methods) as (keyof T)[]) {
    lazy[name] = async (...args: unknown[]) => {
      const target = await port();
      return (target[name] as unknown as (...a: unknown[]) => Promise<unknown>).apply(target, args);
    };
  }
  return lazy as T;
}
