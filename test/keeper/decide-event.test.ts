/** The event path's decision on literal data: what a CloudTrail record asks of the keeper, before any I/O. */
import { describe, expect, it } from 'vitest';
import { type PoolConfig, PoolSchema } from '../../shared/config/schema';
import { freesIp, planEvent } from '../../shared/keeper/decide-event';
import type { KeeperRecord } from '../../shared/keeper/events';
import type { EniView } from '../../shared/keeper/model';

const SG = 'sg-0aaaaaaaaaaaaaaa1';

const pool = (over: Record<string, unknown> = {}): PoolConfig =>
  PoolSchema.parse({
    name: 'payments',
    selector: { securityGroupIds: [SG], descriptionPrefix: 'aws-k8s-branch-eni' },
    ...over,
  });

const PAYMENTS = pool();
const NODES = pool({ name: 'nodes', target: 'secondary-ip', selector: { descriptionPrefix: 'aws-K8S-' } });

const branch = (over: Partial<EniView> = {}): EniView => ({
  eniId: 'eni-01',
  description: 'aws-k8s-branch-eni',
  securityGroupIds: [SG],
  tags: {},
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
const created = (eni: EniView): KeeperRecord => ({ kind: 'eni-created', ...base, eni });

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
