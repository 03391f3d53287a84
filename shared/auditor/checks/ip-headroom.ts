/**
 * Pod IP headroom per node group: free IPs in the subnets where its pods get addresses against max nodes × max pods,
 * subnet sizes, contiguous /28 blocks for prefix delegation, and observed exhaustion
 * (https://docs.aws.amazon.com/eks/latest/userguide/cni-increase-ip-addresses.html). Pure: no AWS import.
 */
import { shellQuote } from '../fixes';
import type { NodegroupInfo, SubnetInfo } from '../snapshot';
import { type CheckContext, kubernetesAccessHint, resultsOf, ZONE_LABELS } from './context';
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

/** Aligned /28 blocks with no used address, counted from the ENIs in the subnet. */
export function freePrefixBlocks(subnet: SubnetInfo, usage: { ips: string[]; prefixes: string[] }): number {
  const [baseIp = '0.0.0.0', lenText = '32'] = subnet.cidrBlock.split('/');
  const len = Number(lenText);
  const toInt = (ip: string) => ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const base = toInt(baseIp);
  const size = 2 ** (32 - len);
  const used = new Set<number>();
  // AWS reserves the first four and the last address of every subnet.
  for (const off of [0, 1, 2, 3, size - 1]) used.add(Math.floor(off / 16));
  for (const ip of usage.ips) {
    const off = toInt(ip) - base;
    if (off >= 0 && off < size) used.add(Math.floor(off / 16));
  }
  for (const p of usage.prefixes) {
    const off = toInt(p.split('/')[0] ?? '') - base;
    if (off >= 0 && off < size) used.add(Math.floor(off / 16));
  }
  return Math.max(0, Math.floor(size / 16) - used.size);
}

interface PerNode {
  /** Pods per node: a range when a setting is unknown. */
  min: number;
  max: number;
  why: string[];
}

function perNodePods(ctx: CheckContext, ng: NodegroupInfo): PerNode | { unknown: string; enable: string } {
  const nodes = ctx.k8sNodesOf(ng);
  const capacities = (nodes ?? []).map((n) => n.podsCapacity).filter((c): c is number => c !== undefined);
  if (nodes && nodes.length > 0 && capacities.length === nodes.length) {
    const max = Math.max(...capacities);
    return { min: max, max, why: [`kubelet max pods ${max} (from node capacity)`] };
  }
  const types = ctx.instanceTypesOf(ng);
  if (types.length === 0)
    return {
      unknown: `${ng.name} names no instance type and has no nodes`,
      enable: 'name instance types in the node group or scale it to one node',
    };
  let min = 0;
  let max = 0;
  const why: string[] = [];
  for (const t of types) {
    const candidates = ctx.maxPodsCandidates(t);
    if (!candidates || candidates.length === 0)
      return {
        unknown: `instance type ${t} was not described`,
        enable: 'check the node group instance types',
      };
    const values = candidates.map((c) => c.maxPods);
    min = Math.max(min, Math.min(...values));
    max = Math.max(max, Math.max(...values));
    why.push(
      `${t}: max pods ${Math.min(...values) === Math.max(...values) ? values[0] : `${Math.min(...values)}–${Math.max(...values)} (a setting is unknown)`} (${candidates[0]?.formula})`,
    );
  }
  return { min, max, why };
}

function ipHeadroom(ctx: CheckContext, ng: NodegroupInfo, pods: PodSubnets): CheckResult {
  const r = resultsOf(ctx, 'ip-headroom', 'high', { nodegroup: ng.name });
  if ('unknown' in pods)
    return r.unknown(`Cannot tell where ${ng.name}'s pods get IPs`, [pods.unknown], pods.enable);
  const per = perNodePods(ctx, ng);
  if ('unknown' in per) return r.unknown(`Cannot compute max pods of ${ng.name}`, [per.unknown], per.enable);
  const maxNodes = ng.scaling.maxSize ?? ng.scaling.desiredSize;
  if (maxNodes === undefined)
    return r.unknown(`${ng.name} has no scaling configuration`, [], 'check the node group');
  const missing = pods.subnets.filter((s) => !ctx.subnet(s));
  if (missing.length > 0)
    return r.unknown(`Subnets ${missing.join(', ')} were not described`, [], 'check that the subnets exist');
  const subnets = pods.subnets.map((s) => ctx.subnet(s) as SubnetInfo);
  const free = subnets.reduce((n, s) => n + s.availableIpAddressCount, 0);
  // Running nodes of the group already hold their addresses; count them as available to the group.
  const ids = new Set(pods.subnets);
  let held = 0;
  for (const i of ctx.instancesOf(ng.name))
    for (const e of ctx.enisOf(i.instanceId))
      if (ids.has(e.subnetId)) held += (e.privateIp ? 1 : 0) + e.secondaryIpCount + e.prefixCount * 16;
  const nodeIp = pods.sharedWithNodes ? 1 : 0;
  const pd = ctx.prefixDelegation.known && ctx.prefixDelegation.value;
  const ipsFor = (podsPerNode: number) => (pd ? Math.ceil(podsPerNode / 16) * 16 : podsPerNode) + nodeIp;
  const needMin = maxNodes * ipsFor(per.min);
  const needMax = maxNodes * ipsFor(per.max);
  const available = free + held;
  const evidence = [
    `pod subnets: ${pods.how}: ${subnets.map((s) => `${s.subnetId} ${s.cidrBlock} (${s.availableIpAddressCount} free)`).join(', ')}`,
    ...per.why,
    `max ${maxNodes} node(s) × ${needMin === needMax ? ipsFor(per.max) : `${ipsFor(per.min)}–${ipsFor(per.max)}`} IPs${nodeIp ? ' (pods + node IP)' : ''}${pd ? ' (whole /28 prefixes)' : ''} = ${needMin === needMax ? needMax : `${needMin}–${needMax}`} IPs needed`,
    `${free} free + ${held} held by the group's running nodes = ${available} available`,
  ];
  if (available >= needMax) return r.pass(`${ng.name} has IP headroom for ${maxNodes} full nodes`, evidence);
  const fitNodes = Math.floor(available / ipsFor(per.max));
  if (available < needMin)
    return r.fail(
      `${ng.name} can grow to ${maxNodes} nodes but its pod subnets have IPs for about ${fitNodes}: pods will fail with InsufficientFreeAddresses`,
      evidence,
      `add pod IP space (a secondary VPC CIDR such as 100.64.0.0/16 with a /19 subnet per AZ, used through custom networking) or cap the group: aws eks update-nodegroup-config --cluster-name ${shellQuote(ctx.cluster)} --nodegroup-name ${shellQuote(ng.name)} --scaling-config maxSize=${Math.max(fitNodes, 1)}`,
    );
  return r.unknown(
    `${ng.name}'s IP headroom depends on a setting that cannot be read`,
    evidence,
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
  if (!(ctx.prefixDelegation.known && ctx.prefixDelegation.value) || 'unknown' in pods) return undefined;
  const r = resultsOf(ctx, 'ip-prefix-blocks', 'medium', { nodegroup: ng.name });
  const per = perNodePods(ctx, ng);
  const maxNodes = ng.scaling.maxSize ?? ng.scaling.desiredSize;
  if ('unknown' in per || maxNodes === undefined)
    return r.unknown(
      `Cannot compute the /28 blocks ${ng.name} needs`,
      ['unknown' in per ? per.unknown : 'no scaling configuration'],
      'unknown' in per ? per.enable : 'check the node group',
    );
  const usage = ctx.snap.subnetUsage;
  const needed = maxNodes * Math.ceil(per.max / 16);
  let blocks = 0;
  const evidence: string[] = [];
  for (const id of pods.subnets) {
    const s = ctx.subnet(id);
    const u = usage?.[id];
    if (!s || !u)
      return r.unknown(
        `Cannot count free /28 blocks in ${id}`,
        ['the ENIs of the subnet were not listed'],
        'grant ec2:DescribeNetworkInterfaces',
      );
    const contiguous = freePrefixBlocks(s, u);
    const bound = Math.floor(s.availableIpAddressCount / 16);
    const free = Math.min(contiguous, bound);
    blocks += free;
    evidence.push(
      `${id} ${s.cidrBlock}: ${free} free aligned /28 block(s) (${s.availableIpAddressCount} free IPs)`,
    );
  }
  evidence.push(
    `max ${maxNodes} node(s) × ${Math.ceil(per.max / 16)} /28 prefixes (${per.max} pods) = ${needed} blocks needed`,
  );
  if (blocks >= needed)
    return r.pass(`${ng.name}'s pod subnets have the /28 blocks prefix delegation needs`, evidence);
  return r.fail(
    `Prefix delegation needs ${needed} free /28 blocks for ${ng.name}, but its pod subnets have ${blocks}: new prefixes fail although IPs are free`,
    evidence,
    `reserve whole /28 space for prefixes in a new or emptied subnet: aws ec2 create-subnet-cidr-reservation --subnet-id ${pods.subnets[0]} --cidr <unused CIDR of the subnet> --reservation-type prefix (or add a larger pod subnet)`,
  );
}

function exhaustion(ctx: CheckContext, ng: NodegroupInfo, pods: PodSubnets): CheckResult {
  const r = resultsOf(ctx, 'ip-exhausted', 'high', { nodegroup: ng.name });
  const subnets = new Set([...ng.subnets, ...('unknown' in pods ? [] : pods.subnets)]);
  const issues = ng.healthIssues.filter((i) => /InsufficientFreeAddresses|IpAddress/i.test(i.code));
  const signals = ctx.snap.exhaustionSignals.filter((s) => subnets.has(s.subnetId));
  if (issues.length === 0 && signals.length === 0)
    return r.pass(`No IP exhaustion reported for ${ng.name}`, [
      `EKS health issues: ${ng.healthIssues.map((i) => i.code).join(', ') || 'none'}`,
    ]);
  const evidence = [
    ...issues.map((i) =>
      `EKS health issue ${i.code}: ${i.message ?? ''} ${i.resourceIds.length > 0 ? `(${i.resourceIds.join(', ')})` : ''}`.trim(),
    ),
    ...signals.map(
      (s) =>
        `${s.at}: ${s.eventName} failed in ${s.subnetId} with InsufficientFreeAddressesInSubnet${s.errorMessage ? ` (${s.errorMessage})` : ''}`,
    ),
  ];
  return r.fail(
    `Pod subnets of ${ng.name} ran out of IP addresses`,
    evidence,
    `free or add pod IP space now (see ip-headroom); to see what holds the addresses: aws ec2 describe-network-interfaces --filters Name=subnet-id,Values=${[...subnets].join(',')}`,
  );
}

export function ipHeadroomChecks(ctx: CheckContext): CheckResult[] {
  const results: CheckResult[] = [];
  for (const ng of ctx.snap.nodegroups) {
    const pods = podSubnetsOf(ctx, ng);
    results.push(ipHeadroom(ctx, ng, pods));
    const size = subnetSize(ctx, ng, pods);
    if (size) results.push(size);
    const blocks = prefixBlocks(ctx, ng, pods);
    if (blocks) results.push(blocks);
    results.push(exhaustion(ctx, ng, pods));
  }
  return results;
}
