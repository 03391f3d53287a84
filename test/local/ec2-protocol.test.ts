import {
  type _InstanceType,
  AllocateAddressCommand,
  AssociateAddressCommand,
  CreateNetworkInterfaceCommand,
  CreateTagsCommand,
  DeleteNetworkInterfaceCommand,
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  DescribeInstanceTypesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  DisassociateAddressCommand,
  type EC2Client,
  type InstanceTypeInfo,
  paginateDescribeInstanceTypes,
  ReleaseAddressCommand,
} from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Ec2Sim, startEc2Sim } from '../../local/ec2/harness';
import { INSTANCE_TYPES } from '../../local/ec2/instance-types';
import type { Ec2State } from '../../local/ec2/state';

function seedWorld(state: Ec2State) {
  const vpc = state.addVpc({ cidrBlock: '10.0.0.0/16', tags: { Name: 'eks-prod' } });
  const publicSubnet = state.addSubnet({
    vpcId: vpc.vpcId,
    availabilityZone: 'eu-west-1a',
    cidrBlock: '10.0.0.0/24',
    tags: { 'kubernetes.io/role/elb': '1' },
  });
  const privateSubnet = state.addSubnet({
    vpcId: vpc.vpcId,
    availabilityZone: 'eu-west-1b',
    cidrBlock: '10.0.16.0/20',
  });
  const publicTable = state.addRouteTable({
    vpcId: vpc.vpcId,
    subnetIds: [publicSubnet.subnetId],
    routes: [{ destinationCidrBlock: '0.0.0.0/0', gatewayId: vpc.internetGatewayId ?? undefined }],
  });
  const privateTable = state.addRouteTable({
    vpcId: vpc.vpcId,
    subnetIds: [privateSubnet.subnetId],
    routes: [{ destinationCidrBlock: '0.0.0.0/0', natGatewayId: 'nat-0123456789abcdef0' }],
  });
  const node = state.addInstance({
    instanceType: 'm5.large',
    subnetId: privateSubnet.subnetId,
    tags: { 'eks:nodegroup-name': 'pods' },
  });
  const eni = state.addNetworkInterface({
    subnetId: publicSubnet.subnetId,
    description: 'aws-k8s-branch-eni',
  });
  return { vpc, publicSubnet, privateSubnet, publicTable, privateTable, node, eni };
}

describe('EC2 protocol fidelity', () => {
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

  describe('XML', () => {
    it('escapes markup, ampersands, quotes and carriage returns so tag values round-trip through the SDK', async () => {
      const nasty = `<script>alert("x")</script> & 'quoted' &lt;literal&gt; \r\nline`;
      const eip = sim.state.addAddress();
      await ec2.send(
        new CreateTagsCommand({ Resources: [eip.allocationId], Tags: [{ Key: 'note&<k>', Value: nasty }] }),
      );

      const { Addresses } = await ec2.send(new DescribeAddressesCommand({}));

      expect(Addresses?.[0]?.Tags).toEqual([{ Key: 'note&<k>', Value: nasty }]);
    });

    it('answers an action it does not know with InvalidAction and HTTP 400', async () => {
      const res = await fetch(sim.endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization:
            'AWS4-HMAC-SHA256 Credential=AKIDTEST/20260105/eu-west-1/ec2/aws4_request, SignedHeaders=host, Signature=0',
        },
        body: 'Action=RunInstances&Version=2016-11-15',
      });

      const body = await res.text();
      expect(res.status).toBe(400);
      expect(body).toContain('<Response><Errors><Error><Code>InvalidAction</Code>');
      expect(body).toContain('<RequestID>');
    });
  });

  describe('DryRun', () => {
    it('raises DryRunOperation with HTTP 412, changes nothing, and records Client.DryRunOperation', async () => {
      const eip = sim.state.addAddress();

      const attempt = ec2.send(new ReleaseAddressCommand({ AllocationId: eip.allocationId, DryRun: true }));

      await expect(attempt).rejects.toMatchObject({
        name: 'DryRunOperation',
        $metadata: { httpStatusCode: 412 },
      });
      expect(sim.state.addresses()).toHaveLength(1);
      expect(sim.events.map((e) => [e.detail.eventName, e.detail.errorCode])).toEqual([
        ['ReleaseAddress', 'Client.DryRunOperation'],
      ]);
    });

    it('reports the real error rather than DryRunOperation when the dry-run request would fail', async () => {
      const eip = sim.state.addAddress({ association: { networkInterfaceId: world.eni.networkInterfaceId } });

      const attempt = ec2.send(new ReleaseAddressCommand({ AllocationId: eip.allocationId, DryRun: true }));

      await expect(attempt).rejects.toMatchObject({ name: 'InvalidIPAddress.InUse' });
    });

    it('leaves an ENI uncreated under DryRun', async () => {
      const before = sim.state.networkInterfaces().length;

      const attempt = ec2.send(
        new CreateNetworkInterfaceCommand({ SubnetId: world.publicSubnet.subnetId, DryRun: true }),
      );

      await expect(attempt).rejects.toMatchObject({ name: 'DryRunOperation' });
      expect(sim.state.networkInterfaces()).toHaveLength(before);
    });
  });

  describe('CloudTrail', () => {
    it('records a CreateNetworkInterface like a real CloudTrail EC2 event', async () => {
      const group = sim.state.addSecurityGroup({ vpcId: world.vpc.vpcId, groupName: 'payments-pods' });

      const { NetworkInterface: eni } = await ec2.send(
        new CreateNetworkInterfaceCommand({
          SubnetId: world.publicSubnet.subnetId,
          Description: 'aws-k8s-branch-eni',
          Groups: [group.groupId],
          TagSpecifications: [
            {
              ResourceType: 'network-interface',
              Tags: [{ Key: 'eks:eni:owner', Value: 'eks-vpc-resource-controller' }],
            },
          ],
        }),
      );

      const event = sim.events[0];
      expect(event).toMatchObject({
        'detail-type': 'AWS API Call via CloudTrail',
        source: 'aws.ec2',
        region: 'eu-west-1',
        detail: {
          eventSource: 'ec2.amazonaws.com',
          eventName: 'CreateNetworkInterface',
          requestParameters: {
            subnetId: world.publicSubnet.subnetId,
            description: 'aws-k8s-branch-eni',
            groupSet: { items: [{ groupId: group.groupId }] },
            privateIpAddressesSet: {},
            tagSpecificationSet: {
              items: [
                {
                  resourceType: 'network-interface',
                  tags: [{ key: 'eks:eni:owner', value: 'eks-vpc-resource-controller' }],
                },
              ],
            },
          },
          responseElements: {
            requestId: expect.any(String),
            networkInterface: {
              networkInterfaceId: eni?.NetworkInterfaceId,
              subnetId: world.publicSubnet.subnetId,
              vpcId: world.vpc.vpcId,
              availabilityZone: 'eu-west-1a',
              description: 'aws-k8s-branch-eni',
              ownerId: '111122223333',
              requesterManaged: false,
              status: 'available',
              privateIpAddress: eni?.PrivateIpAddress,
              interfaceType: 'interface',
              groupSet: { items: [{ groupId: group.groupId, groupName: 'payments-pods' }] },
              privateIpAddressesSet: {
                item: [
                  {
                    privateIpAddress: eni?.PrivateIpAddress,
                    privateDnsName: expect.any(String),
                    primary: true,
                  },
                ],
              },
              ipv6AddressesSet: {},
              tagSet: { items: [{ key: 'eks:eni:owner', value: 'eks-vpc-resource-controller' }] },
            },
          },
        },
      });
      expect(event?.detail).not.toHaveProperty('errorCode');
    });

    it('records the address lifecycle with the request and response fields consumers read', async () => {
      const { AllocationId, PublicIp } = await ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }));
      const { AssociationId } = await ec2.send(
        new AssociateAddressCommand({
          AllocationId,
          NetworkInterfaceId: world.eni.networkInterfaceId,
          PrivateIpAddress: world.eni.privateIpAddress,
          AllowReassociation: false,
        }),
      );
      await ec2.send(new DisassociateAddressCommand({ AssociationId }));
      await ec2.send(new ReleaseAddressCommand({ AllocationId }));

      const records = sim.events.map((e) => ({
        name: e.detail.eventName,
        request: e.detail.requestParameters,
        response: e.detail.responseElements,
      }));
      expect(records).toEqual([
        {
          name: 'AllocateAddress',
          request: { domain: 'vpc' },
          response: {
            requestId: expect.any(String),
            publicIp: PublicIp,
            domain: 'vpc',
            allocationId: AllocationId,
            networkBorderGroup: 'eu-west-1',
            publicIpv4Pool: 'amazon',
          },
        },
        {
          name: 'AssociateAddress',
          request: {
            allocationId: AllocationId,
            networkInterfaceId: world.eni.networkInterfaceId,
            privateIpAddress: world.eni.privateIpAddress,
            allowReassociation: false,
          },
          response: { requestId: expect.any(String), _return: true, associationId: AssociationId },
        },
        {
          name: 'DisassociateAddress',
          request: { associationId: AssociationId },
          response: { requestId: expect.any(String), _return: true },
        },
        {
          name: 'ReleaseAddress',
          request: { allocationId: AllocationId },
          response: { requestId: expect.any(String), _return: true },
        },
      ]);
    });

    it('records a failed call with its Client. error code, message and null responseElements', async () => {
      const eip = sim.state.addAddress({ association: { networkInterfaceId: world.eni.networkInterfaceId } });

      await expect(ec2.send(new ReleaseAddressCommand({ AllocationId: eip.allocationId }))).rejects.toThrow();

      expect(sim.events[0]?.detail).toMatchObject({
        eventName: 'ReleaseAddress',
        errorCode: 'Client.InvalidIPAddress.InUse',
        errorMessage: `Address ${eip.publicIp} is in use.`,
        requestParameters: { allocationId: eip.allocationId },
        responseElements: null,
      });
    });

    it('records DeleteNetworkInterface with the interface id and a true return', async () => {
      await ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: world.eni.networkInterfaceId }));

      expect(sim.events[0]?.detail).toMatchObject({
        eventName: 'DeleteNetworkInterface',
        requestParameters: { networkInterfaceId: world.eni.networkInterfaceId },
        responseElements: { requestId: expect.any(String), _return: true },
      });
    });

    it('writes no CloudTrail event for describe calls', async () => {
      await ec2.send(new DescribeAddressesCommand({}));
      await ec2.send(new DescribeNetworkInterfacesCommand({}));

      expect(sim.events).toEqual([]);
      expect(sim.server.callCounts('ec2')).toEqual({ DescribeAddresses: 1, DescribeNetworkInterfaces: 1 });
    });
  });

  describe('throttling', () => {
    beforeEach(() => {
      sim.enableThrottling();
    });

    it('answers a burst beyond the describe bucket with RequestLimitExceeded and HTTP 503', async () => {
      await Promise.all(Array.from({ length: 100 }, () => ec2.send(new DescribeAddressesCommand({}))));

      const attempt = ec2.send(new DescribeAddressesCommand({}));

      await expect(attempt).rejects.toMatchObject({
        name: 'RequestLimitExceeded',
        $metadata: { httpStatusCode: 503 },
      });
      expect(sim.server.calls.filter((c) => c.outcome === 'throttled')).toHaveLength(1);
    });

    it('lets the SDK retry a throttled call to success once the bucket refills between attempts', async () => {
      await Promise.all(Array.from({ length: 100 }, () => ec2.send(new DescribeAddressesCommand({}))));
      const retrying = sim.client({ maxAttempts: 3 });
      // Virtual time passes while the SDK backs off: one second refills 20 describe tokens.
      retrying.middlewareStack.add(
        (next) => async (args) => {
          const header =
            (args.request as { headers?: Record<string, string> }).headers?.['amz-sdk-request'] ?? '';
          if (!header.startsWith('attempt=1;')) sim.clock.advanceBy(1_000);
          return next(args);
        },
        { step: 'finalizeRequest', priority: 'low', name: 'advanceVirtualClockOnRetry' },
      );

      const out = await retrying.send(new DescribeAddressesCommand({}));

      expect(out.$metadata.attempts).toBe(2);
      expect(sim.server.calls.slice(-2).map((c) => c.outcome)).toEqual(['throttled', 'ok']);
    });

    it('throttles address mutations on their own, smaller bucket', async () => {
      const eip = sim.state.addAddress();
      const associate = (i: number) =>
        ec2.send(
          new AssociateAddressCommand({
            AllocationId: eip.allocationId,
            NetworkInterfaceId: world.eni.networkInterfaceId,
            AllowReassociation: i > 0,
          }),
        );

      const results = await Promise.allSettled(Array.from({ length: 51 }, (_, i) => associate(i)));

      expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
      expect(sim.server.callCounts('ec2')).toEqual({ AssociateAddress: 51 });
      await expect(ec2.send(new DescribeAddressesCommand({}))).resolves.toBeDefined();
    });
  });

  describe('describe calls', () => {
    it('reports subnets with their free IP count, filtered by VPC, zone and tag', async () => {
      const { Subnets: byVpc } = await ec2.send(
        new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [world.vpc.vpcId] }] }),
      );
      const { Subnets: byTag } = await ec2.send(
        new DescribeSubnetsCommand({ Filters: [{ Name: 'tag:kubernetes.io/role/elb', Values: ['1'] }] }),
      );
      const { Subnets: byZone } = await ec2.send(
        new DescribeSubnetsCommand({ Filters: [{ Name: 'availability-zone', Values: ['eu-west-1b'] }] }),
      );

      expect(byVpc).toHaveLength(2);
      // /24: 256 − 5 reserved − the branch ENI's one IP.
      expect(byTag).toEqual([
        expect.objectContaining({
          SubnetId: world.publicSubnet.subnetId,
          AvailableIpAddressCount: 250,
          State: 'available',
        }),
      ]);
      // /20: 4096 − 5 − the node's primary IP.
      expect(byZone?.map((s) => [s.SubnetId, s.AvailableIpAddressCount])).toEqual([
        [world.privateSubnet.subnetId, 4090],
      ]);
    });

    it("finds a subnet's route table and its internet or NAT default route", async () => {
      const route = async (subnetId: string) => {
        const { RouteTables } = await ec2.send(
          new DescribeRouteTablesCommand({
            Filters: [{ Name: 'association.subnet-id', Values: [subnetId] }],
          }),
        );
        return RouteTables?.[0]?.Routes?.find((r) => r.DestinationCidrBlock === '0.0.0.0/0');
      };

      expect(await route(world.publicSubnet.subnetId)).toMatchObject({
        GatewayId: world.vpc.internetGatewayId,
      });
      expect(await route(world.privateSubnet.subnetId)).toMatchObject({
        NatGatewayId: 'nat-0123456789abcdef0',
      });
    });

    it("reports the VPC's main route table through association.main", async () => {
      const { RouteTables } = await ec2.send(
        new DescribeRouteTablesCommand({
          Filters: [
            { Name: 'vpc-id', Values: [world.vpc.vpcId] },
            { Name: 'association.main', Values: ['true'] },
          ],
        }),
      );

      expect(RouteTables).toHaveLength(1);
      expect(RouteTables?.[0]?.Associations?.[0]).toMatchObject({ Main: true });
      expect(RouteTables?.[0]?.Routes).toEqual([
        expect.objectContaining({ DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local' }),
      ]);
    });

    it('reports the network numbers max-pods arithmetic needs', async () => {
      const { InstanceTypes } = await ec2.send(
        new DescribeInstanceTypesCommand({
          InstanceTypes: ['m5.large', 'i3.metal', 'p4d.24xlarge', 't3.medium'],
        }),
      );

      const byName = new Map(InstanceTypes?.map((t) => [t.InstanceType, t]));
      expect(byName.get('m5.large')).toMatchObject({
        Hypervisor: 'nitro',
        BareMetal: false,
        VCpuInfo: { DefaultVCpus: 2 },
        NetworkInfo: {
          MaximumNetworkInterfaces: 3,
          Ipv4AddressesPerInterface: 10,
          DefaultNetworkCardIndex: 0,
          NetworkCards: [{ NetworkCardIndex: 0, MaximumNetworkInterfaces: 3 }],
        },
      });
      expect(byName.get('i3.metal')).toMatchObject({ BareMetal: true });
      expect(byName.get('i3.metal')?.Hypervisor).toBeUndefined();
      expect(byName.get('p4d.24xlarge')?.NetworkInfo?.NetworkCards).toHaveLength(4);
      expect(byName.get('p4d.24xlarge')?.NetworkInfo?.NetworkCards?.[0]?.MaximumNetworkInterfaces).toBe(15);
      expect(byName.get('t3.medium')?.NetworkInfo?.Ipv4AddressesPerInterface).toBe(6);
    });

    it('rejects an unknown instance type with InvalidInstanceType', async () => {
      const attempt = ec2.send(
        new DescribeInstanceTypesCommand({ InstanceTypes: ['m5.large', 'z9.huge' as _InstanceType] }),
      );

      await expect(attempt).rejects.toMatchObject({ name: 'InvalidInstanceType' });
    });

    it('pages through the whole instance-type catalog with the SDK paginator', async () => {
      const seen: InstanceTypeInfo[] = [];

      for await (const page of paginateDescribeInstanceTypes({ client: ec2, pageSize: 7 }, {})) {
        seen.push(...(page.InstanceTypes ?? []));
      }

      expect(seen.map((t) => t.InstanceType).sort()).toEqual(
        INSTANCE_TYPES.map((t) => t.instanceType).sort(),
      );
    });

    it('describes instances in reservations with state, placement, type and ENIs', async () => {
      const { Reservations } = await ec2.send(
        new DescribeInstancesCommand({ Filters: [{ Name: 'instance-state-name', Values: ['running'] }] }),
      );

      const instance = Reservations?.[0]?.Instances?.[0];
      expect(Reservations).toHaveLength(1);
      expect(Reservations?.[0]?.ReservationId).toMatch(/^r-/);
      expect(instance).toMatchObject({
        InstanceId: world.node.instanceId,
        InstanceType: 'm5.large',
        State: { Code: 16, Name: 'running' },
        Placement: { AvailabilityZone: 'eu-west-1b' },
        SubnetId: world.privateSubnet.subnetId,
        Tags: [{ Key: 'eks:nodegroup-name', Value: 'pods' }],
      });
      expect(instance?.LaunchTime).toEqual(new Date('2026-01-05T09:00:00.000Z'));
      expect(instance?.NetworkInterfaces?.[0]?.Attachment).toMatchObject({ DeviceIndex: 0 });
    });

    it('rejects an unknown instance id with InvalidInstanceID.NotFound', async () => {
      const attempt = ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-00000000000000bad'] }));

      await expect(attempt).rejects.toMatchObject({ name: 'InvalidInstanceID.NotFound' });
    });

    it('excludes terminated instances from a running filter, and terminating deletes the primary ENI', async () => {
      const primary = sim.state.enisOf(world.node.instanceId)[0];
      const eip = sim.state.addAddress({
        association: { networkInterfaceId: primary?.networkInterfaceId ?? '' },
      });
      sim.state.terminateInstance(world.node.instanceId);

      const { Reservations } = await ec2.send(
        new DescribeInstancesCommand({ Filters: [{ Name: 'instance-state-name', Values: ['running'] }] }),
      );

      expect(Reservations).toEqual([]);
      expect(sim.state.eniById.has(primary?.networkInterfaceId ?? '')).toBe(false);
      expect(
        sim.state.addresses().find((a) => a.allocationId === eip.allocationId)?.association,
      ).toBeUndefined();
    });
  });
});
