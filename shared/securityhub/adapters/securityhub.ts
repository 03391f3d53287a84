/**
 * Security Hub through the AWS SDK: BatchImportFindings
 * (https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_BatchImportFindings.html) and GetFindings
 * (https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_GetFindings.html), filtered to this account's own
 * product, one generator and ACTIVE records, paginated.
 */
import type { AwsSecurityFinding, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { type AwsConnection, clientOptions } from '../../aws/clients';
import { importRuntimeSdk } from '../../aws/runtime-sdk';
import type { AsffFinding, FailedFinding } from '../model';
import type { SecurityHubPort } from '../ports';

/** The SDK's commands the adapter sends (from the module loaded on first use). */
export type SecurityHubCommands = Pick<
  typeof import('@aws-sdk/client-securityhub'),
  'BatchImportFindingsCommand' | 'paginateGetFindings'
>;

/** GetFindings returns at most 100 findings per page. */
const PAGE_SIZE = 100;

/** The ASFF attributes eip-keeper writes, read back (the rest of what Security Hub adds is not imported again). */
const OWN_ATTRIBUTES = [
  'SchemaVersion',
  'Id',
  'ProductArn',
  'GeneratorId',
  'AwsAccountId',
  'Types',
  'CreatedAt',
  'UpdatedAt',
  'FirstObservedAt',
  'LastObservedAt',
  'Severity',
  'Title',
  'Description',
  'Remediation',
  'ProductFields',
  'Resources',
  'Region',
  'RecordState',
  'Compliance',
] as const;

function ownAttributes(f: AwsSecurityFinding): AsffFinding {
  const out: Record<string, unknown> = {};
  for (const key of OWN_ATTRIBUTES) if (f[key] !== undefined) out[key] = f[key];
  const severity = f.Severity ?? {};
  // Original is what eip-keeper set; Label may have been changed since by the security team (BatchUpdateFindings).
  out.Severity = {
    Label: severity.Label ?? 'INFORMATIONAL',
    Original: severity.Original ?? severity.Label ?? '',
  };
  return out as unknown as AsffFinding;
}

export class SdkSecurityHub implements SecurityHubPort {
  constructor(
    private readonly client: SecurityHubClient,
    private readonly productArn: string,
    private readonly sdk: SecurityHubCommands,
  ) {}

  async batchImport(findings: readonly AsffFinding[]): Promise<FailedFinding[]> {
    const out = await this.client.send(
      new this.sdk.BatchImportFindingsCommand({ Findings: findings as unknown as AwsSecurityFinding[] }),
    );
    return (out.FailedFindings ?? []).map((f) => ({
      id: f.Id ?? '',
      code: f.ErrorCode ?? '',
      message: f.ErrorMessage ?? '',
    }));
  }

  async activeFindings(generatorId: string): Promise<AsffFinding[]> {
    const equals = (Value: string) => [{ Value, Comparison: 'EQUALS' as const }];
    const pages = this.sdk.paginateGetFindings(
      { client: this.client, pageSize: PAGE_SIZE },
      {
        Filters: {
          ProductArn: equals(this.productArn),
          GeneratorId: equals(generatorId),
          RecordState: equals('ACTIVE'),
        },
      },
    );
    const found: AsffFinding[] = [];
    for await (const page of pages) for (const f of page.Findings ?? []) found.push(ownAttributes(f));
    return found;
  }
}

export async function sdkSecurityHub(conn: AwsConnection, productArn: string): Promise<SdkSecurityHub> {
  // The runtime's SDK (runtime-sdk.ts): no bundle carries the Security Hub client, whether it is on or off.
  const { SecurityHubClient, BatchImportFindingsCommand, paginateGetFindings } = await importRuntimeSdk(
    '@aws-sdk/client-securityhub',
  );
  return new SdkSecurityHub(new SecurityHubClient(clientOptions(conn, 'securityhub')), productArn, {
    BatchImportFindingsCommand,
    paginateGetFindings,
  });
}
