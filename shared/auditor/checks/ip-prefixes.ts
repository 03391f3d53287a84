/**
 * Prefix delegation per node: with `ENABLE_PREFIX_DELEGATION=true` the VPC CNI gives a node /28 prefixes only on
 * Nitro-based types (bare metal included from CNI 1.11); on other types it falls back to secondary IPs
 * (https://docs.aws.amazon.com/eks/latest/userguide/cni-increase-ip-addresses.html, "Prefix delegation is supported
 * on Nitro-based instances"; amazon-vpc-cni-k8s README, ENABLE_PREFIX_DELEGATION). Prefixes need aligned free /28
 * blocks in the subnet, which a fragmented subnet lacks although it has free IPs. Pure: no AWS import.
 */
import type { InstanceNetwork } from '../max-pods';
import type { NodegroupInfo, SubnetInfo } from '../model';
import { cniAtLeast, formatCniVersion } from '../versions';
import type { PodsRange } from './capacity';
import { type CheckContext, resultsOf } from './context';
import type { CheckResult } from './result';

/** Prefix delegation itself (Nitro types). */
export const PREFIX_DELEGATION_MIN_CNI = '1.9.0';
/** Bare-metal types get prefixes from this version. */
export const BARE_METAL_PREFIXES_MIN_CNI = '1.11.0';

/** How a node of this type takes pod addresses: whole /28 prefixes, single IPs, or either (a setting is unknown). */
export type AddressMode = 'prefixes' | 'ips' | 'either';

export function addressMode(
  ctx: CheckContext,
  net: InstanceNetwork | undefined,
): { mode: AddressMode; why: string } {
  const pd = ctx.prefixDelegation;
  if (pd.known && !pd.value) return { mode: 'ips', why: 'secondary IPs' };
  const version = ctx.cni.version;
  const metal = net?.hypervisor === 'none' || net?.bareMetal === true;
  if (net && net.hypervisor !== 'nitro' && !metal)
    return {
      mode: 'ips',
      why: `secondary IPs: prefix delegation needs a Nitro-based type, on ${net.hypervisor} the CNI falls back to secondary IPs`,
    };
  const min = metal ? BARE_METAL_PREFIXES_MIN_CNI : PREFIX_DELEGATION_MIN_CNI;
  if (version.known && !cniAtLeast(version.value, min))
    return {
      mode: 'ips',
      why: `secondary IPs: VPC CNI ${formatCniVersion(version.value)} gives ${metal ? 'bare-metal' : 'Nitro'} types prefixes from ${min}`,
    };
  if (!pd.known || !version.known || !net)
    return { mode: 'either', why: 'whole /28 prefixes or secondary IPs (a setting is unknown)' };
  return {
    mode: 'prefixes',
    why: `whole /28 prefixes (prefix delegation on ${metal ? 'bare metal' : 'Nitro'})`,
  };
}

/** Addresses one node takes from the pod subnets for `pods` pods, by how it takes them. */
export function addressesPerNode(pods: PodsRange, mode: AddressMode, nodeIp: number): PodsRange {
  const prefixes = (n: number) => Math.ceil(n / 16) * 16;
  const ips = (n: number) => n;
  const min = mode === 'prefixes' ? prefixes(pods.min) : ips(pods.min);
  const max = mode === 'ips' ? ips(pods.max) : prefixes(pods.max);
  return { min: min + nodeIp, max: max + nodeIp };
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

export interface PrefixNeed {
  /** Max pods of a node that takes prefixes (the largest such type). */
  pods: number;
  maxNodes: number;
}

export function prefixBlocksCheck(
  ctx: CheckContext,
  ng: NodegroupInfo,
  podSubnets: string[],
  need: PrefixNeed | { unknown: string; enable: string },
): CheckResult {
  const r = resultsOf(ctx, 'ip-prefix-blocks', 'medium', { nodegroup: ng.name });
  if ('unknown' in need)
    return r.unknown(`Cannot compute the /28 blocks ${ng.name} needs`, [need.unknown], need.enable);
  const usage = ctx.snap.subnetUsage;
  const perNode = Math.ceil(need.pods / 16);
  const needed = need.maxNodes * perNode;
  let blocks = 0;
  const evidence: string[] = [];
  for (const id of podSubnets) {
    const s = ctx.subnet(id);
    const u = usage?.[id];
    if (!s || !u)
      return r.unknown(
        `Cannot count free /28 blocks in ${id}`,
        ['the ENIs of the subnet were not listed'],
        'grant ec2:DescribeNetworkInterfaces',
      );
    const free = Math.min(freePrefixBlocks(s, u), Math.floor(s.availableIpAddressCount / 16));
    blocks += free;
    evidence.push(
      `${id} ${s.cidrBlock}: ${free} free aligned /28 block(s) (${s.availableIpAddressCount} free IPs)`,
    );
  }
  evidence.push(
    `max ${need.maxNodes} node(s) × ${perNode} /28 prefixes (${need.pods} pods) = ${needed} blocks needed`,
  );
  if (blocks >= needed)
    return r.pass(`${ng.name}'s pod subnets have the /28 blocks prefix delegation needs`, evidence);
  return r.fail(
    `Prefix delegation needs ${needed} free /28 blocks for ${ng.name}, but its pod subnets have ${blocks}: new prefixes fail with InsufficientCidrBlocks although IPs are free`,
    evidence,
    `reserve whole /28 space for prefixes in a new or emptied subnet: aws ec2 create-subnet-cidr-reservation --subnet-id ${podSubnets[0]} --cidr UNUSED_CIDR_OF_THE_SUBNET --reservation-type prefix (or add a larger pod subnet)`,
  );
}
