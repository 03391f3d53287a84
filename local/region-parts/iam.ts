/**
 * IAM in a simulated region (docs/iam-in-the-simulated-region.md): the stack's policies for the region's current
 * configuration, the DynamoDB proxy's decisions, Lambda's sends to a function's on-failure queue with the function's
 * role, and the keeper roles the stack tells the inventory recorder.
 */
import { FUNCTIONS, type FunctionSpec, type PermissionSpec } from '../../shared/app/functions';
import type { AppConfig } from '../../shared/config/schema';
import { credentialsFor, functionActor, functionRoleName, resolveCaller } from '../core/identities';
import type { CallRecord } from '../core/server';
import type { Answer } from '../dynamodb-faults';
import { dynamoDbAccessDenied, dynamoDbIamChecks } from '../dynamodb-iam';
import type { LocalEventBridge } from '../eventbridge/router';
import { RegionIam } from '../iam/authorizer';
import type { PolicyDocument } from '../iam/policy';
import { resolveStackPolicies, stackTemplate } from '../iam/stack-policies';

/** What IAM needs of the region: its names, and the configuration its functions run with now. */
export interface IamSite {
  accountId: string;
  regionName: string;
  tableName: string;
  topicArn: string;
  config(): AppConfig;
}

/**
 * IAM with the stack's policies for the region's configuration (synthesized again after a redeploy). A region that
 * deploys functions synthesizes them now, not in its first call, and refuses a function the stack does not deploy,
 * since no role of the stack's is its. Lambda's sends to the on-failure queues (`bus`) are authorized from then on.
 */
export async function startRegionIam(r: {
  site: IamSite;
  bus: LocalEventBridge;
  functions: readonly FunctionSpec[];
  actorPolicies?: Record<string, PolicyDocument>;
  /** Counts a Lambda metric of a function (`DestinationDeliveryFailures`). */
  metric(functionId: string, name: string): void;
}): Promise<RegionIam> {
  const { accountId, regionName: region, tableName, topicArn } = r.site;
  const iam = new RegionIam({
    accountId,
    region,
    actorPolicies: r.actorPolicies,
    stackPolicies: async () =>
      resolveStackPolicies(await stackTemplate(r.site.config(), accountId, region), {
        partition: 'aws',
        region,
        accountId,
        tableName,
        topicArn,
      }),
  });
  if (r.functions.length > 0) {
    const { roles } = await iam.load();
    const outside = r.functions.filter((f) => !roles.has(f.id)).map((f) => f.id);
    if (outside.length > 0) {
      throw new Error(
        `${outside.join(', ')}: not in the stack's function catalog, so IAM has no role to evaluate; start the region with iam: false to deploy it`,
      );
    }
  }
  // Lambda puts a failed asynchronous invocation in the function's on-failure queue with the function's role; a
  // refused send loses the invocation, and Lambda counts DestinationDeliveryFailures.
  r.bus.sendDeadLetter = async ({ functionId }) => {
    if (await deadLetterAllowed(iam, accountId, functionId)) return true;
    r.metric(functionId, 'DestinationDeliveryFailures');
    return false;
  };
  return iam;
}

/** The caller a function's SDK clients sign as. */
function functionCaller(accountId: string, functionId: string) {
  return resolveCaller(accountId, credentialsFor(functionActor(functionId)).accessKeyId);
}

/** Whether Lambda may put a failed invocation of the function in its on-failure queue (it sends as its role). */
async function deadLetterAllowed(iam: RegionIam, accountId: string, functionId: string): Promise<boolean> {
  const { denial } = await iam.authorize(
    functionCaller(accountId, functionId),
    await iam.deadLetterChecks(functionId),
  );
  return !denial;
}

/**
 * The DynamoDB proxy's IAM hook: IAM's refusal of a request (recorded among the region's calls), or undefined when
 * it is allowed or IAM is off.
 */
export const dynamoDbAuthorizer =
  (iam: () => RegionIam | undefined, site: Pick<IamSite, 'accountId' | 'regionName'>, calls: CallRecord[]) =>
  async (accessKeyId: string, operation: string, body: string): Promise<Answer | undefined> => {
    const regionIam = iam();
    const caller = resolveCaller(site.accountId, accessKeyId);
    if (!regionIam?.governs(caller)) return undefined;
    const env = { region: site.regionName, accountId: site.accountId };
    const { denial } = await regionIam.authorize(caller, dynamoDbIamChecks(env, operation, body));
    if (!denial) return undefined;
    calls.push({
      service: 'dynamodb',
      action: operation,
      actor: caller.actor,
      ...(caller.functionId ? { functionId: caller.functionId } : {}),
      outcome: 'AccessDeniedException',
    });
    return dynamoDbAccessDenied(denial);
  };

/**
 * The roles of the functions that may associate addresses under `config` (the keeper's, once a pool is configured), by
 * the stack's own rule: the recorder tells the keeper's associations by them. Each function signs as its own role
 * here, as in Lambda.
 */
export function keeperRoleArns(accountId: string, config: AppConfig): string[] {
  const associates = (p: PermissionSpec) =>
    p.actions.includes('ec2:AssociateAddress') && (p.when?.(config) ?? true);
  return FUNCTIONS.filter((f) => f.permissions.some(associates)).map(
    (f) => `arn:aws:iam::${accountId}:role/${functionRoleName(f.id)}`,
  );
}
