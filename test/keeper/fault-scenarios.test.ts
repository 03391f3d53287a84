/**
 * The keeper under what AWS really does: duplicated, reordered and dropped events, parallel invocations, throttling,
 * crashes between claim and association, humans associating pool EIPs by hand, bad input and outages.
 */
import { AssociateAddressCommand, CreateNetworkInterfaceCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { createHandler } from '../../functions/keeper-events';
import type { EventBridgeEvent } from '../../local/core/types';
import { deliveredMessage } from '../../local/sns/service';
import { keeperEvents } from '../../shared/app/functions';
import { parseAppConfig } from '../../shared/config/schema';
import { DynamoClaimStore } from '../../shared/keeper/dynamo-claim-store';
import { createDocumentClient } from '../../shared/store/client';
import { recordingLog, recordingMetrics } from '../support/dynamo';
import { regionPerTest } from '../support/region';
import { OTHER_SG, POOL, paymentsPool, SUBNET } from '../support/world';
import { KeeperRegion } from './support/region';

const startRegion = regionPerTest(KeeperRegion.start);

const MINUTE = 60_000;

/** Every pool EIP on a distinct target, every claim agreeing with EC2, every claim holder alive. */
async function expectConsistent(h: KeeperRegion) {
  const manual = new Set(
    (await h.items('pool-eip')).filter((c) => c.manualAssociationId).map((c) => String(c.allocationId)),
  );
  const targets = new Map<string, string>();
  for (const [id, a] of h.region.ec2.addressById) {
    if (!h.pool.includes(id) || !a.association || manual.has(id)) continue;
    targets.set(id, `${a.association.networkInterfaceId}#${a.association.privateIpAddress}`);
  }
  expect(new Set(targets.values()).size).toBe(targets.size);
  const claimed = new Map<string, string>();
  for (const c of await h.items('pool-eip')) {
    if (c.holderEniId) claimed.set(String(c.allocationId), `${c.holderEniId}#${c.holderPrivateIp}`);
  }
  expect(claimed).toEqual(targets);
  const holders = await h.items('pool-holder');
  expect(holders).toHaveLength(claimed.size);
  for (const w of await h.items('pool-wait')) expect(h.region.ec2.eniById.has(String(w.eniId))).toBe(true);
}

function createEventOf(h: KeeperRegion, eniId: string): EventBridgeEvent {
  const ev = h.region.bus.events.find((e) => {
    const d = e.detail as {
      eventName?: string;
      responseElements?: { networkInterface?: { networkInterfaceId?: string } };
    };
    return (
      d.eventName === 'CreateNetworkInterface' &&
      d.responseElements?.networkInterface?.networkInterfaceId === eniId
    );
  });
  if (!ev) throw new Error(`no CreateNetworkInterface event for ${eniId}`);
  return ev;
}

function storeOf(h: KeeperRegion) {
  return new DynamoClaimStore(createDocumentClient(h.region.connection('eip-keeper')), h.region.tableName);
}

describe('at-least-once, out-of-order and lost events', () => {
  it('ends in the same state when every event is delivered twice', async () => {
    const k = await startRegion({ eips: 4 });
    k.setFaults({ delivery: { duplicate: 1 } });
    const pods = await k.createPods(4);
    await k.deletePods([pods[0] as string]);

    expect(k.unserved(pods.slice(1))).toEqual([]);
    expect(k.metric('AssociationsMade')).toBe(4);
    expect(k.keeperCalls('AssociateAddress').byOutcome).toEqual({ ok: expect.any(Number) });
    expect(k.region.bus.invocations.filter((i) => i.functionId === 'KeeperEvents')).toHaveLength(10);
    await expectConsistent(k);
  });

  it('does nothing for a creation delivered after the deletion of the same ENI', async () => {
    const k = await startRegion({ eips: 2 });
    k.setFaults({ delivery: { drop: 1, dropEventNames: ['CreateNetworkInterface'] } });
    const [pod] = await k.createPods(1);
    await k.deletePods([pod as string]);
    k.setFaults({ delivery: {} });

    await k.region.putEvent(createEventOf(k, pod as string));

    const late = k.region.bus.invocations.at(-1);
    expect(late?.result).toMatchObject({ outcome: 'skipped', reason: `${pod} was already deleted` });
    expect(k.keeperCalls('AssociateAddress').total).toBe(0);
    expect(await k.items('pool-holder')).toEqual([]);
    expect(await k.items('pool-wait')).toEqual([]);
  });

  it('converges when creations and deletions arrive shuffled and late', async () => {
    const k = await startRegion({ eips: 4, seed: 7 });
    k.setFaults({ delivery: { reorder: true, reorderWindowSeconds: 60, duplicate: 0.3 } });
    const pods = await k.createPodsQuietly(8);
    const dead = pods.filter((_, i) => i % 2 === 0);
    await k.deletePodsQuietly(dead);
    await k.region.advance(2 * MINUTE);
    k.setFaults({ delivery: {} });
    const live = pods.filter((p) => !dead.includes(p));

    expect(k.unserved(live)).toEqual([]);
    await expectConsistent(k);
    expect(k.region.bus.dlq).toEqual([]);
  });

  it('repairs dropped creations within one reconcile period', async () => {
    const k = await startRegion({ eips: 3 });
    k.setFaults({ delivery: { drop: 1, dropEventNames: ['CreateNetworkInterface'] } });
    const pods = await k.createPods(3);
    expect(k.unserved(pods)).toHaveLength(3);

    await k.region.advance(5 * MINUTE);

    expect(k.unserved(pods)).toEqual([]);
    expect(k.metric('ReconcileRepairs')).toBe(3);
    await expectConsistent(k);
  });

  it('repairs dropped deletions within one reconcile period and serves the ENIs that waited meanwhile', async () => {
    const k = await startRegion({ eips: 3 });
    const pods = await k.createPods(3);
    k.setFaults({ delivery: { drop: 1, dropEventNames: ['DeleteNetworkInterface'] } });
    await k.deletePods(pods.slice(0, 2));
    const fresh = await k.createPods(2);
    expect(k.unserved(fresh)).toHaveLength(2);
    expect(k.alerts('exhausted')).toHaveLength(1);

    await k.region.advance(5 * MINUTE);

    expect(k.unserved(fresh)).toEqual([]);
    await expectConsistent(k);
    expect(k.alerts('exhausted')).toHaveLength(1);
  });
});

describe('crashes between claim and association', () => {
  it('associates a claim left without association once the grace period is over, not before', async () => {
    const k = await startRegion({ eips: 2 });
    k.setFaults({ delivery: { drop: 1, dropEventNames: ['CreateNetworkInterface'] } });
    const [pod] = await k.createPods(1);
    const ip = k.region.ec2.eniById.get(pod as string)?.privateIpAddress as string;
    const store = storeOf(k);
    for (const id of k.pool) await store.registerMember(POOL, id, k.publicIpOf(id) as string);
    const claimed = await store.claim({
      pool: POOL,
      allocationId: k.pool[1] as string,
      target: { eniId: pod as string, privateIp: ip },
      at: k.region.clock.now().toISOString(),
      via: 'event',
      selectorKey: 'x',
      provenAt: '2026-01-05T09:00:00.000Z',
    });
    expect(claimed.kind).toBe('claimed');

    await k.region.advance(MINUTE);
    await k.reconcile();
    expect(k.eipOf(pod as string)).toBeUndefined();

    await k.region.advance(4 * MINUTE);
    expect(k.eipOf(pod as string)).toBe(k.pool[1]);
    expect(k.metric('ReconcileRepairs')).toBe(1);
    await expectConsistent(k);
  });

  it('records an association made just before a crash instead of making another', async () => {
    const k = await startRegion({ eips: 2 });
    k.setFaults({ delivery: { drop: 1, dropEventNames: ['CreateNetworkInterface'] } });
    const [pod] = await k.createPods(1);
    const ip = k.region.ec2.eniById.get(pod as string)?.privateIpAddress as string;
    const store = storeOf(k);
    for (const id of k.pool) await store.registerMember(POOL, id, k.publicIpOf(id) as string);
    await store.claim({
      pool: POOL,
      allocationId: k.pool[0] as string,
      target: { eniId: pod as string, privateIp: ip },
      at: k.region.clock.now().toISOString(),
      via: 'event',
      selectorKey: 'x',
      provenAt: '2026-01-05T09:00:00.000Z',
    });
    await k.ec2As('eip-keeper').send(
      new AssociateAddressCommand({
        AllocationId: k.pool[0],
        NetworkInterfaceId: pod,
        AllowReassociation: false,
      }),
    );

    await k.region.advance(5 * MINUTE);

    const claim = (await k.items('pool-eip')).find((c) => c.allocationId === k.pool[0]);
    expect(claim?.associationId).toBe(k.region.ec2Association(k.pool[0] as string));
    expect(k.keeperCalls('AssociateAddress').total).toBe(1);
    expect(k.holderTagOf(k.pool[0] as string)).toBe(pod);
  });
});

describe('parallel invocations', () => {
  it('never gives one EIP to two ENIs nor two EIPs to one ENI with every handler on one pool', async () => {
    const k = await startRegion({ eips: 20, concurrency: 20 });
    const pods = await k.createPods(20);

    expect(k.unserved(pods)).toEqual([]);
    expect(new Set(pods.map((p) => k.eipOf(p))).size).toBe(20);
    expect(k.keeperCalls('AssociateAddress').byOutcome).toEqual({ ok: 20 });
    expect(k.metric('AssociationsMade')).toBe(20);
    expect(k.maxParallel('KeeperEvents')).toBe(keeperEvents.reservedConcurrency);
    await expectConsistent(k);
  });

  it('sends one exhaustion alert when ten handlers find the pool empty at once', async () => {
    const k = await startRegion({ eips: 10, concurrency: 20 });
    const pods = await k.createPods(16);

    expect(k.unserved(pods)).toHaveLength(6);
    expect(k.alerts('exhausted')).toHaveLength(1);
    expect(await k.items('pool-wait')).toHaveLength(6);
    await expectConsistent(k);
  });

  it('associates once when the same event is delivered twelve times at once', async () => {
    const k = await startRegion({ eips: 3, concurrency: 12 });
    k.setFaults({ delivery: { drop: 1, dropEventNames: ['CreateNetworkInterface'] } });
    const [pod] = await k.createPods(1);
    k.setFaults({ delivery: {} });
    const ev = createEventOf(k, pod as string);
    for (let i = 0; i < 12; i++) k.region.bus.put(ev);
    await k.region.settle();

    expect(k.eipOf(pod as string)).toBeDefined();
    expect(k.metric('AssociationsMade')).toBe(1);
    expect(await k.items('pool-holder')).toHaveLength(1);
    // The copies that find the claim made moments ago leave the association to the copy that made it.
    expect(k.keeperCalls('AssociateAddress').byOutcome).toEqual({ ok: 1 });
    expect(k.holderTagOf(k.eipOf(pod as string) as string)).toBe(pod);
  });

  it('runs the reconciler next to the event handlers without conflict', async () => {
    const k = await startRegion({ eips: 6, concurrency: 12 });
    const pods = await k.createPodsQuietly(8);
    await k.reconcile();
    await k.region.settle();

    expect(k.unserved(pods)).toHaveLength(2);
    expect(k.alerts('exhausted')).toHaveLength(1);
    await expectConsistent(k);
  });
});

describe('EC2 throttling', () => {
  it('serves every pod when EC2 throttles at its real rates', async () => {
    const k = await startRegion({ eips: 25, concurrency: 10 });
    const pods = await k.createPodsQuietly(25);
    k.setFaults({ ec2Throttling: true });
    await k.burnEc2Buckets();
    await k.region.settle();
    await k.region.advance(5 * MINUTE);

    expect(k.unserved(pods)).toEqual([]);
    expect(k.region.server.calls.some((c) => c.outcome === 'throttled')).toBe(true);
    expect(k.region.bus.dlq).toEqual([]);
    await expectConsistent(k);
  });
});

describe('addresses associated by hand', () => {
  async function strangerEni(h: KeeperRegion): Promise<string> {
    const out = await h
      .ec2As('admin')
      .send(
        new CreateNetworkInterfaceCommand({ SubnetId: SUBNET, Description: 'bastion', Groups: [OTHER_SG] }),
      );
    return out.NetworkInterface?.NetworkInterfaceId as string;
  }

  it('never takes back a pool EIP a human associated elsewhere, alerts once, and uses it again once released', async () => {
    const k = await startRegion({ eips: 3 });
    const bastion = await strangerEni(k);
    await k.associateByHand(k.pool[0] as string, bastion);
    await k.region.settle();
    const pods = await k.createPods(3);
    expect(k.region.ec2.addressById.get(k.pool[0] as string)?.association?.networkInterfaceId).toBe(bastion);
    expect(k.unserved(pods)).toHaveLength(1);

    for (let i = 0; i < 3; i++) await k.region.advance(5 * MINUTE);

    expect(k.region.ec2.addressById.get(k.pool[0] as string)?.association?.networkInterfaceId).toBe(bastion);
    expect(k.alerts('associated outside eip-keeper')).toHaveLength(1);
    expect(k.keeperCalls('AssociateAddress').byOutcome).toEqual({ ok: 2 });

    await k.disassociateByHand(k.pool[0] as string);
    await k.region.advance(5 * MINUTE);
    expect(k.unserved(pods)).toEqual([]);
    await expectConsistent(k);
  });

  it('leaves a pod EIP a human moved elsewhere where it is, and gives the pod another one', async () => {
    const k = await startRegion({ eips: 3 });
    const [pod] = await k.createPods(1);
    const moved = k.eipOf(pod as string) as string;
    const bastion = await strangerEni(k);
    await k.associateByHand(moved, bastion, true);
    await k.region.settle();

    await k.region.advance(5 * MINUTE);

    expect(k.region.ec2.addressById.get(moved)?.association?.networkInterfaceId).toBe(bastion);
    expect(k.eipOf(pod as string)).toBeDefined();
    expect(k.eipOf(pod as string)).not.toBe(moved);
    const alert = k.alerts('associated outside eip-keeper')[0];
    expect(alert && deliveredMessage(alert, 'email')).toContain(`taken from pod ENI ${pod}`);
    await expectConsistent(k);
  });

  it('adopts pool EIPs that were already on the workload’s pods when eip-keeper was deployed', async () => {
    const k = await startRegion({ eips: 2 });
    k.setFaults({ delivery: { drop: 1, dropEventNames: ['CreateNetworkInterface'] } });
    const pods = await k.createPods(2);
    for (const [i, p] of pods.entries()) await k.associateByHand(k.pool[i] as string, p);
    await k.region.settle();

    await k.reconcile();

    expect(await k.claimHolders()).toEqual(
      new Map([
        [k.pool[0], pods[0]],
        [k.pool[1], pods[1]],
      ]),
    );
    expect(k.keeperCalls('AssociateAddress').total).toBe(0);
    expect(k.region.sns.messages).toEqual([]);
  });
});

describe('bad input and outages', () => {
  const raw = (detail: Record<string, unknown>, envelope: Record<string, unknown> = {}) => ({
    version: '0' as const,
    id: `raw-${Math.random()}`,
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.ec2',
    account: '111122223333',
    region: 'eu-west-1',
    time: '2026-01-05T09:00:00Z',
    resources: [],
    ...envelope,
    detail: {
      eventID: 'e-raw',
      eventTime: '2026-01-05T09:00:00Z',
      eventSource: 'ec2.amazonaws.com',
      awsRegion: 'eu-west-1',
      recipientAccountId: '111122223333',
      ...detail,
    },
  });

  it('is never invoked for failed calls or creations its rules cannot match, and returns normally for other accounts and shapes it does not know', async () => {
    const k = await startRegion({ eips: 1 });
    await k.region.putEvent(
      raw({ eventName: 'CreateNetworkInterface', errorCode: 'Client.InsufficientFreeAddressesInSubnet' }),
    );
    await k.region.putEvent(
      raw(
        { eventName: 'DeleteNetworkInterface', recipientAccountId: '999988887777' },
        { account: '999988887777' },
      ),
    );
    await k.region.putEvent(
      raw({ eventName: 'DeleteNetworkInterface', requestParameters: { networkInterfaceId: ['x'] } }),
    );
    await k.region.putEvent(raw({ eventName: 'CreateNetworkInterface', responseElements: 'garbage' }));

    const results = k.region.bus.invocations.map((i) => [
      i.outcome,
      (i.result as { outcome?: string })?.outcome,
    ]);
    // The failed call and the creation without an ENI are filtered out by the rules' patterns.
    expect(results).toEqual([
      ['ok', 'rejected'],
      ['ok', 'rejected'],
    ]);
    expect(k.region.server.calls.filter((c) => c.actor === 'eip-keeper')).toEqual([]);
  });

  it('throws on EC2 server errors so Lambda retries, and serves the pod on the retry', async () => {
    const k = await startRegion({ eips: 2 });
    const [pod] = await k.createPodsQuietly(1);
    k.setFaults({ ec2ServerErrors: 1 });
    await k.region.settle();
    expect(k.failedInvocations()).toHaveLength(1);
    expect(k.failedInvocations()[0]?.error).toMatch(/Unavailable/);
    k.setFaults({ ec2ServerErrors: 0 });

    await k.region.advance(MINUTE);

    expect(k.eipOf(pod as string)).toBeDefined();
    expect(k.region.bus.dlq).toEqual([]);
    await expectConsistent(k);
  });

  it('throws when DynamoDB is unreachable', async () => {
    const k = await startRegion({ eips: 1 });
    k.setFaults({ delivery: { drop: 1 } });
    const [pod] = await k.createPods(1);
    const conn = k.region.connection('eip-keeper');
    const handle = createHandler({
      env: k.region.runtimeEnv(),
      config: parseAppConfig({ pools: [paymentsPool()] }, 'test'),
      aws: {
        ...conn,
        endpoints: { ...conn.endpoints, dynamodb: 'http://127.0.0.1:9' },
        maxAttempts: 1,
        retryStrategy: undefined,
      },
      clock: k.region.clock,
      log: recordingLog(),
      metrics: recordingMetrics(),
    });

    await expect(handle(createEventOf(k, pod as string))).rejects.toThrow();
  });
});
