import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChangeNotice } from '../../shared/auditor/alerts';
import {
  AuditIncompleteError,
  type AuditorDeps,
  auditCluster,
  handleTrigger,
} from '../../shared/auditor/auditor';
import { DynamoFindingStore } from '../../shared/auditor/dynamo-finding-store';
import { gatherCluster } from '../../shared/auditor/gather';
import type { ClusterSnapshot } from '../../shared/auditor/model';
import { availableValue } from '../../shared/auditor/model';
import { createTestTable, recordingLog, recordingMetrics, type TestTable } from '../support/dynamo';
import { parseConfig } from './support/config';
import { portsServing } from './support/ports';
import { readyCluster } from './support/snapshots';

const withoutVpcResourceController = (s: ClusterSnapshot) => {
  s.clusterRolePolicies = availableValue(['arn:aws:iam::aws:policy/AmazonEKSClusterPolicy']);
  return s;
};

describe('auditing with the DynamoDB finding store', () => {
  let table: TestTable;
  let snapshot: () => ClusterSnapshot;
  let notices: ChangeNotice[];
  let failPublish: boolean;
  let now: Date;
  let deps: AuditorDeps;

  beforeEach(async () => {
    table = await createTestTable('auditor');
    snapshot = readyCluster;
    notices = [];
    failPublish = false;
    now = new Date('2026-01-05T09:00:00.000Z');
    deps = {
      config: parseConfig({ audit: { clusters: ['prod'] } }),
      region: 'eu-west-1',
      accountId: '111122223333',
      clock: { now: () => now },
      log: recordingLog(),
      metrics: recordingMetrics(),
      listClusters: async () => ['prod', 'staging'],
      gather: async (_cluster, signals) => ({ ...snapshot(), exhaustionSignals: signals }),
      subnetOfEni: async () => 'subnet-b',
      store: new DynamoFindingStore(table.doc, table.tableName, 30),
      notifier: {
        publish: async (n) => {
          if (failPublish) throw new Error('SNS is down');
          notices.push(n);
        },
      },
    };
  });
  afterEach(async () => {
    await table.drop();
  });

  const later = (hours: number) => {
    now = new Date(now.getTime() + hours * 3600_000);
  };

  it('announces nothing for a ready cluster', async () => {
    const { story } = await auditCluster(deps, 'prod', []);
    expect(notices).toEqual([]);
    expect(story).toMatch(/^cluster prod: 1 node group, 0 new findings, 0 resolved/);
  });

  it('announces a new finding once, then its resolution once', async () => {
    snapshot = () => withoutVpcResourceController(readyCluster());
    await auditCluster(deps, 'prod', []);
    later(24);
    await auditCluster(deps, 'prod', []);
    snapshot = readyCluster;
    later(24);
    await auditCluster(deps, 'prod', []);
    later(24);
    await auditCluster(deps, 'prod', []);
    expect(notices.map((n) => [n.opened.map((f) => f.id), n.resolved.map((f) => f.id)])).toEqual([
      [['sgp-cluster-role-policy'], []],
      [[], ['sgp-cluster-role-policy']],
    ]);
    expect(notices[1]?.resolved[0]?.firstSeenAt).toBe('2026-01-05T09:00:00.000Z');
  });

  it('keeps the history and forgets the latest item once the resolution is announced', async () => {
    snapshot = () => withoutVpcResourceController(readyCluster());
    await auditCluster(deps, 'prod', []);
    snapshot = readyCluster;
    later(1);
    await auditCluster(deps, 'prod', []);
    const items = await table.scanAll();
    expect(items.map((i) => [i.PK, String(i.SK).replace(/HIST#[^#]+#/, 'HIST#<at>#'), i.change])).toEqual([
      ['AUDIT#prod', 'HIST#<at>#cluster#sgp-cluster-role-policy#opened', 'opened'],
      ['AUDIT#prod', 'HIST#<at>#cluster#sgp-cluster-role-policy#resolved', 'resolved'],
    ]);
    expect(items.every((i) => typeof i.expiresAt === 'number')).toBe(true);
  });

  it('announces again after a failed publish (at least once, never lost)', async () => {
    snapshot = () => withoutVpcResourceController(readyCluster());
    failPublish = true;
    await expect(auditCluster(deps, 'prod', [])).rejects.toThrow('SNS is down');
    failPublish = false;
    await auditCluster(deps, 'prod', []);
    await auditCluster(deps, 'prod', []);
    expect(notices.map((n) => n.opened.map((f) => f.id))).toEqual([['sgp-cluster-role-policy']]);
  });

  it('announces a finding once when two audits race', async () => {
    snapshot = () => withoutVpcResourceController(readyCluster());
    await Promise.all([auditCluster(deps, 'prod', []), auditCluster(deps, 'prod', [])]);
    expect(notices.flatMap((n) => n.opened.map((f) => f.id))).toEqual(['sgp-cluster-role-policy']);
  });

  it('announces an unknown, then again when it is confirmed as a failure', async () => {
    snapshot = () => {
      const s = readyCluster();
      s.clusterRolePolicies = {
        available: false,
        reason: 'IAM denied',
        enable: 'allow iam:ListAttachedRolePolicies',
      };
      return s;
    };
    await auditCluster(deps, 'prod', []);
    snapshot = () => withoutVpcResourceController(readyCluster());
    await auditCluster(deps, 'prod', []);
    expect(notices.map((n) => n.opened.map((f) => `${f.status}:${f.id}`))).toEqual([
      ['unknown:sgp-cluster-role-policy'],
      ['fail:sgp-cluster-role-policy'],
    ]);
  });

  it('records exhaustion signals and uses the recent ones', async () => {
    const result = await handleTrigger(deps, {
      kind: 'ip-exhaustion',
      eventId: 'ev-1',
      at: '2026-01-05T08:58:00.000Z',
      eventName: 'AssignPrivateIpAddresses',
      errorCode: 'Client.InvalidParameterValue',
      errorMessage: "There aren't sufficient free Ipv4 addresses or prefixes",
      networkInterfaceId: 'eni-node',
    });
    expect(result.story).toBe(
      'AssignPrivateIpAddresses ran out of addresses in subnet-b: cluster prod: 1 node group, 1 new finding (ip-exhausted on general), 0 resolved, 1 failing, 0 unknown of 13 checks',
    );
    later(25);
    await handleTrigger(deps, { kind: 'schedule' });
    expect(notices.map((n) => [n.opened.map((f) => f.id), n.resolved.map((f) => f.id)])).toEqual([
      [['ip-exhausted'], []],
      [[], ['ip-exhausted']],
    ]);
  });

  it('skips a change to a cluster outside audit.clusters', async () => {
    const r = await handleTrigger(deps, { kind: 'cluster-change', cluster: 'staging', what: 'UpdateAddon' });
    expect([r.outcome, r.story]).toEqual(['skipped', 'skipped: cluster staging is not in audit.clusters']);
  });

  it('audits every cluster when one fails, then names the one that failed and why', async () => {
    const unavailable = (cluster: string) =>
      Object.assign(new Error(`DescribeCluster ${cluster}: service unavailable`), {
        name: 'ServerException',
      });
    const ports = portsServing(withoutVpcResourceController(readyCluster()), unavailable);
    deps.config = parseConfig({ audit: { clusters: ['staging', 'prod'], kubernetesAccess: ['prod'] } });
    deps.gather = (cluster, signals) => gatherCluster(ports, cluster, { config: deps.config, now, signals });

    const error = await handleTrigger(deps, { kind: 'schedule' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AuditIncompleteError);
    expect((error as AuditIncompleteError).failures).toEqual([
      { cluster: 'staging', error: 'ServerException: DescribeCluster staging: service unavailable' },
    ]);
    expect((error as Error).message).toBe(
      'audit left 1 cluster(s) unaudited: staging: ServerException: DescribeCluster staging: service unavailable',
    );
    expect((error as AuditIncompleteError).result.clusters.map((c) => [c.cluster, c.opened])).toEqual([
      ['prod', 1],
    ]);
    expect(notices.map((n) => [n.cluster, n.opened.map((f) => f.id)])).toEqual([
      ['prod', ['sgp-cluster-role-policy']],
    ]);
    const stored = (await table.scanAll()).filter((i) => String(i.SK).startsWith('FINDING#'));
    expect(stored.map((i) => [i.PK, i.checkId, i.state])).toEqual([
      ['AUDIT#prod', 'sgp-cluster-role-policy', 'open'],
    ]);
  });
});
