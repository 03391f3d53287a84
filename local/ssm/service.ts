/**
 * SSM Parameter Store in the simulated region: GetParameter and PutParameter (JSON 1.1, `X-Amz-Target:
 * AmazonSSM.<Action>`, signing name `ssm`), with SSM's errors (`ParameterNotFound`, `ParameterAlreadyExists`) and
 * versions. Enough for the sweeper's kill switch and a configuration parameter.
 */
import type { CallOutcome, ServiceEnv, ServiceModule, SimRequest, SimResponse } from '../core/types';
import type { Denial, IamCheck } from '../iam/policy';

export interface SsmParameter {
  name: string;
  type: 'String' | 'StringList' | 'SecureString';
  value: string;
  version: number;
  lastModified: string;
}

const JSON_TYPE = 'application/x-amz-json-1.1';
const NAME_RE = /^(\/[A-Za-z0-9_.\-/]{1,1010}|[A-Za-z0-9_.-]{1,1011})$/;

function json(status: number, body: unknown): SimResponse {
  return { status, headers: { 'content-type': JSON_TYPE }, body: JSON.stringify(body) };
}

function error(status: number, type: string, message: string): SimResponse {
  return json(status, { __type: type, message });
}

/** A parameter's ARN: `parameter/eip-keeper/kill-switch` for `/eip-keeper/kill-switch`. */
export function parameterArn(env: Pick<ServiceEnv, 'region' | 'accountId'>, name: string): string {
  return `arn:aws:ssm:${env.region}:${env.accountId}:parameter${name.startsWith('/') ? '' : '/'}${name}`;
}

/** What IAM authorizes per SSM action: the parameter named. */
const SSM_IAM: Readonly<Record<string, string>> = {
  GetParameter: 'ssm:GetParameter',
  PutParameter: 'ssm:PutParameter',
};

function inputOf(req: SimRequest): Record<string, unknown> {
  try {
    return req.body ? (JSON.parse(req.body) as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export class SsmService implements ServiceModule {
  readonly signingName = 'ssm';
  private readonly parameters = new Map<string, SsmParameter>();

  constructor(private readonly clock: { now(): Date } = { now: () => new Date() }) {}

  /** Seeds or overwrites a parameter (scenario state, tests). */
  put(name: string, value: string, type: SsmParameter['type'] = 'String'): SsmParameter {
    const prev = this.parameters.get(name);
    const p: SsmParameter = {
      name,
      type,
      value,
      version: (prev?.version ?? 0) + 1,
      lastModified: this.clock.now().toISOString(),
    };
    this.parameters.set(name, p);
    return p;
  }

  get(name: string): SsmParameter | undefined {
    return this.parameters.get(name);
  }

  snapshot(): SsmParameter[] {
    return [...this.parameters.values()].map((p) => ({ ...p })).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  actionOf(req: SimRequest): string | undefined {
    const target = req.headers['x-amz-target'] ?? '';
    return target.startsWith('AmazonSSM.') ? target.slice('AmazonSSM.'.length) : undefined;
  }

  throttled(_action: string, _requestId: string): SimResponse {
    return error(400, 'ThrottlingException', 'Rate exceeded');
  }

  iamChecks(req: SimRequest, action: string, env: ServiceEnv): IamCheck[] {
    const iamAction = Object.hasOwn(SSM_IAM, action) ? SSM_IAM[action] : undefined;
    if (!iamAction) throw new Error(`no IAM mapping for ssm:${action}`);
    const name = inputOf(req).Name;
    return [{ action: iamAction, resource: parameterArn(env, typeof name === 'string' ? name : '') }];
  }

  /** SSM's refusal: `AccessDeniedException` (400); CloudTrail records a refused PutParameter. */
  accessDenied(req: SimRequest, action: string, denial: Denial): CallOutcome {
    const outcome: CallOutcome = {
      action,
      response: error(400, 'AccessDeniedException', denial.message),
      errorCode: 'AccessDeniedException',
    };
    if (action === 'PutParameter') {
      const input = inputOf(req);
      outcome.cloudTrail = {
        eventSource: 'ssm.amazonaws.com',
        eventName: action,
        requestParameters: { name: input.Name, type: input.Type, overwrite: input.Overwrite === true },
        responseElements: null,
        errorCode: 'AccessDenied',
        errorMessage: denial.message,
        source: 'aws.ssm',
      };
    }
    return outcome;
  }

  handle(req: SimRequest, env: ServiceEnv): CallOutcome {
    const action = this.actionOf(req) ?? 'Unknown';
    let input: Record<string, unknown>;
    try {
      input = req.body ? (JSON.parse(req.body) as Record<string, unknown>) : {};
    } catch {
      return { action, response: error(400, 'SerializationException', 'Request body is not valid JSON') };
    }
    const name = typeof input.Name === 'string' ? input.Name : '';
    switch (action) {
      case 'GetParameter': {
        const p = this.parameters.get(name);
        if (!p) return { action, response: error(400, 'ParameterNotFound', `Parameter ${name} not found.`) };
        return {
          action,
          response: json(200, {
            Parameter: {
              Name: p.name,
              Type: p.type,
              Value: p.value,
              Version: p.version,
              LastModifiedDate: Date.parse(p.lastModified) / 1000,
              ARN: parameterArn(env, p.name),
              DataType: 'text',
            },
          }),
        };
      }
      case 'PutParameter': {
        if (!NAME_RE.test(name)) {
          return {
            action,
            response: error(400, 'ValidationException', `Parameter name ${name} is not valid.`),
          };
        }
        const value = typeof input.Value === 'string' ? input.Value : undefined;
        if (value === undefined || value.length === 0 || value.length > 8192) {
          return {
            action,
            response: error(400, 'ValidationException', 'Value must be 1 to 8192 characters.'),
          };
        }
        const exists = this.parameters.has(name);
        if (exists && input.Overwrite !== true) {
          return {
            action,
            response: error(
              400,
              'ParameterAlreadyExists',
              'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
            ),
          };
        }
        const type = input.Type === 'SecureString' || input.Type === 'StringList' ? input.Type : 'String';
        const p = this.put(name, value, type);
        return {
          action,
          response: json(200, { Version: p.version, Tier: 'Standard' }),
          cloudTrail: {
            eventSource: 'ssm.amazonaws.com',
            eventName: 'PutParameter',
            requestParameters: { name, type, overwrite: input.Overwrite === true },
            responseElements: { version: p.version, tier: 'Standard' },
            source: 'aws.ssm',
          },
        };
      }
      default:
        return { action, response: error(400, 'InvalidAction', `${action} is not simulated`) };
    }
  }
}
