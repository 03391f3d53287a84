/**
 * An in-account attacker against the keeper, on the simulated region: an IAM user (`mallory`) allowed
 * ec2:CreateNetworkInterface and ec2:CreateTags (and, where said, more), against the configuration docs/keeper.md
 * recommends (the pods' security group, the branch description, the cluster). Every attack ends the same way: no
 * pool EIP on any of mallory's ENIs, the security alert sent (once), and every real pod served.
 */
import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  AttachNetworkInterfaceCommand,
  CreateNetworkInterfaceCommand,
  type CreateNetworkInterfaceCommandInput,
  CreateTagsCommand,
  DeleteTagsCommand,
} from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { ct } from '../support/cloudtrail';
import { regionPerTest } from '../support/region';
import {
  CLUSTER,
  IP_NODE,
  OTHER_SUBNET,
  POD_ENI_DESCRIPTION,
  POD_SG,
  POOL,
  paymentsPool,
  SUBNET,
  VPC,
} from '../support/world';
import { KeeperRegion } from './support/region';

const startRegion = regionPerTest(KeeperRegion.start);
const MINUTE = 60_000;
const UNPROVEN = 'looks like a pod ENI but is not one';

/** What a branch ENI of `prod` looks like to a selector: the pods' group, the description, the cluster's tags. */
function lookAlike(
  opts: { subnet?: string; sg?: string; tags?: boolean } = {},
): CreateNetworkInterfaceCommandInput {
  return {
    SubnetId: opts.subnet ?? SUBNET,
    Description: POD_ENI_DESCRIPTION,
    Groups: [opts.sg ?? POD_SG],
    ...(opts.tags === false
      ? {}
      : {
          TagSpecifications: [
            {
              ResourceType: 'network-interface',
              Tags: [
                { Key: 'eks:eni:owner', Value: 'eks-vpc-resource-controller' },
                { Key: `kubernetes.io/cluster/${CLUSTER}`, Value: 'owned' },
                { Key: 'vpcresources.k8s.aws/vlan-id', Value: '42' },
              ],
            },
          ],
        }),
  };
}

async function mallory(k: KeeperRegion, input: CreateNetworkInterfaceCommandInput): Promise<string> {
  const out = await k.ec2As('mallory').send(new CreateNetworkInterfaceCommand(input));
  return out.NetworkInterface?.NetworkInterfaceId as string;
}

/** Pool EIPs on any of these ENIs (must stay empty). */
const poolEipsOn = (k: KeeperRegion, enis: readonly string[]) =>
  enis.flatMap((e) => (k.eipOf(e) ? [`${e}=${k.eipOf(e)}`] : []));

/** The unproven-ENI alerts, by the ENI id their JSON facts name. */
function unprovenAlerts(k: KeeperRegion): string[] {
  return k.alerts(UNPROVEN).map((m) => {
    const doc = JSON.parse(JSON.parse(m.message).default) as { facts: { eniId: string } };
    return doc.facts.eniId;
  });
}

describe('look-alike ENIs (ec2:CreateNetworkInterface + ec2:CreateTags)', () => {
  it('gives nothing to a look-alike in a subnet no pod uses, alerts once naming its creator, and serves the pods', async () => {
    const k = await startRegion({ eips: 3 });
    const fake = await mallory(k, lookAlike({ subnet: OTHER_SUBNET }));
    await k.region.settle();
    const pods = await k.createPods(2);
    await k.reconcile();
    await k.region.advance(10 * MINUTE);

    expect(poolEipsOn(k, [fake])).toEqual([]);
    expect(k.unserved(pods)).toEqual([]);
    expect(unprovenAlerts(k)).toEqual([fake]);
    const [alert] = k.alerts(UNPROVEN);
    const text = JSON.parse(alert?.message ?? '{}').email as string;
    expect(text).toContain('Created by mallory');
    expect(text).toContain('it was created by mallory, not by the cluster role');
    expect(text).toContain('it is associated with no trunk ENI');
    expect(text).toContain(OTHER_SUBNET);
  });

  it("gives nothing to a look-alike attached to its creator's own instance (device index 1)", async () => {
    const k = await startRegion({ eips: 2 });
    const own = k.region.ec2.addInstance({ instanceType: 't3.micro', subnetId: SUBNET }).instanceId;
    const fake = await mallory(k, lookAlike());
    await k
      .ec2As('mallory')
      .send(new AttachNetworkInterfaceCommand({ NetworkInterfaceId: fake, InstanceId: own, DeviceIndex: 1 }));
    await k.region.settle();
    const pods = await k.createPods(2);
    await k.reconcile();

    expect(poolEipsOn(k, [fake])).toEqual([]);
    expect(k.unserved(pods)).toEqual([]);
    expect(unprovenAlerts(k)).toEqual([fake]);
    expect(JSON.parse(k.alerts(UNPROVEN)[0]?.message ?? '{}').email).toContain(
      `it is attached to instance ${own}: a pod's branch ENI never is`,
    );
  });

  it('gives nothing to a look-alike in another VPC, and its creation never invokes the keeper', async () => {
    const k = await startRegion({
      eips: 2,
      // A selector without the (VPC-bound) security group: description and owner tag only.
      config: {
        pools: [
          {
            ...paymentsPool(),
            selector: {
              descriptionPrefix: POD_ENI_DESCRIPTION,
              tags: { 'eks:eni:owner': ['eks-vpc-resource-controller'] },
            },
          },
        ],
      },
    });
    const ec2 = k.region.ec2;
    ec2.addVpc({ vpcId: 'vpc-0bad0000000000001', cidrBlock: '10.9.0.0/16' });
    ec2.addSubnet({
      subnetId: 'subnet-0bad0000000000001',
      vpcId: 'vpc-0bad0000000000001',
      availabilityZone: 'eu-west-1a',
      cidrBlock: '10.9.1.0/24',
    });
    ec2.addSecurityGroup({
      groupId: 'sg-0bad0000000000001',
      groupName: 'mallory',
      vpcId: 'vpc-0bad0000000000001',
    });
    const fake = await mallory(
      k,
      lookAlike({ subnet: 'subnet-0bad0000000000001', sg: 'sg-0bad0000000000001' }),
    );
    await k.region.settle();

    expect(k.region.bus.invocations.filter((i) => i.functionId === 'KeeperEvents')).toEqual([]);

    const pods = await k.createPods(2);
    await k.reconcile();
    expect(poolEipsOn(k, [fake])).toEqual([]);
    expect(k.unserved(pods)).toEqual([]);
    expect(unprovenAlerts(k)).toEqual([fake]);
    expect(JSON.parse(k.alerts(UNPROVEN)[0]?.message ?? '{}').email).toContain(
      `it is in vpc-0bad0000000000001, not cluster prod's ${VPC}`,
    );
  });

  it('gives nothing to one created untagged and tagged later: the reconciler reads who created it', async () => {
    const k = await startRegion({ eips: 2, inventory: true });
    const fake = await mallory(k, lookAlike({ tags: false }));
    await k.region.settle();
    // Untagged, it matches no pool's rule: the keeper is not even invoked.
    expect(k.region.bus.invocations.filter((i) => i.functionId === 'KeeperEvents')).toEqual([]);
    await k.ec2As('mallory').send(
      new CreateTagsCommand({
        Resources: [fake],
        Tags: [
          { Key: `kubernetes.io/cluster/${CLUSTER}`, Value: 'owned' },
          { Key: 'eks:eni:owner', Value: 'eks-vpc-resource-controller' },
        ],
      }),
    );
    const pods = await k.createPods(2);

    await k.reconcile();
    await k.reconcile();

    expect(poolEipsOn(k, [fake])).toEqual([]);
    expect(k.unserved(pods)).toEqual([]);
    expect(unprovenAlerts(k)).toEqual([fake]);
    expect(JSON.parse(k.alerts(UNPROVEN)[0]?.message ?? '{}').email).toContain('Created by mallory');
  });

  it('cannot take the pool from restarting pods with waiting look-alikes: the pods get every EIP', async () => {
    const k = await startRegion({ eips: 3 });
    const pods = await k.createPods(3);
    const fakes = [
      await mallory(k, lookAlike()),
      await mallory(k, lookAlike()),
      await mallory(k, lookAlike()),
    ];
    await k.region.settle();
    expect(await k.items('pool-wait')).toEqual([]);

    await k.deletePods(pods);
    const restarted = await k.createPods(3);
    await k.region.advance(10 * MINUTE);

    expect(k.unserved(restarted)).toEqual([]);
    expect(poolEipsOn(k, fakes)).toEqual([]);
    expect(unprovenAlerts(k).sort()).toEqual([...fakes].sort());
  });
});

describe('secondary-IP pools', () => {
  it('gives nothing to an ENI with six secondary IPs that is no node ENI, and serves the pods on their node', async () => {
    const k = await startRegion({
      eips: 3,
      config: {
        pools: [
          {
            ...paymentsPool(),
            target: 'secondary-ip',
            kubernetesAccess: true,
            podSelector: { namespace: 'payments', labels: { app: 'payments' } },
            selector: { descriptionPrefix: 'aws-K8S-', tags: { 'eks:eni:owner': ['amazon-vpc-cni'] } },
          },
        ],
      },
    });
    const fake = await mallory(k, {
      SubnetId: SUBNET,
      Description: `aws-K8S-${IP_NODE}`,
      SecondaryPrivateIpAddressCount: 6,
      TagSpecifications: [
        {
          ResourceType: 'network-interface',
          Tags: [
            { Key: 'eks:eni:owner', Value: 'amazon-vpc-cni' },
            { Key: 'cluster.k8s.amazonaws.com/name', Value: CLUSTER },
          ],
        },
      ],
    });
    const pods = [1, 2].map(() =>
      k.pods.startIpPod({
        cluster: CLUSTER,
        node: IP_NODE,
        namespace: 'payments',
        labels: { app: 'payments' },
      }),
    );
    await k.region.settle();
    await k.reconcile();

    expect(poolEipsOn(k, [fake])).toEqual([]);
    for (const p of pods)
      expect(k.region.ec2.addressOn(p.eniId, p.privateIp)?.tags).toContainEqual({
        key: 'eip-keeper:pool',
        value: POOL,
      });
    expect(unprovenAlerts(k)).toEqual([fake]);
  });
});

describe('pool membership', () => {
  it('never hands out an idle address someone tagged into the pool, and says who tagged it', async () => {
    const k = await startRegion({ eips: 2 });
    const own = await k.ec2As('mallory').send(new AllocateAddressCommand({ Domain: 'vpc' }));
    await k.ec2As('mallory').send(
      new CreateTagsCommand({
        Resources: [own.AllocationId as string],
        Tags: [{ Key: 'eip-keeper:pool', Value: POOL }],
      }),
    );
    await k.region.settle();
    const fake = await mallory(k, lookAlike());
    const pods = await k.createPods(3);
    await k.reconcile();

    const mine = k.region.ec2.addressById.get(own.AllocationId as string);
    expect(mine?.association).toBeUndefined();
    expect(poolEipsOn(k, [fake])).toEqual([]);
    expect(k.unserved(pods)).toHaveLength(1);
    const unapproved = k.alerts('not approved');
    expect(unapproved).toHaveLength(1);
    expect(JSON.parse(unapproved[0]?.message ?? '{}').email).toContain(
      `mallory tagged eip-keeper:pool=${POOL} on Elastic IP ${own.AllocationId}`,
    );
  });

  it('calls nothing IAM denies: no holder tag removal on an address whose pool tag was removed while held', async () => {
    const k = await startRegion({ eips: 2 });
    const [pod] = await k.createPods(1);
    const held = k.eipOf(pod as string) as string;
    await k
      .ec2As('admin')
      .send(new DeleteTagsCommand({ Resources: [held], Tags: [{ Key: 'eip-keeper:pool' }] }));
    await k.region.settle();

    await k.deletePods([pod as string]);
    await k.reconcile();

    // The keeper's tag calls, as CloudTrail recorded them, that named the address.
    const tagCalls = k.region.bus.events.filter((e) => {
      const d = e.detail as {
        eventName?: string;
        userIdentity?: { arn?: string };
        requestParameters?: unknown;
      };
      return (
        (d.eventName === 'DeleteTags' || d.eventName === 'CreateTags') &&
        // The keeper's functions sign as their roles (EipKeeper-KeeperEventsRole, EipKeeper-KeeperReconcilerRole).
        /:assumed-role\/EipKeeper-Keeper/.test(d.userIdentity?.arn ?? '') &&
        JSON.stringify(d.requestParameters).includes(held)
      );
    });
    expect(tagCalls.map((e) => (e.detail as { eventName: string }).eventName)).toEqual(['CreateTags']);
    expect(k.alerts('pool tag removed')).toHaveLength(1);
  });
});

describe('forged events (lambda:InvokeFunction on the keeper)', () => {
  it('frees nothing for a DeleteNetworkInterface of a pod EC2 still shows, and counts it', async () => {
    const k = await startRegion({ eips: 2 });
    const [pod] = await k.createPods(1);
    const eip = k.eipOf(pod as string);

    const result = await k.region.invoke(
      'KeeperEvents',
      ct.deleteEni(
        { id: 'forged-1', at: k.region.clock.now().toISOString(), who: 'vpcRc' },
        pod as string,
      ) as never,
    );

    expect(result).toMatchObject({ outcome: 'refused' });
    expect(k.eipOf(pod as string)).toBe(eip);
    expect((await k.claimHolders()).get(eip as string)).toBe(pod);
    expect(k.metric('KeeperEventsContradicted')).toBe(1);
  });

  it('rejects and counts an event from the future', async () => {
    const k = await startRegion({ eips: 2 });
    const [pod] = await k.createPods(1);
    const later = new Date(k.region.clock.nowMs() + 60 * MINUTE).toISOString();

    const result = await k.region.invoke(
      'KeeperEvents',
      ct.deleteEni({ id: 'forged-2', at: later, who: 'vpcRc' }, pod as string) as never,
    );

    expect(result).toMatchObject({ outcome: 'rejected' });
    expect(k.eipOf(pod as string)).toBeDefined();
    expect(k.metric('KeeperEventsRejected')).toBe(1);
  });
});

describe('AWS displaces silently (AllowReassociation=false protects the EIP, not the target)', () => {
  it('alerts when someone puts another address on a pod, gives the pool EIP back to the pool, and never displaces back', async () => {
    const k = await startRegion({ eips: 2, strangers: 1 });
    const [pod] = await k.createPods(1);
    const poolEip = k.eipOf(pod as string) as string;
    const stranger = [...k.region.ec2.addressById.values()].find((a) => !k.pool.includes(a.allocationId));
    await k.ec2As('admin').send(
      new AssociateAddressCommand({
        AllocationId: stranger?.allocationId,
        NetworkInterfaceId: pod,
        AllowReassociation: false,
      }),
    );
    await k.region.settle();

    await k.reconcile();
    await k.reconcile();

    expect(
      k.region.ec2.addressOn(
        pod as string,
        k.region.ec2.eniById.get(pod as string)?.privateIpAddress as string,
      )?.allocationId,
    ).toBe(stranger?.allocationId);
    expect(k.region.ec2.addressById.get(poolEip)?.association).toBeUndefined();
    expect(k.alerts('was displaced from a pod')).toHaveLength(1);
    const [later] = await k.createPods(1);
    expect(k.eipOf(later as string)).toBeDefined();
  });
});
