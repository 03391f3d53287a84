/** What the EKS reader makes of add-on answers it cannot use: unreadable (unknown settings), or a failure to retry. */
import { DescribeAddonCommand, EKSClient, EKSServiceException } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EksReader } from '../../shared/auditor/adapters/eks';

const eks = mockClient(EKSClient);
const reader = () => new EksReader(new EKSClient({ region: 'eu-west-1' }));

const awsError = (name: string, fault: 'client' | 'server', message: string) =>
  new EKSServiceException({ name, $fault: fault, $metadata: {}, message });

describe('the EKS reader of add-ons', () => {
  beforeEach(() => eks.reset());

  it('reads an access-denied add-on as unavailable, naming the error and what to allow', async () => {
    eks.on(DescribeAddonCommand).rejects(awsError('AccessDeniedException', 'client', 'not authorized'));
    const read = await reader().addon('prod', 'vpc-cni');
    expect(read).toEqual({
      available: false,
      reason: 'DescribeAddon of vpc-cni failed: AccessDeniedException: not authorized',
      enable: expect.stringContaining('eks:DescribeAddon on vpc-cni of prod'),
    });
  });

  it('reads a missing add-on as "not an EKS add-on"', async () => {
    eks.on(DescribeAddonCommand).rejects(awsError('ResourceNotFoundException', 'client', 'no add-on'));
    expect(await reader().addon('prod', 'vpc-cni')).toEqual({ available: true, value: null });
  });

  it('fails on throttling and server faults, so the invocation is retried', async () => {
    eks.on(DescribeAddonCommand).rejects(awsError('ThrottlingException', 'client', 'Rate exceeded'));
    await expect(reader().addon('prod', 'vpc-cni')).rejects.toThrow('Rate exceeded');
    eks.on(DescribeAddonCommand).rejects(awsError('ServerException', 'server', 'internal'));
    await expect(reader().addon('prod', 'vpc-cni')).rejects.toThrow('internal');
  });

  it('fails when yaml cannot be loaded, instead of reporting DescribeAddon unreadable', async () => {
    eks.on(DescribeAddonCommand).resolves({
      addon: { addonName: 'vpc-cni', addonVersion: 'v1.19.2', configurationValues: 'env:\n  X: "1"\n' },
    });
    const failingToLoad = new SyntaxError(
      "The requested module './yaml.mjs' does not provide an export named 'parse'",
    );
    const read = new EksReader(new EKSClient({ region: 'eu-west-1' }), async () => {
      throw failingToLoad;
    }).addon('prod', 'vpc-cni');
    await expect(read).rejects.toBe(failingToLoad);
  });

  it("keeps configurationValues that are neither JSON nor YAML, with YAML's line and column", async () => {
    eks.on(DescribeAddonCommand).resolves({
      addon: { addonName: 'vpc-cni', addonVersion: 'v1.19.2', configurationValues: 'env:\n\tX: 1\n' },
    });
    expect(await reader().addon('prod', 'vpc-cni')).toEqual({
      available: true,
      value: {
        name: 'vpc-cni',
        version: 'v1.19.2',
        configurationValues: 'env:\n\tX: 1\n',
        configurationValuesProblem: 'Tabs are not allowed as indentation at line 2, column 1',
      },
    });
  });
});
