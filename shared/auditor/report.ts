/**
 * The readable report of `eip-keeper audit` and its JSON form. Pure: no AWS import.
 */
import { capacityLines } from './checks/capacity';
import { buildContext } from './checks/context';
import type { CheckResult, CheckStatus } from './checks/result';
import { cniSettings } from './cni-settings';
import type { MaxPodsResult } from './max-pods';
import type { ClusterSnapshot } from './model';

export interface ClusterReport {
  cluster: string;
  region: string;
  kubernetesVersion?: string;
  vpcId?: string;
  nodegroups: string[];
  settingsFrom: string;
  /** Per node group: max pods and pods with security groups (branch ENIs) per node and at max size. */
  capacity: string[];
  counts: Record<CheckStatus, number>;
  results: CheckResult[];
}

function countsOf(results: CheckResult[]): Record<CheckStatus, number> {
  const counts: Record<CheckStatus, number> = { pass: 0, fail: 0, unknown: 0, 'not-applicable': 0 };
  for (const r of results) counts[r.status] += 1;
  return counts;
}

/** The report of a cluster that could not be read at all (its one result says why). */
export function unreadableClusterReport(
  cluster: string,
  region: string,
  results: CheckResult[],
): ClusterReport {
  return {
    cluster,
    region,
    nodegroups: [],
    settingsFrom: 'nothing (the cluster could not be read)',
    capacity: [],
    counts: countsOf(results),
    results,
  };
}

export function clusterReport(snapshot: ClusterSnapshot, results: CheckResult[]): ClusterReport {
  const counts = countsOf(results);
  return {
    cluster: snapshot.cluster.name,
    region: snapshot.region,
    ...(snapshot.cluster.version ? { kubernetesVersion: snapshot.cluster.version } : {}),
    ...(snapshot.cluster.vpcId ? { vpcId: snapshot.cluster.vpcId } : {}),
    nodegroups: snapshot.nodegroups.map((n) => n.name),
    settingsFrom: cniSettings(snapshot).describeSource(),
    capacity: capacityLines(buildContext(snapshot)),
    counts,
    results,
  };
}

const LABEL: Record<CheckStatus, string> = {
  fail: 'FAIL',
  unknown: 'UNKNOWN',
  pass: 'ok',
  'not-applicable': 'n/a',
};

function scope(r: CheckResult): string {
  if (r.nodegroup !== undefined) return `node group ${r.nodegroup}`;
  if (r.pool !== undefined) return `pool ${r.pool}`;
  return 'cluster';
}

function indent(text: string, pad: string): string {
  return text
    .split('\n')
    .map((l) => `${pad}${l}`)
    .join('\n');
}

/** The report a person reads: findings in full, passes as one line each when `verbose`. */
export function formatClusterReport(r: ClusterReport, verbose = false): string {
  const out: string[] = [];
  out.push(
    `Cluster ${r.cluster} (${r.region}${r.kubernetesVersion ? `, Kubernetes ${r.kubernetesVersion}` : ''}${r.vpcId ? `, ${r.vpcId}` : ''}): ${r.nodegroups.length} node group(s)${r.nodegroups.length > 0 ? ` (${r.nodegroups.join(', ')})` : ''}`,
  );
  out.push(`  VPC CNI settings read from ${r.settingsFrom}`);
  if (r.capacity.length > 0)
    out.push(
      '  Capacity per node (max pods; pods with security groups):',
      ...r.capacity.map((c) => `    ${c}`),
    );
  const findings = r.results.filter((x) => x.status === 'fail' || x.status === 'unknown');
  if (findings.length === 0) out.push('', '  Ready: no findings.');
  for (const f of findings) {
    out.push('');
    out.push(
      `  ${LABEL[f.status].padEnd(8)}${f.status === 'fail' ? `[${f.severity}] ` : ''}${f.id} (${scope(f)})`,
    );
    out.push(indent(f.title, '          '));
    for (const e of f.evidence.filter(Boolean)) out.push(indent(`- ${e}`, '          '));
    if (f.fix) {
      out.push(`          ${f.status === 'unknown' ? 'to check it:' : 'fix:'}`);
      out.push(indent(f.fix, '            '));
    }
  }
  if (verbose) {
    out.push('');
    for (const p of r.results.filter((x) => x.status === 'pass' || x.status === 'not-applicable'))
      out.push(`  ${LABEL[p.status].padEnd(8)}${p.id} (${scope(p)}): ${p.title}`);
  }
  out.push('');
  out.push(
    `  ${r.results.length} checks: ${r.counts.fail} fail, ${r.counts.unknown} unknown, ${r.counts.pass} pass, ${r.counts['not-applicable']} not applicable`,
  );
  return out.join('\n');
}

/** `eip-keeper max-pods` in words. */
export function formatMaxPods(r: MaxPodsResult): string {
  const name = r.instanceType ?? 'this instance type';
  const lines = [
    `${name}: max pods ${r.maxPods}${r.maxPods !== r.maxPodsUncapped ? ` (${r.maxPodsUncapped} without the managed node group cap of ${r.cap})` : ''}`,
    `  ${r.formula}`,
    `  ${r.enisForPods} ENI(s) for pods, ${r.ipv4PerEni} IPv4 addresses per ENI, hypervisor ${r.hypervisor}, ${r.vcpus} vCPUs, VPC CNI ${r.cniVersion}`,
    `  custom networking ${r.customNetworking ? 'on' : 'off'}, prefix delegation ${r.prefixDelegation ? 'on' : r.prefixDelegationRequested ? 'requested but not counted' : 'off'}`,
  ];
  if (r.prefixDelegationIgnored) lines.push(`  prefix delegation not counted: ${r.prefixDelegationIgnored}`);
  return lines.join('\n');
}
