/**
 * IAM for the simulated region: who is governed by which policies, and the decision on every check a request
 * needs. eip-keeper's functions carry their role's policies as the stack synthesizes them for the region's
 * configuration; a scenario actor carries the policy the scenario gives it; any other actor (admin, the VPC
 * resource controller, the CNI) is allowed everything, as an administrator would be. Resource policies (the topic,
 * the key, the queues) take part in every decision on their resource.
 */
import { appendFileSync } from 'node:fs';
import type { CallerIdentity } from '../core/types';
import { type Decision, evaluate } from './evaluator';
import { denialOf } from './messages';
import type { ConditionContext, Denial, IamCheck, ItemDenials, PolicyDocument } from './policy';
import type { StackPolicies } from './stack-policies';

export interface Authorization {
  /** The first check IAM refused for the whole request. */
  denial?: Denial;
  /** Items refused one by one (PutEvents entries), when the request itself may go on. */
  items: ItemDenials;
}

export interface RegionIamOptions {
  accountId: string;
  region: string;
  /** The stack's function policies with this region's ARNs; loaded on the first check of a function. */
  stackPolicies: () => Promise<StackPolicies>;
  /** Policies of named actors (scenario users). */
  actorPolicies?: Readonly<Record<string, PolicyDocument>>;
}

interface Principal {
  arn: string;
  /** The principal's own ARN for `aws:PrincipalArn`: the role of a session, else the principal. */
  principalArn: string;
  policies: readonly PolicyDocument[];
}

function sortedContext(context: ConditionContext): ConditionContext {
  return Object.fromEntries(Object.entries(context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export class RegionIam {
  private stack?: Promise<StackPolicies>;
  private readonly actorPolicies = new Map<string, PolicyDocument>();
  /** Decisions by (principal, action, resource, context): a scenario repeats the same calls many times. */
  private readonly decisions = new Map<string, Promise<Decision>>();
  /** Checks evaluated by the simulator (not answered from the decisions already made). */
  evaluations = 0;
  /** Every refusal, in order, with the caller (the whole request's or one item's). */
  readonly denials: Array<Denial & { actor: string; functionId?: string }> = [];

  constructor(private readonly opts: RegionIamOptions) {
    for (const [actor, policy] of Object.entries(opts.actorPolicies ?? {}))
      this.actorPolicies.set(actor, policy);
  }

  /** Gives a scenario actor a policy (`undefined`: allowed everything again). */
  setActorPolicy(actor: string, policy: PolicyDocument | undefined): void {
    if (policy) this.actorPolicies.set(actor, policy);
    else this.actorPolicies.delete(actor);
    this.decisions.clear();
  }

  /** True when IAM evaluates this caller's requests (a function, or an actor with a policy). */
  governs(caller: CallerIdentity): boolean {
    return caller.functionId !== undefined || this.actorPolicies.has(caller.actor);
  }

  /** A redeploy: the stack's policies are those of the new configuration, loaded now. */
  async redeployed(): Promise<void> {
    this.stack = undefined;
    this.decisions.clear();
    await this.load();
  }

  /** Loads the stack's policies now (a region deploying functions pays the synthesis at start). */
  async load(): Promise<StackPolicies> {
    this.stack ??= this.opts.stackPolicies();
    return this.stack;
  }

  private async principalOf(caller: CallerIdentity): Promise<Principal> {
    if (caller.functionId !== undefined) {
      const role = (await this.load()).roles.get(caller.functionId);
      if (!role) throw new Error(`the stack deploys no function ${caller.functionId}: no role to sign as`);
      return { arn: caller.principalArn, principalArn: role.roleArn, policies: role.policies };
    }
    const policy = this.actorPolicies.get(caller.actor);
    return { arn: caller.principalArn, principalArn: caller.principalArn, policies: policy ? [policy] : [] };
  }

  /** A service using a KMS key on the caller's behalf (`kms:ViaService`), as SNS and SQS do for encrypted targets. */
  private keyChecks(service: string, keyArn: string | undefined): IamCheck[] {
    if (!keyArn) return [];
    const context = {
      'kms:ViaService': `${service}.${this.opts.region}.amazonaws.com`,
      'kms:CallerAccount': this.opts.accountId,
    };
    return ['kms:GenerateDataKey', 'kms:Decrypt'].map((action) => ({ action, resource: keyArn, context }));
  }

  /** Checks AWS makes on its own behalf for a request: publishing to an encrypted topic uses its key via SNS. */
  private async impliedChecks(check: IamCheck): Promise<IamCheck[]> {
    if (check.action !== 'sns:Publish') return [];
    return this.keyChecks('sns', (await this.load()).topicKeys.get(check.resource));
  }

  /**
   * What Lambda needs to put a failed asynchronous invocation in a function's on-failure queue, with the function's
   * role: `sqs:SendMessage` on the queue (and its policy), and the queue's key through SQS.
   */
  async deadLetterChecks(functionId: string): Promise<IamCheck[]> {
    const dlq = (await this.load()).deadLetterQueues.get(functionId);
    if (!dlq) return [];
    return [{ action: 'sqs:SendMessage', resource: dlq.queueArn }, ...this.keyChecks('sqs', dlq.keyArn)];
  }

  private async decide(principal: Principal, check: IamCheck): Promise<Decision> {
    const key = JSON.stringify([principal.arn, check.action, check.resource, check.context ?? {}]);
    let decision = this.decisions.get(key);
    if (!decision) {
      this.evaluations += 1;
      decision = (async () => {
        const resourcePolicy =
          check.resource === '*' ? undefined : (await this.load()).resourcePolicies.get(check.resource);
        return evaluate({
          principalArn: principal.arn,
          accountId: this.opts.accountId,
          identityPolicies: principal.policies,
          ...(resourcePolicy ? { resourcePolicy } : {}),
          check,
        });
      })();
      this.decisions.set(key, decision);
      decision.catch(() => this.decisions.delete(key));
    }
    return decision;
  }

  /** Keeps a refusal; with EIP_KEEPER_IAM_DENIALS_LOG set, also appends it to that file (one JSON line each). */
  private record(caller: CallerIdentity, denial: Denial): void {
    const who = { actor: caller.actor, ...(caller.functionId ? { functionId: caller.functionId } : {}) };
    this.denials.push({ ...denial, ...who });
    const log = process.env.EIP_KEEPER_IAM_DENIALS_LOG;
    if (log)
      appendFileSync(log, `${JSON.stringify({ ...who, message: denial.message, check: denial.check })}\n`);
  }

  /** Every check of a request, in order; the first refusal of the request as a whole stops it. */
  async authorize(caller: CallerIdentity, checks: readonly IamCheck[]): Promise<Authorization> {
    const principal = await this.principalOf(caller);
    const globals: ConditionContext = {
      'aws:PrincipalArn': principal.principalArn,
      'aws:PrincipalAccount': this.opts.accountId,
      'aws:RequestedRegion': this.opts.region,
      // The functions' SDK clients call AWS over HTTPS (the simulated endpoint's plain HTTP is a local detail).
      'aws:SecureTransport': 'true',
    };
    const items = new Map<number, Denial>();
    const all: IamCheck[] = [];
    for (const check of checks) all.push(check, ...(await this.impliedChecks(check)));
    for (const check of all) {
      const full = { ...check, context: sortedContext({ ...globals, ...check.context }) };
      const decision = await this.decide(principal, full);
      if (decision.allowed) continue;
      const denial = denialOf(check, decision, principal.arn);
      this.record(caller, denial);
      if (check.item !== undefined && decision.conditionsOnly) items.set(check.item, denial);
      else return { denial, items };
    }
    return { items };
  }
}
