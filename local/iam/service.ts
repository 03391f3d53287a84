/**
 * IAM in the simulated region (Query protocol, signing name `iam`): ListAttachedRolePolicies, plus AttachRolePolicy
 * and DetachRolePolicy for scenarios that fix a cluster role (they write CloudTrail records, `source: aws.iam`).
 */
import type { CallOutcome, ServiceEnv, ServiceModule, SimRequest, SimResponse } from '../core/types';
import type { Denial, IamCheck } from './policy';

const XMLNS = 'https://iam.amazonaws.com/doc/2010-05-08/';

function esc(s: string): string {
  return s.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c,
  );
}

function xml(action: string, result: string, requestId: string): SimResponse {
  return {
    status: 200,
    headers: { 'content-type': 'text/xml' },
    body: `<${action}Response xmlns="${XMLNS}">${result}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
  };
}

function error(status: number, code: string, message: string, requestId: string): SimResponse {
  return {
    status,
    headers: { 'content-type': 'text/xml' },
    body: `<ErrorResponse xmlns="${XMLNS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${esc(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  };
}

export interface SimRole {
  name: string;
  /** Attached managed policy ARNs. */
  policies: Set<string>;
  /** Actors IAM denies reading this role's policies (a least-privilege auditor role). */
  deniedActors: Set<string>;
}

/** `AmazonEKSVPCResourceController` → `arn:aws:iam::aws:policy/AmazonEKSVPCResourceController`. */
export function policyArn(nameOrArn: string): string {
  return nameOrArn.startsWith('arn:') ? nameOrArn : `arn:aws:iam::aws:policy/${nameOrArn}`;
}

function paramsOf(req: SimRequest): URLSearchParams {
  const params = new URLSearchParams(req.body);
  for (const [k, v] of req.query) if (!params.has(k)) params.set(k, v);
  return params;
}

export class IamService implements ServiceModule {
  readonly signingName = 'iam';
  readonly roles = new Map<string, SimRole>();

  addRole(input: { name: string; attachedPolicies?: string[]; deniedActors?: string[] }): SimRole {
    const role: SimRole = {
      name: input.name,
      policies: new Set((input.attachedPolicies ?? []).map(policyArn)),
      deniedActors: new Set(input.deniedActors ?? []),
    };
    this.roles.set(role.name, role);
    return role;
  }

  actionOf(req: SimRequest): string | undefined {
    return new URLSearchParams(req.body).get('Action') ?? req.query.get('Action') ?? undefined;
  }

  throttled(_action: string, requestId: string): SimResponse {
    return error(400, 'Throttling', 'Rate exceeded', requestId);
  }

  /** Every simulated IAM action is on the role named (`arn:aws:iam::<account>:role/<name>`). */
  iamChecks(req: SimRequest, action: string, env: ServiceEnv): IamCheck[] {
    const role = paramsOf(req).get('RoleName') ?? '';
    return [{ action: `iam:${action}`, resource: `arn:aws:iam::${env.accountId}:role/${role}` }];
  }

  accessDenied(req: SimRequest, action: string, denial: Denial, env: ServiceEnv): CallOutcome {
    const outcome: CallOutcome = {
      action,
      response: error(403, 'AccessDenied', denial.message, env.ids.uuid()),
      errorCode: 'AccessDenied',
    };
    if (action !== 'ListAttachedRolePolicies') {
      const params = paramsOf(req);
      outcome.cloudTrail = {
        eventSource: 'iam.amazonaws.com',
        eventName: action,
        source: 'aws.iam',
        requestParameters: { roleName: params.get('RoleName'), policyArn: params.get('PolicyArn') },
        responseElements: null,
        errorCode: 'AccessDenied',
        errorMessage: denial.message,
      };
    }
    return outcome;
  }

  handle(req: SimRequest, env: ServiceEnv): CallOutcome {
    const params = paramsOf(req);
    const action = params.get('Action') ?? 'Unknown';
    const requestId = env.ids.uuid();
    const roleName = params.get('RoleName') ?? '';
    const role = this.roles.get(roleName);
    const trail = (errorCode?: string, errorMessage?: string): CallOutcome['cloudTrail'] => ({
      eventSource: 'iam.amazonaws.com',
      eventName: action,
      source: 'aws.iam',
      requestParameters: {
        roleName,
        ...(params.get('PolicyArn') ? { policyArn: params.get('PolicyArn') } : {}),
      },
      responseElements: null,
      ...(errorCode ? { errorCode, errorMessage } : {}),
    });
    switch (action) {
      case 'ListAttachedRolePolicies': {
        if (role?.deniedActors.has(req.caller.actor))
          return {
            action,
            response: error(
              403,
              'AccessDenied',
              `User: ${String(req.caller.userIdentity.arn ?? req.caller.actor)} is not authorized to perform: iam:ListAttachedRolePolicies on resource: role ${roleName}`,
              requestId,
            ),
          };
        if (!role)
          return {
            action,
            response: error(
              404,
              'NoSuchEntity',
              `The role with name ${roleName} cannot be found.`,
              requestId,
            ),
          };
        const members = [...role.policies]
          .sort()
          .map(
            (arn) =>
              `<member><PolicyArn>${esc(arn)}</PolicyArn><PolicyName>${esc(arn.split('/').pop() ?? arn)}</PolicyName></member>`,
          )
          .join('');
        return {
          action,
          response: xml(
            action,
            `<ListAttachedRolePoliciesResult><AttachedPolicies>${members}</AttachedPolicies><IsTruncated>false</IsTruncated></ListAttachedRolePoliciesResult>`,
            requestId,
          ),
        };
      }
      case 'AttachRolePolicy':
      case 'DetachRolePolicy': {
        const arn = params.get('PolicyArn') ?? '';
        if (!role) {
          const message = `The role with name ${roleName} cannot be found.`;
          return {
            action,
            response: error(404, 'NoSuchEntity', message, requestId),
            cloudTrail: trail('NoSuchEntityException', message),
          };
        }
        if (action === 'AttachRolePolicy') role.policies.add(arn);
        else role.policies.delete(arn);
        return { action, response: xml(action, '', requestId), cloudTrail: trail() };
      }
      default:
        return { action, response: error(400, 'InvalidAction', `${action} is not simulated`, requestId) };
    }
  }
}
