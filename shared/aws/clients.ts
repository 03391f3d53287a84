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
