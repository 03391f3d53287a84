/**
 * Proven workload identity and pinned membership, on literal data: what proves an ENI a pod of the pool's cluster,
 * what does not (everything its creator chooses), and which tagged addresses are members.
 */
import { describe, expect, it } from 'vitest';
import { type PoolConfig, PoolSchema } from '../../shared/config/schema';
import type { Actor } from '../../shared/events/actor';
import type { BranchEvidence } from '../../shared/keeper/decide-identity';
import {
  clusterMismatch,
  decideBranchIdentity,
  decidePodIpIdentity,
  type IdentityVerdict,
  TRUNK_ASSOCIATION_GRACE_MS,
} from '../../shared/keeper/decide-identity';
import { isListed, membershipOf, membersSnippet } from '../../shared/keeper/decide-membership';
import type { ClusterView, EniView, KubePod, PoolAddress } from '../../shared/keeper/model';

const VPC = 'vpc-0aaaaaaaaaaaaaaa1';
const ROLE = 'arn:aws:iam::111122223333:role/eks-cluster-role';
const CLUSTER: ClusterView = { name: 'prod', roleArn: ROLE, vpcId: VPC };
const NOW = Date.parse('2026-01-05T10:00:00.000Z');

const pool = (over: Record<string, unknown> = {}): PoolConfig =>
  PoolSchema.parse({
    name: 'payments',
    cluster: 'prod',
    vpcId: VPC,
    members: ['eipalloc-0aaaaaaaaaaaaaaa1', '203.0.113.2'],
    selector: { securityGroupIds: ['sg-0aaaaaaaaaaaaaaa1'] },
    ...over,
  });

const controller: Actor = {
  type: 'AssumedRole',
  roleArn: ROLE,
  sessionName: 'amazon-vpc-resource-controller-k8s',
};
const mallory: Actor = {
  type: 'IAMUser',
  userName: 'mallory',
  arn: 'arn:aws:iam::111122223333:user/mallory',
};

const branch: EniView = {
  eniId: 'eni-0b1',
  vpcId: VPC,
  description: 'aws-k8s-branch-eni',
  securityGroupIds: ['sg-0aaaaaaaaaaaaaaa1'],
  tags: { 'kubernetes.io/cluster/prod': 'owned' },
  privateIp: '10.0.1.10',
  secondaryIps: [],
};
const trunkEni: EniView = {
  eniId: 'eni-0t1',
  vpcId: VPC,
  description: 'aws-k8s-trunk-eni',
  interfaceType: 'trunk',
  securityGroupIds: [],
  tags: {},
  secondaryIps: [],
  attachment: { instanceId: 'i-0n1', deviceIndex: 1 },
};

/** A genuine pod's evidence: created by the cluster role, behind the trunk of a node tagged for the cluster. */
const genuine = (over: Partial<BranchEvidence> = {}): BranchEvidence => ({
  eni: branch,
  creation: { actor: controller, at: '2026-01-05T09:59:00.000Z', eventId: 'ev-1' },
  trunk: { associationId: 'trunk-assoc-1', branchEniId: 'eni-0b1', trunkEniId: 'eni-0t1', vlanId: 3 },
  trunkEni,
  instance: { instanceId: 'i-0n1', state: 'running', vpcId: VPC, tags: { 'eks:cluster-name': 'prod' } },
  ...over,
});

const decide = (ev: BranchEvidence, p = pool()) => decideBranchIdentity(p, CLUSTER, ev, NOW);
const reasons = (v: IdentityVerdict) => (v.kind === 'refused' ? v.reasons : []);

describe('decideBranchIdentity', () => {
  it('proves a branch ENI created by the cluster role behind the trunk ENI of a node of the cluster', () => {
    const v = decide(genuine());
    expect(v.kind).toBe('proven');
    expect(v.kind === 'proven' && v.basis.join('; ')).toMatch(
      /trunk eni-0t1 VLAN 3 on i-0n1.*tagged as a node of prod/,
    );
  });

  it('refuses (as suspect) an ENI someone else created, naming who', () => {
    const v = decide(
      genuine({ creation: { actor: mallory, at: '2026-01-05T09:59:00.000Z', eventId: 'ev-2' } }),
    );
    expect(v).toMatchObject({ kind: 'refused', suspect: true });
    expect(reasons(v)).toEqual([`it was created by mallory, not by the cluster role ${ROLE}`]);
  });

  it('refuses a look-alike every live check fails: other VPC, attached, no trunk association', () => {
    const v = decide({
      eni: { ...branch, vpcId: 'vpc-0bad', attachment: { instanceId: 'i-0own', deviceIndex: 1 } },
    });
    expect(v).toMatchObject({ kind: 'refused', suspect: true });
    expect(reasons(v)).toEqual([
      "it is in vpc-0bad, not cluster prod's vpc-0aaaaaaaaaaaaaaa1",
      "it is attached to instance i-0own: a pod's branch ENI never is",
      'it is associated with no trunk ENI',
    ]);
  });

  it('refuses a trunk that is not a trunk ENI, or on an instance that is no node of the cluster', () => {
    expect(reasons(decide(genuine({ trunkEni: { ...trunkEni, interfaceType: 'interface' } })))).toEqual([
      'eni-0t1 is not a trunk ENI (type interface)',
    ]);
    const stranger = genuine({ instance: { instanceId: 'i-0n1', state: 'running', vpcId: VPC, tags: {} } });
    expect(reasons(decide(stranger))).toEqual(['instance i-0n1 is not tagged as a node of cluster prod']);
  });

  it('verifies the node with the Kubernetes API when the pool has access, whatever the instance tags say', () => {
    const tagged = genuine({ kubeNodes: [{ name: 'ip-10-0-1-4', instanceId: 'i-0other' }] });
    expect(reasons(decide(tagged))).toEqual([
      'instance i-0n1 is not a node of cluster prod (Kubernetes API)',
    ]);
    const listed = genuine({
      instance: { instanceId: 'i-0n1', state: 'running', tags: {} },
      kubeNodes: [{ name: 'ip-10-0-1-4', instanceId: 'i-0n1' }],
    });
    expect(decide(listed).kind).toBe('proven');
  });

  it('waits (no alert) for the trunk association of an ENI the cluster role created moments ago', () => {
    const young = genuine({ trunk: undefined, trunkEni: undefined, instance: undefined });
    expect(decide(young).kind).toBe('pending');
    const old = genuine({
      trunk: undefined,
      creation: {
        actor: controller,
        at: new Date(NOW - TRUNK_ASSOCIATION_GRACE_MS - 1).toISOString(),
        eventId: 'ev-1',
      },
    });
    expect(decide(old)).toMatchObject({ kind: 'refused', suspect: true });
  });

  it('decides an ENI without a creation record by the configuration: the live check alone, or never', () => {
    const noRecord = genuine({ creation: undefined });
    expect(decide(noRecord).kind).toBe('proven');
    expect(decide(noRecord, pool({ withoutCreationRecord: 'refuse' }))).toMatchObject({
      kind: 'refused',
      suspect: false,
    });
    expect(decide({ ...noRecord, provenBefore: true }, pool({ withoutCreationRecord: 'refuse' })).kind).toBe(
      'proven',
    );
  });

  it('names a configuration that contradicts the cluster, and a cluster that does not exist', () => {
    expect(clusterMismatch(pool(), CLUSTER)).toBeUndefined();
    expect(clusterMismatch(pool({ vpcId: 'vpc-0bbbbbbbbbbbbbbb2' }), CLUSTER)).toBe(
      'pool payments names vpc-0bbbbbbbbbbbbbbb2, but cluster prod is in vpc-0aaaaaaaaaaaaaaa1',
    );
    expect(clusterMismatch(pool(), undefined)).toBe('cluster prod was not found (DescribeCluster)');
  });
});

describe('decidePodIpIdentity', () => {
  const node: EniView = {
    ...branch,
    eniId: 'eni-0node',
    description: 'aws-K8S-i-0n1',
    secondaryIps: ['10.0.1.50', '10.0.1.51'],
    attachment: { instanceId: 'i-0n1', deviceIndex: 1 },
  };
  const pod = (over: Partial<KubePod> = {}): KubePod => ({
    namespace: 'payments',
    name: 'api-1',
    labels: { app: 'payments' },
    nodeName: 'ip-10-0-1-4',
    phase: 'Running',
    podIps: ['10.0.1.50'],
    ...over,
  });
  const ev = (pods: KubePod[], eni = node) => ({
    eni,
    kubeNodes: [{ name: 'ip-10-0-1-4', instanceId: 'i-0n1' }],
    pods,
  });

  it('proves an IP a Running pod of the selector holds on the node the ENI is attached to', () => {
    expect(decidePodIpIdentity(CLUSTER, ev([pod()]), '10.0.1.50').kind).toBe('proven');
  });

  it('refuses without suspicion a warm IP, an IP of a pod that is not Running, or of a pod on another node', () => {
    for (const pods of [[], [pod({ phase: 'Succeeded' })], [pod({ nodeName: 'ip-10-0-9-9' })]])
      expect(decidePodIpIdentity(CLUSTER, ev(pods), '10.0.1.50')).toMatchObject({
        kind: 'refused',
        suspect: false,
      });
  });

  it('refuses as suspect an ENI attached to no node of the cluster', () => {
    const loose = { ...node, attachment: undefined };
    expect(decidePodIpIdentity(CLUSTER, ev([pod()], loose), '10.0.1.50')).toMatchObject({
      kind: 'refused',
      suspect: true,
      reasons: ['it is attached to no instance: it is no node ENI'],
    });
  });
});

describe('pool membership', () => {
  const address = (allocationId: string, publicIp: string, p = 'payments'): PoolAddress => ({
    allocationId,
    publicIp,
    pool: p,
  });

  it('approves tagged addresses listed by allocation id or public IP, or allocated by eip-keeper', () => {
    const m = membershipOf(
      pool(),
      [
        address('eipalloc-0aaaaaaaaaaaaaaa1', '203.0.113.1'),
        address('eipalloc-0bbbbbbbbbbbbbbb2', '203.0.113.2'),
        address('eipalloc-0ccccccccccccccc3', '203.0.113.3'),
        address('eipalloc-0ddddddddddddddd4', '203.0.113.4'),
        address('eipalloc-0eeeeeeeeeeeeeee5', '203.0.113.5', 'other'),
      ],
      [{ allocationId: 'eipalloc-0ccccccccccccccc3', allocatedByKeeper: true }],
    );
    expect(m.members.map((a) => a.allocationId)).toEqual([
      'eipalloc-0aaaaaaaaaaaaaaa1',
      'eipalloc-0bbbbbbbbbbbbbbb2',
      'eipalloc-0ccccccccccccccc3',
    ]);
    expect(m.unapproved.map((a) => a.allocationId)).toEqual(['eipalloc-0ddddddddddddddd4']);
    expect(m.untagged).toEqual([]);
  });

  it('names listed members no tagged address matches', () => {
    expect(membershipOf(pool(), [address('eipalloc-0aaaaaaaaaaaaaaa1', '203.0.113.1')]).untagged).toEqual([
      '203.0.113.2',
    ]);
    expect(isListed(pool(), { allocationId: 'eipalloc-0f', publicIp: '203.0.113.2' })).toBe(true);
  });

  it('prints the tagged addresses of each pool, in public IP order, as the members to approve', () => {
    expect(
      membersSnippet([
        address('eipalloc-0b', '203.0.113.9'),
        address('eipalloc-0a', '203.0.113.10'),
        address('eipalloc-0c', '198.51.100.1', 'batch'),
      ]),
    ).toEqual({ batch: ['eipalloc-0c'], payments: ['eipalloc-0a', 'eipalloc-0b'] });
  });
});

describe('configuration', () => {
  const problems = (over: Record<string, unknown>) => {
    const r = PoolSchema.safeParse({
      name: 'p',
      cluster: 'prod',
      vpcId: VPC,
      selector: { descriptionPrefix: 'aws-K8S-' },
      ...over,
    });
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('refuses a pool without approved members unless it allocates its own', () => {
    expect(problems({})).toEqual([expect.stringMatching(/^members: list the pool's approved addresses/)]);
    expect(problems({ allocateOnExhaustion: true })).toEqual([]);
  });

  it('refuses a secondary-IP pool without Kubernetes access or a pod selector, naming each key', () => {
    expect(problems({ members: ['203.0.113.1'], target: 'secondary-ip' })).toEqual([
      expect.stringMatching(/^kubernetesAccess: a secondary-IP pool needs Kubernetes access/),
      expect.stringMatching(/^podSelector: a secondary-IP pool needs a pod selector/),
    ]);
  });
});
