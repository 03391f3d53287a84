import { BatchImportFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { SimulatedRegion } from '../../local/region';
import { runOn } from '../../local/scenario/runner';
import { parseScenario } from '../../local/scenario/schema';
import type { HeldFinding } from '../../local/securityhub/findings';
import { auditor } from '../../shared/app/functions';
import { clientOptions } from '../../shared/aws/clients';
import { asffFinding } from '../../shared/securityhub/decide-findings';
import { enablePodEniAsAdmin } from '../auditor/support/addon-fix';
import { auditConfig, baseState, branchEniIn, partnerPool, prodCluster } from '../auditor/support/world';
import { type SweeperRegion, startSweeperRegion, VPC_STATE } from '../sweeper/support/region';

const V = 'eipalloc-0000000000000c001';
const W = 'eipalloc-0000000000000c002';

const SWEEPER = {
  graceHours: 1,
  release: { enabled: true, noticeHours: 0, maxPerRun: 5, allowShortPeriods: true },
};

const STATE = {
  ...VPC_STATE,
  addresses: [
    { allocationId: V, publicIp: '198.51.100.31' },
    { allocationId: W, publicIp: '198.51.100.32' },
  ],
  ssmParameters: [{ name: '/eip-keeper/kill-switch', value: 'off' }],
};

const rigs: SweeperRegion[] = [];
/** A sweeper region; `release` off keeps the orphans orphaned from sweep to sweep. */
async function rig(securityHub: boolean, release = true): Promise<SweeperRegion> {
  const sweeper = { ...SWEEPER, release: { ...SWEEPER.release, enabled: release } };
  const r = await startSweeperRegion({
    config: { sweeper, securityHub: { enabled: securityHub } },
    state: STATE,
  });
  rigs.push(r);
  return r;
}
afterEach(async () => {
  await Promise.all(rigs.splice(0).map((r) => r.stop()));
});

/** `RecordState` of each held finding, by the allocation id or check it is about. */
function states(findings: HeldFinding[]): Record<string, string> {
  const fields = (f: HeldFinding) => f.ProductFields as Record<string, string>;
  return Object.fromEntries(
    findings.map((f) => [
      fields(f)['eip-keeper/allocationId'] ?? fields(f)['eip-keeper/check'] ?? f.Id,
      String(f.RecordState),
    ]),
  );
}

const securityHubCalls = (region: SimulatedRegion) =>
  region.server.calls.filter((c) => c.service === 'securityhub').map((c) => `${c.action}:${c.outcome}`);

describe('orphaned Elastic IPs in Security Hub', () => {
  it('appear as ACTIVE AwsEc2Eip findings, then are archived once released or associated again', async () => {
    const r = await rig(true);
    await r.advanceTo(1);
    await r.sweep();
    expect(r.region.securityHub.findings.all()).toEqual([]);

    await r.advanceTo(3);
    await r.sweep();
    const active = r.region.securityHub.findings.all();
    expect(states(active)).toEqual({ [V]: 'ACTIVE', [W]: 'ACTIVE' });
    const v = active.find(
      (f) => (f.ProductFields as Record<string, string>)['eip-keeper/allocationId'] === V,
    );
    expect(v?.Resources).toEqual([
      expect.objectContaining({
        Type: 'AwsEc2Eip',
        Id: `arn:aws:ec2:eu-west-1:111122223333:elastic-ip/${V}`,
      }),
    ]);
    expect(v?.Workflow).toEqual({ Status: 'NEW' });

    // V is taken into use before its release; W is released by the sweep at +4 h.
    await r.associate(V);
    await r.advanceTo(4);
    const swept = await r.sweep();
    expect(swept.releases.filter((x) => x.outcome === 'released').map((x) => x.allocationId)).toEqual([W]);

    const after = r.region.securityHub.findings.all();
    expect(states(after)).toEqual({ [V]: 'ARCHIVED', [W]: 'ARCHIVED' });
    for (const f of after) {
      expect(f.Workflow).toEqual({ Status: 'NEW' }); // the security team's, untouched by the import
      expect(f.CreatedAt).toBe(v?.CreatedAt);
    }
    expect(securityHubCalls(r.region)).toEqual([
      'GetFindings:ok',
      'GetFindings:ok',
      'BatchImportFindings:ok',
      'GetFindings:ok',
      'BatchImportFindings:ok',
    ]);
  });

  it('are not imported again while nothing changed (every import is billed)', async () => {
    const r = await rig(true, false);
    await r.advanceTo(1);
    await r.sweep();
    await r.advanceTo(2.5);
    await r.sweep();
    await r.advanceTo(2.75);
    await r.sweep();
    expect(securityHubCalls(r.region).filter((c) => c.startsWith('BatchImportFindings'))).toEqual([
      'BatchImportFindings:ok',
    ]);
  });

  it('are neither imported nor read with securityHub.enabled off, and IAM would refuse the call', async () => {
    const r = await rig(false);
    await r.advanceTo(1);
    await r.sweep();
    await r.advanceTo(3);
    const swept = await r.sweep();
    expect(swept.counts.orphan).toBe(2);
    expect(securityHubCalls(r.region)).toEqual([]);

    const client = new SecurityHubClient(
      clientOptions(r.region.functionConnection('Sweeper'), 'securityhub'),
    );
    const finding = asffFinding(
      {
        kind: 'orphaned-eip',
        allocationId: V,
        publicIp: '198.51.100.31',
        idleSince: null,
        idleHours: 2,
        costAccruedUsd: 0,
      },
      'active',
      {
        partition: 'aws',
        region: 'eu-west-1',
        accountId: '111122223333',
        now: r.region.clock.now().toISOString(),
      },
    );
    await expect(
      client.send(new BatchImportFindingsCommand({ Findings: [finding as never] })),
    ).rejects.toMatchObject({ name: 'AccessDeniedException' });
    client.destroy();
    expect(r.region.securityHub.findings.all()).toEqual([]);
  });

  it('never fail the sweep when Security Hub fails: counted, and imported by the next sweep', async () => {
    const r = await rig(true, false);
    r.region.securityHub.enabled = false; // not enabled in the account: every call is InvalidAccessException
    await r.advanceTo(1);
    await r.sweep();
    await r.advanceTo(3);
    const swept = await r.sweep();
    expect(swept.alerts.filter((a) => a.kind === 'orphan')).toHaveLength(2);
    expect(r.region.metrics.filter((m) => m.name === 'SecurityHubImportFailures').length).toBeGreaterThan(0);
    expect(r.region.securityHub.findings.all()).toEqual([]);

    r.region.securityHub.enabled = true;
    await r.advanceTo(3.5);
    await r.sweep();
    expect(states(r.region.securityHub.findings.all())).toEqual({ [V]: 'ACTIVE', [W]: 'ACTIVE' });
  });
});

describe('readiness checks in Security Hub', () => {
  it('appear as a FAILED AwsEksCluster finding and are archived, PASSED, once the fix lands', async () => {
    const config = auditConfig({ pools: [partnerPool], securityHub: { enabled: true } });
    const region = await SimulatedRegion.start({
      dynamoEndpoint: inject('dynamoEndpoint'),
      functions: [auditor],
      config,
    });
    try {
      const s = parseScenario(
        {
          name: 'readiness in Security Hub',
          config,
          state: {
            ...baseState(),
            eks: { clusters: [prodCluster({ addonEnv: { ENABLE_POD_ENI: 'false' } })] },
            networkInterfaces: [branchEniIn('subnet-public-a')],
          },
          steps: [{ invoke: 'Auditor' }],
        },
        'readiness in Security Hub',
      );
      await runOn(region, s);
      const [opened, ...others] = region.securityHub.findings.all();
      expect(others).toEqual([]);
      expect(opened).toMatchObject({
        GeneratorId: 'eip-keeper/readiness-check',
        RecordState: 'ACTIVE',
        Compliance: { Status: 'FAILED' },
        Resources: [{ Type: 'AwsEksCluster', Id: 'arn:aws:eks:eu-west-1:111122223333:cluster/prod' }],
        ProductFields: expect.objectContaining({ 'eip-keeper/check': 'sgp-enabled' }),
      });

      await enablePodEniAsAdmin(region);
      await region.settle();

      expect(region.securityHub.findings.all()).toEqual([
        expect.objectContaining({
          Id: opened?.Id,
          RecordState: 'ARCHIVED',
          Compliance: { Status: 'PASSED' },
        }),
      ]);
      expect(region.server.calls.filter((c) => c.service === 'securityhub' && c.outcome !== 'ok')).toEqual(
        [],
      );
    } finally {
      await region.stop();
    }
  });
});
