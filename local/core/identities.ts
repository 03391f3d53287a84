/**
 * The principals of the simulated region. A scenario names an actor; the SDK client for that actor signs with an
 * access key id the server maps back to the actor, so CloudTrail events carry the right userIdentity and
 * userAgent (the keeper's "who changed it" and the sweeper's "who disassociated it" depend on them).
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

export const ACTORS: Record<string, ActorTemplate> = {
  'eip-keeper': {
    identity: (a) => assumedRole(a, 'eip-keeper-function', 'eip-keeper'),
  },
  'vpc-resource-controller': {
    userAgent: 'eks-vpc-resource-controller/v1.6.3 aws-sdk-go/1.55.5 (go1.23.4; linux; amd64)',
    identity: (a) => assumedRole(a, 'eks-cluster-role', 'aws-go-sdk-1736067600000', 'eks.amazonaws.com'),
  },
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

export function accessKeyIdFor(actor: string): string {
  return `${ACTOR_KEY_PREFIX}${Buffer.from(actor).toString('hex')}`;
}

export function credentialsFor(actor: string) {
  return { accessKeyId: accessKeyIdFor(actor), secretAccessKey: 'simulated' };
}

/** Maps an access key id back to its actor; an unknown actor is an IAM user of that name. */
export function resolveCaller(accountId: string, accessKeyId: string): CallerIdentity {
  const actor = accessKeyId.startsWith(ACTOR_KEY_PREFIX)
    ? Buffer.from(accessKeyId.slice(ACTOR_KEY_PREFIX.length), 'hex').toString('utf8')
    : 'unknown';
  const service = SERVICE_ACTORS[actor];
  if (service) return { actor, ...service(accountId) };
  const template = ACTORS[actor];
  if (template) return { actor, userIdentity: template.identity(accountId), userAgent: template.userAgent };
  return {
    actor,
    userIdentity: {
      type: 'IAMUser',
      principalId: `AIDA${actor.toUpperCase().replace(/[^A-Z0-9]/g, '')}`,
      arn: `arn:aws:iam::${accountId}:user/${actor}`,
      accountId,
      userName: actor,
    },
  };
}
