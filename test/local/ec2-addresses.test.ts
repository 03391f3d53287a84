import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  DescribeAddressesCommand,
  DescribeNetworkInterfacesCommand,
  DisassociateAddressCommand,
  type EC2Client,
  ReleaseAddressCommand,
} from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Ec2Sim, startEc2Sim } from '../../local/ec2/harness';
import type { Ec2State } from '../../local/ec2/state';

function seedWorld(state: Ec2State) {
  const vpc = state.addVpc({ cidrBlock: '10.0.0.0/16' });
  const subnet = state.addSubnet({
    vpcId: vpc.vpcId,
    availabilityZone: 'eu-west-1a',
    cidrBlock: '10.0.1.0/24',
  });
  const podGroup = state.addSecurityGroup({ vpcId: vpc.vpcId, groupName: 'payments-pods' });
  const node = state.addInstance({ instanceType: 'm5.large', subnetId: subnet.subnetId });
  const branchA = state.addNetworkInterface({
    subnetId: subnet.subnetId,
    description: 'aws-k8s-branch-eni',
    interfaceType: 'branch',
    status: 'in-use',
    securityGroupIds: [podGroup.groupId],
    tags: { 'eks:eni:owner': 'eks-vpc-resource-controller' },
  });
  const branchB = state.addNetworkInterface({
    subnetId: subnet.subnetId,
    description: 'aws-k8s-branch-eni',
    interfaceType: 'branch',
    status: 'in-use',
    secondaryPrivateIpAddresses: 1,
  });
  return { vpc, subnet, node, branchA, branchB };
}

describe('EC2 addresses through the SDK', () => {
  let sim: Ec2Sim;
  let ec2: EC2Client;
  let world: ReturnType<typeof seedWorld>;

  beforeEach(async () => {
    sim = await startEc2Sim();
    ec2 = sim.client();
    world = seedWorld(sim.state);
  });

  afterEach(async () => {
    await sim.stop();
  });

  it('allocates an address that DescribeAddresses lists with its pool, border group and tags', async () => {
    const allocated = await ec2.send(
      new AllocateAddressCommand({
        Domain: 'vpc',
        TagSpecifications: [
          { ResourceType: 'elastic-ip', Tags: [{ Key: 'eip-keeper/pool', Value: 'payments' }] },
        ],
      }),
    );

    const { Addresses } = await ec2.send(new DescribeAddressesCommand({}));

    expect(allocated.AllocationId).toMatch(/^eipalloc-[0-9a-f]{17}$/);
    expect(Addresses).toEqual([
      {
        AllocationId: allocated.AllocationId,
        PublicIp: allocated.PublicIp,
        Domain: 'vpc',
        PublicIpv4Pool: 'amazon',
        NetworkBorderGroup: 'eu-west-1',
        Tags: [{ Key: 'eip-keeper/pool', Value: 'payments' }],
      },
    ]);
  });

  it("associates an EIP with an ENI's primary IP by default and shows it on the address and the interface", async () => {
    const eip = sim.state.addAddress();

    const { AssociationId } = await ec2.send(
      new AssociateAddressCommand({
        AllocationId: eip.allocationId,
        NetworkInterfaceId: world.branchA.networkInterfaceId,
      }),
    );
    const { Addresses } = await ec2.send(new DescribeAddressesCommand({ AllocationIds: [eip.allocationId] }));
    const { NetworkInterfaces } = await ec2.send(
      new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [world.branchA.networkInterfaceId] }),
    );

    expect(Addresses?.[0]).toMatchObject({
      AssociationId,
      NetworkInterfaceId: world.branchA.networkInterfaceId,
      PrivateIpAddress: world.branchA.privateIpAddress,
      NetworkInterfaceOwnerId: '111122223333',
    });
    expect(NetworkInterfaces?.[0]?.Association).toMatchObject({
      PublicIp: eip.publicIp,
      AllocationId: eip.allocationId,
      AssociationId,
      IpOwnerId: '111122223333',
    });
  });

  it('reports the instance of an address whose ENI is attached to one', async () => {
    const eip = sim.state.addAddress();

    await ec2.send(
      new AssociateAddressCommand({ AllocationId: eip.allocationId, InstanceId: world.node.instanceId }),
    );
    const { Addresses } = await ec2.send(new DescribeAddressesCommand({}));

    const primary = sim.state.enisOf(world.node.instanceId)[0];
    expect(Addresses?.[0]).toMatchObject({
      InstanceId: world.node.instanceId,
      NetworkInterfaceId: primary?.networkInterfaceId,
      PrivateIpAddress: primary?.privateIpAddress,
    });
  });

  it('refuses to take an associated EIP to another ENI when AllowReassociation is false', async () => {
    const eip = sim.state.addAddress({
      association: { networkInterfaceId: world.branchA.networkInterfaceId },
    });
    const before = eip.association?.associationId;

    const attempt = ec2.send(
      new AssociateAddressCommand({
        AllocationId: eip.allocationId,
        NetworkInterfaceId: world.branchB.networkInterfaceId,
        AllowReassociation: false,
      }),
    );

    await expect(attempt).rejects.toMatchObject({
      name: 'Resource.AlreadyAssociated',
      $metadata: { httpStatusCode: 400 },
    });
    expect(sim.state.addresses()[0]?.association).toMatchObject({
      associationId: before,
      networkInterfaceId: world.branchA.networkInterfaceId,
    });
  });

  it('reassociates automatically when AllowReassociation is omitted', async () => {
    const eip = sim.state.addAddress({
      association: { networkInterfaceId: world.branchA.networkInterfaceId },
    });

    await ec2.send(
      new AssociateAddressCommand({
        AllocationId: eip.allocationId,
        NetworkInterfaceId: world.branchB.networkInterfaceId,
      }),
    );

    expect(sim.state.addresses()[0]?.association?.networkInterfaceId).toBe(world.branchB.networkInterfaceId);
  });

  it('moves an associated EIP with a new association id when AllowReassociation is true', async () => {
    const eip = sim.state.addAddress({
      association: { networkInterfaceId: world.branchA.networkInterfaceId },
    });
    const before = eip.association?.associationId;

    const { AssociationId } = await ec2.send(
      new AssociateAddressCommand({
        AllocationId: eip.allocationId,
        NetworkInterfaceId: world.branchB.networkInterfaceId,
        AllowReassociation: true,
      }),
    );

    expect(AssociationId).not.toBe(before);
    expect(sim.state.addresses()[0]?.association).toEqual({
      associationId: AssociationId,
      networkInterfaceId: world.branchB.networkInterfaceId,
      privateIpAddress: world.branchB.privateIpAddress,
    });
  });

  it('returns the existing association id when the same EIP is associated with the same ENI and IP again', async () => {
    const eip = sim.state.addAddress();
    const target = {
      AllocationId: eip.allocationId,
      NetworkInterfaceId: world.branchA.networkInterfaceId,
      PrivateIpAddress: world.branchA.privateIpAddress,
    };

    const first = await ec2.send(new AssociateAddressCommand(target));
    const second = await ec2.send(new AssociateAddressCommand({ ...target, AllowReassociation: false }));

    expect(second.AssociationId).toBe(first.AssociationId);
  });

  it('displaces the EIP already on the target private IP silently, even with AllowReassociation false', async () => {
    const occupant = sim.state.addAddress({
      association: { networkInterfaceId: world.branchA.networkInterfaceId },
    });
    const newcomer = sim.state.addAddress();
    const before = sim.events.length;

    await ec2.send(
      new AssociateAddressCommand({
        AllocationId: newcomer.allocationId,
        NetworkInterfaceId: world.branchA.networkInterfaceId,
        AllowReassociation: false,
      }),
    );

    expect(
      sim.state.addressOn(world.branchA.networkInterfaceId, world.branchA.privateIpAddress)?.allocationId,
    ).toBe(newcomer.allocationId);
    // The occupant stays allocated, unassociated, and no DisassociateAddress is recorded.
    expect(sim.state.addressById.get(occupant.allocationId)?.association).toBeUndefined();
    expect(sim.events.slice(before).map((e) => (e.detail as { eventName: string }).eventName)).toEqual([
      'AssociateAddress',
    ]);
  });

  it('associates with a secondary private IP and leaves the primary free', async () => {
    const eip = sim.state.addAddress();
    const secondary = world.branchB.secondaryPrivateIpAddresses[0];

    await ec2.send(
      new AssociateAddressCommand({
        AllocationId: eip.allocationId,
        NetworkInterfaceId: world.branchB.networkInterfaceId,
        PrivateIpAddress: secondary,
      }),
    );
    const { NetworkInterfaces } = await ec2.send(
      new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [world.branchB.networkInterfaceId] }),
    );

    const ips = NetworkInterfaces?.[0]?.PrivateIpAddresses ?? [];
    expect(ips.find((p) => p.PrivateIpAddress === secondary)?.Association?.AllocationId).toBe(
      eip.allocationId,
    );
    expect(ips.find((p) => p.Primary)?.Association).toBeUndefined();
    expect(NetworkInterfaces?.[0]?.Association).toBeUndefined();
  });

  it('rejects a private IP that is not on the ENI with InvalidParameterValue', async () => {
    const eip = sim.state.addAddress();

    const attempt = ec2.send(
      new AssociateAddressCommand({
        AllocationId: eip.allocationId,
        NetworkInterfaceId: world.branchA.networkInterfaceId,
        PrivateIpAddress: '10.0.1.200',
      }),
    );

    await expect(attempt).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });

  it('names unknown allocation, network interface and association ids with their NotFound codes', async () => {
    const eip = sim.state.addAddress();

    const unknownAllocation = ec2.send(
      new AssociateAddressCommand({
        AllocationId: 'eipalloc-00000000000000bad',
        NetworkInterfaceId: world.branchA.networkInterfaceId,
      }),
    );
    const unknownEni = ec2.send(
      new AssociateAddressCommand({
        AllocationId: eip.allocationId,
        NetworkInterfaceId: 'eni-00000000000000bad',
      }),
    );
    const unknownAssociation = ec2.send(
      new DisassociateAddressCommand({ AssociationId: 'eipassoc-00000000000000bad' }),
    );

    await expect(unknownAllocation).rejects.toMatchObject({ name: 'InvalidAllocationID.NotFound' });
    await expect(unknownEni).rejects.toMatchObject({ name: 'InvalidNetworkInterfaceID.NotFound' });
    await expect(unknownAssociation).rejects.toMatchObject({ name: 'InvalidAssociationID.NotFound' });
  });

  it('disassociates an EIP, which stays allocated and idle', async () => {
    const eip = sim.state.addAddress({
      association: { networkInterfaceId: world.branchA.networkInterfaceId },
    });

    await ec2.send(new DisassociateAddressCommand({ AssociationId: eip.association?.associationId }));
    const { Addresses } = await ec2.send(new DescribeAddressesCommand({}));

    expect(Addresses).toHaveLength(1);
    expect(Addresses?.[0]?.AssociationId).toBeUndefined();
    expect(Addresses?.[0]?.NetworkInterfaceId).toBeUndefined();
  });

  it('refuses to release an associated EIP with InvalidIPAddress.InUse', async () => {
    const eip = sim.state.addAddress({
      association: { networkInterfaceId: world.branchA.networkInterfaceId },
    });

    const attempt = ec2.send(new ReleaseAddressCommand({ AllocationId: eip.allocationId }));

    await expect(attempt).rejects.toMatchObject({
      name: 'InvalidIPAddress.InUse',
      message: `Address ${eip.publicIp} is in use.`,
    });
    expect(sim.state.addresses()).toHaveLength(1);
  });

  it('releases an idle EIP, after which a second release fails with InvalidAllocationID.NotFound', async () => {
    const eip = sim.state.addAddress();

    await ec2.send(new ReleaseAddressCommand({ AllocationId: eip.allocationId }));
    const again = ec2.send(new ReleaseAddressCommand({ AllocationId: eip.allocationId }));

    await expect(again).rejects.toMatchObject({ name: 'InvalidAllocationID.NotFound' });
    expect(sim.state.addresses()).toEqual([]);
  });

  it.each([
    [{ locked: true }, 'InvalidAddress.Locked'],
    [{ ptrSet: true }, 'InvalidAddress.PtrSet'],
    [{ serviceManaged: 'alb' }, 'InvalidParameterValue'],
  ])('refuses to release an address seeded with %o (%s)', async (flags, code) => {
    const eip = sim.state.addAddress(flags);

    const attempt = ec2.send(new ReleaseAddressCommand({ AllocationId: eip.allocationId }));

    await expect(attempt).rejects.toMatchObject({ name: code });
    expect(sim.state.addresses()).toHaveLength(1);
  });

  it('shows ServiceManaged and a BYOIP pool on the addresses that have them', async () => {
    sim.state.addAddress({ serviceManaged: 'alb' });
    sim.state.addAddress({ publicIpv4Pool: 'ipv4pool-ec2-0123456789abcdef0' });

    const { Addresses } = await ec2.send(new DescribeAddressesCommand({}));

    expect(Addresses?.map((a) => [a.ServiceManaged, a.PublicIpv4Pool])).toEqual([
      ['alb', 'amazon'],
      [undefined, 'ipv4pool-ec2-0123456789abcdef0'],
    ]);
  });

  it('filters addresses by tag, tag-key, association, network interface and public IP', async () => {
    const pooled = sim.state.addAddress({
      tags: { 'eip-keeper/pool': 'payments' },
      association: { networkInterfaceId: world.branchA.networkInterfaceId },
    });
    const idle = sim.state.addAddress({ tags: { team: 'a&b <ops>' } });
    const describe = async (Name: string, Values: string[]) =>
      (await ec2.send(new DescribeAddressesCommand({ Filters: [{ Name, Values }] }))).Addresses?.map(
        (a) => a.AllocationId,
      );

    expect(await describe('tag:eip-keeper/pool', ['payments'])).toEqual([pooled.allocationId]);
    expect(await describe('tag-key', ['team'])).toEqual([idle.allocationId]);
    expect(await describe('tag:team', ['a&b <ops>'])).toEqual([idle.allocationId]);
    expect(await describe('association-id', [pooled.association?.associationId ?? ''])).toEqual([
      pooled.allocationId,
    ]);
    expect(await describe('network-interface-id', [world.branchA.networkInterfaceId])).toEqual([
      pooled.allocationId,
    ]);
    expect(await describe('public-ip', [idle.publicIp, '203.0.113.9'])).toEqual([idle.allocationId]);
    expect(await describe('domain', ['vpc'])).toHaveLength(2);
    expect(await describe('allocation-id', ['eipalloc-*'])).toHaveLength(2);
  });

  it('rejects an unknown public IP in DescribeAddresses with InvalidAddress.NotFound', async () => {
    const attempt = ec2.send(new DescribeAddressesCommand({ PublicIps: ['203.0.113.9'] }));

    await expect(attempt).rejects.toMatchObject({ name: 'InvalidAddress.NotFound' });
  });

  it('fails AllocateAddress with AddressLimitExceeded once the regional quota is used', async () => {
    for (let i = 0; i < 5; i++) sim.state.addAddress();

    const attempt = ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }));

    await expect(attempt).rejects.toMatchObject({ name: 'AddressLimitExceeded' });
    expect(sim.state.addresses()).toHaveLength(5);
  });
});
