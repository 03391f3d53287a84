/**
 * One error path for every command: what went wrong, said in one line with what to do, and the same exit code for the
 * same problem whatever the command. Errors are told apart by name, not by class, so that `eip-keeper help` loads
 * none of the modules that define them.
 */

/** The exit codes of every command (docs/operating.md, `eip-keeper help`). */
export const EXIT = {
  ok: 0,
  /** The command failed: an unexpected error, a sweep that could not finish, a scenario that could not run. */
  failed: 1,
  /** A usage error: unknown command or option, a missing or malformed argument. */
  usage: 2,
  /** simulate, demo: an event ended in a dead-letter queue. */
  deadLetters: 3,
  /** audit: at least one check fails. */
  findings: 4,
  /** The AWS account cannot be reached as asked: no region, no or bad credentials, an endpoint that does not
   * answer, access denied, or a table that does not exist. */
  aws: 5,
  /** The configuration is invalid, or there is none where one is required (a real sweep on the defaults). */
  config: 6,
} as const;

export const EXIT_CODE_HELP: ReadonlyArray<[number, string]> = [
  [EXIT.ok, 'success'],
  [EXIT.failed, 'the command failed (the message says why)'],
  [EXIT.usage, 'usage error: unknown command or option, bad argument'],
  [EXIT.deadLetters, 'simulate, demo: an event ended in a dead-letter queue'],
  [EXIT.findings, 'audit: at least one check fails'],
  [EXIT.aws, 'AWS not reachable as asked: region, credentials, endpoint, access denied, missing table'],
  [EXIT.config, 'configuration invalid, or none found where one is required'],
];

/** Where the command was pointed, for messages that name it (a missing table, a region). */
export interface Target {
  region?: string;
  table?: string;
}

/** Where the running command is pointed (bin/context.ts fills it in; `main` resets it). */
export const cliTarget: Target = {};

export interface Failure {
  code: number;
  message: string;
  /** The message names eip-keeper and what failed itself: printed as is, without the command's name before it. */
  bare?: true;
}

type ErrorShape = {
  name?: string;
  message?: string;
  code?: string;
  Code?: string;
  cause?: { code?: string };
  $metadata?: { httpStatusCode?: number };
};

const CONFIG_ERRORS = new Set(['InvalidConfigError', 'NoConfigurationError']);
/** Errors whose message says everything, eip-keeper's name included. */
const TOLD_ERRORS = new Set(['InvalidScenarioError', 'ScenarioStepError', 'DynamoDbLocalUnavailableError']);
/** Expected failures whose message says what failed (no stack trace helps). */
const FAILURES = new Set(['SweepIncompleteError']);
const BAD_CREDENTIALS = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'AuthFailure',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
]);
const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation']);
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT']);

/**
 * An error that means "no AWS account to talk to as asked" rather than a bug, said as what to set or check; undefined
 * for anything else.
 */
export function awsSetupProblem(err: unknown, target: Target = {}): string | undefined {
  const e = (err ?? {}) as ErrorShape;
  const message = e.message ?? '';
  const name = e.name ?? '';
  const where = target.region ? ` in ${target.region}` : '';
  if (message === 'Region is missing')
    return 'no AWS region configured: set AWS_REGION (or AWS_PROFILE with a region), or pass --region';
  if (name === 'CredentialsProviderError' || /Could not load credentials/.test(message))
    return `no AWS credentials: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (${message})`;
  if (BAD_CREDENTIALS.has(name) || BAD_CREDENTIALS.has(e.Code ?? ''))
    return `AWS refused the credentials${where} (${name}: ${message}): check AWS_PROFILE or the access keys, and that they have not expired`;
  if (ACCESS_DENIED.has(name) || ACCESS_DENIED.has(e.Code ?? ''))
    return `access denied${where} (${name}): ${message}`;
  if (name === 'ResourceNotFoundException' && target.table)
    return `table ${target.table} does not exist${where}: check --table, EIP_KEEPER_TABLE or the stack output TableName, and the region`;
  const code = e.code ?? e.cause?.code;
  if (code && UNREACHABLE.has(code))
    return `cannot reach the AWS endpoint (${code}): check the network, AWS_REGION and any AWS_ENDPOINT_URL_* override`;
  return undefined;
}

/** The exit code and one-line message of an error a command threw. */
export function failureOf(err: unknown, target: Target = {}): Failure {
  const e = (err ?? {}) as ErrorShape;
  const name = e.name ?? '';
  if (CONFIG_ERRORS.has(name)) return { code: EXIT.config, message: e.message ?? name, bare: true };
  if (TOLD_ERRORS.has(name)) return { code: EXIT.failed, message: e.message ?? name, bare: true };
  if (FAILURES.has(name)) return { code: EXIT.failed, message: e.message ?? name };
  const setup = awsSetupProblem(err, target);
  if (setup) return { code: EXIT.aws, message: setup };
  const stack = (err as Error | undefined)?.stack ?? String(err);
  return { code: EXIT.failed, message: `unexpected error: ${stack}` };
}

/** There is no configuration where the command needs one (a real sweep would otherwise run on the defaults). */
export class NoConfigurationError extends Error {
  override readonly name = 'NoConfigurationError';
}
