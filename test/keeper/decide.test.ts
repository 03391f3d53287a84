/** The keeper's pure decisions, on literal data: which ENIs match, which EIP an ENI gets, what a reconcile does. */
import { describe, expect, it } from 'vitest';
import { type PoolConfig, PoolSchema } from '../../shared/config/schema';
import { unannouncedExhaustionWaiter, unannouncedHolds } from '../../shared/keeper/decide-announce';
import { holderTagCalls, holderTagDrift } from '../../shared/keeper/decide-holder-tags';
import type { IdentityVerdict } from '../../shared/keeper/decide-identity';
import {
  isRepair,
  planReconcile,
  type ReconcileAction,
  type ReconcileInput,
} from '../../shared/keeper/decide-reconcile';
import {
  claimInHand,
  freeClaims,
  poolCounts,
  rankCandidates,
  waitersInOrder,
} from '../../shared/keeper/decide-serve';
import {
  type ClaimRecord,
  type EniView,
  type PoolAddress,
  type PoolSnapshot,
  targetKey,
} from '../../shared/keeper/model';
import { eniFilters, matchPool, owningPool, selectorKey, targetsOf } from '../../shared/keeper/selector';

const SG = 'sg-0aaaaaaaaaaaaaaa1';
const SG2 = 'sg-0bbbbbbbbbbbbbbb2';
const SUBNET_A = 'subnet-0aaaaaaaaaaaaaaa1';
const SUBNET_B = 'subnet-0bbbbbbbbbbbbbbb2';

const pool = (over: Record<string, unknown> = {}): PoolConfig =>
  PoolSchema.parse({
    name: 'payments',
    cluster: 'prod',
    vpcId: 'vpc-0aaaaaaaaaaaaaaa1',
    members: ['203.0.113.1'],
    selector: { securityGroupIds: [SG], descriptionPrefix: 'aws-k8s-branch-eni' },
    // A secondary-IP pool needs Kubernetes access and a pod selector.
    ...(over.target === 'secondary-ip'
      ? { kubernetesAccess: true, podSelector: { namespace: 'payments' } }
      : {}),
    ...over,
  });

const PAYMENTS = pool();
const KEY = selectorKey(PAYMENTS);

const eni = (id: string, over: Partial<EniView> = {}): EniView => ({
  eniId: id,
  subnetId: SUBNET_A,
  description: 'aws-k8s-branch-eni',
  securityGroupIds: [SG],
  tags: { 'eks:eni:owner': 'eks-vpc-resource-controller', 'kubernetes.io/cluster/prod': 'owned' },
  privateIp: `10.0.1.${Number(id.slice(-2))}`,
  secondaryIps: [],
  publicIps: {},
  ...over,
});

const ip = (id: string) => `10.0.1.${Number(id.slice(-2))}`;

const address = (n: number, over: Partial<PoolAddress> = {}): PoolAddress => ({
  allocationId: `eipalloc-0${n}`,
  publicIp: `203.0.113.${n}`,
  pool: 'payments',
  ...over,
});

const on = (eniId: string, n: number) => ({
  association: { associationId: `eipassoc-0${n}`, eniId, privateIp: ip(eniId) },
});

const claim = (n: number, over: Partial<ClaimRecord> = {}): ClaimRecord => ({
  pool: 'payments',
  allocationId: `eipalloc-0${n}`,
  publicIp: `203.0.113.${n}`,
  ...over,
});

const held = (n: number, eniId: string, over: Partial<NonNullable<ClaimRecord['holder']>> = {}) =>
  claim(n, {
    holder: {
      eniId,
      privateIp: ip(eniId),
      claimedAt: '2026-01-05T09:00:00.000Z',
      associationId: `eipassoc-0${n}`,
      via: 'event',
      ...over,
    },
  });

const NOW = '2026-01-05T10:00:00.000Z';

/** Every target of these ENIs proven a pod (what the identity checks say of real pods), unless `verdicts` says more. */
function provenAll(
  p: PoolConfig,
  list: ReadonlyMap<string, EniView>,
  over: ReadonlyMap<string, IdentityVerdict> = new Map(),
): Map<string, IdentityVerdict> {
  const out = new Map<string, IdentityVerdict>();
  for (const e of list.values())
    for (const t of targetsOf(p, e)) out.set(targetKey(t), { kind: 'proven', basis: ['test'] });
  for (const [k, v] of over) out.set(k, v);
  return out;
}

function plan(over: Partial<Omit<ReconcileInput, 'snapshot'>> & { snapshot?: Partial<PoolSnapshot> } = {}) {
  const { snapshot, verdicts, ...rest } = over;
  const p = rest.pool ?? PAYMENTS;
  return planReconcile({
    pool: PAYMENTS,
    pools: [PAYMENTS],
    now: NOW,
    addresses: [],
    enis: new Map(),
    goneEniIds: new Set(),
    ...rest,
    verdicts: provenAll(p, rest.enis ?? new Map(), verdicts),
    snapshot: { pool: 'payments', claims: [], waiters: [], ...snapshot },
  });
}

const kinds = (actions: ReconcileAction[]) => actions.map((a) => a.kind);
const enis = (...list: EniView[]) => new Map(list.map((e) => [e.eniId, e]));

describe('matchPool', () => {
  it('matches a branch ENI that carries the pool security group and the description prefix', () => {
    expect(matchPool(PAYMENTS, eni('eni-01'))).toEqual({ match: true });
  });

  it('requires every security group of the selector, not just one', () => {
    const p = pool({ selector: { securityGroupIds: [SG, SG2] } });
    expect(matchPool(p, eni('eni-01'))).toEqual({ match: false, reason: `lacks security group ${SG2}` });
    expect(matchPool(p, eni('eni-01', { securityGroupIds: [SG2, SG, 'sg-0ccccccccccccccc3'] })).match).toBe(
      true,
    );
  });

  it('requires one of the selected subnets', () => {
    const p = pool({ selector: { subnetIds: [SUBNET_B] } });
    expect(matchPool(p, eni('eni-01')).match).toBe(false);
    expect(matchPool(p, eni('eni-01', { subnetId: SUBNET_B })).match).toBe(true);
  });

  it('accepts any value of a tag whose accepted list is empty, and only listed values otherwise', () => {
    const p = pool({ selector: { tags: { team: [], env: ['prod', 'staging'] } } });
    const cluster = { 'kubernetes.io/cluster/prod': 'owned' };
    expect(matchPool(p, eni('eni-01', { tags: { ...cluster, team: 'x', env: 'prod' } })).match).toBe(true);
    expect(matchPool(p, eni('eni-01', { tags: { ...cluster, team: 'x', env: 'dev' } }))).toEqual({
      match: false,
      reason: 'tag env=dev not accepted',
    });
    expect(matchPool(p, eni('eni-01', { tags: { ...cluster, env: 'prod' } }))).toEqual({
      match: false,
      reason: 'lacks tag team',
    });
  });

  it('requires the description prefix', () => {
    expect(matchPool(PAYMENTS, eni('eni-01', { description: 'aws-K8S-i-0123' })).match).toBe(false);
  });

  it('requires the cluster tag in either of its two forms when the pool names a cluster', () => {
    const p = pool({ cluster: 'prod' });
    expect(matchPool(p, eni('eni-01')).match).toBe(true);
    expect(matchPool(p, eni('eni-01', { tags: { 'cluster.k8s.amazonaws.com/name': 'prod' } })).match).toBe(
      true,
    );
    expect(matchPool(p, eni('eni-01', { tags: { 'cluster.k8s.amazonaws.com/name': 'dev' } })).match).toBe(
      false,
    );
    expect(matchPool(p, eni('eni-01', { tags: { 'kubernetes.io/cluster/dev': 'owned' } })).match).toBe(false);
  });

  it('never matches a trunk ENI or an ENI an AWS service owns, whatever the selector', () => {
    expect(matchPool(PAYMENTS, eni('eni-01', { interfaceType: 'trunk' })).match).toBe(false);
    expect(matchPool(PAYMENTS, eni('eni-01', { requesterManaged: true })).match).toBe(false);
  });
});

describe('owningPool and targetsOf', () => {
  it('gives an ENI that matches two pools to the first one in configuration order', () => {
    const broad = pool({ name: 'broad', selector: { subnetIds: [SUBNET_A] } });
    expect(owningPool([broad, PAYMENTS], eni('eni-01'))?.name).toBe('broad');
    expect(owningPool([PAYMENTS, broad], eni('eni-01'))?.name).toBe('payments');
    expect(owningPool([PAYMENTS], eni('eni-01', { securityGroupIds: [SG2] }))).toBeUndefined();
  });

  it('targets the primary IP by default and the secondary IPs in secondary-ip mode', () => {
    const node = eni('eni-01', { secondaryIps: ['10.0.1.50', '10.0.1.51'] });
    expect(targetsOf(PAYMENTS, node)).toEqual([{ eniId: 'eni-01', privateIp: '10.0.1.1' }]);
    expect(targetsOf(pool({ target: 'secondary-ip' }), node)).toEqual([
      { eniId: 'eni-01', privateIp: '10.0.1.50' },
      { eniId: 'eni-01', privateIp: '10.0.1.51' },
    ]);
  });
});

describe('selectorKey and eniFilters', () => {
  it('is the same for the same selector written in another order, and differs when the selector changes', () => {
    const a = pool({ selector: { securityGroupIds: [SG, SG2], tags: { b: ['2', '1'], a: [] } } });
    const b = pool({ selector: { tags: { a: [], b: ['1', '2'] }, securityGroupIds: [SG2, SG] } });
    expect(selectorKey(a)).toBe(selectorKey(b));
    expect(selectorKey(a)).not.toBe(selectorKey(pool({ selector: { securityGroupIds: [SG] } })));
    expect(selectorKey(a)).not.toBe(selectorKey({ ...a, name: 'other' }));
  });

  it('asks EC2 for every group separately (AND), any selected subnet (OR), tags and the description prefix', () => {
    const p = pool({
      selector: {
        securityGroupIds: [SG, SG2],
        subnetIds: [SUBNET_A, SUBNET_B],
        tags: { team: [], env: ['prod'] },
        descriptionPrefix: 'aws-k8s-*branch',
      },
    });
    expect(eniFilters(p)).toEqual([
      { Name: 'group-id', Values: [SG] },
      { Name: 'group-id', Values: [SG2] },
      { Name: 'subnet-id', Values: [SUBNET_A, SUBNET_B] },
      { Name: 'tag-key', Values: ['team'] },
      { Name: 'tag:env', Values: ['prod'] },
      { Name: 'description', Values: ['aws-k8s-\\*branch*'] },
    ]);
  });
});

describe('rankCandidates', () => {
  it('puts first the EIP this selector released most recently', () => {
    const free = [
      claim(1, {
        lastReleasedAt: '2026-01-05T09:00:00.000Z',
        lastSelectorKey: KEY,
        lastUsedAt: '2026-01-05T08:00:00.000Z',
      }),
      claim(2, {
        lastReleasedAt: '2026-01-05T09:30:00.000Z',
        lastSelectorKey: KEY,
        lastUsedAt: '2026-01-05T08:30:00.000Z',
      }),
      claim(3),
    ];
    expect(rankCandidates(free, KEY).map((c) => c.allocationId)).toEqual([
      'eipalloc-02',
      'eipalloc-03',
      'eipalloc-01',
    ]);
  });

  it('orders the others least recently used first, never-used first, ties by allocation id', () => {
    const free = [
      claim(4, { lastUsedAt: '2026-01-05T08:00:00.000Z' }),
      claim(2),
      claim(3, { lastUsedAt: '2026-01-05T07:00:00.000Z' }),
      claim(1),
    ];
    expect(rankCandidates(free, KEY).map((c) => c.allocationId)).toEqual([
      'eipalloc-01',
      'eipalloc-02',
      'eipalloc-03',
      'eipalloc-04',
    ]);
  });

  it('does not prefer an EIP another selector released', () => {
    const free = [
      claim(1, {
        lastReleasedAt: '2026-01-05T09:30:00.000Z',
        lastSelectorKey: 'other|{}',
        lastUsedAt: '2026-01-05T09:00:00.000Z',
      }),
      claim(2, { lastUsedAt: '2026-01-05T08:00:00.000Z' }),
    ];
    expect(rankCandidates(free, KEY).map((c) => c.allocationId)).toEqual(['eipalloc-02', 'eipalloc-01']);
  });

  it('has nothing to offer from an empty pool', () => {
    expect(rankCandidates([], KEY)).toEqual([]);
  });
});

describe('freeClaims and poolCounts', () => {
  const snapshot: PoolSnapshot = {
    pool: 'payments',
    claims: [
      held(1, 'eni-01'),
      claim(2),
      claim(3, { manualHold: { associationId: 'eipassoc-09', eniId: 'eni-09', detectedAt: NOW } }),
      claim(4),
      claim(5),
      claim(6),
    ],
    waiters: [{ pool: 'payments', eniId: 'eni-07', privateIp: '10.0.1.7', since: NOW }],
  };
  const addresses = [
    address(1, on('eni-01', 1)),
    address(2),
    address(3, on('eni-09', 9)),
    address(4, on('eni-08', 8)),
    address(5, { serviceManaged: 'alb' }),
    // 6 is no longer a member
  ];

  it('offers only members that no claim holds, no one associated and no service owns', () => {
    expect(freeClaims(snapshot, addresses).map((c) => c.allocationId)).toEqual(['eipalloc-02']);
  });

  it('counts members, held, held outside eip-keeper, free and waiting', () => {
    expect(poolCounts(snapshot, addresses)).toEqual({ size: 5, held: 1, manual: 3, free: 1, waiting: 1 });
  });

  it('serves waiters oldest first', () => {
    const w = (eniId: string, since: string) => ({ pool: 'payments', eniId, privateIp: ip(eniId), since });
    expect(
      waitersInOrder([
        w('eni-03', '2026-01-05T09:02:00.000Z'),
        w('eni-01', '2026-01-05T09:03:00.000Z'),
        w('eni-02', '2026-01-05T09:01:00.000Z'),
      ]).map((x) => x.eniId),
    ).toEqual(['eni-02', 'eni-03', 'eni-01']);
  });
});

describe('planReconcile: membership', () => {
  it('registers a pool member that has no claim item yet', () => {
    const p = plan({ addresses: [address(1)] });
    expect(p.actions).toEqual([{ kind: 'register', allocationId: 'eipalloc-01', publicIp: '203.0.113.1' }]);
  });

  it('retires the claim of an EIP that left the pool, releasing its holder', () => {
    const p = plan({ snapshot: { claims: [claim(1), held(2, 'eni-02')] } });
    expect(p.actions).toEqual([
      { kind: 'retire', allocationId: 'eipalloc-01' },
      { kind: 'retire', allocationId: 'eipalloc-02', holder: { eniId: 'eni-02', privateIp: '10.0.1.2' } },
    ]);
  });

  it('leaves an address owned by an AWS service alone', () => {
    const p = plan({
      addresses: [address(1, { serviceManaged: 'nlb', ...on('eni-05', 5) })],
      snapshot: { claims: [claim(1)] },
    });
    expect(p.actions).toEqual([]);
    expect(p.notes[0]).toMatch(/owned by nlb/);
  });
});

describe('planReconcile: claims', () => {
  it('does nothing when every claim is associated with its holder', () => {
    const p = plan({
      addresses: [address(1, on('eni-01', 1))],
      snapshot: { claims: [held(1, 'eni-01')] },
      enis: enis(
        eni('eni-01', {
          publicIps: { '10.0.1.1': { allocationId: 'eipalloc-01', publicIp: '203.0.113.1' } },
        }),
      ),
    });
    expect(p.actions).toEqual([]);
  });

  it('frees the claim of a deleted ENI whose DeleteNetworkInterface event was missed', () => {
    const p = plan({
      addresses: [address(1)],
      snapshot: { claims: [held(1, 'eni-01')] },
      goneEniIds: new Set(['eni-01']),
    });
    expect(p.actions).toEqual([
      {
        kind: 'free',
        allocationId: 'eipalloc-01',
        holder: { eniId: 'eni-01', privateIp: '10.0.1.1' },
        reason: 'eni-gone',
      },
    ]);
  });

  it('frees a claim whose private IP left the ENI', () => {
    const p = plan({
      pool: pool({ target: 'secondary-ip' }),
      pools: [pool({ target: 'secondary-ip' })],
      addresses: [address(1)],
      snapshot: { claims: [held(1, 'eni-01', { privateIp: '10.0.1.99' })] },
      enis: enis(eni('eni-01', { secondaryIps: ['10.0.1.50'] })),
    });
    expect(p.actions[0]).toMatchObject({ kind: 'free', reason: 'ip-gone' });
  });

  it('records an association EC2 shows but the claim lacks (a crash after AssociateAddress), as a repair when old', () => {
    const p = plan({
      addresses: [address(1, on('eni-01', 1))],
      snapshot: { claims: [held(1, 'eni-01', { associationId: undefined })] },
      enis: enis(eni('eni-01')),
    });
    expect(p.actions).toEqual([
      {
        kind: 'record-association',
        allocationId: 'eipalloc-01',
        holder: { eniId: 'eni-01', privateIp: '10.0.1.1' },
        associationId: 'eipassoc-01',
        repair: true,
      },
    ]);
    expect(isRepair(p.actions[0] as ReconcileAction)).toBe(true);
  });

  it('associates a claim that was never associated once the grace period is over (a crash before AssociateAddress)', () => {
    const input = {
      addresses: [address(1)],
      snapshot: {
        claims: [held(1, 'eni-01', { associationId: undefined, claimedAt: '2026-01-05T09:59:00.000Z' })],
      },
      enis: enis(eni('eni-01')),
    };
    expect(plan(input).actions).toEqual([]);
    expect(plan({ ...input, now: '2026-01-05T10:01:01.000Z' }).actions).toEqual([
      {
        kind: 'associate',
        allocationId: 'eipalloc-01',
        holder: { eniId: 'eni-01', privateIp: '10.0.1.1' },
        reason: 'never-associated',
      },
    ]);
  });

  it('re-associates a claimed EIP that was disassociated from its live holder', () => {
    const p = plan({
      addresses: [address(1)],
      snapshot: { claims: [held(1, 'eni-01')] },
      enis: enis(eni('eni-01')),
    });
    expect(p.actions).toEqual([
      {
        kind: 'associate',
        allocationId: 'eipalloc-01',
        holder: { eniId: 'eni-01', privateIp: '10.0.1.1' },
        reason: 'disassociated',
      },
    ]);
  });

  it('records a claimed EIP moved elsewhere as manually held and releases the displaced holder, never taking it back', () => {
    const p = plan({
      addresses: [address(1, on('eni-09', 9))],
      snapshot: { claims: [held(1, 'eni-01')] },
      enis: enis(eni('eni-01'), eni('eni-09', { securityGroupIds: [SG2] })),
    });
    expect(p.actions).toEqual([
      {
        kind: 'manual-hold',
        allocationId: 'eipalloc-01',
        publicIp: '203.0.113.1',
        hold: { associationId: 'eipassoc-09', eniId: 'eni-09', privateIp: '10.0.1.9' },
        displaced: { eniId: 'eni-01', privateIp: '10.0.1.1' },
      },
      { kind: 'serve', target: { eniId: 'eni-01', privateIp: '10.0.1.1' } },
    ]);
    expect(p.actions.some((a) => a.kind === 'associate')).toBe(false);
  });

  it('reports a pool EIP displaced from its holder by an address someone else put on its IP (never taken back)', () => {
    const p = plan({
      addresses: [address(1)],
      snapshot: { claims: [held(1, 'eni-01')] },
      enis: enis(
        eni('eni-01', {
          publicIps: { '10.0.1.1': { publicIp: '198.51.100.7', allocationId: 'eipalloc-0x' } },
        }),
      ),
    });
    expect(p.actions).toEqual([
      {
        kind: 'displaced',
        allocationId: 'eipalloc-01',
        publicIp: '203.0.113.1',
        holder: { eniId: 'eni-01', privateIp: '10.0.1.1' },
        nowHolds: '198.51.100.7',
      },
    ]);
    expect(isRepair(p.actions[0] as ReconcileAction)).toBe(true);
  });
});

describe('planReconcile: identity', () => {
  const refused = (suspect = true): IdentityVerdict => ({ kind: 'refused', reasons: ['no trunk'], suspect });
  const verdict = (eniId: string, v: IdentityVerdict) =>
    new Map([[targetKey({ eniId, privateIp: ip(eniId) }), v]]);

  it('serves a matching ENI only when it is proven a pod, and leaves one pending or unreadable for later', () => {
    const p = plan({
      addresses: [address(1), address(2)],
      snapshot: { claims: [claim(1), claim(2)] },
      enis: enis(eni('eni-01'), eni('eni-02'), eni('eni-03'), eni('eni-04')),
      verdicts: new Map([
        ...verdict('eni-02', refused()),
        ...verdict('eni-03', { kind: 'pending', reason: 'no trunk association yet' }),
        ...verdict('eni-04', { kind: 'unknown', reason: 'Kubernetes API down' }),
      ]),
    });
    expect(p.actions).toEqual([{ kind: 'serve', target: { eniId: 'eni-01', privateIp: '10.0.1.1' } }]);
    expect(p.notes.join('\n')).toMatch(/eni-03 .*not served yet: no trunk association yet/);
  });

  it('takes a pool EIP off a holder that is no longer a proven pod, and frees its claim', () => {
    const p = plan({
      addresses: [address(1, on('eni-01', 1))],
      snapshot: { claims: [held(1, 'eni-01')] },
      enis: enis(eni('eni-01')),
      verdicts: verdict('eni-01', refused(false)),
    });
    expect(p.actions).toEqual([
      {
        kind: 'free',
        allocationId: 'eipalloc-01',
        holder: { eniId: 'eni-01', privateIp: '10.0.1.1' },
        reason: 'not-proven',
        disassociate: 'eipassoc-01',
      },
    ]);
  });

  it('leaves a holder whose evidence cannot be read as it is', () => {
    const p = plan({
      addresses: [address(1, on('eni-01', 1))],
      snapshot: { claims: [held(1, 'eni-01')] },
      enis: enis(eni('eni-01')),
      verdicts: verdict('eni-01', { kind: 'unknown', reason: 'DescribeCluster failed' }),
    });
    expect(p.actions).toEqual([]);
  });

  it('adopts an association found on a proven pod only; on another ENI it is a manual hold', () => {
    const adopted = plan({
      addresses: [address(1, on('eni-01', 1))],
      snapshot: { claims: [claim(1)] },
      enis: enis(eni('eni-01')),
    });
    const held = plan({
      addresses: [address(1, on('eni-01', 1))],
      snapshot: { claims: [claim(1)] },
      enis: enis(eni('eni-01')),
      verdicts: verdict('eni-01', refused()),
    });
    expect(kinds(adopted.actions)).toEqual(['adopt']);
    expect(kinds(held.actions)).toEqual(['manual-hold']);
  });

  it('stops a waiter waiting once it is no longer a proven pod', () => {
    const p = plan({
      addresses: [address(1, on('eni-09', 9))],
      snapshot: {
        claims: [held(1, 'eni-09')],
        waiters: [{ pool: 'payments', eniId: 'eni-01', privateIp: '10.0.1.1', since: NOW }],
      },
      enis: enis(eni('eni-01'), eni('eni-09')),
      verdicts: verdict('eni-01', refused()),
    });
    expect(p.actions).toContainEqual({
      kind: 'drop-waiter',
      target: { eniId: 'eni-01', privateIp: '10.0.1.1' },
      reason: 'not a proven pod',
    });
  });
});

describe('planReconcile: free EIPs and manual holds', () => {
  it('records a free EIP associated with a non-matching ENI as manually held', () => {
    const p = plan({
      addresses: [address(1, on('eni-09', 9))],
      snapshot: { claims: [claim(1)] },
      enis: enis(eni('eni-09', { securityGroupIds: [SG2] })),
    });
    expect(p.actions).toEqual([
      {
        kind: 'manual-hold',
        allocationId: 'eipalloc-01',
        publicIp: '203.0.113.1',
        hold: { associationId: 'eipassoc-09', eniId: 'eni-09', privateIp: '10.0.1.9' },
      },
    ]);
  });

  it('adopts a free EIP found on a matching ENI that holds no claim (associated by hand or before eip-keeper)', () => {
    const p = plan({
      addresses: [address(1, on('eni-01', 1))],
      snapshot: { claims: [claim(1)] },
      enis: enis(
        eni('eni-01', {
          publicIps: { '10.0.1.1': { allocationId: 'eipalloc-01', associationId: 'eipassoc-01' } },
        }),
      ),
    });
    expect(p.actions).toEqual([
      {
        kind: 'adopt',
        allocationId: 'eipalloc-01',
        target: { eniId: 'eni-01', privateIp: '10.0.1.1' },
        associationId: 'eipassoc-01',
      },
    ]);
  });

  it('gives a manually held EIP back to the pool once it is disassociated', () => {
    const p = plan({
      addresses: [address(1)],
      snapshot: {
        claims: [
          claim(1, { manualHold: { associationId: 'eipassoc-09', eniId: 'eni-09', detectedAt: NOW } }),
        ],
      },
    });
    expect(p.actions).toEqual([
      { kind: 'clear-manual', allocationId: 'eipalloc-01', associationId: 'eipassoc-09' },
    ]);
  });

  it('does not alert twice for the same manual association, but does for a new one', () => {
    const manual = claim(1, {
      manualHold: { associationId: 'eipassoc-09', eniId: 'eni-09', detectedAt: NOW },
    });
    const same = plan({
      addresses: [address(1, on('eni-09', 9))],
      snapshot: { claims: [manual] },
      enis: enis(eni('eni-09', { securityGroupIds: [SG2] })),
    });
    expect(same.actions).toEqual([]);
    const moved = plan({
      addresses: [address(1, on('eni-08', 8))],
      snapshot: { claims: [manual] },
      enis: enis(eni('eni-08', { securityGroupIds: [SG2] })),
    });
    expect(kinds(moved.actions)).toEqual(['manual-hold']);
  });
});

describe('planReconcile: ENIs to serve and waiters', () => {
  it('serves matching ENIs without an EIP, those already waiting first (oldest first)', () => {
    const p = plan({
      addresses: [address(1), address(2)],
      snapshot: {
        claims: [claim(1), claim(2)],
        waiters: [
          { pool: 'payments', eniId: 'eni-05', privateIp: '10.0.1.5', since: '2026-01-05T09:50:00.000Z' },
          { pool: 'payments', eniId: 'eni-04', privateIp: '10.0.1.4', since: '2026-01-05T09:55:00.000Z' },
        ],
      },
      enis: enis(eni('eni-01'), eni('eni-04'), eni('eni-05'), eni('eni-02', { securityGroupIds: [SG2] })),
    });
    expect(p.actions.filter((a) => a.kind === 'serve')).toEqual([
      {
        kind: 'serve',
        target: { eniId: 'eni-05', privateIp: '10.0.1.5' },
        waitingSince: '2026-01-05T09:50:00.000Z',
      },
      {
        kind: 'serve',
        target: { eniId: 'eni-04', privateIp: '10.0.1.4' },
        waitingSince: '2026-01-05T09:55:00.000Z',
      },
      { kind: 'serve', target: { eniId: 'eni-01', privateIp: '10.0.1.1' } },
    ]);
    expect(p.actions.filter(isRepair).map((a) => a.kind)).toEqual(['serve']);
  });

  it('never serves an ENI that already has a public address from outside the pool', () => {
    const p = plan({
      addresses: [address(1)],
      snapshot: { claims: [claim(1)] },
      enis: enis(eni('eni-01', { publicIps: { '10.0.1.1': { publicIp: '198.51.100.1' } } })),
    });
    expect(p.actions).toEqual([]);
    expect(p.notes[0]).toMatch(/already has 198\.51\.100\.1/);
  });

  it('leaves an ENI that belongs to an earlier pool to that pool', () => {
    const first = pool({ name: 'first', selector: { subnetIds: [SUBNET_A] } });
    const p = plan({
      pools: [first, PAYMENTS],
      addresses: [address(1)],
      snapshot: { claims: [claim(1)] },
      enis: enis(eni('eni-01')),
    });
    expect(p.actions).toEqual([]);
  });

  it('drops waiters whose ENI is gone, no longer matches, or already holds a claim', () => {
    const w = (eniId: string) => ({ pool: 'payments', eniId, privateIp: ip(eniId), since: NOW });
    const p = plan({
      addresses: [address(1, on('eni-03', 1))],
      snapshot: { claims: [held(1, 'eni-03')], waiters: [w('eni-01'), w('eni-02'), w('eni-03')] },
      enis: enis(
        eni('eni-02', { securityGroupIds: [SG2] }),
        eni('eni-03', { publicIps: { '10.0.1.3': { allocationId: 'eipalloc-01' } } }),
      ),
      goneEniIds: new Set(['eni-01']),
    });
    expect(p.actions.filter((a) => a.kind === 'drop-waiter')).toEqual([
      { kind: 'drop-waiter', target: { eniId: 'eni-01', privateIp: '10.0.1.1' }, reason: 'ENI deleted' },
      {
        kind: 'drop-waiter',
        target: { eniId: 'eni-02', privateIp: '10.0.1.2' },
        reason: 'no longer matches the pool',
      },
      { kind: 'drop-waiter', target: { eniId: 'eni-03', privateIp: '10.0.1.3' }, reason: 'served' },
    ]);
  });

  it('serves each secondary IP of a node ENI in secondary-ip mode', () => {
    const secondary = pool({ target: 'secondary-ip', selector: { descriptionPrefix: 'aws-K8S-' } });
    const node = eni('eni-01', { description: 'aws-K8S-i-0123', secondaryIps: ['10.0.1.50', '10.0.1.51'] });
    const p = plan({
      pool: secondary,
      pools: [secondary],
      addresses: [address(1)],
      snapshot: { claims: [claim(1)] },
      enis: enis(node),
    });
    expect(
      p.actions
        .filter((a) => a.kind === 'serve')
        .map((a) => (a as { target: { privateIp: string } }).target.privateIp),
    ).toEqual(['10.0.1.50', '10.0.1.51']);
  });
});

describe('holderTagDrift', () => {
  const drift = (addresses: PoolAddress[], claims: ClaimRecord[]) =>
    holderTagDrift({ pool: 'payments', claims, waiters: [] }, addresses);

  it('changes nothing when each held EIP names its holder and idle ones name no one', () => {
    expect(
      drift(
        [address(1, { ...on('eni-01', 1), holderTag: 'eni-01' }), address(2)],
        [held(1, 'eni-01'), claim(2)],
      ),
    ).toEqual([]);
  });

  it('names the holder on an associated EIP whose tag is missing or names someone else', () => {
    const changes = drift(
      [address(1, on('eni-01', 1)), address(2, { ...on('eni-02', 2), holderTag: 'eni-09' })],
      [held(1, 'eni-01'), held(2, 'eni-02')],
    );

    expect(changes).toEqual([
      { op: 'tag', allocationId: 'eipalloc-01', eniId: 'eni-01' },
      { op: 'tag', allocationId: 'eipalloc-02', eniId: 'eni-02' },
    ]);
  });

  it('removes the tag of a dead holder from an idle EIP, and of a displaced one from a manually held EIP', () => {
    const changes = drift(
      [address(1, { holderTag: 'eni-01' }), address(2, { ...on('eni-0bastion', 2), holderTag: 'eni-02' })],
      [claim(1), claim(2, { manualHold: { associationId: 'eipassoc-02', detectedAt: NOW } })],
    );

    expect(changes).toEqual([
      { op: 'untag', allocationId: 'eipalloc-01', eniId: 'eni-01' },
      { op: 'untag', allocationId: 'eipalloc-02', eniId: 'eni-02' },
    ]);
  });

  it('leaves the tag of a claim whose association is still being made, and a tag naming where EC2 has it', () => {
    const changes = drift(
      [address(1, { holderTag: 'eni-01' }), address(2, { ...on('eni-02', 2), holderTag: 'eni-02' })],
      [held(1, 'eni-01', { associationId: undefined }), claim(2)],
    );

    expect(changes).toEqual([]);
  });

  it('never touches an address an AWS service owns', () => {
    expect(drift([address(1, { serviceManaged: 'alb', holderTag: 'eni-01' })], [claim(1)])).toEqual([]);
  });
});

describe('holderTagCalls', () => {
  it('writes one tag per call, over every address that gets it, and removes by value', () => {
    const calls = holderTagCalls([
      { op: 'untag', allocationId: 'eipalloc-01', eniId: 'eni-dead' },
      { op: 'untag', allocationId: 'eipalloc-02', eniId: 'eni-dead' },
      { op: 'tag', allocationId: 'eipalloc-03', eniId: 'eni-03' },
      { op: 'tag', allocationId: 'eipalloc-04', eniId: 'eni-node' },
      { op: 'tag', allocationId: 'eipalloc-05', eniId: 'eni-node' },
    ]);

    expect(calls).toEqual([
      { op: 'untag', eniId: 'eni-dead', allocationIds: ['eipalloc-01', 'eipalloc-02'] },
      { op: 'tag', eniId: 'eni-03', allocationIds: ['eipalloc-03'] },
      { op: 'tag', eniId: 'eni-node', allocationIds: ['eipalloc-04', 'eipalloc-05'] },
    ]);
  });

  it('makes only the last change of an address (freed, then given to the next pod: one CreateTags)', () => {
    const calls = holderTagCalls([
      { op: 'untag', allocationId: 'eipalloc-01', eniId: 'eni-01' },
      { op: 'tag', allocationId: 'eipalloc-01', eniId: 'eni-02' },
    ]);

    expect(calls).toEqual([{ op: 'tag', eniId: 'eni-02', allocationIds: ['eipalloc-01'] }]);
  });
});

describe('alerts and claims left behind by a runtime that died', () => {
  const MIN = 60_000;
  const at = (iso: string) => Date.parse(iso);
  const snap = (over: Partial<PoolSnapshot>): PoolSnapshot => ({
    pool: 'payments',
    claims: [],
    waiters: [],
    ...over,
  });

  it('leaves an unassociated claim to its claimer for a minute, then no longer', () => {
    const fresh = held(1, 'eni-01', { associationId: undefined, claimedAt: '2026-01-05T09:59:30.000Z' });
    expect(claimInHand(fresh, at(NOW))).toBe(true);
    expect(claimInHand(fresh, at(NOW) + 30_000)).toBe(false);
    expect(claimInHand(held(1, 'eni-01', { claimedAt: '2026-01-05T09:59:30.000Z' }), at(NOW))).toBe(false);
    expect(claimInHand(claim(1), at(NOW))).toBe(false);
  });

  it('re-announces a manual hold only past the grace, unconfirmed, and while EC2 still shows that association', () => {
    const hold = {
      associationId: 'eipassoc-0h',
      eniId: 'eni-0h',
      detectedAt: '2026-01-05T09:50:00.000Z',
      alertClaimedAt: '2026-01-05T09:50:00.000Z',
    };
    const stillHeld = address(1, {
      association: { associationId: 'eipassoc-0h', eniId: 'eni-0h', privateIp: '10.0.9.9' },
    });
    const s = snap({
      claims: [
        claim(1, { manualHold: hold }),
        claim(2, { manualHold: { ...hold, alertedAt: '2026-01-05T09:50:01.000Z' } }),
        claim(3, { manualHold: hold }),
      ],
    });
    const addresses = [
      stillHeld,
      address(2, { association: stillHeld.association }),
      address(3, on('eni-07', 3)),
    ];
    expect(unannouncedHolds(s, addresses, at(NOW), 2 * MIN).map((d) => d.claim.allocationId)).toEqual([
      'eipalloc-01',
    ]);
    expect(unannouncedHolds(s, addresses, at('2026-01-05T09:51:00.000Z'), 2 * MIN)).toEqual([]);
  });

  it('names the oldest waiter of an open, unannounced exhaustion episode past the grace', () => {
    const waiters = [
      { pool: 'payments', eniId: 'eni-02', privateIp: '10.0.1.2', since: '2026-01-05T09:41:00.000Z' },
      { pool: 'payments', eniId: 'eni-01', privateIp: '10.0.1.1', since: '2026-01-05T09:40:00.000Z' },
    ];
    const open = { pool: 'payments', open: true, episode: 3, openedAt: '2026-01-05T09:40:00.000Z' };
    expect(unannouncedExhaustionWaiter(snap({ waiters, exhaustion: open }), at(NOW), 2 * MIN)?.eniId).toBe(
      'eni-01',
    );
    for (const exhaustion of [
      { ...open, alertedAt: '2026-01-05T09:40:01.000Z' },
      { ...open, open: false },
      { ...open, openedAt: '2026-01-05T09:59:00.000Z' },
    ])
      expect(unannouncedExhaustionWaiter(snap({ waiters, exhaustion }), at(NOW), 2 * MIN)).toBeUndefined();
    expect(unannouncedExhaustionWaiter(snap({ exhaustion: open }), at(NOW), 2 * MIN)).toBeUndefined();
  });
});
