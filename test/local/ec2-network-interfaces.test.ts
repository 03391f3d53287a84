import {
  AssignPrivateIpAddressesCommand,
  CreateNetworkInterfaceCommand,
  CreateTagsCommand,
  DeleteNetworkInterfaceCommand,
  DeleteTagsCommand,
  DescribeAddressesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSubnetsCommand,
  type EC2Client,
  type NetworkInterface,
  paginateDescribeNetworkInterfaces,
  UnassignPrivateIpAddressesCommand,
} from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Ec2Sim, startEc2Sim, TEST_CREDENTIALS } from '../../local/ec2/harness';
import type { Ec2State } from '../../local/ec2/state';
import { parseAppConfig } from '../../shared/config/schema';
import { SdkKeeperEc2 } from '../../shared/keeper/adapters/ec2';

function seedWorld(state: Ec2State) {
  const vpc = state.addVpc({ cidrBlock: '10.0.0.0/16' });
  const subnet = state.addSubnet({
    vpcId: vpc.vpcId,
    availabilityZone: 'eu-west-1a',
    cidrBlock: '10.0.1.0/24',
  });
  // A /28 has 16 addresses, 5 reserved: 11 usable.
  const tiny = state.addSubnet({
    vpcId: vpc.vpcId,
    availabilityZone: 'eu-west-1b',
    cidrBlock: '10.0.9.0/28',
  });
  const podGroup = state.addSecurityGroup({ vpcId: vpc.vpcId, groupName: 'payments-pods' });
  const node = state.addInstance({ instanceType: 't3.medium', subnetId: subnet.subnetId });
  return { vpc, subnet, tiny, podGroup, node };
}

describe('EC2 network interfaces through the SDK', () => {
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

  it('creates an available ENI with its description, groups, tags and requested secondary IPs', async () => {
    const { NetworkInterface: eni } = await ec2.send(
      new CreateNetworkInterfaceCommand({
        SubnetId: world.subnet.subnetId,
        Description: 'aws-k8s-branch-eni',
        Groups: [world.podGroup.groupId],
        SecondaryPrivateIpAddressCount: 2,
        TagSpecifications: [
          {
            ResourceType: 'network-interface',
            Tags: [{ Key: 'eks:eni:owner', Value: 'eks-vpc-resource-controller' }],
          },
        ],
      }),
    );

    expect(eni).toMatchObject({
      NetworkInterfaceId: expect.stringMatching(/^eni-[0-9a-f]{17}$/),
      SubnetId: world.subnet.subnetId,
      VpcId: world.vpc.vpcId,
      AvailabilityZone: 'eu-west-1a',
      Description: 'aws-k8s-branch-eni',
      Status: 'available',
      InterfaceType: 'interface',
      RequesterManaged: false,
      Groups: [{ GroupId: world.podGroup.groupId, GroupName: 'payments-pods' }],
      TagSet: [{ Key: 'eks:eni:owner', Value: 'eks-vpc-resource-controller' }],
      MacAddress: expect.stringMatching(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/),
    });
    expect(eni?.PrivateIpAddresses?.map((p) => p.Primary)).toEqual([true, false, false]);
    expect(eni?.PrivateIpAddresses?.[0]?.PrivateIpAddress).toBe(eni?.PrivateIpAddress);
  });

  it("uses the VPC's default security group when no group is given", async () => {
    const { NetworkInterface: eni } = await ec2.send(
      new CreateNetworkInterfaceCommand({ SubnetId: world.subnet.subnetId }),
    );

    expect(eni?.Groups).toEqual([{ GroupId: expect.stringMatching(/^sg-/), GroupName: 'default' }]);
  });

  it('rejects an unknown subnet with InvalidSubnetID.NotFound', async () => {
    const attempt = ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: 'subnet-00000000000000bad' }));

    await expect(attempt).rejects.toMatchObject({ name: 'InvalidSubnetID.NotFound' });
  });

  it('fails with InsufficientFreeAddressesInSubnet when the subnet cannot hold the requested IPs', async () => {
    await ec2.send(
      new CreateNetworkInterfaceCommand({ SubnetId: world.tiny.subnetId, SecondaryPrivateIpAddressCount: 9 }),
    );

    const attempt = ec2.send(
      new CreateNetworkInterfaceCommand({ SubnetId: world.tiny.subnetId, SecondaryPrivateIpAddressCount: 1 }),
    );

    await expect(attempt).rejects.toMatchObject({ name: 'InsufficientFreeAddressesInSubnet' });
    const { Subnets } = await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [world.tiny.subnetId] }));
    expect(Subnets?.[0]?.AvailableIpAddressCount).toBe(1);
  });

  it('counts addresses used by untracked resources against the subnet', async () => {
    const busy = sim.state.addSubnet({
      vpcId: world.vpc.vpcId,
      availabilityZone: 'eu-west-1c',
      cidrBlock: '10.0.10.0/28',
      otherUsedIps: 11,
    });

    const attempt = ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: busy.subnetId }));

    await expect(attempt).rejects.toMatchObject({ name: 'InsufficientFreeAddressesInSubnet' });
  });

  it('rejects an explicit private IP that another ENI already uses', async () => {
    const primary = sim.state.enisOf(world.node.instanceId)[0];

    const attempt = ec2.send(
      new CreateNetworkInterfaceCommand({
        SubnetId: world.subnet.subnetId,
        PrivateIpAddress: primary?.privateIpAddress,
      }),
    );

    await expect(attempt).rejects.toMatchObject({ name: 'InvalidIPAddress.InUse' });
  });

  it('drops the EIP association when its ENI is deleted and leaves the address allocated', async () => {
    const eni = sim.state.addNetworkInterface({
      subnetId: world.subnet.subnetId,
      description: 'aws-k8s-branch-eni',
    });
    const eip = sim.state.addAddress({ association: { networkInterfaceId: eni.networkInterfaceId } });

    await ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eni.networkInterfaceId }));
    const { Addresses } = await ec2.send(new DescribeAddressesCommand({}));

    expect(Addresses?.map((a) => [a.AllocationId, a.AssociationId, a.NetworkInterfaceId])).toEqual([
      [eip.allocationId, undefined, undefined],
    ]);
    await expect(
      ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eni.networkInterfaceId] })),
    ).rejects.toMatchObject({ name: 'InvalidNetworkInterfaceID.NotFound' });
  });

  it("refuses to delete an instance's attached primary ENI with InvalidParameterValue", async () => {
    const primary = sim.state.enisOf(world.node.instanceId)[0];

    const attempt = ec2.send(
      new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: primary?.networkInterfaceId }),
    );

    await expect(attempt).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    expect(sim.state.eniById.has(primary?.networkInterfaceId ?? '')).toBe(true);
  });

  it('rejects deleting an unknown ENI with InvalidNetworkInterfaceID.NotFound', async () => {
    const attempt = ec2.send(
      new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: 'eni-00000000000000bad' }),
    );

    await expect(attempt).rejects.toMatchObject({ name: 'InvalidNetworkInterfaceID.NotFound' });
  });

  it('assigns secondary IPs from the subnet and lowers its available count', async () => {
    const eni = sim.state.addNetworkInterface({ subnetId: world.subnet.subnetId });
    const before = sim.state.availableIpAddressCount(world.subnet);

    const out = await ec2.send(
      new AssignPrivateIpAddressesCommand({
        NetworkInterfaceId: eni.networkInterfaceId,
        SecondaryPrivateIpAddressCount: 3,
      }),
    );

    expect(out.AssignedPrivateIpAddresses).toHaveLength(3);
    expect(
      sim.state.networkInterfaces().find((e) => e.networkInterfaceId === eni.networkInterfaceId),
    ).toMatchObject({
      secondaryPrivateIpAddresses: out.AssignedPrivateIpAddresses?.map((a) => a.PrivateIpAddress),
    });
    expect(sim.state.availableIpAddressCount(world.subnet)).toBe(before - 3);
  });

  it("refuses secondary IPs beyond the instance type's per-ENI limit", async () => {
    const primary = sim.state.enisOf(world.node.instanceId)[0];

    // t3.medium: 6 IPv4 addresses per interface, one of them the primary.
    const attempt = ec2.send(
      new AssignPrivateIpAddressesCommand({
        NetworkInterfaceId: primary?.networkInterfaceId,
        SecondaryPrivateIpAddressCount: 6,
      }),
    );

    await expect(attempt).rejects.toMatchObject({ name: 'PrivateIpAddressLimitExceeded' });
  });

  it('drops only the EIP association on a secondary IP that is unassigned', async () => {
    const eni = sim.state.addNetworkInterface({
      subnetId: world.subnet.subnetId,
      secondaryPrivateIpAddresses: 2,
    });
    const [podIp, otherIp] = eni.secondaryPrivateIpAddresses as [string, string];
    const onPod = sim.state.addAddress({
      association: { networkInterfaceId: eni.networkInterfaceId, privateIpAddress: podIp },
    });
    const onOther = sim.state.addAddress({
      association: { networkInterfaceId: eni.networkInterfaceId, privateIpAddress: otherIp },
    });

    await ec2.send(
      new UnassignPrivateIpAddressesCommand({
        NetworkInterfaceId: eni.networkInterfaceId,
        PrivateIpAddresses: [podIp],
      }),
    );

    const byId = new Map(sim.state.addresses().map((a) => [a.allocationId, a]));
    expect(byId.get(onPod.allocationId)?.association).toBeUndefined();
    expect(byId.get(onOther.allocationId)?.association?.privateIpAddress).toBe(otherIp);
  });

  it('moves a secondary IP and its EIP to another ENI only with AllowReassignment', async () => {
    const from = sim.state.addNetworkInterface({
      subnetId: world.subnet.subnetId,
      secondaryPrivateIpAddresses: 1,
    });
    const to = sim.state.addNetworkInterface({ subnetId: world.subnet.subnetId });
    const ip = from.secondaryPrivateIpAddresses[0] as string;
    const eip = sim.state.addAddress({
      association: { networkInterfaceId: from.networkInterfaceId, privateIpAddress: ip },
    });

    const refused = ec2.send(
      new AssignPrivateIpAddressesCommand({
        NetworkInterfaceId: to.networkInterfaceId,
        PrivateIpAddresses: [ip],
      }),
    );
    await expect(refused).rejects.toMatchObject({ name: 'InvalidIPAddress.InUse' });
    await ec2.send(
      new AssignPrivateIpAddressesCommand({
        NetworkInterfaceId: to.networkInterfaceId,
        PrivateIpAddresses: [ip],
        AllowReassignment: true,
      }),
    );

    expect(sim.state.addresses().find((a) => a.allocationId === eip.allocationId)?.association).toMatchObject(
      {
        networkInterfaceId: to.networkInterfaceId,
        privateIpAddress: ip,
      },
    );
    expect(sim.state.eniById.get(from.networkInterfaceId)?.secondaryPrivateIpAddresses).toEqual([]);
  });

  describe('filters', () => {
    let branch: ReturnType<Ec2State['addNetworkInterface']>;
    let cniEni: ReturnType<Ec2State['addNetworkInterface']>;

    beforeEach(() => {
      branch = sim.state.addNetworkInterface({
        subnetId: world.subnet.subnetId,
        description: 'aws-k8s-branch-eni',
        interfaceType: 'branch',
        status: 'in-use',
        securityGroupIds: [world.podGroup.groupId],
        tags: { 'eks:eni:owner': 'eks-vpc-resource-controller', 'kubernetes.io/cluster/prod': 'owned' },
      });
      cniEni = sim.state.addNetworkInterface({
        subnetId: world.tiny.subnetId,
        description: `aws-K8S-${world.node.instanceId}`,
        secondaryPrivateIpAddresses: 2,
        attachment: { instanceId: world.node.instanceId, deviceIndex: 1 },
        tags: { 'node.k8s.amazonaws.com/instance_id': world.node.instanceId },
      });
      sim.state.addNetworkInterface({
        subnetId: world.subnet.subnetId,
        description: 'ELB app/web/0123456789abcdef',
        requesterManaged: true,
        requesterId: 'amazon-elb',
        status: 'in-use',
      });
    });

    const ids = async (ec2Client: EC2Client, Name: string, Values: string[]) =>
      (
        await ec2Client.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name, Values }] }))
      ).NetworkInterfaces?.map((e) => e.NetworkInterfaceId);

    it('matches descriptions with a * wildcard', async () => {
      expect(await ids(ec2, 'description', ['aws-k8s-*'])).toEqual([branch.networkInterfaceId]);
      expect(await ids(ec2, 'description', ['aws-K8S-i-*'])).toEqual([cniEni.networkInterfaceId]);
    });

    it('takes a backslash-escaped * or ? in a filter value literally', async () => {
      const starred = sim.state.addNetworkInterface({
        subnetId: world.subnet.subnetId,
        description: 'egress *pool? \\ eni',
      });

      expect(await ids(ec2, 'description', ['egress \\*pool\\? \\\\*'])).toEqual([
        starred.networkInterfaceId,
      ]);
      expect(await ids(ec2, 'description', ['aws-k8s-branch\\*'])).toEqual([]);
      expect(await ids(ec2, 'description', ['aws-k8s-branch-en\\?'])).toEqual([]);
      expect(await ids(ec2, 'description', ['aws-k8s-branch-en?'])).toEqual([branch.networkInterfaceId]);
    });

    it("finds the keeper's pool ENIs when the pool's description prefix holds a wildcard character", async () => {
      const pool = parseAppConfig(
        {
          pools: [
            {
              name: 'p',
              cluster: 'prod',
              vpcId: world.subnet.vpcId,
              members: ['203.0.113.10'],
              selector: { descriptionPrefix: 'egress*pods?' },
            },
          ],
        },
        'test',
      ).pools[0];
      const member = sim.state.addNetworkInterface({
        subnetId: world.subnet.subnetId,
        description: 'egress*pods? of team a',
      });
      sim.state.addNetworkInterface({ subnetId: world.subnet.subnetId, description: 'egress of pods' });
      const keeperEc2 = new SdkKeeperEc2({
        region: 'eu-west-1',
        endpoints: { ec2: sim.endpoint },
        credentials: TEST_CREDENTIALS,
        maxAttempts: 1,
      });

      const found = await keeperEc2.listPoolEnis(pool as NonNullable<typeof pool>);

      expect(found.map((e) => e.eniId)).toEqual([member.networkInterfaceId]);
    });

    it('matches tags by key and value, and tag keys alone', async () => {
      expect(await ids(ec2, 'tag:eks:eni:owner', ['eks-vpc-resource-controller'])).toEqual([
        branch.networkInterfaceId,
      ]);
      expect(await ids(ec2, 'tag-key', ['node.k8s.amazonaws.com/instance_id'])).toEqual([
        cniEni.networkInterfaceId,
      ]);
    });

    it('matches group, subnet, VPC, zone, status, type and requester-managed', async () => {
      expect(await ids(ec2, 'group-id', [world.podGroup.groupId])).toEqual([branch.networkInterfaceId]);
      expect(await ids(ec2, 'subnet-id', [world.tiny.subnetId])).toEqual([cniEni.networkInterfaceId]);
      expect(await ids(ec2, 'availability-zone', ['eu-west-1b'])).toEqual([cniEni.networkInterfaceId]);
      expect(await ids(ec2, 'interface-type', ['branch'])).toEqual([branch.networkInterfaceId]);
      expect(await ids(ec2, 'requester-managed', ['true'])).toHaveLength(1);
      expect(await ids(ec2, 'status', ['available'])).toEqual([]);
      expect(await ids(ec2, 'vpc-id', [world.vpc.vpcId])).toHaveLength(4);
    });

    it('matches attachment instance and private IPs including secondary ones', async () => {
      const secondary = cniEni.secondaryPrivateIpAddresses[1] as string;

      expect(await ids(ec2, 'attachment.instance-id', [world.node.instanceId])).toHaveLength(2);
      expect(await ids(ec2, 'addresses.private-ip-address', [secondary])).toEqual([
        cniEni.networkInterfaceId,
      ]);
      expect(await ids(ec2, 'private-ip-address', [branch.privateIpAddress])).toEqual([
        branch.networkInterfaceId,
      ]);
    });

    it('ANDs filters and ORs values', async () => {
      const out = await ec2.send(
        new DescribeNetworkInterfacesCommand({
          Filters: [
            { Name: 'subnet-id', Values: [world.subnet.subnetId, world.tiny.subnetId] },
            { Name: 'description', Values: ['aws-k8s-branch-eni', 'aws-K8S-*'] },
            { Name: 'tag-key', Values: ['kubernetes.io/cluster/prod'] },
          ],
        }),
      );

      expect(out.NetworkInterfaces?.map((e) => e.NetworkInterfaceId)).toEqual([branch.networkInterfaceId]);
    });

    it('rejects an unknown filter name with InvalidParameterValue', async () => {
      const attempt = ec2.send(
        new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'pod-name', Values: ['x'] }] }),
      );

      await expect(attempt).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    });
  });

  it('pages through every ENI with the SDK paginator, each exactly once', async () => {
    for (let i = 0; i < 21; i++) {
      sim.state.addNetworkInterface({ subnetId: world.subnet.subnetId, description: 'aws-k8s-branch-eni' });
    }
    const pages: NetworkInterface[][] = [];

    for await (const page of paginateDescribeNetworkInterfaces({ client: ec2, pageSize: 5 }, {})) {
      pages.push(page.NetworkInterfaces ?? []);
    }

    const all = pages.flat().map((e) => e.NetworkInterfaceId);
    expect(pages.map((p) => p.length)).toEqual([5, 5, 5, 5, 2]);
    expect(new Set(all).size).toBe(22);
    expect(all).toHaveLength(22);
  });

  it('pages through filtered results without skipping ENIs deleted between pages', async () => {
    const created = Array.from({ length: 12 }, () =>
      sim.state.addNetworkInterface({ subnetId: world.subnet.subnetId, description: 'aws-k8s-branch-eni' }),
    );
    const filter = [{ Name: 'description', Values: ['aws-k8s-branch-eni'] }];

    const first = await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: filter, MaxResults: 5 }));
    sim.state.deleteNetworkInterface(created[0]?.networkInterfaceId ?? '');
    const rest: string[] = [];
    let token = first.NextToken;
    while (token) {
      const page = await ec2.send(
        new DescribeNetworkInterfacesCommand({ Filters: filter, MaxResults: 5, NextToken: token }),
      );
      rest.push(...(page.NetworkInterfaces ?? []).map((e) => e.NetworkInterfaceId as string));
      token = page.NextToken;
    }

    expect(rest).toEqual(created.slice(5).map((e) => e.networkInterfaceId));
  });

  describe('in an account with more ENIs than it lists unpaginated', () => {
    beforeEach(() => {
      sim.state.unpaginatedEniLimit = 2;
      for (let i = 0; i < 3; i++) sim.state.addNetworkInterface({ subnetId: world.subnet.subnetId });
    });

    it('fails an unpaginated, unfiltered listing', async () => {
      const attempt = ec2.send(new DescribeNetworkInterfacesCommand({}));

      await expect(attempt).rejects.toMatchObject({ name: 'UnsupportedOperation' });
    });

    it('fails an unpaginated listing filtered only by a filter EC2 does not index (description)', async () => {
      const attempt = ec2.send(
        new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'description', Values: ['*'] }] }),
      );

      await expect(attempt).rejects.toMatchObject({ name: 'UnsupportedOperation' });
    });

    it('answers a paginated listing, one filtered by subnet, and one by ids', async () => {
      const pages: NetworkInterface[] = [];
      for await (const page of paginateDescribeNetworkInterfaces({ client: ec2, pageSize: 5 }, {}))
        pages.push(...(page.NetworkInterfaces ?? []));
      const bySubnet = await ec2.send(
        new DescribeNetworkInterfacesCommand({
          Filters: [
            { Name: 'subnet-id', Values: [world.subnet.subnetId] },
            { Name: 'description', Values: ['*'] },
          ],
        }),
      );
      const first = pages[0]?.NetworkInterfaceId as string;
      const byId = await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [first] }));

      expect(pages).toHaveLength(sim.state.eniById.size);
      expect(bySubnet.NetworkInterfaces?.length).toBeGreaterThan(2);
      expect(byId.NetworkInterfaces).toHaveLength(1);
    });
  });

  it('rejects a MaxResults below 5 with InvalidParameterValue', async () => {
    const attempt = ec2.send(new DescribeNetworkInterfacesCommand({ MaxResults: 2 }));

    await expect(attempt).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });

  it.each([
    ['eni-00000000000000bad', 'InvalidNetworkInterfaceID.NotFound'],
    ['eipalloc-00000000000000bad', 'InvalidAllocationID.NotFound'],
    ['subnet-00000000000000bad', 'InvalidSubnetID.NotFound'],
    ['i-00000000000000bad', 'InvalidInstanceID.NotFound'],
  ])('rejects tagging the unknown resource %s with %s', async (id, code) => {
    const attempt = ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: 'k', Value: 'v' }] }));

    await expect(attempt).rejects.toMatchObject({ name: code });
  });

  it('tags an ENI, an EIP, a subnet and an instance in one call, then deletes one tag by key', async () => {
    const eni = sim.state.addNetworkInterface({ subnetId: world.subnet.subnetId });
    const eip = sim.state.addAddress();
    const resources = [
      eni.networkInterfaceId,
      eip.allocationId,
      world.subnet.subnetId,
      world.node.instanceId,
    ];

    await ec2.send(
      new CreateTagsCommand({
        Resources: resources,
        Tags: [
          { Key: 'eip-keeper/pool', Value: 'payments' },
          { Key: 'owner', Value: 'team-a' },
        ],
      }),
    );
    await ec2.send(new DeleteTagsCommand({ Resources: [eni.networkInterfaceId], Tags: [{ Key: 'owner' }] }));

    const snap = sim.state.snapshot();
    expect(snap.networkInterfaces.find((e) => e.networkInterfaceId === eni.networkInterfaceId)?.tags).toEqual(
      [{ key: 'eip-keeper/pool', value: 'payments' }],
    );
    expect(snap.addresses[0]?.tags).toHaveLength(2);
    expect(snap.subnets.find((s) => s.subnetId === world.subnet.subnetId)?.tags).toHaveLength(2);
    expect(snap.instances[0]?.tags).toHaveLength(2);
  });

  it('keeps a tag whose value does not match the DeleteTags value', async () => {
    const eip = sim.state.addAddress({ tags: { owner: 'team-a' } });

    await ec2.send(
      new DeleteTagsCommand({ Resources: [eip.allocationId], Tags: [{ Key: 'owner', Value: 'team-b' }] }),
    );

    expect(sim.state.addresses()[0]?.tags).toEqual([{ key: 'owner', value: 'team-a' }]);
  });

  it("refuses tag keys in AWS's reserved aws: namespace", async () => {
    const eip = sim.state.addAddress();

    const attempt = ec2.send(
      new CreateTagsCommand({
        Resources: [eip.allocationId],
        Tags: [{ Key: 'aws:cloudformation:stack', Value: 'x' }],
      }),
    );

    await expect(attempt).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });
});
