/**
 * The keeper's statements for proven identity and pinned pools, proven on the simulated region: the keeper's roles may
 * read the evidence that an ENI is a pod's (trunk associations, instances, its pools' clusters) and may associate a
 * configured pool's address only onto an ENI in the pools' VPC; an address tagged with another name, an ENI elsewhere
 * and an in-account principal with only ENI permissions are refused by IAM alone.
 */
import {
  AssociateAddressCommand,
  DescribeInstancesCommand,
  DescribeTrunkInterfaceAssociationsCommand,
  DisassociateAddressCommand,
} from '@aws-sdk/client-ec2';
import { DescribeClusterCommand } from '@aws-sdk/client-eks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER, OTHER_CLUSTER, paymentsPool } from '../support/world';
import { type IamRegion, podEni, refusal, startIamRegion } from './support';

/** What the in-account attacker of docs/security.md holds: ENI creation and tagging, nothing else. */
const ENI_CREATOR = {
  Version: '2012-10-17' as const,
  Statement: [
    {
      Effect: 'Allow' as const,
      Action: ['ec2:CreateNetworkInterface', 'ec2:CreateTags', 'ec2:DescribeNetworkInterfaces'],
      Resource: '*',
    },
  ],
};

describe('the keeper roles under proven identity', () => {
  let r: IamRegion;
  beforeAll(async () => {
    r = await startIamRegion({
      config: { pools: [paymentsPool()] },
      others: ['batch egress'],
      actorPolicies: { mallory: ENI_CREATOR },
    });
  });
  afterAll(() => r.stop());

  it("reads the evidence: trunk associations, instances and its pool's cluster (no other); an ENI creator may not", async () => {
    const { ec2, eks } = r.as({ fn: 'KeeperEvents' });
    await expect(ec2.send(new DescribeTrunkInterfaceAssociationsCommand({}))).resolves.toBeDefined();
    const nodes = await ec2.send(new DescribeInstancesCommand({}));
    expect(nodes.Reservations?.length).toBeGreaterThan(0);
    const cluster = await eks.send(new DescribeClusterCommand({ name: CLUSTER }));
    expect(cluster.cluster?.roleArn).toMatch(/:role\/eks-cluster-role$/);
    // Only the clusters the pools name: another cluster of the account is none of the keeper's business.
    const other = await refusal(eks.send(new DescribeClusterCommand({ name: OTHER_CLUSTER })));
    expect(other.name).toBe('AccessDeniedException');

    const mallory = r.as({ actor: 'mallory' });
    const refused = await refusal(mallory.ec2.send(new DescribeTrunkInterfaceAssociationsCommand({})));
    expect(refused.name).toBe('UnauthorizedOperation');
    expect(refused.message).toContain('ec2:DescribeTrunkInterfaceAssociations');
  });

  it("refuses an address tagged with a name no pool has, and an ENI outside the pools' VPC", async () => {
    const { ec2 } = r.as({ fn: 'KeeperEvents' });
    const eni = await podEni(r, 21);
    const lookalike = r.region.ec2.addAddress({ tags: { 'eip-keeper:pool': 'payments-2' } }).allocationId;
    const refused = await refusal(
      ec2.send(new AssociateAddressCommand({ AllocationId: lookalike, NetworkInterfaceId: eni })),
    );
    expect(refused.message).toContain(`elastic-ip/${lookalike}`);

    const vpc = r.region.ec2.addVpc({ cidrBlock: '10.9.0.0/16' });
    const subnet = r.region.ec2.addSubnet({
      vpcId: vpc.vpcId,
      availabilityZone: 'eu-west-1a',
      cidrBlock: '10.9.1.0/24',
    });
    const elsewhere = r.region.ec2.addNetworkInterface({ subnetId: subnet.subnetId }).networkInterfaceId;
    const member = r.labels.get('partner-ip-2') as string;
    const outside = await refusal(
      ec2.send(new AssociateAddressCommand({ AllocationId: member, NetworkInterfaceId: elsewhere })),
    );
    expect(outside.message).toContain(`network-interface/${elsewhere}`);
    expect(r.region.ec2.addressById.get(member)?.association).toBeUndefined();
  });

  it("takes a pool member off an ENI in the pools' VPC (a holder no longer proven)", async () => {
    const { ec2 } = r.as({ fn: 'KeeperReconciler' });
    const member = r.labels.get('partner-ip-1') as string;
    const eni = await podEni(r, 22);
    await ec2.send(new AssociateAddressCommand({ AllocationId: member, NetworkInterfaceId: eni }));
    const association = r.region.ec2Association(member) as string;

    await ec2.send(new DisassociateAddressCommand({ AssociationId: association }));
    expect(r.region.ec2.addressById.get(member)?.association).toBeUndefined();
  });
});
