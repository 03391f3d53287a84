/**
 * One IAM decision, by `@cloud-copilot/iam-simulate`: AWS's evaluation logic over identity and resource policies
 * (explicit Deny wins, then an Allow from either side in the same account; KMS keys need their key policy), with
 * every condition operator, set operators and the Service Authorization Reference's types of condition keys (a
 * multivalued key such as `aws:TagKeys` or `events:source` needs `ForAllValues`/`ForAnyValue`). The module is
 * AGPL-licensed: it is a development dependency of the simulated region and never part of a function bundle
 * (test/local/iam-bundles.test.ts proves it).
 */
import type { RequestAnalysis, RunSimulationResults } from '@cloud-copilot/iam-simulate';
import type { IamCheck, PolicyDocument } from './policy';

export interface EvaluationRequest {
  principalArn: string;
  accountId: string;
  identityPolicies: readonly PolicyDocument[];
  resourcePolicy?: PolicyDocument;
  check: IamCheck;
}

export interface Decision {
  allowed: boolean;
  explicit: boolean;
  deniedBy?: 'identity' | 'resource';
  /** Some Allow statement matched the action and resource but not its conditions. */
  conditionsOnly: boolean;
  /** Sids of the statements that decided (the Denies that matched, or the Allows that failed on conditions). */
  statements: string[];
}

/** iam-simulate refused the simulation itself (an unknown action, an ARN of no resource type of the action…). */
export class IamSimulationError extends Error {
  override readonly name = 'IamSimulationError';
}

type Simulate = typeof import('@cloud-copilot/iam-simulate').runSimulation;
let simulate: Promise<Simulate> | undefined;

function loadSimulator(): Promise<Simulate> {
  simulate ??= import('@cloud-copilot/iam-simulate').then((m) => m.runSimulation);
  return simulate;
}

function analysesOf(result: Exclude<RunSimulationResults, { resultType: 'error' }>): RequestAnalysis[] {
  return result.resultType === 'single' ? [result.result.analysis] : result.results.map((r) => r.analysis);
}

type StatementAnalysis = NonNullable<RequestAnalysis['identityAnalysis']>['denyStatements'][number];

const sidOf = (s: StatementAnalysis) => s.statement.sid?.() ?? `#${s.statement.index()}`;

function decide(allowed: boolean, analyses: RequestAnalysis[]): Decision {
  const identityDenies = analyses.flatMap((a) => a.identityAnalysis?.denyStatements ?? []);
  const resourceDenies = analyses.flatMap((a) => a.resourceAnalysis?.denyStatements ?? []);
  const nearMisses = analyses
    .flatMap((a) => [
      ...(a.identityAnalysis?.unmatchedStatements ?? []),
      ...(a.resourceAnalysis?.unmatchedStatements ?? []),
    ])
    .filter((s) => s.statement.isAllow() && s.actionMatch && s.resourceMatch && s.conditionMatch !== 'Match');
  const explicit = !allowed && identityDenies.length + resourceDenies.length > 0;
  return {
    allowed,
    explicit,
    ...(explicit ? { deniedBy: identityDenies.length > 0 ? 'identity' : 'resource' } : {}),
    conditionsOnly: !allowed && !explicit && nearMisses.length > 0,
    statements: (explicit ? [...identityDenies, ...resourceDenies] : allowed ? [] : nearMisses).map(sidOf),
  };
}

/** Evaluates one check as AWS would for a principal of `accountId` (the resource is in the same account). */
export async function evaluate(req: EvaluationRequest): Promise<Decision> {
  const run = await loadSimulator();
  const result = await run(
    {
      request: {
        principal: req.principalArn,
        action: req.check.action,
        resource: { resource: req.check.resource, accountId: req.accountId },
        contextVariables: req.check.context ?? {},
      },
      identityPolicies: req.identityPolicies.map((policy, i) => ({ name: `policy-${i}`, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(req.resourcePolicy ? { resourcePolicy: req.resourcePolicy } : {}),
    },
    {},
  );
  if (result.resultType === 'error') {
    throw new IamSimulationError(
      `cannot evaluate ${req.check.action} on ${req.check.resource}: ${JSON.stringify(result.errors)}`,
    );
  }
  return decide(result.overallResult === 'Allowed', analysesOf(result));
}
