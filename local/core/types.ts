/**
 * Contracts of the local simulated region. One HTTP server on 127.0.0.1 receives every SDK call; the SigV4
 * credential scope names the service (`.../<region>/<service>/aws4_request`), and the request goes to the
 * ServiceModule registered under that signing name. Adding a service is one module implementing this interface.
 */
import type { Denial, IamCheck, ItemDenials } from '../iam/policy';
import type { VirtualClock } from './clock';

/** Who is calling, resolved from the access key id the SDK signed with. */
export interface CallerIdentity {
  /** Scenario name of the actor, e.g. `eip-keeper`, `vpc-resource-controller`, `alice`. */
  actor: string;
  /** The CloudTrail `userIdentity` block. */
  userIdentity: Record<string, unknown>;
  /** Default user agent when the caller sent none worth recording. */
  userAgent?: string;
  /** CloudTrail's `sourceIPAddress` when it is not the caller's address (an AWS service's host name). */
  sourceIp?: string;
  /**
   * Set for an AWS service acting in the account (Lambda, EFS, ELB, NAT gateways): the ENIs it creates are
   * requester-managed, with its requester id and interface type.
   */
  requester?: { requesterId: string; interfaceType: string };
  /** The principal IAM evaluates: an assumed-role session ARN or an IAM user ARN. */
  principalArn: string;
  /** Set when the caller is one of eip-keeper's functions (it signs as that function's role). */
  functionId?: string;
}

export interface SimRequest {
  /** SigV4 signing name: `ec2`, `eks`, `sns`, ... */
  service: string;
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: string;
  caller: CallerIdentity;
  userAgent: string;
  sourceIp: string;
  /** Items of the request IAM refused one by one (EventBridge PutEvents entries); the service fails only those. */
  itemDenials?: ItemDenials;
}

export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

/**
 * What a handled call reports besides its response: its action name (for call counts and throttling) and, for
 * mutating calls, the CloudTrail record parts. The core adds eventID, eventTime, identity, region, account.
 */
export interface CallOutcome {
  response: SimResponse;
  /** API action, e.g. `AssociateAddress`. */
  action: string;
  /** Present when AWS would write a CloudTrail management event that EventBridge delivers. */
  cloudTrail?: CloudTrailParts;
  /** The error code returned, for the call record, when CloudTrail's record does not carry it. */
  errorCode?: string;
}

export interface CloudTrailParts {
  eventSource: string;
  eventName: string;
  requestParameters: Record<string, unknown> | null;
  responseElements: Record<string, unknown> | null;
  errorCode?: string;
  errorMessage?: string;
  /** EventBridge `source`, e.g. `aws.ec2`. */
  source: string;
}

export interface ServiceEnv {
  region: string;
  accountId: string;
  clock: VirtualClock;
  /** Deterministic ids: `ids.next('eni')` → `eni-0a1b…` (17 hex digits). */
  ids: IdFactory;
}

export interface ServiceModule {
  /** SigV4 signing name. */
  readonly signingName: string;
  /** The API action a request names (for call counts and throttling), or undefined when it names none. */
  actionOf(req: SimRequest): string | undefined;
  /**
   * The throttling bucket a call draws from when it is not the action's own (EC2: an unfiltered, unpaginated
   * DescribeNetworkInterfaces draws from `DescribeNetworkInterfaces:unfiltered`).
   */
  throttleKey?(action: string, req: SimRequest): string;
  /** The service's own throttling error (`RequestLimitExceeded` for EC2), so the SDK's retry path runs. */
  throttled(action: string, requestId: string): SimResponse;
  /** Handles one request; errors the SDK must see are returned as responses, never thrown. */
  handle(req: SimRequest, env: ServiceEnv): Promise<CallOutcome> | CallOutcome;
  /**
   * What IAM must authorize for this request: one check per resource it names (action, ARN, condition keys), from
   * the service's table beside it. Required for a service callers with policies reach.
   */
  iamChecks?(req: SimRequest, action: string, env: ServiceEnv): IamCheck[];
  /** The service's own refusal of a request IAM denied (its error code and shape, and CloudTrail's record). */
  accessDenied?(req: SimRequest, action: string, denial: Denial, env: ServiceEnv): CallOutcome;
}

export interface IdFactory {
  /** `prefix-` + 17 hex digits, unique and deterministic per region. */
  next(prefix: string): string;
  uuid(): string;
}

/** A CloudTrail record delivered through EventBridge (the shape AWS sends to rules). */
export interface EventBridgeEvent<D = Record<string, unknown>> {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: D;
}
