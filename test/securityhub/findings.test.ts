import { describe, expect, it } from 'vitest';
import { ASFF_REQUIRED } from '../../local/securityhub/findings';
import { asffFinding, decideImports, findingId } from '../../shared/securityhub/decide-findings';
import { BATCH_IMPORT_MAX, importFindings } from '../../shared/securityhub/import';
import type { AsffFinding, FindingContext, FindingSubject } from '../../shared/securityhub/model';
import type { SecurityHubPort } from '../../shared/securityhub/ports';
import { orphanSubjects } from '../../shared/securityhub/subjects';
import type { SweepResult } from '../../shared/sweeper/run';

const ctx: FindingContext = {
  partition: 'aws',
  region: 'eu-west-1',
  accountId: '123456789012',
  now: '2025-03-01T10:00:00.000Z',
};
const later = { ...ctx, now: '2025-03-01T11:00:00.000Z' };

const orphan: FindingSubject = {
  kind: 'orphaned-eip',
  allocationId: 'eipalloc-0123456789abcdef0',
  publicIp: '203.0.113.10',
  idleSince: '2025-02-27T10:00:00.000Z',
  idleHours: 48,
  costAccruedUsd: 0.24,
};
const untrusted: FindingSubject = {
  kind: 'untrusted-eni',
  pool: 'partner-a',
  allocationId: 'eipalloc-0123456789abcdef1',
  publicIp: '203.0.113.11',
  associationId: 'eipassoc-0123456789abcdef1',
  eniId: 'eni-0123456789abcdef1',
};
const check: FindingSubject = {
  kind: 'readiness-check',
  checkId: 'sgp-instance-type',
  cluster: 'prod',
  nodegroup: 'ng-1',
  severity: 'high',
  title: 't3.micro does not support security groups for pods',
  evidence: ['instance type t3.micro is not trunking-capable'],
  fix: 'use a Nitro instance type',
};

/** What Security Hub refuses a finding without (the simulated import checks the same list), and `Types`, which
 * eip-keeper sets on every finding so that its findings can be filtered by type. */
const REQUIRED = [...ASFF_REQUIRED, 'Types'] as const;

describe('ASFF findings', () => {
  it.each([
    [orphan, ['AwsEc2Eip']],
    [untrusted, ['AwsEc2NetworkInterface', 'AwsEc2Eip']],
    [check, ['AwsEksCluster']],
  ] as const)('%# carries every required attribute and the resource types of its kind', (subject, types) => {
    const f = asffFinding(subject, 'active', ctx);
    for (const key of REQUIRED) expect(f[key], key).toBeTruthy();
    expect(f.ProductArn).toBe('arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default');
    expect(f.Resources.map((r) => r.Type)).toEqual(types);
    expect(f.RecordState).toBe('ACTIVE');
    expect(f.Workflow).toEqual({ Status: 'NEW' });
    expect(f.Description.length).toBeLessThanOrEqual(1024);
    expect(f.Remediation.Recommendation.Text.length).toBeGreaterThan(0);
  });

  it('keeps the same Id for the same problem whenever it is imported, and a different one per resource', () => {
    expect(asffFinding(orphan, 'active', later).Id).toBe(asffFinding(orphan, 'active', ctx).Id);
    expect(findingId({ ...orphan, allocationId: 'eipalloc-0123456789abcdef9' }, ctx)).not.toBe(
      findingId(orphan, ctx),
    );
    expect(findingId({ ...check, nodegroup: 'ng-2' }, ctx)).not.toBe(findingId(check, ctx));
  });

  it('maps the readiness severity and its failing compliance', () => {
    const f = asffFinding(check, 'active', ctx);
    expect(f.Severity.Label).toBe('HIGH');
    expect(f.Compliance).toEqual({ Status: 'FAILED' });
    expect(asffFinding(check, 'resolved', ctx).Compliance).toEqual({ Status: 'PASSED' });
  });
});

describe('deciding what to import', () => {
  it('imports a new problem once, then nothing while Security Hub holds it', () => {
    const first = decideImports([], [orphan], ctx);
    expect(first.map((f) => [f.Id, f.RecordState])).toEqual([[findingId(orphan, ctx), 'ACTIVE']]);
    expect(decideImports(first, [orphan], later)).toEqual([]);
  });

  it('archives a held finding whose problem is gone, keeping its creation time and leaving the workflow alone', () => {
    const held = decideImports([], [orphan, check], ctx);
    const out = decideImports(held, [], later);
    expect(out.map((f) => f.RecordState)).toEqual(['ARCHIVED', 'ARCHIVED']);
    for (const f of out) {
      expect(f.CreatedAt).toBe(ctx.now);
      expect(f.UpdatedAt).toBe(later.now);
      expect(f).not.toHaveProperty('Workflow');
    }
    expect(out.find((f) => f.Id === findingId(check, ctx))?.Compliance).toEqual({ Status: 'PASSED' });
  });

  it("leaves another Region's findings alone (cross-Region aggregation answers them too)", () => {
    const elsewhere = decideImports([], [orphan], { ...ctx, region: 'us-east-1' });
    expect(decideImports(elsewhere, [], later)).toEqual([]);
  });

  it("takes the sweep's orphans, and only them", () => {
    const decision = (kind: string, allocationId: string) =>
      ({
        allocationId,
        publicIp: '203.0.113.1',
        kind,
        reason: '',
        idleSince: null,
        idleSource: null,
        idleHours: 30,
        costAccruedUsd: 0.15,
      }) as SweepResult['decisions'][number];
    const subjects = orphanSubjects([decision('orphan', 'eipalloc-1'), decision('in-use', 'eipalloc-2')]);
    expect(subjects.map((s) => s.allocationId)).toEqual(['eipalloc-1']);
  });
});

describe('importing', () => {
  const findings = (n: number): AsffFinding[] =>
    Array.from({ length: n }, (_, i) =>
      asffFinding({ ...orphan, allocationId: `eipalloc-${String(i).padStart(17, '0')}` }, 'active', ctx),
    );

  function hub(refuse: (id: string, attempt: number) => boolean) {
    const calls: number[] = [];
    const attempts = new Map<string, number>();
    const port: SecurityHubPort = {
      async batchImport(batch) {
        calls.push(batch.length);
        return batch.flatMap((f) => {
          const attempt = (attempts.get(f.Id) ?? 0) + 1;
          attempts.set(f.Id, attempt);
          return refuse(f.Id, attempt) ? [{ id: f.Id, code: 'InvalidInput', message: 'refused' }] : [];
        });
      },
      activeFindings: async () => [],
    };
    return { port, calls };
  }

  it(`sends at most ${BATCH_IMPORT_MAX} findings per call`, async () => {
    const { port, calls } = hub(() => false);
    const warnings: unknown[] = [];
    const out = await importFindings(port, findings(250), { warn: (...a) => warnings.push(a) });
    expect(calls).toEqual([100, 100, 50]);
    expect(out).toEqual({ imported: 250, failed: [] });
    expect(warnings).toEqual([]);
  });

  it('retries the refused findings once, and logs and returns those refused twice', async () => {
    const all = findings(120);
    const flaky = new Set([all[3]?.Id, all[110]?.Id]);
    const stubborn = all[50]?.Id;
    const { port, calls } = hub((id, attempt) => id === stubborn || (flaky.has(id) && attempt === 1));
    const warnings: Array<[string, Record<string, unknown> | undefined]> = [];
    const out = await importFindings(port, all, { warn: (m, e) => warnings.push([m, e]) });
    expect(calls).toEqual([100, 20, 3]);
    expect(out.imported).toBe(119);
    expect(out.failed.map((f) => f.id)).toEqual([stubborn]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.[1]).toMatchObject({ findingId: stubborn, code: 'InvalidInput' });
  });
});
