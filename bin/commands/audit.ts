/**
 * `eip-keeper audit`: the node-group readiness report of the current account and region, gathered through the
 * auditor's own readers (auditorReadersFromContext) with the SDK's credentials and region; AWS_ENDPOINT_URL_*
 * overrides reach a simulated region. Read-only: it stores and sends nothing.
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
import { noPositionals, parseOptions } from '../args';
import { CONTEXT_OPTIONS, cliConfig, cliConnection } from '../context';
import type { CliCommand } from './types';

/** Exit code when at least one check fails. */
export const EXIT_FINDINGS = 4;

export const auditCommand: CliCommand = {
  name: 'audit',
  usage:
    'audit [--cluster NAME]... [--kubernetes] [--config FILE] [--verbose] [--json]   node-group readiness report (SGP, custom networking, pod-EIP egress, IP headroom)',
  async run(args) {
    const { values, positionals } = parseOptions(args, {
      cluster: { type: 'string', multiple: true },
      kubernetes: { type: 'boolean' },
      config: CONTEXT_OPTIONS.config,
      region: CONTEXT_OPTIONS.region,
      verbose: { type: 'boolean' },
      json: { type: 'boolean' },
    });
    noPositionals(positionals);
    const aws = await cliConnection(values, { sdkRegion: true });
    const config = await cliConfig(values, aws.region);
    const readers = auditorReadersFromContext({ aws });
    const clusters = await clustersInScope({
      config: { ...config, audit: { ...config.audit, clusters: values.cluster ?? config.audit.clusters } },
      listClusters: () => readers.eks.listClusters(),
    });
    // --kubernetes reads the Kubernetes API of every cluster audited, whatever audit.kubernetesAccess says.
    const audit = { ...config.audit, ...(values.kubernetes ? { kubernetesAccess: clusters } : {}) };
    const reports: ClusterReport[] = [];
    for (const name of clusters) {
      try {
        const snapshot = await gatherCluster(readers, name, {
          config: { pools: config.pools, audit },
          now: new Date(),
          signals: [],
        });
        reports.push(clusterReport(snapshot, runChecks(snapshot)));
      } catch (err) {
        // A cluster that does not exist is reported, and the others are still audited.
        if (!isResourceNotFound(err)) throw err;
        const result = missingClusterResult(name, aws.region, describeError(err));
        reports.push(unreadableClusterReport(name, aws.region, [result]));
      }
    }
    process.stdout.write(`${formatReports(aws.region, reports, values)}\n`);
    return reports.some((r) => r.counts.fail > 0) ? EXIT_FINDINGS : 0;
  },
};

function formatReports(region: string, reports: ClusterReport[], as: { json?: boolean; verbose?: boolean }) {
  if (as.json) return JSON.stringify({ region, clusters: reports }, null, 2);
  if (reports.length === 0) return `No EKS cluster in ${region}.`;
  return reports.map((r) => formatClusterReport(r, as.verbose === true)).join('\n\n');
}
