/** The event path's decision on literal data: what a CloudTrail record asks of the keeper, before any I/O. */
import { describe, expect, it } from 'vitest';
import { type PoolConfig, PoolSchema } from '../../shared/config/schema';
import type { AddressTagsChanged } from '../../shared/events/cloudtrail';
import {
  freesIp,
  inTheFuture,
  MAX_EVENT_CLOCK_SKEW_MS,
  planEvent,
  poolTagChanges,
} from '../../shared/keeper/decide-event';
import type { KeeperRecord } from '../../shared/keeper/events';
import type { CreationRecord, EniView } from '../../shared/keeper/model';

const SG = 'sg-0aaaaaaaaaaaaaaa1';

const pool = (over: Record<string, unknown> = {}): PoolConfig =>
  PoolSchema.parse({
    name: 'payments',
    cluster: 'prod',
    vpcId: 'vpc-0aaaaaaaaaaaaaaa1',
    members: ['eipalloc-0aaaaaaaaaaaaaaa1'],
    selector: { securityGroupIds: [SG], descriptionPrefix: 'aws-k8s-branch-eni' },
    ...over,
  });

const PAYMENTS = pool();
const NODES = pool({
  name: 'nodes',
  target: 'secondary-ip',
  kubernetesAccess: true,
  podSelector: { namespace: 'payments' },
  selector: { descriptionPrefix: 'aws-K8S-' },
});

const branch = (over: Partial<EniView> = {}): EniView => ({
  eniId: 'eni-01',
  description: 'aws-k8s-branch-eni',
  securityGroupIds: [SG],
  tags: { 'kubernetes.io/cluster/prod': 'owned' },
  privateIp: '10.0.1.1',
  secondaryIps: [],
  publicIps: {},
  ...over,
});

const node: EniView = branch({
  eniId: 'eni-02',
  description: 'aws-K8S-i-0123',
  securityGroupIds: [],
  secondaryIps: ['10.0.1.50', '10.0.1.51'],
});

const base = { eventId: 'ev-1', eventTime: '2026-01-05T09:00:00Z' };
const creation: CreationRecord = {
  actor: { type: 'AssumedRole', roleArn: 'arn:aws:iam::111122223333:role/eks-cluster-role' },
  at: base.eventTime,
  eventId: base.eventId,
};
const created = (eni: EniView): KeeperRecord => ({ kind: 'eni-created', ...base, eni, creation });

describe('planEvent for a created ENI', () => {
  it('skips an ENI that matches no pool without describing it, naming the failed criterion', () => {
    const p = planEvent({ record: created(branch({ securityGroupIds: [] })), pools: [PAYMENTS] });
    expect(p.kind).toBe('skip');
    expect(p.kind === 'skip' && p.reason).toMatch(/^eni-01 matches no pool \(payments: /);
  });

  it('asks for the ENI as EC2 describes it before serving a matching one', () => {
    expect(planEvent({ record: created(branch()), pools: [PAYMENTS] })).toEqual({
      kind: 'describe',
      eniId: 'eni-01',
    });
  });

  it('serves the primary IP of the ENI as EC2 describes it', () => {
    const described = branch({ publicIps: {} });
    expect(
      planEvent({
        record: created(branch()),
        pools: [PAYMENTS],
        described: { eniId: 'eni-01', eni: described },
      }),
    ).toEqual({
      kind: 'serve',
      pool: PAYMENTS,
      eni: described,
      targets: [{ eniId: 'eni-01', privateIp: '10.0.1.1' }],
      creation,
      settleAfterFullReadOnly: true,
    });
  });

  it('skips an ENI deleted before it was described, and says so in the story', () => {
    expect(
      planEvent({ record: created(branch()), pools: [PAYMENTS], described: { eniId: 'eni-01' } }),
    ).toEqual({
      kind: 'skip',
      reason: 'eni-01 was already deleted',
      story: ['eni-01 was already deleted: nothing to do'],
    });
  });

  it('skips an ENI that no longer matches as EC2 describes it', () => {
    const p = planEvent({
      record: created(branch()),
      pools: [PAYMENTS],
      described: { eniId: 'eni-01', eni: branch({ securityGroupIds: ['sg-0other'] }) },
    });
    expect(p.kind === 'skip' && p.reason).toMatch(/^eni-01 no longer matches a pool \(as EC2 describes it: /);
  });

  it('skips every record when no pool is configured', () => {
    expect(planEvent({ record: created(branch()), pools: [] })).toEqual({
      kind: 'skip',
      reason: 'no pools configured',
      story: [],
    });
  });
});

describe('planEvent for assigned private IPs', () => {
  const assigned = (privateIps: string[]): KeeperRecord => ({
    kind: 'ips-assigned',
    ...base,
    eniId: 'eni-02',
    privateIps,
  });

  it('skips without describing when no pool targets secondary IPs', () => {
    expect(planEvent({ record: assigned(['10.0.1.50']), pools: [PAYMENTS] })).toMatchObject({
      kind: 'skip',
      reason: 'no pool targets secondary IPs',
    });
  });

  it('serves only the assigned IPs, and settles the pool after any association', () => {
    const p = planEvent({
      record: assigned(['10.0.1.51']),
      pools: [NODES],
      described: { eniId: 'eni-02', eni: node },
    });
    expect(p).toMatchObject({
      kind: 'serve',
      targets: [{ eniId: 'eni-02', privateIp: '10.0.1.51' }],
      settleAfterFullReadOnly: false,
    });
  });

  it('skips an ENI that belongs to a primary-IP pool', () => {
    expect(
      planEvent({
        record: assigned(['10.0.1.1']),
        pools: [PAYMENTS, NODES],
        described: { eniId: 'eni-02', eni: branch({ eniId: 'eni-02' }) },
      }),
    ).toMatchObject({ kind: 'skip', reason: 'eni-02 matches no secondary-IP pool' });
  });
});

describe('planEvent for deletions', () => {
  it('frees what a deleted ENI held in every pool, telling each dropped waiter', () => {
    const p = planEvent({
      record: { kind: 'eni-deleted', ...base, eniId: 'eni-01' },
      pools: [PAYMENTS, NODES],
    });
    expect(p).toMatchObject({
      kind: 'free',
      eniId: 'eni-01',
      at: base.eventTime,
      reason: 'eni-deleted',
      pools: [PAYMENTS, NODES],
      droppedWaiterNote: 'ENI deleted',
      unchangedReason: 'eni-01 held no pool EIP',
    });
    expect(p.kind === 'free' && freesIp(p, '10.0.1.1')).toBe(true);
  });

  it('frees only the unassigned IPs, and only in secondary-IP pools', () => {
    const p = planEvent({
      record: { kind: 'ips-unassigned', ...base, eniId: 'eni-02', privateIps: ['10.0.1.50'] },
      pools: [PAYMENTS, NODES],
    });
    expect(p).toMatchObject({ kind: 'free', reason: 'ip-unassigned', pools: [NODES] });
    expect(p.kind === 'free' && [freesIp(p, '10.0.1.50'), freesIp(p, '10.0.1.51')]).toEqual([true, false]);
  });
});

describe('event times', () => {
  const now = Date.parse('2026-01-05T09:00:00Z');

  it('refuses a time beyond the clock skew in the future, and accepts late and slightly early ones', () => {
    expect(inTheFuture('2026-01-05T09:06:00Z', now)).toBe(true);
    expect(inTheFuture(new Date(now + MAX_EVENT_CLOCK_SKEW_MS).toISOString(), now)).toBe(false);
    expect(inTheFuture('2026-01-05T08:00:00Z', now)).toBe(false);
  });
});

describe('pool tag changes', () => {
  const tags = (over: Partial<AddressTagsChanged>): AddressTagsChanged => ({
    eventId: 'ev-9',
    eventTime: base.eventTime,
    eventName: 'CreateTags',
    actor: { type: 'IAMUser', userName: 'mallory' },
    allocationIds: ['eipalloc-0a', 'eipalloc-0b'],
    tags: [{ key: 'eip-keeper:pool', value: 'payments' }],
    ...over,
  });

  it('names each address and the pool an added tag names', () => {
    expect(poolTagChanges(tags({}))).toEqual([
      { allocationId: 'eipalloc-0a', change: 'added', pool: 'payments' },
      { allocationId: 'eipalloc-0b', change: 'added', pool: 'payments' },
    ]);
  });

  it('leaves the pool unnamed for a removal by key only, and ignores calls on other keys', () => {
    const removed = tags({
      eventName: 'DeleteTags',
      allocationIds: ['eipalloc-0a'],
      tags: [{ key: 'eip-keeper:pool' }],
    });
    expect(poolTagChanges(removed)).toEqual([{ allocationId: 'eipalloc-0a', change: 'removed' }]);
    expect(poolTagChanges(tags({ tags: [{ key: 'Name', value: 'x' }] }))).toEqual([]);
  });

  it('plans to tell the pools of a pool tag change, and skips a call that changed no pool tag', () => {
    const record = (t: AddressTagsChanged): KeeperRecord => ({ kind: 'tags-changed', ...base, tags: t });
    expect(planEvent({ record: record(tags({})), pools: [PAYMENTS] })).toMatchObject({ kind: 'tags' });
    expect(
      planEvent({ record: record(tags({ tags: [{ key: 'Name', value: 'x' }] })), pools: [PAYMENTS] }),
    ).toMatchObject({
      kind: 'skip',
      reason: 'the call changed no eip-keeper:pool tag',
    });
  });
});
