/**
 * The findings the simulated Security Hub holds, and the semantics of BatchImportFindings and GetFindings on them.
 *
 * BatchImportFindings (https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_BatchImportFindings.html): a
 * finding is identified by `ProductArn` and `Id`; importing one already held updates it, except the fields that
 * belong to the customer's investigation and that an import cannot change (`Note`, `UserDefinedFields`,
 * `VerificationState`, `Workflow`, https://docs.aws.amazon.com/securityhub/latest/userguide/finding-update-batchimportfindings.html).
 * A new finding starts with `Workflow.Status` NEW and `RecordState` ACTIVE unless it says otherwise. With the default
 * product, `AwsAccountId` must be the calling account and the product ARN that account's own, in this Region.
 *
 * GetFindings (https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_GetFindings.html): string filters,
 * values of one attribute ORed (EQUALS) or ANDed (NOT_EQUALS), attributes ANDed; at most 100 per page.
 */

/** A finding as held: the imported ASFF document plus what Security Hub adds. */
export type HeldFinding = Record<string, unknown> & { Id: string; ProductArn: string };

export interface FailedImport {
  Id: string;
  ErrorCode: string;
  ErrorMessage: string;
}

/** Top-level ASFF attributes every imported finding needs (asff-required-attributes.html). */
export const ASFF_REQUIRED = [
  'AwsAccountId',
  'CreatedAt',
  'Description',
  'GeneratorId',
  'Id',
  'ProductArn',
  'Resources',
  'SchemaVersion',
  'Severity',
  'Title',
  'UpdatedAt',
] as const;

/** What an import cannot change once the finding exists. */
const CUSTOMER_FIELDS = [
  'Note',
  'UserDefinedFields',
  'VerificationState',
  'Workflow',
  'WorkflowState',
] as const;

export interface StringFilter {
  Value?: string;
  Comparison?: 'EQUALS' | 'NOT_EQUALS' | 'PREFIX' | 'PREFIX_NOT_EQUALS' | string;
}

/** The GetFindings filters the simulated service answers, and the value of each in a held finding. */
const FILTER_VALUES: Readonly<Record<string, (f: HeldFinding) => string[]>> = {
  ProductArn: (f) => [f.ProductArn],
  Id: (f) => [f.Id],
  GeneratorId: (f) => [String(f.GeneratorId ?? '')],
  AwsAccountId: (f) => [String(f.AwsAccountId ?? '')],
  Region: (f) => [String(f.Region ?? '')],
  RecordState: (f) => [String(f.RecordState ?? '')],
  WorkflowStatus: (f) => [String((f.Workflow as { Status?: string } | undefined)?.Status ?? '')],
  ComplianceStatus: (f) => [String((f.Compliance as { Status?: string } | undefined)?.Status ?? '')],
  ResourceType: (f) => ((f.Resources as { Type?: string }[] | undefined) ?? []).map((r) => String(r.Type)),
  ResourceId: (f) => ((f.Resources as { Id?: string }[] | undefined) ?? []).map((r) => String(r.Id)),
};

export class UnsupportedFilterError extends Error {
  override readonly name = 'UnsupportedFilterError';
}

function matches(values: string[], filters: readonly StringFilter[]): boolean {
  const negated = (f: StringFilter) => String(f.Comparison).includes('NOT_EQUALS');
  const hit = (f: StringFilter, v: string) =>
    String(f.Comparison).startsWith('PREFIX') ? v.startsWith(f.Value ?? '') : v === f.Value;
  const positive = filters.filter((f) => !negated(f));
  if (positive.length > 0 && !positive.some((f) => values.some((v) => hit(f, v)))) return false;
  return filters.filter(negated).every((f) => !values.some((v) => hit(f, v)));
}

export class SecurityHubFindings {
  private readonly byKey = new Map<string, HeldFinding>();

  constructor(private readonly where: { region: string; accountId: string }) {}

  /** The account's own product ARN in this Region: where findings it imports itself go. */
  defaultProductArn(): string {
    const { region, accountId } = this.where;
    return `arn:aws:securityhub:${region}:${accountId}:product/${accountId}/default`;
  }

  /** Every finding held, in import order (tests, scenario state). */
  all(): HeldFinding[] {
    return [...this.byKey.values()].map((f) => structuredClone(f));
  }

  /** Imports one batch; returns the findings refused, each with its reason. */
  import(findings: readonly Record<string, unknown>[], processedAt: string): FailedImport[] {
    const failed: FailedImport[] = [];
    for (const raw of findings) {
      const id = typeof raw.Id === 'string' ? raw.Id : '';
      const problem = this.problemOf(raw);
      if (problem) {
        failed.push({ Id: id, ErrorCode: 'InvalidInput', ErrorMessage: problem });
        continue;
      }
      const finding = structuredClone(raw) as HeldFinding;
      const key = `${finding.ProductArn}\n${finding.Id}`;
      const held = this.byKey.get(key);
      if (held) {
        // The investigation's fields stay as the security team left them, whatever the import says.
        for (const k of CUSTOMER_FIELDS) {
          if (held[k] === undefined) delete finding[k];
          else finding[k] = held[k];
        }
      } else {
        finding.Workflow ??= { Status: 'NEW' };
        finding.WorkflowState = 'NEW';
      }
      this.byKey.set(key, {
        RecordState: 'ACTIVE',
        ...finding,
        ProductName: 'Default',
        CompanyName: 'Personal',
        ProcessedAt: processedAt,
      });
    }
    return failed;
  }

  private problemOf(f: Record<string, unknown>): string | undefined {
    const missing = ASFF_REQUIRED.filter((k) => f[k] === undefined || f[k] === '');
    if (missing.length > 0) return `Finding is missing required attribute(s): ${missing.join(', ')}`;
    if (!Array.isArray(f.Resources) || f.Resources.length === 0)
      return 'Finding must name at least one resource';
    if (f.AwsAccountId !== this.where.accountId)
      return `AwsAccountId ${String(f.AwsAccountId)} is not the calling account ${this.where.accountId}`;
    if (f.ProductArn !== this.defaultProductArn())
      return `ProductArn ${String(f.ProductArn)} is not this account's default product in ${this.where.region}`;
    return undefined;
  }

  /** GetFindings: the findings every filter accepts, in import order. */
  query(filters: Readonly<Record<string, readonly StringFilter[]>>): HeldFinding[] {
    const entries = Object.entries(filters);
    for (const [name] of entries) {
      if (!Object.hasOwn(FILTER_VALUES, name))
        throw new UnsupportedFilterError(`the simulated Security Hub does not answer the ${name} filter`);
    }
    return [...this.byKey.values()]
      .filter((f) => entries.every(([name, list]) => matches(FILTER_VALUES[name]?.(f) ?? [], list)))
      .map((f) => structuredClone(f));
  }
}
