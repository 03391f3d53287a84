/**
 * `eip-keeper audit`: the node-group readiness report of the current account and region, gathered through the
 * auditor's own readers (auditorReadersFromContext) with the SDK's credentials and region; AWS_ENDPOINT_URL_*
 * overrides reach a simulated region. The pools and audit settings are the deployment's (or `--config`), so the
 * pool checks run as the scheduled auditor runs them. Read-only: it stores and sends nothing.
 * Exit code 0 when no check fails, 4 when one does (unknowns do not fail).
 */
import { clustersInScope } from '../../shared/auditor/auditor';
import { runChecks } from '../../shared/auditor/checks';
import { gatherCluster } from '../../shared/auditor/gather';
import {
  type ClusterReport,
  clusterReport,
  formatClusterReport,
  unreadableClusterReport,
} from '../../shared/auditor/report';
import { describeError, isResourceNotFound, missingClusterResult } from '../../shared/auditor/unreadable';
import { auditorReadersFromContext } from '../../shared/auditor/wiring';
import type { AppConfig } from '../../shared/config/schema';
import { noPositionals, parseOptions } from '../args';
import { cliConfig, cliConnection, DeploymentLookup } from '../context';
import { EXIT } from '../errors';
import { progressLine } from '../progress';
import { AUDIT_OPTIONS } from './catalog';
import type { CliCommand } from './types';

/** Exit code when at least one check fails. */
export const EXIT_FINDINGS = EXIT.findings;

export const auditCommand: CliCommand = {
  name: 'audit',
  async run(args) {
    const { values, positionals } = parseOptions(args, AUDIT_OPTIONS);
    noPositionals(positionals);
    const aws = await cliConnection(values);
    const { config } = await cliConfig(values, new DeploymentLookup(aws.region, values));
    const readers = auditorReadersFromContext({ aws });
    const clusters = await clustersInScope({
      config: { ...config, audit: { ...config.audit, clusters: values.cluster ?? config.audit.clusters } },
      listClusters: () => readers.eks.listClusters(),
    });
    // --kubernetes reads the Kubernetes API of every cluster audited, whatever audit.kubernetesAccess says.
    const audit = { ...config.audit, ...(values.kubernetes ? { kubernetesAccess: clusters } : {}) };
    const reports: ClusterReport[] = [];
    const progress = progressLine('audit');
    try {
      for (const [i, name] of clusters.entries()) {
        progress.set(`cluster ${i + 1} of ${clusters.length}: ${name}`);
        reports.push(await auditCluster(readers, name, { pools: config.pools, audit }, aws.region));
      }
    } finally {
      progress.done();
    }
    process.stdout.write(`${formatReports(aws.region, reports, values)}\n`);
    return reports.some((r) => r.counts.fail > 0) ? EXIT_FINDINGS : 0;
  },
};

/** One cluster's report; a cluster that does not exist is reported as such, and the others are still audited. */
async function auditCluster(
  readers: ReturnType<typeof auditorReadersFromContext>,
  name: string,
  config: Pick<AppConfig, 'pools' | 'audit'>,
  region: string,
): Promise<ClusterReport> {
  try {
    const snapshot = await gatherCluster(readers, name, { config, now: new Date(), signals: [] });
    return clusterReport(snapshot, runChecks(snapshot));
  } catch (err) {
    if (!isResourceNotFound(err)) throw err;
    return unreadableClusterReport(name, region, [missingClusterResult(name, region, describeError(err))]);
  }
}

function formatReports(region: string, reports: ClusterReport[], as: { json?: boolean; verbose?: boolean }) {
  if (as.json) return JSON.stringify({ region, clusters: reports }, null, 2);
  if (reports.length === 0) return `No EKS cluster in ${region}.`;
  return reports.map((r) => formatClusterReport(r, as.verbose === true)).join('\n\n');
}
