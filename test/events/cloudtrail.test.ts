import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  describeActor,
  normalizeIsoTime,
  parseCloudTrailEnvelope,
  parseCloudTrailEvent,
  readTags,
  setItems,
  summarizeActor,
} from '../../shared/events/cloudtrail';

const ORIGIN = { accountId: '111122223333', region: 'eu-west-1' };

function sample(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../../events/${name}.json`, import.meta.url), 'utf8'));
}

/** A copy of a sample with `detail` fields replaced (undefined deletes). */
function withDetail(name: string, patch: Record<string, unknown>, top: Record<string, unknown> = {}) {
  const ev = sample(name);
  const detail = { ...(ev.detail as Record<string, unknown>) };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) delete detail[k];
    else detail[k] = v;
  }
  const out: Record<string, unknown> = { ...ev, detail };
  for (const [k, v] of Object.entries(top)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

const aliceActor = {
  type: 'IAMUser',
  arn: 'arn:aws:iam::111122223333:user/alice',
  principalId: 'AIDAEXAMPLEALICE0001',
  accountId: '111122223333',
  userName: 'alice',
};

describe('parseCloudTrailEvent on the sample events', () => {
  it('reads a branch ENI creation with its subnet, security groups, IPs and tags', () => {
    const result = parseCloudTrailEvent(sample('create-network-interface'), ORIGIN);
    expect(result).toEqual({
      kind: 'ok',
      record: {
        eventId: '7d3e1b2a-5c4f-4e6d-8a9b-000000000003',
        eventTime: '2026-01-05T09:10:00.000Z',
        eventName: 'CreateNetworkInterface',
        actor: {
          type: 'AssumedRole',
          arn: 'arn:aws:sts::111122223333:assumed-role/eks-cluster-role/amazon-vpc-resource-controller-k8s',
          principalId: 'AROAEXAMPLEEKSCLUSTE:amazon-vpc-resource-controller-k8s',
          accountId: '111122223333',
          userName: 'eks-cluster-role',
          roleArn: 'arn:aws:iam::111122223333:role/eks-cluster-role',
          sessionName: 'amazon-vpc-resource-controller-k8s',
          invokedBy: 'eks.amazonaws.com',
        },
        userAgent:
          'amazon-vpc-resource-controller-k8s/v1.6.3 aws-sdk-go-v2/1.32.7 os/linux lang/go#1.23.4 md/GOOS#linux md/GOARCH#amd64',
        eniId: 'eni-0b1a2c3d4e5f60718',
        subnetId: 'subnet-0a1b2c3d4e5f60718',
        vpcId: 'vpc-0f1e2d3c4b5a69788',
        az: 'eu-west-1a',
        description: 'aws-k8s-branch-eni',
        // The controller passes no InterfaceType: the response shows the default type.
        interfaceType: 'interface',
        privateIp: '10.0.12.34',
        privateIps: ['10.0.12.34'],
        securityGroupIds: ['sg-0123456789abcdef0'],
        tags: {
          'eks:eni:owner': 'eks-vpc-resource-controller',
          'kubernetes.io/cluster/prod': 'owned',
          'vpcresources.k8s.aws/trunk-eni-id': 'eni-0f0e0d0c0b0a09080',
          'vpcresources.k8s.aws/vlan-id': '3',
          'node.k8s.amazonaws.com/instance_id': 'i-0123456789abcdef0',
        },
        macAddress: '0a:1b:2c:3d:4e:5f',
        requesterManaged: false,
        ownerId: '111122223333',
      },
    });
  });

  it('reads an association with its target ENI and private IP', () => {
    const result = parseCloudTrailEvent(sample('associate-address'), ORIGIN);
    expect(result).toMatchObject({
      kind: 'ok',
      record: {
        eventName: 'AssociateAddress',
        eventTime: '2026-01-05T09:10:05.000Z',
        allocationId: 'eipalloc-0a1b2c3d4e5f60718',
        associationId: 'eipassoc-0a1b2c3d4e5f60718',
        eniId: 'eni-0b1a2c3d4e5f60718',
        privateIp: '10.0.12.34',
        allowReassociation: false,
        actor: { type: 'AssumedRole', userName: 'eip-keeper-InventoryRecorder', sessionName: 'eip-keeper' },
      },
    });
  });

  it('reads an allocation with its public IP', () => {
    expect(parseCloudTrailEvent(sample('allocate-address'), ORIGIN)).toEqual({
      kind: 'ok',
      record: {
        eventId: '7d3e1b2a-5c4f-4e6d-8a9b-000000000001',
        eventTime: '2026-01-05T09:00:00.000Z',
        eventName: 'AllocateAddress',
        actor: aliceActor,
        userAgent:
          'aws-cli/2.22.0 md/awscrt#0.22.0 ua/2.0 os/linux#6.1 md/arch#x86_64 lang/python#3.12.6 md/command#ec2.allocate-address',
        allocationId: 'eipalloc-0a1b2c3d4e5f60718',
        publicIp: '203.0.113.25',
        publicIpv4Pool: 'amazon',
        networkBorderGroup: 'eu-west-1',
      },
    });
  });

  it('reads a disassociation by its association id only', () => {
    const result = parseCloudTrailEvent(sample('disassociate-address'), ORIGIN);
    expect(result).toMatchObject({
      kind: 'ok',
      record: {
        eventName: 'DisassociateAddress',
        associationId: 'eipassoc-0a1b2c3d4e5f60718',
        actor: aliceActor,
      },
    });
    expect(result.kind === 'ok' && 'allocationId' in result.record).toBe(false);
  });

  it('reads an ENI deletion', () => {
    expect(parseCloudTrailEvent(sample('delete-network-interface'), ORIGIN)).toMatchObject({
      kind: 'ok',
      record: { eventName: 'DeleteNetworkInterface', eniId: 'eni-0b1a2c3d4e5f60718' },
    });
  });

  it('reads a release', () => {
    expect(parseCloudTrailEvent(sample('release-address'), ORIGIN)).toMatchObject({
      kind: 'ok',
      record: { eventName: 'ReleaseAddress', allocationId: 'eipalloc-0a1b2c3d4e5f60718' },
    });
  });

  it.each([
    ['allocate-address-failed', 'Client.AddressLimitExceeded'],
    ['create-network-interface-failed', 'Client.InsufficientFreeAddressesInSubnet'],
    ['associate-address-failed', 'Client.Resource.AlreadyAssociated'],
    ['disassociate-address-failed', 'Client.DryRunOperation'],
    ['delete-network-interface-failed', 'Client.InvalidNetworkInterface.InUse'],
    ['release-address-failed', 'Client.InvalidIPAddress.InUse'],
  ])('rejects the failed call %s as one that changed nothing', (name, errorCode) => {
    const result = parseCloudTrailEvent(sample(name), ORIGIN);
    expect(result).toMatchObject({ kind: 'rejected', reason: 'failed-call', errorCode });
    expect(result.kind === 'rejected' && result.eventId).toMatch(/^7d3e1b2a-/);
    expect(result.kind === 'rejected' && result.errorMessage).toBeTruthy();
  });
});

describe('parseCloudTrailEvent rejections', () => {
  it.each([null, undefined, 'text', 42, [1, 2]])('rejects %j as not an object', (event) => {
    expect(parseCloudTrailEvent(event, ORIGIN)).toMatchObject({ kind: 'rejected', reason: 'not-an-object' });
  });

  it('rejects an event without a detail object', () => {
    expect(parseCloudTrailEvent({ 'detail-type': 'AWS API Call via CloudTrail' }, ORIGIN)).toMatchObject({
      kind: 'rejected',
      reason: 'missing-detail',
    });
    expect(parseCloudTrailEvent({ detail: 'x' }, ORIGIN)).toMatchObject({ reason: 'missing-detail' });
  });

  it('rejects an event of another detail-type', () => {
    const ev = withDetail(
      'allocate-address',
      {},
      { 'detail-type': 'EC2 Instance State-change Notification' },
    );
    expect(parseCloudTrailEvent(ev, ORIGIN)).toMatchObject({
      kind: 'rejected',
      reason: 'wrong-detail-type',
      eventId: '7d3e1b2a-5c4f-4e6d-8a9b-000000000001',
    });
  });

  it('rejects an event recorded for another account (recipientAccountId)', () => {
    const ev = withDetail('allocate-address', { recipientAccountId: '444455556666' });
    expect(parseCloudTrailEvent(ev, ORIGIN)).toMatchObject({ kind: 'rejected', reason: 'other-account' });
  });

  it('rejects an event delivered from another account (top-level account)', () => {
    const ev = withDetail('allocate-address', {}, { account: '444455556666' });
    expect(parseCloudTrailEvent(ev, ORIGIN)).toMatchObject({ kind: 'rejected', reason: 'other-account' });
  });

  it('accepts an event that names the account in only one of the two places', () => {
    const ev = withDetail('allocate-address', { recipientAccountId: undefined });
    expect(parseCloudTrailEvent(ev, ORIGIN).kind).toBe('ok');
  });

  it('rejects an event that names no account at all', () => {
    const ev = withDetail('allocate-address', { recipientAccountId: undefined }, { account: undefined });
    expect(parseCloudTrailEvent(ev, ORIGIN)).toMatchObject({
      reason: 'invalid-field',
      field: 'detail.recipientAccountId',
    });
  });

  it('rejects an event of another region (awsRegion)', () => {
    const ev = withDetail('associate-address', { awsRegion: 'us-east-1' });
    expect(parseCloudTrailEvent(ev, ORIGIN)).toMatchObject({ kind: 'rejected', reason: 'other-region' });
  });

  it('rejects an event of another region (top-level region)', () => {
    const ev = withDetail('associate-address', {}, { region: 'eu-central-1' });
    expect(parseCloudTrailEvent(ev, ORIGIN)).toMatchObject({ kind: 'rejected', reason: 'other-region' });
  });

  it('rejects an account id of the wrong type', () => {
    const ev = withDetail('associate-address', { recipientAccountId: { id: 1 } });
    expect(parseCloudTrailEvent(ev, ORIGIN)).toMatchObject({
      reason: 'invalid-field',
      field: 'detail.recipientAccountId',
    });
  });

  it.each<[unknown, string]>([
    [undefined, 'missing'],
    [12345, 'a number'],
    ['', 'empty'],
  ])('rejects an eventID that is %j (%s)', (eventID) => {
    const ev = withDetail('allocate-address', { eventID });
    expect(parseCloudTrailEvent(ev, ORIGIN)).toMatchObject({
      reason: 'invalid-field',
      field: 'detail.eventID',
    });
  });

  it.each([
    undefined,
    'yesterday',
    '2026-01-05 09:00:00',
    '2026-01-05',
    '2026-13-45T09:00:00Z',
    1767603600000,
  ])('rejects an eventTime of %j', (eventTime) => {
    const ev = withDetail('allocate-address', { eventTime });
    expect(parseCloudTrailEvent(ev, ORIGIN)).toMatchObject({
      reason: 'invalid-field',
      field: 'detail.eventTime',
    });
  });

  it('rejects an event without an eventName', () => {
    const ev = withDetail('allocate-address', { eventName: undefined });
    expect(parseCloudTrailEvent(ev, ORIGIN)).toMatchObject({
      reason: 'invalid-field',
      field: 'detail.eventName',
    });
  });

  it('rejects an EC2 call that is not an inventory event', () => {
    const ev = withDetail('allocate-address', { eventName: 'AssignPrivateIpAddresses' });
    expect(parseCloudTrailEvent(ev, ORIGIN)).toMatchObject({
      kind: 'rejected',
      reason: 'unknown-event-name',
      eventName: 'AssignPrivateIpAddresses',
    });
  });

  it('rejects a call of another service', () => {
    const ev = withDetail('allocate-address', { eventSource: 'eks.amazonaws.com' });
    expect(parseCloudTrailEvent(ev, ORIGIN)).toMatchObject({ reason: 'wrong-event-source' });
  });

  it('treats any non-empty errorCode as a failed call, whatever its type', () => {
    const ev = withDetail('allocate-address', { errorCode: 500 });
    expect(parseCloudTrailEvent(ev, ORIGIN)).toMatchObject({ reason: 'failed-call', errorCode: '500' });
  });

  it('treats an empty or null errorCode as success', () => {
    expect(parseCloudTrailEvent(withDetail('allocate-address', { errorCode: '' }), ORIGIN).kind).toBe('ok');
    expect(parseCloudTrailEvent(withDetail('allocate-address', { errorCode: null }), ORIGIN).kind).toBe('ok');
  });

  it('rejects an allocation whose response names no allocation id', () => {
    const ev = withDetail('allocate-address', {
      responseElements: { requestId: 'r', publicIp: '203.0.113.25' },
    });
    expect(parseCloudTrailEvent(ev, ORIGIN)).toMatchObject({
      reason: 'invalid-field',
      field: 'detail.responseElements.allocationId',
    });
  });

  it('rejects an association whose allocation id is not an allocation id', () => {
    const ev = withDetail('associate-address', {
      requestParameters: { allocationId: 12, networkInterfaceId: 'eni-0b1a2c3d4e5f60718' },
    });
    expect(parseCloudTrailEvent(ev, ORIGIN)).toMatchObject({
      reason: 'invalid-field',
      field: 'detail.requestParameters.allocationId',
    });
  });

  it('rejects an association without its association id (nothing could ever disassociate it)', () => {
    const ev = withDetail('associate-address', { responseElements: { requestId: 'r', _return: true } });
    expect(parseCloudTrailEvent(ev, ORIGIN)).toMatchObject({
      reason: 'invalid-field',
      field: 'detail.responseElements.associationId',
    });
  });

  it('rejects a classic disassociation by public IP (no association id)', () => {
    const ev = withDetail('disassociate-address', { requestParameters: { publicIp: '203.0.113.25' } });
    expect(parseCloudTrailEvent(ev, ORIGIN)).toMatchObject({
      reason: 'invalid-field',
      field: 'detail.requestParameters.associationId',
    });
  });

  it('rejects an ENI creation whose response is missing', () => {
    const ev = withDetail('create-network-interface', { responseElements: null });
    expect(parseCloudTrailEvent(ev, ORIGIN)).toMatchObject({
      reason: 'invalid-field',
      field: 'detail.responseElements.networkInterface.networkInterfaceId',
    });
  });

  it('rejects an ENI deletion without an ENI id', () => {
    const ev = withDetail('delete-network-interface', { requestParameters: {} });
    expect(parseCloudTrailEvent(ev, ORIGIN)).toMatchObject({
      reason: 'invalid-field',
      field: 'detail.requestParameters.networkInterfaceId',
    });
  });

  it('gives every rejection a message', () => {
    const result = parseCloudTrailEvent(withDetail('associate-address', { awsRegion: 'us-east-1' }), ORIGIN);
    expect(result.kind === 'rejected' && result.message).toBe(
      'detail.awsRegion is us-east-1, this deployment serves eu-west-1',
    );
  });
});

describe('parseCloudTrailEvent tolerance', () => {
  it('normalises event times to UTC with milliseconds', () => {
    const ev = withDetail('allocate-address', { eventTime: '2026-01-05T10:00:00+01:00' });
    const result = parseCloudTrailEvent(ev, ORIGIN);
    expect(result.kind === 'ok' && result.record.eventTime).toBe('2026-01-05T09:00:00.000Z');
  });

  it('accepts an association to an instance rather than an ENI', () => {
    const ev = withDetail('associate-address', {
      requestParameters: { allocationId: 'eipalloc-0a1b2c3d4e5f60718', instanceId: 'i-0123456789abcdef0' },
    });
    const result = parseCloudTrailEvent(ev, ORIGIN);
    expect(result).toMatchObject({ kind: 'ok', record: { instanceId: 'i-0123456789abcdef0' } });
    expect(result.kind === 'ok' && 'eniId' in result.record).toBe(false);
  });

  it('reads allowReassociation given as a string, and ignores a mistyped ENI id', () => {
    const ev = withDetail('associate-address', {
      requestParameters: {
        allocationId: 'eipalloc-0a1b2c3d4e5f60718',
        networkInterfaceId: { id: 'eni-1' },
        allowReassociation: 'true',
      },
    });
    const result = parseCloudTrailEvent(ev, ORIGIN);
    expect(result).toMatchObject({ kind: 'ok', record: { allowReassociation: true } });
    expect(result.kind === 'ok' && 'eniId' in result.record).toBe(false);
  });

  it('reads a minimal ENI creation: only the id, tags as a plain array, groups from the request', () => {
    const ev = withDetail('create-network-interface', {
      requestParameters: { subnetId: 'subnet-0aa', groupSet: { items: [{ groupId: 'sg-0bb' }] } },
      responseElements: {
        networkInterface: {
          networkInterfaceId: 'eni-0cc',
          privateIpAddress: '10.1.2.3',
          tags: [{ key: 'AmazonBedrockAgentCoreManaged', value: true }],
        },
      },
    });
    expect(parseCloudTrailEvent(ev, ORIGIN)).toMatchObject({
      kind: 'ok',
      record: {
        eniId: 'eni-0cc',
        subnetId: 'subnet-0aa',
        privateIp: '10.1.2.3',
        privateIps: ['10.1.2.3'],
        securityGroupIds: ['sg-0bb'],
        tags: { AmazonBedrockAgentCoreManaged: '' },
      },
    });
  });

  it('orders private IPs primary first and merges request tags under response tags', () => {
    const ev = withDetail('create-network-interface', {
      requestParameters: {
        tagSpecificationSet: {
          items: [
            {
              resourceType: 'network-interface',
              tags: [
                { key: 'a', value: 'request' },
                { key: 'b', value: 'request' },
              ],
            },
            { resourceType: 'instance', tags: [{ key: 'c', value: 'not mine' }] },
          ],
        },
      },
      responseElements: {
        networkInterface: {
          networkInterfaceId: 'eni-0dd',
          privateIpAddressesSet: {
            items: [
              { privateIpAddress: '10.0.0.2', primary: false },
              { privateIpAddress: '10.0.0.1', primary: 'true' },
              { privateIpAddress: 7 },
            ],
          },
          tagSet: { item: { key: 'a', value: 'response' } },
          groupSet: [{ groupId: 'sg-0ee' }, { groupId: 'sg-0ee' }, { groupId: 'not-a-group' }],
          interfaceType: 'interface',
          description: '',
        },
      },
    });
    expect(parseCloudTrailEvent(ev, ORIGIN)).toMatchObject({
      kind: 'ok',
      record: {
        privateIp: '10.0.0.1',
        privateIps: ['10.0.0.1', '10.0.0.2', '7'],
        tags: { a: 'response', b: 'request' },
        securityGroupIds: ['sg-0ee'],
        interfaceType: 'interface',
        description: '',
      },
    });
  });
});

describe('parseCloudTrailEnvelope', () => {
  it('keeps failed calls, so the auditor can read subnet exhaustion', () => {
    const result = parseCloudTrailEnvelope(sample('create-network-interface-failed'), ORIGIN);
    expect(result).toMatchObject({
      kind: 'ok',
      envelope: {
        eventName: 'CreateNetworkInterface',
        eventSource: 'ec2.amazonaws.com',
        errorCode: 'Client.InsufficientFreeAddressesInSubnet',
        errorMessage: 'insufficient free address to allocate 1 address',
        responseElements: {},
        sourceIp: 'eks.amazonaws.com',
      },
    });
  });

  it('parses any service, e.g. an EKS node-group call', () => {
    const ev = withDetail('allocate-address', {
      eventSource: 'eks.amazonaws.com',
      eventName: 'CreateNodegroup',
      requestParameters: { name: 'ng-1' },
    });
    expect(parseCloudTrailEnvelope(ev, ORIGIN)).toMatchObject({
      kind: 'ok',
      envelope: { eventName: 'CreateNodegroup', requestParameters: { name: 'ng-1' } },
    });
  });
});

describe('summarizeActor', () => {
  it('summarises an IAM user', () => {
    expect(summarizeActor({ type: 'IAMUser', arn: 'arn:aws:iam::1:user/bob', userName: 'bob' })).toEqual({
      type: 'IAMUser',
      arn: 'arn:aws:iam::1:user/bob',
      userName: 'bob',
    });
  });

  it('names an assumed role after its session issuer', () => {
    expect(
      summarizeActor({
        type: 'AssumedRole',
        arn: 'arn:aws:sts::1:assumed-role/deploy/ci-42',
        sessionContext: { sessionIssuer: { type: 'Role', arn: 'arn:aws:iam::1:role/deploy' } },
      }),
    ).toEqual({
      type: 'AssumedRole',
      arn: 'arn:aws:sts::1:assumed-role/deploy/ci-42',
      userName: 'deploy',
      roleArn: 'arn:aws:iam::1:role/deploy',
      sessionName: 'ci-42',
    });
  });

  it('names an assumed role from its ARN when the session issuer is missing', () => {
    expect(
      summarizeActor({ type: 'AssumedRole', arn: 'arn:aws:sts::1:assumed-role/node-role/i-0abc' }),
    ).toEqual({
      type: 'AssumedRole',
      arn: 'arn:aws:sts::1:assumed-role/node-role/i-0abc',
      userName: 'node-role',
      sessionName: 'i-0abc',
    });
  });

  it('summarises an AWS service and an absent identity', () => {
    expect(summarizeActor({ type: 'AWSService', invokedBy: 'ec2.amazonaws.com' })).toEqual({
      type: 'AWSService',
      invokedBy: 'ec2.amazonaws.com',
    });
    expect(summarizeActor(undefined)).toEqual({ type: 'Unknown' });
    expect(summarizeActor({ principalId: 123 })).toEqual({ type: 'Unknown', principalId: '123' });
  });

  it('describes actors in a few words', () => {
    expect(describeActor({ type: 'IAMUser', userName: 'alice' })).toBe('alice');
    expect(
      describeActor({
        type: 'AssumedRole',
        userName: 'eks-cluster-role',
        sessionName: 's',
        invokedBy: 'eks.amazonaws.com',
      }),
    ).toBe('role eks-cluster-role session s (via eks.amazonaws.com)');
    expect(describeActor({ type: 'AWSService', invokedBy: 'ec2.amazonaws.com' })).toBe(
      'service ec2.amazonaws.com',
    );
    expect(describeActor({ type: 'Root', accountId: '1' })).toBe('root of 1');
    expect(describeActor({ type: 'Unknown' })).toBe('Unknown');
  });
});

describe('readers', () => {
  it('reads CloudTrail sets in every shape', () => {
    expect(setItems([1])).toEqual([1]);
    expect(setItems({ items: [1, 2] })).toEqual([1, 2]);
    expect(setItems({ item: [3] })).toEqual([3]);
    expect(setItems({ item: { a: 1 } })).toEqual([{ a: 1 }]);
    expect(setItems({})).toEqual([]);
    expect(setItems(null)).toEqual([]);
    expect(setItems('x')).toEqual([]);
  });

  it('reads tags in both key casings, stringifying numbers', () => {
    expect(readTags([{ Key: 'vlan', Value: 3 }, { key: 'x' }, { value: 'no key' }, 'junk'])).toEqual({
      vlan: '3',
      x: '',
    });
  });

  it('normalises ISO times and refuses the rest', () => {
    expect(normalizeIsoTime('2026-01-05T09:00:00Z')).toBe('2026-01-05T09:00:00.000Z');
    expect(normalizeIsoTime('2026-01-05T09:00:00.123456Z')).toBe('2026-01-05T09:00:00.123Z');
    expect(normalizeIsoTime('Mon, 05 Jan 2026 09:00:00 GMT')).toBeUndefined();
  });
});
