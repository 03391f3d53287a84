/**
 * `eip-keeper audit`: the node-group readiness report of the current account and region (the SDK's credentials and
 * region; AWS_ENDPOINT_URL_* overrides reach a simulated region). Read-only: it stores and sends nothing.
 * Exit code 0 when no check fails, 4 when one does (unknowns do not fail).
 */
import { readFile } from 'node:fs/promises';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import { IAMClient } from '@aws-sdk/client-iam';
import { Ec2Reader } from '../../shared/auditor/adapters/ec2';
import { EksReader } from '../../shared/auditor/adapters/eks';
import { IamReader } from '../../shared/auditor/adapters/iam';
import { KubernetesReader } from '../../shared/auditor/adapters/kubernetes';
import { runChecks } from '../../shared/auditor/checks';
import { gatherCluster } from '../../shared/auditor/gather';
import { type ClusterReport, clusterReport, formatClusterReport } from '../../shared/auditor/report';
import { parseConfigJson } from '../../shared/config/environment';
import { type AppConfig, DEFAULT_CONFIG } from '../../shared/config/schema';
import { type CliCommand, parseFlags, UsageError } from './types';

/** Exit code when at least one check fails. */
export const EXIT_FINDINGS = 4;

function collect(args: string[], name: string): { rest: string[]; values: string[] } {
  const rest: string[] = [];
  const values: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === `--${name}`) {
      const v = args[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`--${name} needs a value`);
      values.push(v);
    } else if (a.startsWith(`--${name}=`)) values.push(a.slice(name.length + 3));
    else rest.push(a);
  }
  return { rest, values };
}

export const auditCommand: CliCommand = {
  name: 'audit',
  usage:
    'audit [--cluster NAME]... [--kubernetes] [--config FILE] [--verbose] [--json]   node-group readiness report (SGP, custom networking, pod-EIP egress, IP headroom)',
  async run(args) {
    const { rest, values: clusterArgs } = collect(args, 'cluster');
    const { flags, switches, positional } = parseFlags(rest, {
      values: ['config', 'region'],
      switches: ['json', 'kubernetes', 'verbose'],
    });
    if (positional.length > 0) throw new UsageError(`unexpected argument ${positional[0]}`);
    let config: AppConfig = DEFAULT_CONFIG;
    if (flags.config) {
      let text: string;
      try {
        text = await readFile(flags.config, 'utf8');
      } catch (err) {
        throw new UsageError(`cannot read ${flags.config}: ${(err as Error).message}`);
      }
      config = parseConfigJson(text, flags.config);
    }
    const base = flags.region ? { region: flags.region } : {};
    const eksClient = new EKSClient(base);
    const iamClient = new IAMClient(base);
    const ec2Client = new EC2Client(base);
    try {
      const region = await eksClient.config.region();
      const eks = new EksReader(eksClient);
      const clusters =
        clusterArgs.length > 0
          ? clusterArgs
          : config.audit.clusters.length > 0
            ? config.audit.clusters
            : await eks.listClusters();
      const kubernetesAccess = switches.has('kubernetes') ? clusters : config.audit.kubernetesAccess;
      const stsEndpoint = process.env.AWS_ENDPOINT_URL_STS ?? process.env.AWS_ENDPOINT_URL;
      const k8s = new KubernetesReader({
        region,
        credentials: () => eksClient.config.credentials(),
        ...(stsEndpoint ? { stsEndpoint } : {}),
        now: () => new Date(),
      });
      const deps = { eks, iam: new IamReader(iamClient), ec2: new Ec2Reader(ec2Client), k8s, region };
      const reports: ClusterReport[] = [];
      for (const name of clusters) {
        const snapshot = await gatherCluster(deps, name, {
          config: { pools: config.pools, audit: { ...config.audit, kubernetesAccess } },
          now: new Date(),
          signals: [],
        });
        reports.push(clusterReport(snapshot, runChecks(snapshot)));
      }
      if (switches.has('json'))
        process.stdout.write(`${JSON.stringify({ region, clusters: reports }, null, 2)}\n`);
      else if (reports.length === 0) process.stdout.write(`No EKS cluster in ${region}.\n`);
      else
        process.stdout.write(
          `${reports.map((r) => formatClusterReport(r, switches.has('verbose'))).join('\n\n')}\n`,
        );
      return reports.some((r) => r.counts.fail > 0) ? EXIT_FINDINGS : 0;
    } finally {
      eksClient.destroy();
      iamClient.destroy();
      ec2Client.destroy();
    }
  },
};
