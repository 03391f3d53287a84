/**
 * The keeper's failure paths, with the real claim store on DynamoDB Local and a scripted EC2, EKS and SNS: what it
 * does when AWS says the EIP is already associated, the ENI is gone, EC2 fails, or the alert cannot be sent. The pod
 * is a proven one (created by the cluster role, behind a node's trunk ENI), so the identity checks pass.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type PoolConfig, PoolSchema } from '../../shared/config/schema';
import { DynamoClaimStore } from '../../shared/keeper/dynamo-claim-store';
import { IdentityChecker } from '../../shared/keeper/identity';
import { createKeeper, type Keeper } from '../../shared/keeper/keeper';
import type { EniView, InstanceView, PoolAddress, Target, TrunkLink } from '../../shared/keeper/model';
import type { AssociateOutcome, KeeperEc2Port as KeeperEc2 } from '../../shared/keeper/ports';
import type { Notification } from '../../shared/notify/notification';
import { createTestTable, recordingLog, recordingMetrics, type TestTable } from '../support/dynamo';

const SG = 'sg-0aaaaaaaaaaaaaaa1';
const VPC = 'vpc-0aaaaaaaaaaaaaaa1';
const ROLE = 'arn:aws:iam::111122223333:role/eks-cluster-role';
const POOL = PoolSchema.parse({
  name: 'payments',
  cluster: 'prod',
  vpcId: VPC,
  members: ['203.0.113.1', '203.0.113.2'],
  selector: { securityGroupIds: [SG] },
});
const ORIGIN = { accountId: '111122223333', region: 'eu-west-1' };
const POD: EniView = {
  eniId: 'eni-0aaaaaaaaaaaaaaa1',
  vpcId: VPC,
  description: 'aws-k8s-branch-eni',
  securityGroupIds: [SG],
  tags: { 'kubernetes.io/cluster/prod': 'owned' },
  privateIp: '10.0.1.4',
  secondaryIps: [],
  publicIps: {},
};
const TRUNK: EniView = {
  eniId: 'eni-0ttttttttttttttt1',
  vpcId: VPC,
  description: 'aws-k8s-trunk-eni',
  interfaceType: 'trunk',
  securityGroupIds: [],
  tags: {},
  privateIp: '10.0.1.2',
  secondaryIps: [],
  attachment: { instanceId: 'i-0aaaaaaaaaaaaaaa1', deviceIndex: 1 },
};
const NODE: InstanceView = {
  instanceId: 'i-0aaaaaaaaaaaaaaa1',
  state: 'running',
  vpcId: VPC,
  tags: { 'eks:cluster-name': 'prod' },
};

function createEvent(eni: EniView) {
  return {
    version: '0',
    id: 'ev',
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.ec2',
    account: ORIGIN.accountId,
    region: ORIGIN.region,
    time: '2026-01-05T09:00:00Z',
    resources: [],
    detail: {
      eventID: `e-${eni.eniId}`,
      eventTime: '2026-01-05T09:00:00Z',
      eventSource: 'ec2.amazonaws.com',
      eventName: 'CreateNetworkInterface',
      awsRegion: ORIGIN.region,
      recipientAccountId: ORIGIN.accountId,
      userIdentity: {
        type: 'AssumedRole',
        arn: 'arn:aws:sts::111122223333:assumed-role/eks-cluster-role/amazon-vpc-resource-controller-k8s',
        sessionContext: { sessionIssuer: { type: 'Role', arn: ROLE, userName: 'eks-cluster-role' } },
      },
      responseElements: {
        networkInterface: {
          networkInterfaceId: eni.eniId,
          vpcId: eni.vpcId,
          description: eni.description,
          privateIpAddress: eni.privateIp,
          groupSet: { items: eni.securityGroupIds.map((groupId) => ({ groupId })) },
          tagSet: { items: Object.entries(eni.tags).map(([key, value]) => ({ key, value })) },
        },
      },
    },
  };
}

/** A scripted EC2: addresses and ENIs in memory; `associate` answers from a script, then associates. */
class FakeEc2 implements KeeperEc2 {
  addresses: PoolAddress[] = [
    { allocationId: 'eipalloc-01', publicIp: '203.0.113.1', pool: 'payments' },
    { allocationId: 'eipalloc-02', publicIp: '203.0.113.2', pool: 'payments' },
  ];
  enis = new Map([
    [POD.eniId, POD],
    [TRUNK.eniId, TRUNK],
  ]);
  script: ((allocationId: string, t: Target) => AssociateOutcome | Error | undefined)[] = [];
  associateCalls: string[] = [];
  /** Tag calls fail (as a throttled CreateTags/DeleteTags would, past its one attempt). */
  failTags = false;
  tagCalls = 0;

  async describeEnis(ids: readonly string[]) {
    return new Map(
      ids.flatMap((id) => (this.enis.has(id) ? [[id, this.enis.get(id) as EniView] as const] : [])),
    );
  }
  async listPoolEnis() {
    return [...this.enis.values()];
  }
  async describePoolAddresses() {
    return this.addresses.map((a) => ({ ...a }));
  }
  async associate(allocationId: string, t: Target): Promise<AssociateOutcome> {
    this.associateCalls.push(allocationId);
    const scripted = this.script.shift()?.(allocationId, t);
    if (scripted instanceof Error) throw scripted;
    if (scripted) return scripted;
    const a = this.addresses.find((x) => x.allocationId === allocationId);
    if (a)
      a.association = {
        associationId: `eipassoc-${allocationId.slice(-2)}`,
        eniId: t.eniId,
        privateIp: t.privateIp,
      };
    return { kind: 'associated', associationId: `eipassoc-${allocationId.slice(-2)}` };
  }
  async tagHolder(ids: readonly string[], eniId: string) {
    this.tagCalls += 1;
    if (this.failTags)
      throw Object.assign(new Error('Request limit exceeded.'), { name: 'RequestLimitExceeded' });
    for (const a of this.addresses) if (ids.includes(a.allocationId)) a.holderTag = eniId;
  }
  async untagHolder(ids: readonly string[], eniId: string) {
    this.tagCalls += 1;
    if (this.failTags)
      throw Object.assign(new Error('Request limit exceeded.'), { name: 'RequestLimitExceeded' });
    for (const a of this.addresses)
      if (ids.includes(a.allocationId) && a.holderTag === eniId) delete a.holderTag;
  }
  async allocate(): Promise<{ allocationId: string; publicIp: string }> {
    throw new Error('never called');
  }
  async trunkAssociations(ids: readonly string[]) {
    const link: TrunkLink = {
      associationId: 'trunk-assoc-1',
      branchEniId: POD.eniId,
      trunkEniId: TRUNK.eniId,
    };
    return new Map(ids.includes(POD.eniId) ? [[POD.eniId, link]] : []);
  }
  async describeInstances(ids: readonly string[]) {
    return new Map(ids.includes(NODE.instanceId) ? [[NODE.instanceId, NODE]] : []);
  }
  async disassociate(associationId: string): Promise<'disassociated' | 'gone'> {
    const a = this.addresses.find((x) => x.association?.associationId === associationId);
    if (!a) return 'gone';
    delete a.association;
    return 'disassociated';
  }
}

class FakeAlerts {
  sent: Notification[] = [];
  failNext = 0;
  async publish(alert: Notification) {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw Object.assign(new Error('SNS is down'), { name: 'InternalErrorException' });
    }
    this.sent.push(alert);
    return { messageId: `m-${this.sent.length}` };
  }
}

let table: TestTable;
let ec2: FakeEc2;
let alerts: FakeAlerts;
let store: DynamoClaimStore;
let keeper: Keeper;
let metrics: ReturnType<typeof recordingMetrics>;
let log: ReturnType<typeof recordingLog>;

const CLOCK = { now: () => new Date('2026-01-05T09:00:00.000Z') };

/** A keeper over the fakes, with the real identity checker over the fake EC2 and EKS. */
function keeperWith(pools: PoolConfig[], over: { ec2?: KeeperEc2 } = {}): Keeper {
  const e = over.ec2 ?? ec2;
  return createKeeper({
    pools,
    ec2: e,
    store,
    identity: new IdentityChecker({
      ec2: e,
      clusters: { describeCluster: async (name) => ({ name, roleArn: ROLE, vpcId: VPC }) },
      creations: { creations: async () => new Map() },
      clock: CLOCK,
      log,
    }),
    alerts,
    clock: CLOCK,
    log,
    metrics,
    origin: ORIGIN,
    subjectPrefix: '[eip-keeper]',
  });
}

beforeEach(async () => {
  table = await createTestTable('keeper');
  ec2 = new FakeEc2();
  alerts = new FakeAlerts();
  store = new DynamoClaimStore(table.doc, table.tableName);
  metrics = recordingMetrics();
  log = recordingLog();
  keeper = keeperWith([POOL]);
});

afterEach(async () => {
  await table.drop();
});

describe('when AssociateAddress fails', () => {
  it('records an EIP a human associated elsewhere meanwhile as manually held, alerts, and gives the next one', async () => {
    ec2.script.push((id) => {
      const a = ec2.addresses.find((x) => x.allocationId === id);
      if (a) a.association = { associationId: 'eipassoc-99', eniId: 'eni-0bastion', privateIp: '10.0.9.9' };
      return { kind: 'already-associated', message: 'resource is already associated' };
    });

    const result = await keeper.handleEvent(createEvent(POD));

    expect(result.outcome).toBe('served');
    expect(ec2.associateCalls).toEqual(['eipalloc-01', 'eipalloc-02']);
    const snap = await store.loadPool('payments');
    expect(snap.claims.find((c) => c.allocationId === 'eipalloc-01')?.manualHold).toMatchObject({
      associationId: 'eipassoc-99',
      eniId: 'eni-0bastion',
    });
    expect(snap.claims.find((c) => c.allocationId === 'eipalloc-02')?.holder?.eniId).toBe(POD.eniId);
    expect(alerts.sent.map((a) => a.subject)).toEqual([
      '[eip-keeper] pool payments: 203.0.113.1 associated outside eip-keeper',
    ]);
  });

  it('releases the claim and does nothing more when the ENI is gone', async () => {
    ec2.script.push(() => ({ kind: 'target-gone', code: 'InvalidNetworkInterfaceID.NotFound' }));

    const result = await keeper.handleEvent(createEvent(POD));

    expect(result.outcome).toBe('unchanged');
    const snap = await store.loadPool('payments');
    expect(snap.claims.every((c) => !c.holder)).toBe(true);
    expect(snap.waiters).toEqual([]);
    expect(ec2.associateCalls).toEqual(['eipalloc-01']);
  });

  it('releases the claim and throws on a transient failure, so the retry starts clean', async () => {
    ec2.script.push(() =>
      Object.assign(new Error('Request limit exceeded.'), { name: 'RequestLimitExceeded' }),
    );

    await expect(keeper.handleEvent(createEvent(POD))).rejects.toThrow('Request limit exceeded.');
    expect((await store.loadPool('payments')).claims.every((c) => !c.holder)).toBe(true);

    const retry = await keeper.handleEvent(createEvent(POD));
    expect(retry.outcome).toBe('served');
    expect(metrics.total('AssociationsMade')).toBe(1);
  });

  it('logs a refusal retrying cannot fix and leaves the ENI to the reconciler', async () => {
    ec2.script.push(() => ({
      kind: 'rejected',
      code: 'Gateway.NotAttached',
      message: 'no internet gateway',
    }));

    const result = await keeper.handleEvent(createEvent(POD));

    expect(result.outcome).toBe('unchanged');
    expect(result.story).toContain(
      'pool payments: could not give 203.0.113.1 to eni-0aaaaaaaaaaaaaaa1 (pod IP 10.0.1.4): Gateway.NotAttached',
    );
    expect((await store.loadPool('payments')).claims.every((c) => !c.holder)).toBe(true);
  });
});

describe('when the exhaustion alert cannot be sent', () => {
  it('throws and re-closes the episode, so the retried event sends the one alert', async () => {
    ec2.addresses = [];
    alerts.failNext = 1;

    await expect(keeper.handleEvent(createEvent(POD))).rejects.toThrow('SNS is down');
    expect((await store.loadPool('payments')).exhaustion?.open).toBe(false);

    expect((await keeper.handleEvent(createEvent(POD))).outcome).toBe('waiting');
    expect((await keeper.handleEvent(createEvent(POD))).outcome).toBe('waiting');
    expect(alerts.sent).toHaveLength(1);
    expect((await store.loadPool('payments')).exhaustion).toMatchObject({ open: true, episode: 1 });
  });
});

describe('when the holder tag cannot be written', () => {
  it('keeps the association and its claim, logs it, and the next reconcile writes the tag', async () => {
    ec2.failTags = true;

    const result = await keeper.handleEvent(createEvent(POD));

    expect(result.outcome).toBe('served');
    expect(ec2.addresses[0]?.association?.eniId).toBe(POD.eniId);
    const claim = (await store.loadPool('payments')).claims.find((c) => c.allocationId === 'eipalloc-01');
    expect(claim?.holder).toMatchObject({ eniId: POD.eniId, associationId: 'eipassoc-01' });
    expect(ec2.addresses[0]?.holderTag).toBeUndefined();
    expect(log.entries.filter((e) => e.level === 'warn').map((e) => e.message)).toEqual([
      'holder tag not written (the reconciler repairs it)',
    ]);

    ec2.failTags = false;
    await keeper.reconcile();

    expect(ec2.addresses[0]?.holderTag).toBe(POD.eniId);
    expect(ec2.associateCalls).toEqual(['eipalloc-01']);
  });
});

describe('configuration', () => {
  it('writes no holder tag for a pool with tagHolder: false', async () => {
    const untagged = keeperWith([PoolSchema.parse({ ...POOL, tagHolder: false })]);
    ec2.addresses[1] = { ...(ec2.addresses[1] as PoolAddress), holderTag: 'eni-0dead' };

    expect((await untagged.handleEvent(createEvent(POD))).outcome).toBe('served');
    await untagged.reconcile();

    expect(ec2.tagCalls).toBe(0);
    expect(ec2.addresses.map((a) => a.holderTag)).toEqual([undefined, 'eni-0dead']);
  });

  it('makes no AWS call at all when no pool is configured', async () => {
    const idle = keeperWith([], {
      ec2: new Proxy({} as KeeperEc2, {
        get() {
          throw new Error('no EC2 call expected');
        },
      }),
    });
    expect(await idle.handleEvent(createEvent(POD))).toMatchObject({
      outcome: 'skipped',
      reason: 'no pools configured',
    });
    expect(await idle.reconcile()).toMatchObject({ outcome: 'reconciled', pools: [] });
  });
});
