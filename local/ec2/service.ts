/**
 * The EC2 ServiceModule: Query protocol in, EC2 XML out. Dispatches on `Action`, honours `DryRun`, turns
 * Ec2Errors into EC2 error responses, and reports CloudTrail parts for every mutating call, failed or not
 * (EC2 CloudTrail records write client errors as `Client.<Code>`).
 */
import { UNFILTERED_SUFFIX } from '../core/throttle';
import type { CloudTrailParts, ServiceEnv, ServiceModule, SimRequest, SimResponse } from '../core/types';
import {
  AllocateAddress,
  AssociateAddress,
  DescribeAddresses,
  DisassociateAddress,
  ReleaseAddress,
} from './actions/addresses';
import type { ActionDef } from './actions/common';
import {
  DescribeInstances,
  DescribeInstanceTypes,
  DescribeRouteTables,
  DescribeSubnets,
} from './actions/describe';
import {
  CreateNetworkInsightsPath,
  DeleteNetworkInsightsPath,
  DescribeNetworkInsightsAnalyses,
  StartNetworkInsightsAnalysis,
} from './actions/network-insights';
import {
  AssignPrivateIpAddresses,
  AttachNetworkInterface,
  CreateNetworkInterface,
  DeleteNetworkInterface,
  DescribeNetworkInterfaces,
  listsEveryEni,
  UnassignPrivateIpAddresses,
} from './actions/network-interfaces';
import { CreateTags, DeleteTags } from './actions/tags';
import {
  AssociateTrunkInterface,
  DescribeTrunkInterfaceAssociations,
  DisassociateTrunkInterface,
} from './actions/trunks';
import { Ec2Error } from './errors';
import { ec2AccessDenied, ec2IamChecks } from './iam';
import { bool, parseQuery, type QueryObject, str } from './query';
import { dryRunOperation, Ec2State, type Ec2StateOptions } from './state';
import { xmlError, xmlResponse } from './xml';

export const EC2_ACTIONS: Readonly<Record<string, ActionDef>> = {
  AllocateAddress,
  AssignPrivateIpAddresses,
  AssociateAddress,
  AssociateTrunkInterface,
  AttachNetworkInterface,
  CreateNetworkInsightsPath,
  CreateNetworkInterface,
  CreateTags,
  DeleteNetworkInsightsPath,
  DeleteNetworkInterface,
  DeleteTags,
  DescribeAddresses,
  DescribeInstanceTypes,
  DescribeInstances,
  DescribeNetworkInsightsAnalyses,
  DescribeNetworkInterfaces,
  DescribeRouteTables,
  DescribeSubnets,
  DescribeTrunkInterfaceAssociations,
  DisassociateAddress,
  DisassociateTrunkInterface,
  ReleaseAddress,
  StartNetworkInsightsAnalysis,
  UnassignPrivateIpAddresses,
};

const EVENT_SOURCE = 'ec2.amazonaws.com';

/** The EC2 ServiceModule, carrying the state it serves (`module` is the same object, for `server.register`). */
export interface Ec2Service extends ServiceModule {
  readonly state: Ec2State;
  readonly module: ServiceModule;
}

/**
 * The EC2 service of the simulated region over `state` (ids, region and clock come from `state.env`), or over a
 * fresh state built on `env`.
 */
export function createEc2Service(state: Ec2State): Ec2Service;
export function createEc2Service(env: ServiceEnv, options?: Ec2StateOptions): Ec2Service;
export function createEc2Service(stateOrEnv: Ec2State | ServiceEnv, options?: Ec2StateOptions): Ec2Service {
  const state = stateOrEnv instanceof Ec2State ? stateOrEnv : new Ec2State(stateOrEnv, options);
  const service: Ec2Service = {
    signingName: 'ec2',
    state,
    get module() {
      return service;
    },
    actionOf: (req) => str(parseQuery(req.body, req.query), 'Action'),
    throttleKey: (action, req) =>
      action === 'DescribeNetworkInterfaces' && listsEveryEni(parseQuery(req.body, req.query))
        ? `${action}${UNFILTERED_SUFFIX}`
        : action,
    throttled: (_action, requestId) =>
      xmlError(503, 'RequestLimitExceeded', 'Request limit exceeded.', requestId),
    handle: (req) => handle(state, req),
    iamChecks: (req, action) => ec2IamChecks(state, parseQuery(req.body, req.query), action),
    accessDenied: (req, action, denial) => {
      const params = parseQuery(req.body, req.query);
      const requestId = state.env.ids.uuid();
      const { response, message } = ec2AccessDenied(denial, requestId);
      const def = Object.hasOwn(EC2_ACTIONS, action) ? EC2_ACTIONS[action] : undefined;
      const cloudTrail = def
        ? trailOf(
            def,
            action,
            params,
          )({
            responseElements: null,
            errorCode: 'Client.UnauthorizedOperation',
            errorMessage: message,
          })
        : undefined;
      // The call record carries CloudTrail's code (`Client.UnauthorizedOperation`), as for every EC2 failure.
      return { action, response, ...(cloudTrail ? { cloudTrail } : { errorCode: 'UnauthorizedOperation' }) };
    },
  };
  return service;
}

/** CloudTrail's record of a call to a mutating action (none for reads: EventBridge never sees them). */
function trailOf(def: ActionDef, action: string, params: QueryObject) {
  const requestParameters = def.mutating ? requestParametersOf(def, params) : null;
  return (
    parts: Omit<CloudTrailParts, 'eventSource' | 'eventName' | 'source' | 'requestParameters'>,
  ): CloudTrailParts | undefined =>
    def.mutating
      ? { eventSource: EVENT_SOURCE, eventName: action, source: 'aws.ec2', requestParameters, ...parts }
      : undefined;
}

function handle(state: Ec2State, req: SimRequest) {
  const params = parseQuery(req.body, req.query);
  const action = str(params, 'Action') ?? 'Unknown';
  const requestId = state.env.ids.uuid();
  const def = Object.hasOwn(EC2_ACTIONS, action) ? EC2_ACTIONS[action] : undefined;
  if (!def) {
    return {
      action,
      response: xmlError(
        400,
        'InvalidAction',
        `The action ${action} is not valid for this web service.`,
        requestId,
      ),
    };
  }
  const trail = trailOf(def, action, params);
  try {
    const dryRun = bool(params, 'DryRun') ?? false;
    const failure = state.takeFailure(req.caller.actor, action);
    if (failure) throw new Ec2Error(failure.code, failure.message);
    const result = def.run({ state, params, requestId, dryRun, caller: req.caller });
    if (dryRun) {
      // Describe calls only check permissions; a mutating action that returns under DryRun is a simulator bug.
      if (def.mutating) throw new Error(`${action} ignored DryRun`);
      throw dryRunOperation();
    }
    return {
      action,
      response: xmlResponse(action, requestId, result.body),
      cloudTrail: trail({ responseElements: compact({ requestId, ...result.responseElements }) }),
    };
  } catch (err) {
    if (!(err instanceof Ec2Error)) throw err;
    const response: SimResponse = xmlError(err.status, err.code, err.message, requestId);
    return {
      action,
      response,
      cloudTrail: trail({
        responseElements: null,
        errorCode: `Client.${err.code}`,
        errorMessage: err.message,
      }),
    };
  }
}

function requestParametersOf(def: ActionDef, params: QueryObject): Record<string, unknown> {
  try {
    return compact(def.requestParameters?.(params) ?? {});
  } catch {
    // A malformed parameter fails the call itself; the record keeps what could be read.
    return {};
  }
}

/** Drops `undefined` members recursively, as CloudTrail leaves out parameters the caller did not send. */
function compact<T extends Record<string, unknown>>(value: T): T {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, child] of Object.entries(v)) if (child !== undefined) out[k] = walk(child);
      return out;
    }
    return v;
  };
  return walk(value) as T;
}
