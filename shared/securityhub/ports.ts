/** Security Hub, as the capabilities import their findings into it. */
import type { AsffFinding, FailedFinding } from './model';

export interface SecurityHubPort {
  /** One BatchImportFindings call (at most 100 findings): the findings it refused. */
  batchImport(findings: readonly AsffFinding[]): Promise<FailedFinding[]>;
  /** The ACTIVE findings of one generator this account imported (GetFindings). */
  activeFindings(generatorId: string): Promise<AsffFinding[]>;
}
