/**
 * The vocabulary of IAM in the simulated region: policy documents, what a request asks IAM to authorize (one
 * check per resource, as AWS authorizes every resource a request names), and a refusal.
 */

/** A condition block, verbatim (`{ StringLike: { 'aws:ResourceTag/eip-keeper:pool': '*' } }`). */
export type ConditionBlock = Record<string, Record<string, unknown>>;

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: unknown;
  NotPrincipal?: unknown;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: ConditionBlock;
}

export interface PolicyDocument {
  Version: '2012-10-17' | '2008-10-17';
  Statement: PolicyStatement[];
}

/** The request context of one check: condition key → value (a list for multivalued keys such as `aws:TagKeys`). */
export type ConditionContext = Record<string, string | string[]>;

/**
 * One authorization a request needs: an action on one resource ARN (`*` for actions AWS does not scope), with
 * the condition keys that hold for that resource and request (its tags, the ENI's VPC, the request's tag keys…).
 */
export interface IamCheck {
  action: string;
  resource: string;
  context?: ConditionContext;
  /**
   * Present when the service authorizes items of one request separately (EventBridge PutEvents entries): a denial
   * whose statements match the action and resource but not the conditions fails that item only.
   */
  item?: number;
}

/** Why IAM refused a check. */
export interface Denial {
  check: IamCheck;
  /** The caller, as IAM names it (the assumed-role session ARN for a function). */
  principalArn: string;
  /** An explicit Deny matched (else no Allow did). */
  explicit: boolean;
  /** Where the explicit Deny was: an identity policy or the resource's policy. */
  deniedBy?: 'identity' | 'resource';
  /** An Allow statement matched the action and resource and failed only on its conditions. */
  conditionsOnly: boolean;
  /** AWS's sentence: `User: … is not authorized to perform: … on resource: … because …`. */
  message: string;
  /** EC2's encoded authorization failure message (base64 of the decision's context, see docs). */
  encoded: string;
}

/** The per-item refusals of a request whose items IAM authorizes one by one. */
export type ItemDenials = ReadonlyMap<number, Denial>;
