/** The organization report over the hub's records (pure), and `report --org`'s usage errors. */
import { describe, expect, it } from 'vitest';
import { reportCommand } from '../../bin/commands/report';
import { UsageError } from '../../bin/commands/types';
import type { HubFinding, HubItem } from '../../shared/hub/model';
import { formatOrgReportTable, rollUpOrganization } from '../../shared/hub/report';
import { rollUpMonth } from '../../shared/sweeper/ledger';
import { episode, release } from './fixtures';

const A = { account: '111111111111', region: 'eu-west-1' };
const B = { account: '222222222222', region: 'us-east-1' };
const AS_OF = '2026-03-03T00:00:00.000Z';

const ep = (where: typeof A, e = episode()): Extract<HubItem, { kind: 'episode' }> => ({
  kind: 'episode',
  ...where,
  id: `${e.allocationId}#${e.key}`,
  order: '0',
  data: e,
});

describe('rollUpOrganization', () => {
  it('gives each member its own month figures, apart even for the same allocation id, and their sum', () => {
    const closed = episode({ end: '2026-03-02T00:00:00.000Z', endReason: 'released' });
    const episodes = [ep(A, closed), ep(B), ep(B, episode({ allocationId: 'eipalloc-0b' }))];
    const releases = [{ kind: 'release' as const, ...A, id: 'eipalloc-0a', order: '0', data: release() }];
    const report = rollUpOrganization({ episodes, releases, findings: [] }, '2026-03', AS_OF);

    const ownA = rollUpMonth([closed], [release()], '2026-03', AS_OF).totals;
    const ownB = rollUpMonth(
      [episode(), episode({ allocationId: 'eipalloc-0b' })],
      [],
      '2026-03',
      AS_OF,
    ).totals;
    const none = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
    expect(report.rows).toEqual([
      { ...A, totals: ownA, openFindings: none },
      { ...B, totals: ownB, openFindings: none },
    ]);
    expect(report.totals.idleHours).toBe(ownA.idleHours + ownB.idleHours);
    expect(report.totals.idleHours).toBe(24 + 2 * 48);
    expect(report.totals.releasedThisMonth).toBe(1);
    expect(formatOrgReportTable(report)).toMatch(/Organization\s+2 deployments\s+3\s+120\.0/);
  });
});

const finding = (
  where: typeof A,
  checkId: string,
  change: HubFinding['change'],
  severity: string,
): Extract<HubItem, { kind: 'finding' }> => ({
  kind: 'finding',
  ...where,
  id: `prod#general##${checkId}`,
  order: '2026-03-01T00:00:00.000Z',
  data: {
    change,
    cluster: 'prod',
    nodegroup: 'general',
    checkId,
    status: change === 'resolved' ? 'resolved' : 'fail',
    severity,
    title: checkId,
    at: '2026-03-01T00:00:00.000Z',
  },
});

describe('open findings in the organization report', () => {
  it("counts each member's findings open now by severity, not the resolved ones, and their sum", () => {
    const findings = [
      finding(A, 'sgp-instance-type', 'new', 'high'),
      finding(A, 'ip-headroom', 'new', 'high'),
      finding(A, 'cni-version', 'resolved', 'medium'),
      finding(B, 'custom-networking', 'new', 'critical'),
      finding(B, 'egress', 'new', 'info'),
    ];
    const report = rollUpOrganization({ episodes: [ep(A)], releases: [], findings }, '2026-03', AS_OF);
    // B has findings and no ledger: it still has its line, with no idle time.
    expect(report.rows.map((r) => [r.account, r.openFindings])).toEqual([
      [A.account, { critical: 0, high: 2, medium: 0, low: 0, info: 0 }],
      [B.account, { critical: 1, high: 0, medium: 0, low: 0, info: 1 }],
    ]);
    expect(report.rows[1]?.totals.idleHours).toBe(0);
    expect(report.openFindings).toEqual({ critical: 1, high: 2, medium: 0, low: 0, info: 1 });
    const table = formatOrgReportTable(report);
    expect(table).toMatch(/Critical\s+High\s+Medium\s+Low\s+Info/);
    expect(table).toMatch(/Organization\s+2 deployments.*\s1\s+2\s+0\s+0\s+1$/m);
  });
});

describe('report --org', () => {
  it('needs the hub table, and writes only a table or JSON', async () => {
    await expect(reportCommand.run(['--org', '--month', '2026-03'])).rejects.toThrow(UsageError);
    await expect(reportCommand.run(['--org', '--table', 't', '--format', 'csv'])).rejects.toThrow(
      /table or json/,
    );
  });
});
