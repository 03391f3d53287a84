/** The Security Hub SDK adapter against a mocked client: what it reads back and what a refusal becomes. */
import {
  BatchImportFindingsCommand,
  GetFindingsCommand,
  paginateGetFindings,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SdkSecurityHub } from '../../shared/securityhub/adapters/securityhub';
import { asffFinding } from '../../shared/securityhub/decide-findings';

const hub = mockClient(SecurityHubClient);
const PRODUCT = 'arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default';
const ctx = {
  partition: 'aws',
  region: 'eu-west-1',
  accountId: '111122223333',
  now: '2026-01-05T10:00:00.000Z',
};
const finding = (n: number) =>
  asffFinding(
    {
      kind: 'orphaned-eip',
      allocationId: `eipalloc-000000000000000${n}`,
      publicIp: `198.51.100.${n}`,
      idleSince: null,
      idleHours: 30,
      costAccruedUsd: 0.15,
    },
    'active',
    ctx,
  );

beforeEach(() => hub.reset());

describe('the Security Hub adapter', () => {
  it("reads every page of the generator's ACTIVE findings in this account's product, keeping only eip-keeper's attributes", async () => {
    hub
      .on(GetFindingsCommand)
      .resolvesOnce({
        Findings: [
          {
            ...finding(1),
            ProductName: 'Default',
            WorkflowState: 'NEW',
            Note: { Text: 'ok', UpdatedBy: 'sec', UpdatedAt: ctx.now },
          },
        ] as never,
        NextToken: 'page-2',
      })
      .resolvesOnce({ Findings: [{ ...finding(2), Severity: { Label: 'LOW' } }] as never });
    const adapter = new SdkSecurityHub(new SecurityHubClient({ region: 'eu-west-1' }), PRODUCT, {
      BatchImportFindingsCommand,
      paginateGetFindings,
    });

    const held = await adapter.activeFindings('eip-keeper/orphaned-eip');

    expect(held.map((f) => f.Id)).toEqual([finding(1).Id, finding(2).Id]);
    // The workflow and notes are the security team's: never read back, so never imported again.
    const { Workflow: _, ...own } = finding(1);
    expect(held[0]).toEqual(own);
    // A label set by the security team is read as such; what eip-keeper set stays the original.
    expect(held[1]?.Severity).toEqual({ Label: 'LOW', Original: 'LOW' });
    const filters = hub.commandCalls(GetFindingsCommand).map((c) => c.args[0].input.Filters);
    expect(filters[0]).toEqual({
      ProductArn: [{ Value: PRODUCT, Comparison: 'EQUALS' }],
      GeneratorId: [{ Value: 'eip-keeper/orphaned-eip', Comparison: 'EQUALS' }],
      RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
    });
    expect(hub.commandCalls(GetFindingsCommand)[1]?.args[0].input.NextToken).toBe('page-2');
  });

  it('returns the findings a batch import refused, with their reason', async () => {
    hub.on(BatchImportFindingsCommand).resolves({
      FailedCount: 1,
      SuccessCount: 1,
      FailedFindings: [{ Id: finding(2).Id, ErrorCode: 'InvalidInput', ErrorMessage: 'bad' }],
    });
    const adapter = new SdkSecurityHub(new SecurityHubClient({ region: 'eu-west-1' }), PRODUCT, {
      BatchImportFindingsCommand,
      paginateGetFindings,
    });

    const failed = await adapter.batchImport([finding(1), finding(2)]);

    expect(failed).toEqual([{ id: finding(2).Id, code: 'InvalidInput', message: 'bad' }]);
  });
});
