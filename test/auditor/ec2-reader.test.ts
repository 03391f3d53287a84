/**
 * The auditor's EC2 reads in an account with many ENIs. DescribeNetworkInterfaces API reference: without MaxResults,
 * a call that is not filtered by group-id, mac-address, private-dns-name, private-ip-address, subnet-id or vpc-id
 * can fail in such an account. The mock EC2 below does what AWS does there, and pages at MaxResults.
 */
import {
  DescribeNetworkInterfacesCommand,
  type DescribeNetworkInterfacesCommandInput,
  EC2Client,
  type NetworkInterface,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { Ec2Reader } from '../../shared/auditor/adapters/ec2';

const ec2 = mockClient(EC2Client);
const UNPAGINATED_FILTERS = new Set([
  'group-id',
  'mac-address',
  'private-dns-name',
  'private-ip-address',
  'subnet-id',
  'vpc-id',
]);

function largeAccount(enis: NetworkInterface[]) {
  ec2.on(DescribeNetworkInterfacesCommand).callsFake((input: DescribeNetworkInterfacesCommandInput) => {
    const allowed = (input.Filters ?? []).some((f) => UNPAGINATED_FILTERS.has(f.Name ?? ''));
    if (input.MaxResults === undefined && !allowed) {
      const err = new Error('Request timed out: too many network interfaces, use pagination');
      err.name = 'RequestLimitExceeded';
      throw err;
    }
    const matching = enis.filter((e) =>
      (input.Filters ?? []).every((f) => {
        const name = f.Name ?? '';
        const values = f.Values ?? [];
        if (name === 'attachment.instance-id') return values.includes(e.Attachment?.InstanceId ?? '');
        if (name === 'subnet-id') return values.includes(e.SubnetId ?? '');
        if (name.startsWith('tag:'))
          return (e.TagSet ?? []).some((t) => t.Key === name.slice(4) && values.includes(t.Value ?? ''));
        return false;
      }),
    );
    const start = Number(input.NextToken ?? 0);
    const size = input.MaxResults ?? matching.length;
    const end = start + size;
    return {
      NetworkInterfaces: matching.slice(start, end),
      ...(end < matching.length ? { NextToken: String(end) } : {}),
    };
  });
}

const nodeEni = (i: number): NetworkInterface => ({
  NetworkInterfaceId: `eni-${String(i).padStart(8, '0')}`,
  SubnetId: 'subnet-a',
  Description: `aws-K8S-i-${i}`,
  Attachment: { InstanceId: `i-${i % 3}` },
  PrivateIpAddresses: [{ PrivateIpAddress: `10.0.${Math.floor(i / 250)}.${i % 250}`, Primary: true }],
});

const branch = (i: number, trunk: string): NetworkInterface => ({
  NetworkInterfaceId: `eni-b${String(i).padStart(7, '0')}`,
  SubnetId: 'subnet-a',
  Description: 'aws-k8s-branch-eni',
  TagSet: [{ Key: 'vpcresources.k8s.aws/trunk-eni-id', Value: trunk }],
});

describe('the auditor EC2 reader in an account with many ENIs', () => {
  beforeEach(() => ec2.reset());

  it('reads the ENIs of the nodes by instance id across pages', async () => {
    largeAccount(Array.from({ length: 2500 }, (_, i) => nodeEni(i)));
    const enis = await new Ec2Reader(new EC2Client({ region: 'eu-west-1' })).enisOfInstances(['i-0', 'i-1']);
    expect(enis).toHaveLength(1667);
  });

  it('counts the branch ENIs of each trunk ENI across pages', async () => {
    largeAccount([
      ...Array.from({ length: 1200 }, (_, i) => branch(i, 'eni-trunk-a')),
      branch(5000, 'eni-trunk-b'),
    ]);
    const counts = await new Ec2Reader(new EC2Client({ region: 'eu-west-1' })).branchEniCounts([
      'eni-trunk-a',
      'eni-trunk-b',
      'eni-trunk-c',
    ]);
    expect(counts).toEqual({ 'eni-trunk-a': 1200, 'eni-trunk-b': 1, 'eni-trunk-c': 0 });
  });

  it('reads every address of a pod subnet, and a pool selector by tag', async () => {
    largeAccount([
      ...Array.from({ length: 1100 }, (_, i) => nodeEni(i)),
      { ...branch(1, 'eni-trunk-a'), TagSet: [{ Key: 'team', Value: 'payments' }] },
    ]);
    const reader = new Ec2Reader(new EC2Client({ region: 'eu-west-1' }));
    expect((await reader.subnetUsage(['subnet-a']))['subnet-a']?.ips).toHaveLength(1100);
    expect(await reader.networkInterfaces([{ Name: 'tag:team', Values: ['payments'] }])).toHaveLength(1);
  });
});
