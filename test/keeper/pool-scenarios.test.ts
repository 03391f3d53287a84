/**
 * The keeper on the simulated region: pods come and go through the real EC2 API, CloudTrail events reach the
 * keeper through the deployed pattern, and the final EC2 state and table are checked.
 */
import {
  AssignPrivateIpAddressesCommand,
  CreateTagsCommand,
  DeleteTagsCommand,
  UnassignPrivateIpAddressesCommand,
} from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { regionPerTest } from '../support/region';
import { CLUSTER, IP_NODE, OTHER_SG, POOL, paymentsPool, poolEipId } from '../support/world';
import { KeeperRegion } from './support/region';

const startRegion = regionPerTest(KeeperRegion.start);

/** Every pool EIP sits on a distinct ENI private IP, and every claim agrees with EC2. */
async function expectConsistent(h: KeeperRegion) {
  const targets = new Map<string, string>();
  for (const id of h.pool) {
    const a = h.region.ec2.addressById.get(id)?.association;
    if (a) targets.set(id, `${a.networkInterfaceId}#${a.privateIpAddress}`);
  }
  expect(new Set(targets.values()).size).toBe(targets.size);
  const claimed = new Map<string, string>();
  for (const c of await h.items('pool-eip')) {
    if (c.holderEniId) claimed.set(String(c.allocationId), `${c.holderEniId}#${c.holderPrivateIp}`);
  }
  expect(claimed).toEqual(targets);
}

describe('pods and pool EIPs', () => {
  it('gives N pods N distinct pool EIPs, tags each with its holder after the association, and alerts no one', async () => {
    const k = await startRegion({ eips: 5 });
    const pods = await k.createPods(5);

    expect(k.unserved(pods)).toEqual([]);
    expect(new Set(pods.map((p) => k.eipOf(p))).size).toBe(5);
    for (const p of pods) expect(k.holderTagOf(k.eipOf(p) as string)).toBe(p);
    expect(k.holderTagsBeforeAssociation()).toEqual([]);
    // One AssociateAddress per pod (address-mutation bucket), one CreateTags (another bucket) after it.
    expect(k.keeperCalls('AssociateAddress').total).toBe(5);
    expect(k.keeperCalls('CreateTags').total).toBe(5);
    expect(k.metric('AssociationsMade')).toBe(5);
    expect(k.region.sns.messages).toEqual([]);
    await expectConsistent(k);
  });

  it('gives nothing to pods of other workloads', async () => {
    const k = await startRegion({ eips: 2 });
    const web = await k.createPods(1, { sg: OTHER_SG });
    const otherCluster = await k.createPods(1, { cluster: 'staging' });

    expect(k.unserved([...web, ...otherCluster])).toHaveLength(2);
    expect(k.keeperCalls('AssociateAddress').total).toBe(0);
  });

  it('with N+k pods sends one exhaustion alert, keeps k waiting, and serves them as other pods end', async () => {
    const k = await startRegion({ eips: 3 });
    const pods = await k.createPods(5);

    expect(k.unserved(pods)).toHaveLength(2);
    expect(k.alerts('exhausted')).toHaveLength(1);
    expect(k.metric('PoolExhausted')).toBe(1);
    expect(await k.items('pool-wait')).toHaveLength(2);

    const served = pods.filter((p) => k.eipOf(p));
    await k.deletePods([served[0] as string]);
    expect(k.unserved(pods.filter((p) => p !== served[0]))).toHaveLength(1);
    await k.deletePods([served[1] as string]);
    expect(k.unserved(pods.filter((p) => p !== served[0] && p !== served[1]))).toEqual([]);

    expect(await k.items('pool-wait')).toEqual([]);
    expect(k.alerts('exhausted')).toHaveLength(1);
    await expectConsistent(k);
  });

  it('alerts again only for a new episode, after the pool had a free EIP', async () => {
    const k = await startRegion({ eips: 2 });
    const first = await k.createPods(3);
    await k.deletePods(first.filter((p) => k.eipOf(p)));
    // Two pods gone, one waiter served: one EIP is free, the episode is over.
    expect((await k.items('pool-exhaustion'))[0]).toMatchObject({ open: false, episode: 1 });
    await k.createPods(2);

    expect(k.alerts('exhausted')).toHaveLength(2);
    expect((await k.items('pool-exhaustion'))[0]).toMatchObject({ open: true, episode: 2 });
  });

  it('reuses the same EIPs when the workload scales in and out, and never allocates', async () => {
    const k = await startRegion({ eips: 4, strangers: 1 });
    const before = await k.createPods(4);
    const used = new Set(before.map((p) => k.eipOf(p)));
    await k.deletePods(before);
    expect(k.unserved(k.pool)).toHaveLength(4);

    const after = await k.createPods(4);

    expect(new Set(after.map((p) => k.eipOf(p)))).toEqual(used);
    expect(k.keeperCalls('AllocateAddress').total).toBe(0);
    expect(k.region.server.calls.filter((c) => c.action === 'AllocateAddress')).toEqual([]);
    await expectConsistent(k);
  });

  it('gives a replacement pod the EIP its predecessor released', async () => {
    const k = await startRegion({ eips: 4 });
    const pods = await k.createPods(3);
    const dying = pods[1] as string;
    const itsEip = k.eipOf(dying);
    await k.region.advance(60_000);
    await k.deletePods([dying]);

    const [replacement] = await k.createPods(1);

    expect(k.eipOf(replacement as string)).toBe(itsEip);
    expect(k.holderTagOf(itsEip as string)).toBe(replacement);
    const claim = (await k.items('pool-eip')).find((c) => c.allocationId === itsEip);
    expect(claim).toMatchObject({
      holderEniId: replacement,
      lastHolderEniId: dying,
      lastReleasedAt: '2026-01-05T09:01:00.000Z',
    });
  });

  it('records since when a freed EIP is idle and removes its holder tag, and only that tag', async () => {
    const k = await startRegion({ eips: 1 });
    const [pod] = await k.createPods(1);
    const eip = k.eipOf(pod as string) as string;
    expect(k.holderTagOf(eip)).toBe(pod);
    await k.region.advance(30 * 60_000);
    await k.deletePods([pod as string]);

    expect(k.tagsOf(eip)).toEqual({ 'eip-keeper:pool': 'payments', Name: 'partner-ip-1' });
    expect((await k.items('pool-eip'))[0]).toMatchObject({
      lastReleasedAt: '2026-01-05T09:30:00.000Z',
      lastReleaseReason: 'eni-deleted',
    });
    expect(k.metric('PoolFree')).toBeGreaterThan(0);
  });

  it('hands a freed EIP to the waiting pod with one CreateTags naming it, and no DeleteTags', async () => {
    const k = await startRegion({ eips: 1 });
    const pods = await k.createPods(2);
    // Both events race for the one EIP: either pod may have won it.
    const [served, waiting] = k.eipOf(pods[0] as string) ? pods : [...pods].reverse();
    const eip = k.eipOf(served as string) as string;

    await k.deletePods([served as string]);

    expect(k.eipOf(waiting as string)).toBe(eip);
    expect(k.holderTagOf(eip)).toBe(waiting);
    expect(k.keeperCalls('CreateTags').total).toBe(2);
    expect(k.keeperCalls('DeleteTags').total).toBe(0);
    expect(k.holderTagsBeforeAssociation()).toEqual([]);
  });

  it('repairs holder tags at the next reconcile: a missing one written, stale ones removed in one call', async () => {
    const k = await startRegion({ eips: 4 });
    const [pod] = await k.createPods(1);
    const held = k.eipOf(pod as string) as string;
    const idle = k.pool.filter((id) => id !== held);
    const admin = k.ec2As('admin');
    await admin.send(new DeleteTagsCommand({ Resources: [held], Tags: [{ Key: 'eip-keeper:holder' }] }));
    await admin.send(
      new CreateTagsCommand({ Resources: idle, Tags: [{ Key: 'eip-keeper:holder', Value: 'eni-0dead' }] }),
    );
    const before = { create: k.keeperCalls('CreateTags').total, del: k.keeperCalls('DeleteTags').total };

    await k.reconcile();

    expect(k.holderTagOf(held)).toBe(pod);
    expect(idle.map((id) => k.holderTagOf(id))).toEqual([undefined, undefined, undefined]);
    expect(k.keeperCalls('CreateTags').total - before.create).toBe(1);
    expect(k.keeperCalls('DeleteTags').total - before.del).toBe(1);
    for (const id of k.pool) expect(k.tagsOf(id)['eip-keeper:pool']).toBe(POOL);
  });

  it('makes no tag call at all for a pool with tagHolder: false', async () => {
    const k = await startRegion({ eips: 2, config: { pools: [{ ...paymentsPool(), tagHolder: false }] } });
    const pods = await k.createPods(3);
    await k.deletePods(pods.slice(0, 2));
    await k.reconcile();

    expect(k.unserved(pods.slice(2))).toEqual([]);
    expect(k.keeperCalls('CreateTags').total + k.keeperCalls('DeleteTags').total).toBe(0);
    expect(k.pool.map((id) => k.holderTagOf(id))).toEqual([undefined, undefined]);
  });

  it('follows the pool tag and the members list: a member untagged leaves, a listed one tagged joins, an unlisted one never serves', async () => {
    const k = await startRegion({ eips: 2 });
    const [leaving, staying] = k.pool as [string, string];
    await k.deletePods(await k.createPods(2));
    expect(await k.items('pool-eip')).toHaveLength(2);
    await k
      .ec2As('admin')
      .send(new DeleteTagsCommand({ Resources: [leaving], Tags: [{ Key: 'eip-keeper:pool' }] }));
    await k.region.settle();
    const joining = k.region.ec2.addAddress({
      allocationId: poolEipId(3),
      tags: { 'eip-keeper:pool': POOL },
    });
    const unlisted = k.region.ec2.addAddress({ tags: { 'eip-keeper:pool': POOL } });
    await k.reconcile();

    const pods = await k.createPods(3);

    expect(new Set(pods.map((p) => k.eipOf(p)))).toEqual(new Set([staying, joining.allocationId, undefined]));
    expect(k.region.ec2.addressById.get(leaving)?.association).toBeUndefined();
    expect(unlisted.association).toBeUndefined();
    expect((await k.items('pool-eip')).map((c) => c.allocationId).sort()).toEqual(
      [joining.allocationId, staying].sort(),
    );
    expect(k.alerts('pool tag removed')).toHaveLength(1);
    expect(k.alerts('not approved')).toHaveLength(1);
  });

  it("verifies the pods' nodes with the Kubernetes API when the pool has access", async () => {
    const k = await startRegion({
      eips: 2,
      config: { pools: [{ ...paymentsPool(), kubernetesAccess: true }] },
    });
    const pods = await k.createPods(2);

    expect(k.unserved(pods)).toEqual([]);
    const reads = k.region.auditor.kubernetes.requests.filter((r) => r.actor === 'eip-keeper');
    expect(reads.map((r) => [r.path, r.status])).toContainEqual(['/api/v1/nodes', 200]);
  });

  it('allocates a new address tagged into the pool only when the pool allows it', async () => {
    const k = await startRegion({
      eips: 1,
      config: { pools: [{ ...paymentsPool(), allocateOnExhaustion: true }] },
    });
    const pods = await k.createPods(2);

    const allocated = [...k.region.ec2.addressById.values()].filter((a) => !k.pool.includes(a.allocationId));
    expect(allocated).toHaveLength(1);
    expect(allocated[0]?.tags).toContainEqual({ key: 'eip-keeper:pool', value: POOL });
    expect(pods).toContain(allocated[0]?.association?.networkInterfaceId);
    expect(k.unserved(pods)).toEqual([]);
    expect(k.keeperCalls('AllocateAddress').total).toBe(1);
  });
});

describe('secondary-IP pools (pod IPs on VPC CNI node ENIs)', () => {
  const IP_POOL = {
    ...paymentsPool(),
    target: 'secondary-ip' as const,
    kubernetesAccess: true,
    podSelector: { namespace: 'payments', labels: { app: 'payments' } },
    selector: { descriptionPrefix: 'aws-K8S-', tags: { 'eks:eni:owner': ['amazon-vpc-cni'] } },
  };
  const onIp = (k: KeeperRegion, ip: string) =>
    [...k.region.ec2.addressById.values()].find((a) => a.association?.privateIpAddress === ip)?.allocationId;

  it("gives an EIP only to an IP a Running pod of the pool's selector holds, and takes it back when the pod goes", async () => {
    const k = await startRegion({ eips: 3, config: { pools: [IP_POOL] } });
    const start = (app: string) =>
      k.pods.startIpPod({ cluster: CLUSTER, node: IP_NODE, namespace: 'payments', labels: { app } });
    const a = start('payments');
    const b = start('payments');
    const web = start('web');
    await k.reconcile();

    expect(onIp(k, a.privateIp)).toBeDefined();
    expect(onIp(k, b.privateIp)).toBeDefined();
    expect(onIp(k, web.privateIp)).toBeUndefined();
    // The warm IP no pod holds gets nothing either: an IP is not a pod.
    expect((await k.claimHolders()).size).toBe(2);

    k.pods.stopPod(CLUSTER, 'payments', a.name);
    await k.reconcile();

    // The IP stays on the node ENI (warm, for the next pod), the EIP does not follow it.
    expect(k.region.ec2.eniById.get(a.eniId)?.secondaryPrivateIpAddresses).toContain(a.privateIp);
    expect(onIp(k, a.privateIp)).toBeUndefined();
    expect(onIp(k, b.privateIp)).toBeDefined();
    expect((await k.claimHolders()).size).toBe(1);
    await expectConsistent(k);
  });

  it('serves a pod on the IP assignment event when the pod already holds the IP', async () => {
    const k = await startRegion({ eips: 2, config: { pools: [IP_POOL] } });
    const cni = k.ec2As('aws-node');
    const node = k.region.ec2.enisOf(IP_NODE).find((e) => e.description.startsWith('aws-K8S-'));
    const assigned = await cni.send(
      new AssignPrivateIpAddressesCommand({
        NetworkInterfaceId: node?.networkInterfaceId,
        SecondaryPrivateIpAddressCount: 1,
      }),
    );
    const ip = assigned.AssignedPrivateIpAddresses?.[0]?.PrivateIpAddress as string;
    k.region.auditor.kubernetes.objects(CLUSTER).pods.push({
      name: 'late',
      namespace: 'payments',
      uid: 'u-late',
      labels: { app: 'payments' },
      annotations: {},
      nodeName: k.region.auditor.kubernetes.nodeNameOf(CLUSTER, IP_NODE),
      podIP: ip,
      phase: 'Running',
      createdAt: k.region.clock.now().toISOString(),
    });

    await k.region.settle();

    expect(onIp(k, ip)).toBeDefined();
    await cni.send(
      new UnassignPrivateIpAddressesCommand({
        NetworkInterfaceId: node?.networkInterfaceId,
        PrivateIpAddresses: [ip],
      }),
    );
    await k.region.settle();
    expect((await k.claimHolders()).size).toBe(0);
  });
});
