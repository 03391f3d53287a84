/**
 * Builders of real-shaped EventBridge CloudTrail events (as events/*.json), for tests that need many of them.
 * Times are CloudTrail's (second resolution, `Z`).
 */
import { seededRandom } from '../../local/eventbridge/router';

export const ACCOUNT = '111122223333';
export const REGION = 'eu-west-1';
export const ORIGIN = { accountId: ACCOUNT, region: REGION };

const assumedRole = (role: string, session: string, invokedBy?: string) => ({
  type: 'AssumedRole',
  principalId: `AROAEXAMPLE${role.length}:${session}`,
  arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${session}`,
  accountId: ACCOUNT,
  accessKeyId: 'ASIAEXAMPLE',
  sessionContext: {
    sessionIssuer: {
      type: 'Role',
      principalId: `AROAEXAMPLE${role.length}`,
      arn: `arn:aws:iam::${ACCOUNT}:role/${role}`,
      accountId: ACCOUNT,
      userName: role,
    },
    attributes: { creationDate: '2026-01-05T08:00:00Z', mfaAuthenticated: 'false' },
  },
  ...(invokedBy ? { invokedBy } : {}),
});

export const WHO = {
  alice: {
    identity: {
      type: 'IAMUser',
      principalId: 'AIDAEXAMPLEALICE',
      arn: `arn:aws:iam::${ACCOUNT}:user/alice`,
      accountId: ACCOUNT,
      accessKeyId: 'AKIAEXAMPLEALICE',
      userName: 'alice',
    },
    userAgent: 'aws-cli/2.22.0 md/awscrt#0.22.0 ua/2.0 os/linux#6.1',
  },
  keeper: {
    identity: assumedRole('eip-keeper-function', 'eip-keeper'),
    userAgent: 'aws-sdk-js/3.1169.0 ua/2.1 os/linux#5.10 lang/js md/nodejs#20.18.0',
  },
  /** The VPC resource controller: the cluster IAM role, its own session name and user agent. */
  vpcRc: {
    identity: assumedRole('eks-cluster-role', 'amazon-vpc-resource-controller-k8s', 'eks.amazonaws.com'),
    userAgent:
      'amazon-vpc-resource-controller-k8s/v1.6.3 aws-sdk-go-v2/1.32.7 os/linux lang/go#1.23.4 md/GOOS#linux md/GOARCH#amd64',
  },
} as const;
export type Who = keyof typeof WHO;

export interface Common {
  id: string;
  at: string;
  who?: Who;
}

export function cloudTrail(
  eventName: string,
  c: Common,
  requestParameters: Record<string, unknown> | null,
  responseElements: Record<string, unknown> | null,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const who = WHO[c.who ?? 'alice'];
  return {
    version: '0',
    id: `eb-${c.id}`,
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.ec2',
    account: ACCOUNT,
    time: c.at,
    region: REGION,
    resources: [],
    detail: {
      eventVersion: '1.10',
      userIdentity: who.identity,
      eventTime: c.at,
      eventSource: 'ec2.amazonaws.com',
      eventName,
      awsRegion: REGION,
      sourceIPAddress: '198.51.100.24',
      userAgent: who.userAgent,
      requestParameters,
      responseElements,
      requestID: `req-${c.id}`,
      eventID: c.id,
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: ACCOUNT,
      eventCategory: 'Management',
      ...extra,
    },
  };
}

const tagCall = (
  eventName: 'CreateTags' | 'DeleteTags',
  c: Common,
  resources: readonly string[],
  tags: readonly { key: string; value?: string }[],
) =>
  cloudTrail(
    eventName,
    c,
    { resourcesSet: { items: resources.map((resourceId) => ({ resourceId })) }, tagSet: { items: tags } },
    { requestId: `r-${c.id}`, _return: true },
  );

export const ct = {
  /** An AllocateAddress, with the tags the address is born with when given. */
  allocate: (c: Common, allocationId: string, publicIp: string, tags?: Record<string, string>) =>
    cloudTrail(
      'AllocateAddress',
      c,
      {
        domain: 'vpc',
        ...(tags
          ? {
              tagSpecificationSet: {
                items: [
                  {
                    resourceType: 'elastic-ip',
                    tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
                  },
                ],
              },
            }
          : {}),
      },
      { requestId: `r-${c.id}`, publicIp, domain: 'vpc', allocationId, publicIpv4Pool: 'amazon' },
    ),
  createTags: (c: Common, resources: readonly string[], tags: Record<string, string>) =>
    tagCall(
      'CreateTags',
      c,
      resources,
      Object.entries(tags).map(([key, value]) => ({ key, value })),
    ),
  /** A DeleteTags of keys (a key alone, or `key=value` to remove it only with that value). */
  deleteTags: (c: Common, resources: readonly string[], keys: readonly string[]) =>
    tagCall(
      'DeleteTags',
      c,
      resources,
      keys.map((k) => {
        const [key, value] = k.split('=');
        return value === undefined ? { key: key as string } : { key: key as string, value };
      }),
    ),
  associate: (
    c: Common,
    allocationId: string,
    associationId: string,
    eniId: string,
    privateIp = '10.0.0.10',
  ) =>
    cloudTrail(
      'AssociateAddress',
      { who: 'keeper', ...c },
      { allocationId, networkInterfaceId: eniId, privateIpAddress: privateIp, allowReassociation: false },
      { requestId: `r-${c.id}`, _return: true, associationId },
    ),
  disassociate: (c: Common, associationId: string) =>
    cloudTrail('DisassociateAddress', c, { associationId }, { requestId: `r-${c.id}`, _return: true }),
  release: (c: Common, allocationId: string) =>
    cloudTrail('ReleaseAddress', c, { allocationId }, { requestId: `r-${c.id}`, _return: true }),
  createEni: (c: Common, eniId: string, opts: { subnetId?: string; sg?: string; privateIp?: string } = {}) =>
    cloudTrail(
      'CreateNetworkInterface',
      { who: 'vpcRc', ...c },
      {
        subnetId: opts.subnetId ?? 'subnet-0a1b2c3d4e5f60718',
        description: 'aws-k8s-branch-eni',
        groupSet: { items: [{ groupId: opts.sg ?? 'sg-0123456789abcdef0' }] },
      },
      {
        requestId: `r-${c.id}`,
        networkInterface: {
          networkInterfaceId: eniId,
          subnetId: opts.subnetId ?? 'subnet-0a1b2c3d4e5f60718',
          vpcId: 'vpc-0f1e2d3c4b5a69788',
          availabilityZone: 'eu-west-1a',
          description: 'aws-k8s-branch-eni',
          interfaceType: 'branch',
          privateIpAddress: opts.privateIp ?? '10.0.0.10',
          groupSet: { items: [{ groupId: opts.sg ?? 'sg-0123456789abcdef0', groupName: 'pods' }] },
          privateIpAddressesSet: {
            item: [{ privateIpAddress: opts.privateIp ?? '10.0.0.10', primary: true }],
          },
          tagSet: { items: [{ key: 'eks:eni:owner', value: 'eks-vpc-resource-controller' }] },
        },
      },
    ),
  deleteEni: (c: Common, eniId: string) =>
    cloudTrail(
      'DeleteNetworkInterface',
      { who: 'vpcRc', ...c },
      { networkInterfaceId: eniId },
      { requestId: `r-${c.id}`, _return: true },
    ),
  /** The same call, failed: CloudTrail records errorCode/errorMessage and no response. */
  failed: (event: Record<string, unknown>, errorCode: string, errorMessage = 'failed') => {
    const detail = { ...(event.detail as Record<string, unknown>) };
    detail.errorCode = errorCode;
    detail.errorMessage = errorMessage;
    detail.responseElements = null;
    detail.eventID = `${String(detail.eventID)}-failed`;
    return { ...event, detail };
  },
};

/** The items in an order fixed by `seed` (Fisher–Yates over the local EventBridge's PRNG). */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const rnd = seededRandom(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
