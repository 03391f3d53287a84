/**
 * AWS Security Hub in the simulated region: BatchImportFindings (`POST /findings/import`) and GetFindings
 * (`POST /findings`), REST-JSON as the SDK speaks it (signing name `securityhub`), with Security Hub's errors
 * (`InvalidInputException`, `InvalidAccessException` while Security Hub is not enabled, `AccessDeniedException`).
 *
 * IAM (Service Authorization Reference, "Actions, resources, and condition keys for AWS Security Hub"):
 * BatchImportFindings is authorized on the `product` of each finding, with `securityhub:TargetAccount` = its
 * `AwsAccountId`; GetFindings on the account's `hub` (`hub/default`).
 */
import type { CallOutcome, ServiceEnv, ServiceModule, SimRequest, SimResponse } from '../core/types';
import type { Denial, IamCheck } from '../iam/policy';
import { SecurityHubFindings, type StringFilter, UnsupportedFilterError } from './findings';

/** BatchImportFindings takes at most 100 findings; GetFindings answers at most 100 per page. */
const MAX_BATCH = 100;
const MAX_PAGE = 100;

function json(status: number, body: unknown, headers: Record<string, string> = {}): SimResponse {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/** A REST-JSON error: the SDK reads its code from `x-amzn-errortype`. */
function error(status: number, code: string, message: string): SimResponse {
  return json(status, { Code: code, Message: message }, { 'x-amzn-errortype': code });
}

const ROUTES: Readonly<Record<string, string>> = {
  'POST /findings/import': 'BatchImportFindings',
  'POST /findings': 'GetFindings',
};

function bodyOf(req: SimRequest): Record<string, unknown> | undefined {
  try {
    return req.body ? (JSON.parse(req.body) as Record<string, unknown>) : {};
  } catch {
    return undefined;
  }
}

const hubArn = (env: Pick<ServiceEnv, 'region' | 'accountId'>) =>
  `arn:aws:securityhub:${env.region}:${env.accountId}:hub/default`;

export class SecurityHubService implements ServiceModule {
  readonly signingName = 'securityhub';
  readonly findings: SecurityHubFindings;
  /** Whether Security Hub is enabled in the account and Region (off: every call is InvalidAccessException). */
  enabled = true;

  constructor(env: Pick<ServiceEnv, 'region' | 'accountId'>) {
    this.findings = new SecurityHubFindings(env);
  }

  actionOf(req: SimRequest): string | undefined {
    const key = `${req.method} ${req.path.replace(/\/+$/, '')}`;
    return Object.hasOwn(ROUTES, key) ? ROUTES[key] : undefined;
  }

  throttled(_action: string, _requestId: string): SimResponse {
    return error(429, 'TooManyRequestsException', 'Rate exceeded');
  }

  iamChecks(req: SimRequest, action: string, env: ServiceEnv): IamCheck[] {
    if (action === 'GetFindings') return [{ action: 'securityhub:GetFindings', resource: hubArn(env) }];
    if (action !== 'BatchImportFindings') throw new Error(`no IAM mapping for securityhub:${action}`);
    const findings = (bodyOf(req)?.Findings as Record<string, unknown>[] | undefined) ?? [];
    const seen = new Set<string>();
    const checks: IamCheck[] = [];
    for (const f of findings) {
      const product = String(f.ProductArn ?? '');
      const target = String(f.AwsAccountId ?? '');
      if (seen.has(`${product} ${target}`)) continue;
      seen.add(`${product} ${target}`);
      checks.push({
        action: 'securityhub:BatchImportFindings',
        resource: product,
        context: { 'securityhub:TargetAccount': target },
      });
    }
    return checks.length > 0
      ? checks
      : [{ action: 'securityhub:BatchImportFindings', resource: this.findings.defaultProductArn() }];
  }

  /** Security Hub's refusal: `AccessDeniedException` (403). Its API calls are not management events routed here. */
  accessDenied(_req: SimRequest, action: string, denial: Denial): CallOutcome {
    return {
      action,
      response: error(403, 'AccessDeniedException', denial.message),
      errorCode: 'AccessDeniedException',
    };
  }

  handle(req: SimRequest, env: ServiceEnv): CallOutcome {
    const action = this.actionOf(req) ?? 'Unknown';
    const fail = (status: number, code: string, message: string): CallOutcome => ({
      action,
      response: error(status, code, message),
      errorCode: code,
    });
    if (action === 'Unknown')
      return fail(404, 'ResourceNotFoundException', `${req.method} ${req.path} is not simulated`);
    if (!this.enabled) {
      return fail(
        401,
        'InvalidAccessException',
        `Account ${env.accountId} is not subscribed to AWS Security Hub`,
      );
    }
    const input = bodyOf(req);
    if (!input) return fail(400, 'InvalidInputException', 'Request body is not valid JSON');
    return action === 'BatchImportFindings'
      ? this.importFindings(input, env, fail)
      : this.getFindings(input, fail);
  }

  private importFindings(
    input: Record<string, unknown>,
    env: ServiceEnv,
    fail: (status: number, code: string, message: string) => CallOutcome,
  ): CallOutcome {
    const findings = Array.isArray(input.Findings) ? (input.Findings as Record<string, unknown>[]) : [];
    if (findings.length === 0 || findings.length > MAX_BATCH) {
      return fail(400, 'InvalidInputException', `Findings must hold 1 to ${MAX_BATCH} findings`);
    }
    const failed = this.findings.import(findings, env.clock.now().toISOString());
    return {
      action: 'BatchImportFindings',
      response: json(200, {
        FailedCount: failed.length,
        SuccessCount: findings.length - failed.length,
        FailedFindings: failed,
      }),
    };
  }

  private getFindings(
    input: Record<string, unknown>,
    fail: (status: number, code: string, message: string) => CallOutcome,
  ): CallOutcome {
    const max = typeof input.MaxResults === 'number' ? input.MaxResults : MAX_PAGE;
    if (max < 1 || max > MAX_PAGE)
      return fail(400, 'InvalidInputException', `MaxResults must be 1 to ${MAX_PAGE}`);
    let matched: ReturnType<SecurityHubFindings['query']>;
    try {
      matched = this.findings.query((input.Filters ?? {}) as Record<string, StringFilter[]>);
    } catch (err) {
      if (err instanceof UnsupportedFilterError) return fail(400, 'InvalidInputException', err.message);
      throw err;
    }
    const start = typeof input.NextToken === 'string' && input.NextToken ? Number(input.NextToken) : 0;
    const page = matched.slice(start, start + max);
    const next = start + max < matched.length ? { NextToken: String(start + max) } : {};
    return { action: 'GetFindings', response: json(200, { Findings: page, ...next }) };
  }
}
