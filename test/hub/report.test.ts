/** The organization report over the hub's records (pure), and `report --org`'s usage errors. */
import { describe, expect, it } from 'vitest';
import { reportCommand } from '../../bin/commands/report';
import { UsageError } from '../../bin/commands/types';
import type { HubItem } from '../../shared/hub/model';
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
    const report = rollUpOrganization(episodes, releases, '2026-03', AS_OF);

    const ownA = rollUpMonth([closed], [release()], '2026-03', AS_OF).totals;
    const ownB = rollUpMonth(
      [episode(), episode({ allocationId: 'eipalloc-0b' })],
      [],
      '2026-03',
      AS_OF,
    ).totals;
    expect(report.rows).toEqual([
      { ...A, totals: ownA },
      { ...B, totals: ownB },
    ]);
    expect(report.totals.idleHours).toBe(ownA.idleHours + ownB.idleHours);
    expect(report.totals.idleHours).toBe(24 + 2 * 48);
    expect(report.totals.releasedThisMonth).toBe(1);
    expect(formatOrgReportTable(report)).toMatch(/Organization\s+2 deployments\s+3\s+120\.0/);
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
