/**
 * Pod IP headroom per node group: free IPs in the subnets where its pods get addresses against max nodes × max pods,
 * subnet sizes, contiguous /28 blocks for prefix delegation, and observed exhaustion
 * (https://docs.aws.amazon.com/eks/latest/userguide/cni-increase-ip-addresses.html). Pure: no AWS import.
 */
import { shellQuote } from '../fixes';
import type { ExhaustionSignal, NodegroupInfo, SubnetInfo } from '../model';
import { maxPodsRange, type PodsRange, rangeText } from './capacity';
import { type CheckContext, kubernetesAccessHint, resultsOf, ZONE_LABELS } from './context';
import { addressesPerNode, addressMode, prefixBlocksCheck } from './ip-prefixes';
import type { CheckResult } from './result';

/** Pod subnets smaller than this (longer prefix) are warned about. */
export const MIN_POD_SUBNET_PREFIX = 20;

type PodSubnets =
  | { subnets: string[]; sharedWithNodes: boolean; how: string }
  | { unknown: string; enable: string };

/** Where a node group's pods get their IPs: its own subnets, or the ENIConfig subnets of its AZs. */
export function podSubnetsOf(ctx: CheckContext, ng: NodegroupInfo): PodSubnets {
  const cn = ctx.customNetworking;
  if (!cn.inScope) {
    if (cn.setting === false)
      return {
        subnets: [...ng.subnets].sort(),
        sharedWithNodes: true,
        how: `node group subnets (custom networking off)`,
      };
    return {
      unknown: `it is unknown whether custom networking moves ${ng.name}'s pods out of its subnets (${cn.unknown?.reason ?? 'setting unknown'})`,
      enable: cn.unknown?.enable ?? kubernetesAccessHint(ctx.cluster),
    };
  }
  const configs = ctx.k8s?.eniConfigs;
  if (!configs?.available) {
    const why = configs && !configs.available ? configs : ctx.k8sMissing;
    return {
      unknown: `custom networking places ${ng.name}'s pods in ENIConfig subnets, which cannot be read (${why?.reason ?? 'no Kubernetes access'})`,
      enable: why?.enable ?? kubernetesAccessHint(ctx.cluster),
    };
  }
  const labelDef = ctx.cni.effective('ENI_CONFIG_LABEL_DEF');
  const names = !labelDef.known
    ? []
    : ZONE_LABELS.includes(labelDef.value)
      ? ctx.nodegroupAzs(ng)
      : ng.labels[labelDef.value]
        ? [ng.labels[labelDef.value] as string]
        : [];
  const subnets = [
    ...new Set(
      configs.value
        .filter((c) => names.includes(c.name))
        .map((c) => c.subnet)
        .filter((s): s is string => !!s),
    ),
  ].sort();
  if (subnets.length === 0)
    return {
      unknown: `no ENIConfig of ${ng.name} names a subnet (see cn-eniconfig)`,
      enable: 'create the ENIConfigs first (cn-eniconfig)',
    };
  return { subnets, sharedWithNodes: false, how: `ENIConfig subnets (custom networking)` };
}

interface PerNode {
  /** Addresses one node takes from the pod subnets: a range when a setting is unknown. */
  ips: PodsRange;
  /** Max pods of the largest node that takes /28 prefixes (undefined: no node of the group takes prefixes). */
  prefixPods?: number;
  why: string[];
}

/** Max pods per node: the kubelet's own number when every node reports it, else computed per instance type. */
function podsOfType(ctx: CheckContext, ng: NodegroupInfo, type: string): PodsRange | undefined {
  const nodes = ctx.k8sNodesOf(ng) ?? [];
  const capacities = nodes.map((n) => n.podsCapacity).filter((c): c is number => c !== undefined);
  if (nodes.length > 0 && capacities.length === nodes.length) {
    const max = Math.max(...capacities);
    return { min: max, max };
  }
  return maxPodsRange(ctx, type);
}

function perNode(
  ctx: CheckContext,
  ng: NodegroupInfo,
  nodeIp: number,
): PerNode | { unknown: string; enable: string } {
  const types = ctx.instanceTypesOf(ng);
  if (types.length === 0)
    return {
      unknown: `${ng.name} names no instance type and has no nodes`,
      enable: 'name instance types in the node group or scale it to one node',
    };
  const ips: PodsRange = { min: 0, max: 0 };
  let prefixPods: number | undefined;
  const why: string[] = [];
  for (const t of types) {
    const pods = podsOfType(ctx, ng, t);
    if (!pods)
      return {
        unknown: `instance type ${t} was not described`,
        enable: 'check the node group instance types',
      };
    const mode = addressMode(ctx, ctx.snap.instanceTypes[t]);
    const need = addressesPerNode(pods, mode.mode, nodeIp);
    ips.min = Math.max(ips.min, need.min);
    ips.max = Math.max(ips.max, need.max);
    if (mode.mode !== 'ips') prefixPods = Math.max(prefixPods ?? 0, pods.max);
    const formula = ctx.maxPodsCandidates(t)?.[0]?.formula;
    why.push(
      `${t}: max pods ${rangeText(pods)}${pods.min !== pods.max ? ' (a setting is unknown)' : ''} (${formula ?? 'from node capacity'}); ${mode.why}`,
    );
  }
  return { ips, ...(prefixPods !== undefined ? { prefixPods } : {}), why };
}

type Headroom =
  | { unknown: string; evidence: string[]; enable: string }
  | {
      verdict: 'pass' | 'fail' | 'unknown';
      maxNodes: number;
      available: number;
      fitNodes: number;
      evidence: string[];
    };

/** Free plus held addresses of a node group's pod subnets against max nodes × addresses per node. */
function headroomOf(ctx: CheckContext, ng: NodegroupInfo, pods: PodSubnets): Headroom {
  if ('unknown' in pods)
    return {
      unknown: `Cannot tell where ${ng.name}'s pods get IPs`,
      evidence: [pods.unknown],
      enable: pods.enable,
    };
  const nodeIp = pods.sharedWithNodes ? 1 : 0;
  const per = perNode(ctx, ng, nodeIp);
  if ('unknown' in per)
    return { unknown: `Cannot compute max pods of ${ng.name}`, evidence: [per.unknown], enable: per.enable };
  const maxNodes = ng.scaling.maxSize ?? ng.scaling.desiredSize;
  if (maxNodes === undefined)
    return {
      unknown: `${ng.name} has no scaling configuration`,
      evidence: [],
      enable: 'check the node group',
    };
  const missing = pods.subnets.filter((s) => !ctx.subnet(s));
  if (missing.length > 0)
    return {
      unknown: `Subnets ${missing.join(', ')} were not described`,
      evidence: [],
      enable: 'check that the subnets exist',
    };
  const subnets = pods.subnets.map((s) => ctx.subnet(s) as SubnetInfo);
  const free = subnets.reduce((n, s) => n + s.availableIpAddressCount, 0);
  // Running nodes of the group already hold their addresses; count them as available to the group.
  const ids = new Set(pods.subnets);
  let held = 0;
  for (const i of ctx.instancesOf(ng.name))
    for (const e of ctx.enisOf(i.instanceId))
      if (ids.has(e.subnetId)) held += (e.privateIp ? 1 : 0) + e.secondaryIpCount + e.prefixCount * 16;
  const needMin = maxNodes * per.ips.min;
  const needMax = maxNodes * per.ips.max;
  const available = free + held;
  const evidence = [
    `pod subnets: ${pods.how}: ${subnets.map((s) => `${s.subnetId} ${s.cidrBlock} (${s.availableIpAddressCount} free)`).join(', ')}`,
    ...per.why,
    `max ${maxNodes} node(s) × ${rangeText(per.ips)} IPs${nodeIp ? ' (pods + node IP)' : ''} = ${rangeText({ min: needMin, max: needMax })} IPs needed`,
    `${free} free + ${held} held by the group's running nodes = ${available} available`,
  ];
  const verdict = available >= needMax ? 'pass' : available < needMin ? 'fail' : 'unknown';
  return { verdict, maxNodes, available, fitNodes: Math.floor(available / per.ips.max), evidence };
}

function ipHeadroom(ctx: CheckContext, ng: NodegroupInfo, h: Headroom): CheckResult {
  const r = resultsOf(ctx, 'ip-headroom', 'high', { nodegroup: ng.name });
  if ('unknown' in h) return r.unknown(h.unknown, h.evidence, h.enable);
  if (h.verdict === 'pass')
    return r.pass(`${ng.name} has IP headroom for ${h.maxNodes} full nodes`, h.evidence);
  if (h.verdict === 'fail')
    return r.fail(
      `${ng.name} can grow to ${h.maxNodes} nodes but its pod subnets have IPs for about ${h.fitNodes}: pods will fail with InsufficientFreeAddresses`,
      h.evidence,
      `add pod IP space (a secondary VPC CIDR such as 100.64.0.0/16 with a /19 subnet per AZ, used through custom networking) or cap the group: aws eks update-nodegroup-config --cluster-name ${shellQuote(ctx.cluster)} --nodegroup-name ${shellQuote(ng.name)} --scaling-config maxSize=${Math.max(h.fitNodes, 1)}`,
    );
  return r.unknown(
    `${ng.name}'s IP headroom depends on a setting that cannot be read`,
    h.evidence,
    ctx.k8sMissing?.enable ?? kubernetesAccessHint(ctx.cluster),
  );
}

function subnetSize(ctx: CheckContext, ng: NodegroupInfo, pods: PodSubnets): CheckResult | undefined {
  if ('unknown' in pods) return undefined;
  const r = resultsOf(ctx, 'ip-subnet-size', 'low', { nodegroup: ng.name });
  const small = pods.subnets
    .map((s) => ctx.subnet(s))
    .filter((s): s is SubnetInfo => !!s && Number(s.cidrBlock.split('/')[1]) > MIN_POD_SUBNET_PREFIX);
  if (small.length === 0) return r.pass(`Pod subnets of ${ng.name} are /${MIN_POD_SUBNET_PREFIX} or larger`);
  const vpc = ctx.snap.cluster.vpcId ?? '<vpc>';
  return r.fail(
    `Pod subnets of ${ng.name} are smaller than /${MIN_POD_SUBNET_PREFIX}: ${small.map((s) => `${s.subnetId} ${s.cidrBlock}`).join(', ')}`,
    small.map(
      (s) => `${s.subnetId} ${s.cidrBlock} in ${s.availabilityZone}: ${s.availableIpAddressCount} free`,
    ),
    `give pods /${MIN_POD_SUBNET_PREFIX} or larger subnets, e.g. from CG-NAT space with custom networking: aws ec2 associate-vpc-cidr-block --vpc-id ${vpc} --cidr-block 100.64.0.0/16 && aws ec2 create-subnet --vpc-id ${vpc} --availability-zone ${small[0]?.availabilityZone ?? '<az>'} --cidr-block 100.64.0.0/19 (one per AZ, then an ENIConfig each)`,
  );
}

function prefixBlocks(ctx: CheckContext, ng: NodegroupInfo, pods: PodSubnets): CheckResult | undefined {
  const pd = ctx.prefixDelegation;
  if (!(pd.known && pd.value) || 'unknown' in pods) return undefined;
  const per = perNode(ctx, ng, pods.sharedWithNodes ? 1 : 0);
  const maxNodes = ng.scaling.maxSize ?? ng.scaling.desiredSize;
  if ('unknown' in per || maxNodes === undefined)
    return prefixBlocksCheck(ctx, ng, pods.subnets, {
      unknown: 'unknown' in per ? per.unknown : 'no scaling configuration',
      enable: 'unknown' in per ? per.enable : 'check the node group',
    });
  // Only nodes that take /28 prefixes need whole blocks (a Xen type takes single IPs).
  if (per.prefixPods === undefined) return undefined;
  return prefixBlocksCheck(ctx, ng, pods.subnets, { pods: per.prefixPods, maxNodes });
}

/** Why a signal names a subnet: the error of the failed call, as AWS wrote it. */
function signalText(s: ExhaustionSignal): string {
  return `${s.at}: ${s.eventName} failed in ${s.subnetId} with ${s.errorCode ?? 'InsufficientFreeAddressesInSubnet'}${s.errorMessage ? ` (${s.errorMessage})` : ''}`;
}

function exhaustionOf(ctx: CheckContext, ng: NodegroupInfo, pods: PodSubnets) {
  const subnets = new Set([...ng.subnets, ...('unknown' in pods ? [] : pods.subnets)]);
  const issues = ng.healthIssues.filter((i) => /InsufficientFreeAddresses|IpAddress/i.test(i.code));
  const signals = ctx.snap.exhaustionSignals.filter((s) => subnets.has(s.subnetId));
  return { subnets, issues, signals };
}

function exhaustion(ctx: CheckContext, ng: NodegroupInfo, pods: PodSubnets): CheckResult {
  const r = resultsOf(ctx, 'ip-exhausted', 'high', { nodegroup: ng.name });
  const { subnets, issues, signals } = exhaustionOf(ctx, ng, pods);
  if (issues.length === 0 && signals.length === 0)
    return r.pass(`No IP exhaustion reported for ${ng.name}`, [
      `EKS health issues: ${ng.healthIssues.map((i) => i.code).join(', ') || 'none'}`,
    ]);
  const evidence = [
    ...issues.map((i) =>
      `EKS health issue ${i.code}: ${i.message ?? ''} ${i.resourceIds.length > 0 ? `(${i.resourceIds.join(', ')})` : ''}`.trim(),
    ),
    ...signals.map(signalText),
  ];
  return r.fail(
    `Pod subnets of ${ng.name} ran out of IP addresses`,
    evidence,
    `free or add pod IP space now (see ip-headroom); to see what holds the addresses: aws ec2 describe-network-interfaces --filters Name=subnet-id,Values=${[...subnets].join(',')}`,
  );
}

/**
 * Subnets this audit finds nearly full or exhausted, with why: the pod subnets of a node group whose ip-headroom
 * fails, and subnets named by an exhaustion signal or an EKS health issue. A fix never proposes them for new nodes.
 */
export function crowdedSubnets(ctx: CheckContext): Map<string, string> {
  const out = new Map<string, string>();
  for (const ng of ctx.snap.nodegroups) {
    const pods = podSubnetsOf(ctx, ng);
    const h = headroomOf(ctx, ng, pods);
    if (!('unknown' in h) && h.verdict === 'fail' && !('unknown' in pods))
      for (const s of pods.subnets)
        if (!out.has(s))
          out.set(s, `ip-headroom: nearly full, ${ctx.subnet(s)?.availableIpAddressCount ?? 0} free`);
    const { issues, signals } = exhaustionOf(ctx, ng, pods);
    for (const s of signals)
      if (!out.has(s.subnetId)) out.set(s.subnetId, 'ip-exhausted: ran out of addresses');
    for (const i of issues)
      for (const id of i.resourceIds)
        if (id.startsWith('subnet-') && !out.has(id)) out.set(id, `ip-exhausted: EKS health issue ${i.code}`);
  }
  return out;
}

export function ipHeadroomChecks(ctx: CheckContext): CheckResult[] {
  const results: CheckResult[] = [];
  for (const ng of ctx.snap.nodegroups) {
    const pods = podSubnetsOf(ctx, ng);
    results.push(ipHeadroom(ctx, ng, headroomOf(ctx, ng, pods)));
    const size = subnetSize(ctx, ng, pods);
    if (size) results.push(size);
    const blocks = prefixBlocks(ctx, ng, pods);
    if (blocks) results.push(blocks);
    results.push(exhaustion(ctx, ng, pods));
  }
  return results;
}
