/**
 * The `aws eks create-nodegroup` a fix proposes to replace a node group. Its subnets are the group's own, minus any
 * subnet this same audit flags as nearly full or exhausted (ip-headroom, ip-exhausted): a replacement there would
 * fail the same way. When every subnet of the group is flagged, other subnets of the group's zones and VPC with room
 * are proposed, else the command says in words what to put there. Pure: no AWS import.
 */
import { shellQuote } from '../fixes';
import type { NodegroupInfo, SubnetInfo } from '../model';
import type { CheckContext } from './context';

/** Addresses a replacement node group needs, per node, at the least (the node and a few pods). */
const MIN_FREE_PER_NODE = 16;

function placeholder(what: string, ng: NodegroupInfo): string {
  // Words in capitals, not angle brackets, which chat renders as links.
  return `${what}_OF_${ng.name.replace(/[^A-Za-z0-9]/g, '_').toUpperCase()}`;
}

/** Subnets for the replacement, and what was left out and why. */
export function replacementSubnets(
  ctx: CheckContext,
  ng: NodegroupInfo,
): { subnets: string[]; leftOut: string[] } {
  const crowded = ctx.crowdedSubnets;
  const kept = ng.subnets.filter((s) => !crowded.has(s));
  const leftOut = ng.subnets.filter((s) => crowded.has(s)).map((s) => `${s} (${crowded.get(s)})`);
  if (kept.length > 0) return { subnets: kept, leftOut };
  const azs = new Set(ctx.nodegroupAzs(ng));
  const vpcId = ctx.snap.cluster.vpcId;
  const maxNodes = ng.scaling.maxSize ?? ng.scaling.desiredSize ?? 1;
  const roomy = Object.values(ctx.snap.subnets)
    .filter(
      (s: SubnetInfo) =>
        s.vpcId === vpcId &&
        azs.has(s.availabilityZone) &&
        !crowded.has(s.subnetId) &&
        s.availableIpAddressCount >= maxNodes * MIN_FREE_PER_NODE,
    )
    .sort(
      (a, b) => b.availableIpAddressCount - a.availableIpAddressCount || a.subnetId.localeCompare(b.subnetId),
    );
  const byAz = new Map<string, string>();
  for (const s of roomy) if (!byAz.has(s.availabilityZone)) byAz.set(s.availabilityZone, s.subnetId);
  return { subnets: [...byAz.values()].sort(), leftOut };
}

export function replacementNodegroupCommand(ctx: CheckContext, ng: NodegroupInfo, types: string[]): string {
  const s = ng.scaling;
  const { subnets, leftOut } = replacementSubnets(ctx, ng);
  const command = [
    `aws eks create-nodegroup --cluster-name ${shellQuote(ctx.cluster)} --nodegroup-name ${shellQuote(`${ng.name}-sgp`)}`,
    `--node-role ${ng.nodeRole ? shellQuote(ng.nodeRole) : placeholder('NODE_ROLE_ARN', ng)}`,
    `--subnets ${subnets.length > 0 ? subnets.join(' ') : placeholder('SUBNETS_WITH_FREE_ADDRESSES_IN_THE_ZONES', ng)}`,
    `--instance-types ${types.join(' ')}`,
    `--scaling-config minSize=${s.minSize ?? 1},maxSize=${s.maxSize ?? 3},desiredSize=${s.desiredSize ?? s.minSize ?? 1}`,
  ].join(' ');
  return leftOut.length > 0 ? `${command} (subnets left out: ${leftOut.join(', ')})` : command;
}
