/**
 * The publisher the capabilities call (a Security Hub failure is counted, never thrown) and the simulated Security
 * Hub's import and query rules, without a region.
 */
import { describe, expect, it } from 'vitest';
import { SecurityHubFindings } from '../../local/securityhub/findings';
import type { MetricName } from '../../shared/runtime/metric-names';
import { asffFinding, decideImports } from '../../shared/securityhub/decide-findings';
import type { AsffFinding, FindingContext, FindingSubject } from '../../shared/securityhub/model';
import type { SecurityHubPort } from '../../shared/securityhub/ports';
import { createFindingsPublisher } from '../../shared/securityhub/publisher';
import { readinessSync } from '../../shared/securityhub/subjects';

const where = { partition: 'aws', region: 'eu-west-1', accountId: '111122223333' };
const ctx: FindingContext = { ...where, now: '2026-01-05T10:00:00.000Z' };
const orphan: FindingSubject = {
  kind: 'orphaned-eip',
  allocationId: 'eipalloc-0000000000000d001',
  publicIp: '198.51.100.41',
  idleSince: null,
  idleHours: 30,
  costAccruedUsd: 0.15,
};

function publisherOver(port: SecurityHubPort) {
  const metrics: Array<[MetricName, number]> = [];
  const errors: string[] = [];
  const log = { debug() {}, info() {}, warn() {}, error: (m: string) => errors.push(m) };
  const publisher = createFindingsPublisher({
    port,
    where,
    clock: { now: () => new Date(ctx.now) },
    log,
    metrics: { add: (name, value) => metrics.push([name, value]), flush() {} },
  });
  return { publisher, metrics, errors };
}

describe('the findings publisher', () => {
  it('counts a Security Hub outage and resolves: the sweep, audit or keeper goes on', async () => {
    const down: SecurityHubPort = {
      batchImport: () => Promise.reject(new Error('InvalidAccessException: not subscribed')),
      activeFindings: () => Promise.reject(new Error('InvalidAccessException: not subscribed')),
    };
    const { publisher, metrics, errors } = publisherOver(down);

    await expect(publisher.sync('orphaned-eip', [orphan])).resolves.toBeUndefined();
    await expect(publisher.raise([orphan])).resolves.toBeUndefined();

    expect(metrics).toEqual([
      ['SecurityHubImportFailures', 1],
      ['SecurityHubImportFailures', 1],
    ]);
    expect(errors).toHaveLength(2);
  });

  it('counts a failed read of the current problems like a Security Hub failure', async () => {
    const hub = new SecurityHubFindings(where);
    const port: SecurityHubPort = {
      batchImport: async (f) =>
        hub
          .import(f as never, ctx.now)
          .map((x) => ({ id: x.Id, code: x.ErrorCode, message: x.ErrorMessage })),
      activeFindings: async () => [],
    };
    const { publisher, metrics } = publisherOver(port);

    await publisher.sync('untrusted-eni', () => Promise.reject(new Error('table unavailable')));

    expect(metrics).toEqual([['SecurityHubImportFailures', 1]]);
    expect(hub.all()).toEqual([]);
  });
});

describe('the simulated Security Hub', () => {
  const hub = () => new SecurityHubFindings(where);
  const first = asffFinding(orphan, 'active', ctx);

  it('keeps the workflow and notes of a finding an import updates, and takes the rest', () => {
    const h = hub();
    h.import([first as never], ctx.now);
    const again = {
      ...first,
      RecordState: 'ARCHIVED',
      Workflow: { Status: 'RESOLVED' },
      Note: { Text: 'x' },
    };

    expect(h.import([again as never], ctx.now)).toEqual([]);

    const [held, ...others] = h.all();
    expect(others).toEqual([]);
    expect(held).toMatchObject({
      RecordState: 'ARCHIVED',
      Workflow: { Status: 'NEW' },
      WorkflowState: 'NEW',
    });
    expect(held).not.toHaveProperty('Note');
  });

  it("refuses a finding of another account or another account's product", () => {
    const other = { ...first, Id: 'other', AwsAccountId: '444455556666' };
    const product = {
      ...first,
      Id: 'product',
      ProductArn: first.ProductArn.replace('eu-west-1', 'us-east-1'),
    };

    const failed = hub().import([other, product] as never[], ctx.now);

    expect(failed.map((f) => [f.Id, f.ErrorCode])).toEqual([
      ['other', 'InvalidInput'],
      ['product', 'InvalidInput'],
    ]);
  });

  it('answers the filters eip-keeper sends, and names one it does not simulate', () => {
    const h = hub();
    const archived = {
      ...asffFinding({ ...orphan, allocationId: 'eipalloc-0000000000000d002' }, 'resolved', ctx),
    };
    h.import([first, archived] as never[], ctx.now);
    const eq = (Value: string) => [{ Value, Comparison: 'EQUALS' }];

    const active = h.query({
      ProductArn: eq(first.ProductArn),
      GeneratorId: eq('eip-keeper/orphaned-eip'),
      RecordState: eq('ACTIVE'),
    });

    expect(active.map((f) => f.Id)).toEqual([first.Id]);
    expect(h.query({ ResourceType: eq('AwsEksCluster') })).toEqual([]);
    expect(() => h.query({ Title: eq('x') })).toThrow(/Title/);
  });
});

describe('which readiness findings one audit judges', () => {
  const base = { severity: 'high' as const, title: 't', evidence: [], fix: 'f' };
  const held = (cluster: string, checkId: string): AsffFinding =>
    asffFinding({ kind: 'readiness-check', checkId, cluster, ...base }, 'active', ctx);

  it("archives the fixed checks of the clusters it audited, and leaves other clusters' and unknown checks alone", () => {
    const { current, scope } = readinessSync([
      {
        cluster: 'prod',
        findings: [
          { id: 'still-failing', status: 'fail', cluster: 'prod', ...base },
          { id: 'unreadable', status: 'unknown', cluster: 'prod', ...base },
        ],
      },
    ]);
    const before = [
      held('prod', 'still-failing'),
      held('prod', 'fixed'),
      held('prod', 'unreadable'),
      held('staging', 'x'),
    ];

    const out = decideImports(before, current, ctx, scope);

    expect(out.map((f) => [f.Id, f.RecordState])).toEqual([[held('prod', 'fixed').Id, 'ARCHIVED']]);
  });

  it('archives every finding of a cluster the audit found deleted (audited, with nothing failing)', () => {
    const { current, scope } = readinessSync([{ cluster: 'gone', findings: [] }]);

    const out = decideImports([held('gone', 'a'), held('prod', 'b')], current, ctx, scope);

    expect(out.map((f) => [f.Id, f.RecordState])).toEqual([[held('gone', 'a').Id, 'ARCHIVED']]);
  });
});
