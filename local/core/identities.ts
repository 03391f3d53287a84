/**
 * The principals of the simulated region. A scenario names an actor; the SDK client for that actor signs with an
 * access key id the server maps back to the actor, so CloudTrail events carry the right userIdentity and
 * userAgent (the keeper's "who changed it" and the sweeper's "who disassociated it" depend on them), and IAM
 * evaluates the actor's policies. eip-keeper's functions are the actor `eip-keeper`, each signing as its own role
 * (`functionActor`), as a Lambda function signs with its execution role.
 */
import { SERVICE_ACTORS } from './service-actors';
import type { CallerIdentity } from './types';

export const ACTOR_KEY_PREFIX = 'SIM';

interface ActorTemplate {
  userAgent?: string;
  identity(accountId: string): Record<string, unknown>;
}

export const assumedRole = (accountId: string, role: string, session: string, invokedBy?: string) => ({
  type: 'AssumedRole',
  principalId: `AROA${role
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '')
    .slice(0, 17)}:${session}`,
  arn: `arn:aws:sts::${accountId}:assumed-role/${role}/${session}`,
  accountId,
  accessKeyId: 'ASIASIMULATED',
  sessionContext: {
    sessionIssuer: {
      type: 'Role',
      principalId: `AROA${role
        .toUpperCase()
        .replace(/[^A-Z0-9]/g, '')
        .slice(0, 17)}`,
      arn: `arn:aws:iam::${accountId}:role/${role}`,
      accountId,
      userName: role,
    },
    attributes: { creationDate: '2026-01-05T08:00:00Z', mfaAuthenticated: 'false' },
  },
  ...(invokedBy ? { invokedBy } : {}),
});

/** The cluster IAM role of the simulated clusters unless a scenario names another. */
export const DEFAULT_CLUSTER_ROLE = 'eks-cluster-role';
/** The session name the VPC resource controller assumes the cluster role with (its `pkg/aws/ec2/api/wrapper.go`). */
export const VPC_RC_SESSION = 'amazon-vpc-resource-controller-k8s';
const VPC_RC_ACTOR = 'vpc-resource-controller';

/**
 * The VPC resource controller of a cluster: it runs in the EKS control plane and calls EC2 as the cluster IAM role
 * (the role DescribeCluster returns), with its own user agent.
 */
function vpcResourceController(role: string): ActorTemplate {
  return {
    userAgent:
      'amazon-vpc-resource-controller-k8s/v1.6.3 aws-sdk-go-v2/1.32.7 os/linux lang/go#1.23.4 md/GOOS#linux md/GOARCH#amd64',
    identity: (a) => assumedRole(a, role, VPC_RC_SESSION, 'eks.amazonaws.com'),
  };
}

/**
 * The actor name of the VPC resource controller of a cluster whose role is `role`: `vpc-resource-controller` for the
 * default role, `vpc-resource-controller@<role>` for another.
 */
export function vpcResourceControllerActor(role = DEFAULT_CLUSTER_ROLE): string {
  return role === DEFAULT_CLUSTER_ROLE ? VPC_RC_ACTOR : `${VPC_RC_ACTOR}@${role}`;
}

export const ACTORS: Record<string, ActorTemplate> = {
  'eip-keeper': {
    identity: (a) => assumedRole(a, 'eip-keeper-function', 'eip-keeper'),
  },
  'vpc-resource-controller': vpcResourceController(DEFAULT_CLUSTER_ROLE),
  'aws-node': {
    userAgent: 'amazon-vpc-cni-k8s/version/v1.19.2 aws-sdk-go-v2/1.32.7 os/linux lang/go#1.23.4',
    identity: (a) => assumedRole(a, 'eks-node-role', 'i-0123456789abcdef0'),
  },
  admin: {
    userAgent: 'aws-cli/2.22.0 md/awscrt#0.22.0 ua/2.0 os/linux#6.1 md/arch#x86_64 lang/python#3.12.6',
    identity: (a) => ({
      type: 'IAMUser',
      principalId: 'AIDASIMULATEDALICE',
      arn: `arn:aws:iam::${a}:user/alice`,
      accountId: a,
      accessKeyId: 'AKIASIMULATEDALICE',
      userName: 'alice',
    }),
  },
};

/** The actor of eip-keeper's functions. */
export const FUNCTIONS_ACTOR = 'eip-keeper';
const FUNCTION_ACTOR_PREFIX = `${FUNCTIONS_ACTOR}/`;

/** The actor a function's SDK clients sign as: `eip-keeper/Sweeper`. */
export function functionActor(functionId: string): string {
  return `${FUNCTION_ACTOR_PREFIX}${functionId}`;
}

/** The execution role of a function in the simulated region (the stack's role, named). */
export function functionRoleName(functionId: string): string {
  return `EipKeeper-${functionId}Role`;
}

/** Lambda's session name for a function's role: the function name. */
export function functionSessionName(functionId: string): string {
  return `EipKeeper-${functionId}`;
}

export function accessKeyIdFor(actor: string): string {
  return `${ACTOR_KEY_PREFIX}${Buffer.from(actor).toString('hex')}`;
}

export function credentialsFor(actor: string) {
  return { accessKeyId: accessKeyIdFor(actor), secretAccessKey: 'simulated' };
}

/**
 * Maps an access key id back to its actor; an unknown actor is an IAM user of that name. `principalArn` is the ARN
 * IAM evaluates: the session of an assumed role, or the user.
 */
export function resolveCaller(accountId: string, accessKeyId: string): CallerIdentity {
  const actor = accessKeyId.startsWith(ACTOR_KEY_PREFIX)
    ? Buffer.from(accessKeyId.slice(ACTOR_KEY_PREFIX.length), 'hex').toString('utf8')
    : 'unknown';
  if (actor.startsWith(FUNCTION_ACTOR_PREFIX)) {
    const functionId = actor.slice(FUNCTION_ACTOR_PREFIX.length);
    const userIdentity = assumedRole(
      accountId,
      functionRoleName(functionId),
      functionSessionName(functionId),
    );
    return { actor: FUNCTIONS_ACTOR, functionId, userIdentity, principalArn: userIdentity.arn };
  }
  const service = SERVICE_ACTORS[actor];
  if (service) return { actor, ...service(accountId) };
  const controllerRole = actor.startsWith(`${VPC_RC_ACTOR}@`) ? actor.slice(VPC_RC_ACTOR.length + 1) : '';
  const template = controllerRole ? vpcResourceController(controllerRole) : ACTORS[actor];
  if (template) {
    const userIdentity = template.identity(accountId);
    return { actor, userIdentity, userAgent: template.userAgent, principalArn: String(userIdentity.arn) };
  }
  const arn = `arn:aws:iam::${accountId}:user/${actor}`;
  return {
    actor,
    userIdentity: {
      type: 'IAMUser',
      principalId: `AIDA${actor.toUpperCase().replace(/[^A-Z0-9]/g, '')}`,
      arn,
      accountId,
      userName: actor,
    },
    principalArn: arn,
  };
}
