/** Alert formats, keeper event parsing and the `pools` report, on literal data. */
import { describe, expect, it } from 'vitest';
import { subjectProblem } from '../../local/sns/service';
import { manuallyHeldAlert, poolExhaustedAlert } from '../../shared/keeper/alerts';
import { parseKeeperEvent } from '../../shared/keeper/events';
import { buildPoolsReport, formatPoolsReport } from '../../shared/keeper/report';
import { subjectLine } from '../../shared/notify/escape';
import { renderNotification } from '../../shared/notify/render';

const ORIGIN = { accountId: '111122223333', region: 'eu-west-1' };

function ctEvent(
  eventName: string,
  detail: Record<string, unknown> = {},
  envelope: Record<string, unknown> = {},
) {
  return {
    version: '0',
    id: 'ev-1',
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.ec2',
    account: '111122223333',
    region: 'eu-west-1',
    time: '2026-01-05T09:00:00Z',
    resources: [],
    ...envelope,
    detail: {
      eventVersion: '1.09',
      eventID: 'e-1',
      eventTime: '2026-01-05T09:00:00Z',
      eventSource: 'ec2.amazonaws.com',
      eventName,
      awsRegion: 'eu-west-1',
      recipientAccountId: '111122223333',
      userIdentity: { type: 'AssumedRole' },
      requestParameters: {},
      responseElements: {},
      ...detail,
    },
  };
}

const exhaustedInfo = {
  pool: 'payments',
  region: 'eu-west-1',
  accountId: '111122223333',
  at: '2026-01-05T09:13:00.000Z',
  episode: 1,
  counts: { size: 3, held: 3, manual: 0, free: 0, waiting: 2 },
  waiting: [
    { eniId: 'eni-0a', privateIp: '10.0.1.8', since: '2026-01-05T09:13:00.000Z' },
    { eniId: 'eni-0b', privateIp: '10.0.1.9' },
  ],
  manuallyHeld: [{ publicIp: '203.0.113.9', allocationId: 'eipalloc-09', heldBy: 'eni-0f' }],
  allocateOnExhaustion: false,
};

describe('pool-exhausted alert', () => {
  const alert = renderNotification(poolExhaustedAlert('[eip-keeper]', exhaustedInfo));

  it('has a subject SNS accepts that names the pool and how many ENIs wait', () => {
    expect(alert.subject).toBe('[eip-keeper] pool payments exhausted: 2 ENIs waiting for an Elastic IP');
    expect(subjectProblem(alert.subject)).toBeUndefined();
  });

  it('sends plain text to e-mail, the versioned JSON by default and an AWS Chatbot custom notification to https', () => {
    const body = JSON.parse(alert.message) as Record<string, string>;
    expect(body.email).toBe(alert.email);
    expect(JSON.parse(body.default as string)).toMatchObject({
      schema: 'eip-keeper.notification',
      version: 1,
      source: 'keeper',
      kind: 'pool-exhausted',
      facts: { pool: 'payments', episode: 1, waiting: 2, free: 0 },
      text: alert.email,
    });
    const chat = JSON.parse(body.https as string);
    expect(chat).toMatchObject({
      version: '1.0',
      source: 'custom',
      content: { textType: 'client-markdown' },
    });
    expect(chat.content.title).toBe(alert.subject);
  });

  it('lists the waiting ENIs, the manual holds, and says nothing will be allocated', () => {
    expect(alert.email).toContain('eni-0a (pod IP 10.0.1.8) waiting since 2026-01-05T09:13:00.000Z');
    expect(alert.email).toContain('203.0.113.9 (eipalloc-09) is on eni-0f');
    expect(alert.email).toContain('eip-keeper never allocates into this pool');
    expect(alert.email).toContain('only alert of episode 1');
  });

  it('warns that allocated addresses are on no allowlist when the pool allocates', () => {
    const a = renderNotification(
      poolExhaustedAlert('[eip-keeper]', { ...exhaustedInfo, allocateOnExhaustion: true }),
    );
    expect(a.email).toContain('new IPs are on no partner allowlist');
  });

  it('keeps a long subject under SNS limits and ASCII only', () => {
    const s = subjectLine(`[eip-keeper ✓] pool ${'x'.repeat(200)}`);
    expect(s.length).toBeLessThan(100);
    expect(subjectProblem(s)).toBeUndefined();
  });
});

describe('manually-held alert', () => {
  it('says where the address is, that it will not be taken back, and how to undo it', () => {
    const a = renderNotification(
      manuallyHeldAlert('[eip-keeper]', {
        pool: 'payments',
        region: 'eu-west-1',
        accountId: '111122223333',
        at: '2026-01-05T09:20:00.000Z',
        publicIp: '203.0.113.2',
        allocationId: 'eipalloc-02',
        associationId: 'eipassoc-77',
        eniId: 'eni-0f',
        privateIp: '10.0.9.9',
        displaced: { eniId: 'eni-01', privateIp: '10.0.1.4' },
      }),
    );
    expect(a.subject).toBe('[eip-keeper] pool payments: 203.0.113.2 associated outside eip-keeper');
    expect(a.email).toContain('is associated with eni-0f (10.0.9.9) (association eipassoc-77)');
    expect(a.email).toContain('taken from pod ENI eni-01');
    expect(a.email).toContain('eip-keeper never takes an address back');
    expect(a.email).toContain('--association-id eipassoc-77');
  });
});

describe('parseKeeperEvent', () => {
  it('reads a branch ENI creation with its groups, tags and IPs, and who created it when', () => {
    const r = parseKeeperEvent(
      ctEvent('CreateNetworkInterface', {
        userIdentity: {
          type: 'AssumedRole',
          arn: 'arn:aws:sts::111122223333:assumed-role/eks-cluster-role/amazon-vpc-resource-controller-k8s',
          sessionContext: { sessionIssuer: { arn: 'arn:aws:iam::111122223333:role/eks-cluster-role' } },
        },
        responseElements: {
          networkInterface: {
            networkInterfaceId: 'eni-0abc',
            subnetId: 'subnet-0a',
            description: 'aws-k8s-branch-eni',
            privateIpAddress: '10.0.1.4',
            groupSet: { items: [{ groupId: 'sg-0a' }] },
            privateIpAddressesSet: { item: [{ privateIpAddress: '10.0.1.4', primary: true }] },
            tagSet: { items: [{ key: 'kubernetes.io/cluster/prod', value: 'owned' }] },
          },
        },
      }),
      ORIGIN,
    );
    expect(r).toEqual({
      kind: 'ok',
      record: {
        kind: 'eni-created',
        eventId: 'e-1',
        eventTime: '2026-01-05T09:00:00.000Z',
        eni: {
          eniId: 'eni-0abc',
          subnetId: 'subnet-0a',
          description: 'aws-k8s-branch-eni',
          securityGroupIds: ['sg-0a'],
          tags: { 'kubernetes.io/cluster/prod': 'owned' },
          privateIp: '10.0.1.4',
          secondaryIps: [],
        },
        creation: {
          actor: {
            type: 'AssumedRole',
            arn: 'arn:aws:sts::111122223333:assumed-role/eks-cluster-role/amazon-vpc-resource-controller-k8s',
            roleArn: 'arn:aws:iam::111122223333:role/eks-cluster-role',
            userName: 'eks-cluster-role',
            sessionName: 'amazon-vpc-resource-controller-k8s',
          },
          at: '2026-01-05T09:00:00.000Z',
          eventId: 'e-1',
        },
      },
    });
  });

  it('reads a deletion, and secondary IPs assigned and unassigned', () => {
    const del = parseKeeperEvent(
      ctEvent('DeleteNetworkInterface', { requestParameters: { networkInterfaceId: 'eni-0abc' } }),
      ORIGIN,
    );
    expect(del).toMatchObject({ kind: 'ok', record: { kind: 'eni-deleted', eniId: 'eni-0abc' } });
    const assigned = parseKeeperEvent(
      ctEvent('AssignPrivateIpAddresses', {
        requestParameters: { networkInterfaceId: 'eni-0abc', secondaryPrivateIpAddressCount: 2 },
        responseElements: {
          assignedPrivateIpAddressesSet: {
            items: [{ privateIpAddress: '10.0.1.50' }, { privateIpAddress: '10.0.1.51' }],
          },
        },
      }),
      ORIGIN,
    );
    expect(assigned).toMatchObject({
      record: { kind: 'ips-assigned', privateIps: ['10.0.1.50', '10.0.1.51'] },
    });
    const unassigned = parseKeeperEvent(
      ctEvent('UnassignPrivateIpAddresses', {
        requestParameters: {
          networkInterfaceId: 'eni-0abc',
          privateIpAddressesSet: { items: [{ privateIpAddress: '10.0.1.50' }] },
        },
      }),
      ORIGIN,
    );
    expect(unassigned).toMatchObject({ record: { kind: 'ips-unassigned', privateIps: ['10.0.1.50'] } });
  });

  it('rejects a failed call, another account, another region and a malformed id, saying why', () => {
    expect(
      parseKeeperEvent(
        ctEvent('CreateNetworkInterface', { errorCode: 'Client.InsufficientFreeAddressesInSubnet' }),
        ORIGIN,
      ),
    ).toMatchObject({ kind: 'rejected', reason: 'failed-call' });
    expect(
      parseKeeperEvent(ctEvent('AssignPrivateIpAddresses', { errorCode: 'Client.DryRunOperation' }), ORIGIN),
    ).toMatchObject({ kind: 'rejected', reason: 'failed-call' });
    expect(
      parseKeeperEvent(
        ctEvent(
          'DeleteNetworkInterface',
          { recipientAccountId: '999988887777' },
          { account: '999988887777' },
        ),
        ORIGIN,
      ),
    ).toMatchObject({ kind: 'rejected', reason: 'other-account' });
    expect(
      parseKeeperEvent(
        ctEvent('DeleteNetworkInterface', { awsRegion: 'us-east-1' }, { region: 'us-east-1' }),
        ORIGIN,
      ),
    ).toMatchObject({ kind: 'rejected', reason: 'other-region' });
    expect(
      parseKeeperEvent(
        ctEvent('UnassignPrivateIpAddresses', { requestParameters: { networkInterfaceId: 42 } }),
        ORIGIN,
      ),
    ).toMatchObject({ kind: 'rejected', reason: 'invalid-field' });
    expect(parseKeeperEvent({ detail: 'nope' }, ORIGIN)).toMatchObject({
      kind: 'rejected',
      reason: 'missing-detail',
    });
    expect(parseKeeperEvent(ctEvent('RunInstances'), ORIGIN)).toMatchObject({ reason: 'unknown-event-name' });
  });
});

describe('pools report', () => {
  const addresses = [
    {
      allocationId: 'eipalloc-01',
      publicIp: '203.0.113.1',
      pool: 'payments',
      association: { associationId: 'a1', eniId: 'eni-01', privateIp: '10.0.1.4' },
    },
    { allocationId: 'eipalloc-02', publicIp: '203.0.113.2', pool: 'payments' },
    {
      allocationId: 'eipalloc-03',
      publicIp: '203.0.113.3',
      pool: 'payments',
      association: { associationId: 'a9', eniId: 'eni-09', privateIp: '10.0.9.9' },
    },
  ];
  const snapshot = {
    pool: 'payments',
    claims: [
      {
        pool: 'payments',
        allocationId: 'eipalloc-01',
        holder: {
          eniId: 'eni-01',
          privateIp: '10.0.1.4',
          claimedAt: '2026-01-05T09:00:00.000Z',
          associatedAt: '2026-01-05T09:00:01.000Z',
          associationId: 'a1',
          via: 'event' as const,
        },
      },
      {
        pool: 'payments',
        allocationId: 'eipalloc-02',
        lastReleasedAt: '2026-01-05T09:41:00.000Z',
        lastHolder: { eniId: 'eni-02', privateIp: '10.0.1.5' },
      },
      {
        pool: 'payments',
        allocationId: 'eipalloc-03',
        manualHold: { associationId: 'a9', eniId: 'eni-09', detectedAt: '2026-01-05T09:50:00.000Z' },
      },
    ],
    waiters: [
      { pool: 'payments', eniId: 'eni-07', privateIp: '10.0.1.7', since: '2026-01-05T09:55:00.000Z' },
    ],
    exhaustion: { pool: 'payments', open: true, episode: 2, openedAt: '2026-01-05T09:55:00.000Z' },
  };

  it('shows each EIP with its holder, idle-since, manual holds and the waiting ENIs', () => {
    const [r] = buildPoolsReport(addresses, new Map([['payments', snapshot]]));
    expect(r?.eips.map((e) => [e.publicIp, e.state, e.holder?.eniId ?? null, e.idleSince ?? null])).toEqual([
      ['203.0.113.1', 'held', 'eni-01', null],
      ['203.0.113.2', 'free', null, '2026-01-05T09:41:00.000Z'],
      ['203.0.113.3', 'manually-held', 'eni-09', null],
    ]);
    expect(r?.waiting).toEqual([
      { eniId: 'eni-07', privateIp: '10.0.1.7', since: '2026-01-05T09:55:00.000Z' },
    ]);
    expect(r?.exhausted).toEqual({ episode: 2, since: '2026-01-05T09:55:00.000Z' });
    const text = formatPoolsReport(buildPoolsReport(addresses, new Map([['payments', snapshot]])), true);
    expect(text).toContain(
      'pool payments (3 EIPs: 1 held, 1 free, 1 held outside eip-keeper, 1 ENIs waiting)',
    );
    expect(text).toContain('held by eni-01 (10.0.1.4) since 2026-01-05T09:00:01.000Z');
    expect(text).toContain('idle since 2026-01-05T09:41:00.000Z (last on eni-02)');
  });

  it('shows what EC2 alone knows when the table is not given, and says how to get the rest', () => {
    const reports = buildPoolsReport(addresses, undefined);
    expect(reports[0]?.eips.map((e) => e.state)).toEqual(['associated', 'unassociated', 'associated']);
    expect(formatPoolsReport(reports, false)).toContain('pass --table <name> or set EIP_KEEPER_TABLE');
  });
});
