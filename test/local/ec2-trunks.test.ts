/**
 * Trunk interface associations and ENI attachments in the simulated EC2, through the SDK: what the VPC resource
 * controller does for a pod's branch ENI, and what the keeper reads to tell it from a look-alike.
 */
import {
  AssociateTrunkInterfaceCommand,
  AttachNetworkInterfaceCommand,
  DeleteNetworkInterfaceCommand,
  DescribeTrunkInterfaceAssociationsCommand,
  type EC2Client,
  paginateDescribeTrunkInterfaceAssociations,
} from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Ec2Sim, startEc2Sim } from '../../local/ec2/harness';
import type { Ec2State } from '../../local/ec2/state';

function seedNode(state: Ec2State) {
  const vpc = state.addVpc({ cidrBlock: '10.0.0.0/16' });
  const subnet = state.addSubnet({
    vpcId: vpc.vpcId,
    availabilityZone: 'eu-west-1a',
    cidrBlock: '10.0.1.0/24',
  });
  const node = state.addInstance({ instanceType: 'm5.large', subnetId: subnet.subnetId });
  const trunk = state.addNetworkInterface({
    subnetId: subnet.subnetId,
    description: 'aws-k8s-trunk-eni',
    interfaceType: 'trunk',
    attachment: { instanceId: node.instanceId, deviceIndex: 1 },
  });
  const branch = (description = 'aws-k8s-branch-eni') =>
    state.addNetworkInterface({ subnetId: subnet.subnetId, description });
  return { vpc, subnet, node, trunk, branch };
}

let sim: Ec2Sim;
let ec2: EC2Client;
let world: ReturnType<typeof seedNode>;

beforeEach(async () => {
  sim = await startEc2Sim();
  ec2 = sim.client();
  world = seedNode(sim.state);
});

afterEach(async () => {
  await sim.stop();
});

describe('trunk interface associations', () => {
  const associate = (branchId: string, vlan: number, trunkId = world.trunk.networkInterfaceId) =>
    ec2.send(
      new AssociateTrunkInterfaceCommand({
        BranchInterfaceId: branchId,
        TrunkInterfaceId: trunkId,
        VlanId: vlan,
      }),
    );

  it('associates a branch ENI with a trunk ENI and lists it by branch, with a CloudTrail record', async () => {
    const branch = world.branch();

    const out = await associate(branch.networkInterfaceId, 7);
    const listed = await ec2.send(
      new DescribeTrunkInterfaceAssociationsCommand({
        Filters: [
          { Name: 'trunk-interface-association.branch-interface-id', Values: [branch.networkInterfaceId] },
        ],
      }),
    );

    expect(out.InterfaceAssociation).toMatchObject({
      BranchInterfaceId: branch.networkInterfaceId,
      TrunkInterfaceId: world.trunk.networkInterfaceId,
      InterfaceProtocol: 'VLAN',
      VlanId: 7,
    });
    expect(listed.InterfaceAssociations).toEqual([out.InterfaceAssociation]);
    expect(sim.events.map((e) => (e.detail as { eventName: string }).eventName)).toEqual([
      'AssociateTrunkInterface',
    ]);
  });

  it('pages through the associations of a trunk', async () => {
    const ids = [];
    for (let vlan = 1; vlan <= 12; vlan++) {
      const b = world.branch();
      await associate(b.networkInterfaceId, vlan);
      ids.push(b.networkInterfaceId);
    }

    const seen: string[] = [];
    for await (const page of paginateDescribeTrunkInterfaceAssociations(
      { client: ec2, pageSize: 5 },
      {
        Filters: [
          {
            Name: 'trunk-interface-association.trunk-interface-id',
            Values: [world.trunk.networkInterfaceId],
          },
        ],
      },
    )) {
      expect((page.InterfaceAssociations ?? []).length).toBeLessThanOrEqual(5);
      for (const a of page.InterfaceAssociations ?? []) seen.push(a.BranchInterfaceId as string);
    }

    expect(seen.sort()).toEqual(ids.sort());
  });

  it('refuses a trunk that is not a trunk, a second association of one branch, and a VLAN in use', async () => {
    const a = world.branch();
    const b = world.branch();
    const notTrunk = world.branch();
    await associate(a.networkInterfaceId, 3);

    await expect(associate(b.networkInterfaceId, 4, notTrunk.networkInterfaceId)).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    });
    await expect(associate(a.networkInterfaceId, 5)).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(associate(b.networkInterfaceId, 3)).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });

  it('ends the association when the branch ENI is deleted', async () => {
    const branch = world.branch();
    await associate(branch.networkInterfaceId, 9);

    await ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: branch.networkInterfaceId }));

    const listed = await ec2.send(new DescribeTrunkInterfaceAssociationsCommand({}));
    expect(listed.InterfaceAssociations ?? []).toEqual([]);
  });
});

describe('AttachNetworkInterface', () => {
  it('attaches an available ENI at a free device index, and refuses a taken one', async () => {
    const eni = world.branch('anything');
    const other = world.branch('anything else');

    const out = await ec2.send(
      new AttachNetworkInterfaceCommand({
        NetworkInterfaceId: eni.networkInterfaceId,
        InstanceId: world.node.instanceId,
        DeviceIndex: 2,
      }),
    );
    const taken = ec2.send(
      new AttachNetworkInterfaceCommand({
        NetworkInterfaceId: other.networkInterfaceId,
        InstanceId: world.node.instanceId,
        DeviceIndex: 2,
      }),
    );

    expect(out.AttachmentId).toMatch(/^eni-attach-/);
    expect(sim.state.eniById.get(eni.networkInterfaceId)?.attachment).toMatchObject({
      instanceId: world.node.instanceId,
      deviceIndex: 2,
    });
    await expect(taken).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });
});
