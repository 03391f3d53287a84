/**
 * What one node of a node group can run: max pods (the kubelet's limit, from the node's IPs) and, with security
 * groups for pods, the branch ENIs of its type (`vpc.amazonaws.com/pod-eni`), which bound the pods with security
 * groups on it independently of max pods. Pure: no AWS import.
 */
import type { NodegroupInfo } from '../model';
import { trunkSupport } from '../trunking';
import { type CheckContext, isTrunkEni } from './context';

export interface PodsRange {
  min: number;
  max: number;
}

/** Max pods of an instance type under the cluster's settings: a range while a setting is unknown. */
export function maxPodsRange(ctx: CheckContext, instanceType: string): PodsRange | undefined {
  const values = (ctx.maxPodsCandidates(instanceType) ?? []).map((c) => c.maxPods);
  if (values.length === 0) return undefined;
  return { min: Math.min(...values), max: Math.max(...values) };
}

export const rangeText = (r: PodsRange) => (r.min === r.max ? `${r.max}` : `${r.min}–${r.max}`);

export type BranchCapacity =
  | {
      /** One line per instance type: branch ENIs next to max pods. */
      perType: string[];
      /** One line per running node: branch ENIs in use of its limit (empty when not counted). */
      perNode: string[];
      maxNodes: number;
      /** Branch ENIs the group can have at its max size (the smallest type's limit per node). */
      atMaxSize: number;
      perNodeLimitText: string;
      /** Branch ENIs on the group's running nodes now; undefined when they were not counted. */
      used?: number;
    }
  | { unknown: string; enable: string };

export function branchCapacity(ctx: CheckContext, ng: NodegroupInfo): BranchCapacity {
  const types = ctx.instanceTypesOf(ng);
  const maxNodes = ng.scaling.maxSize ?? ng.scaling.desiredSize;
  if (types.length === 0 || maxNodes === undefined)
    return {
      unknown: `Cannot compute the branch ENIs of ${ng.name}: ${types.length === 0 ? 'no instance type is named and no node runs' : 'no scaling configuration'}`,
      enable: 'name instance types and a max size in the node group',
    };
  const limits = types.map((t) => ({ type: t, branch: trunkSupport(t).branchInterfaces }));
  const smallest = limits.reduce((a, b) => (b.branch < a.branch ? b : a));
  const perType = limits.map(({ type, branch }) => {
    const pods = maxPodsRange(ctx, type);
    return `${type}: ${branch} pods with security groups per node (branch ENIs), max pods ${pods ? rangeText(pods) : 'unknown'}`;
  });
  const counts = ctx.snap.branchEniCounts;
  const perNode: string[] = [];
  let used: number | undefined;
  if (counts) {
    used = 0;
    for (const i of ctx.runningInstancesOf(ng.name)) {
      const trunk = ctx.enisOf(i.instanceId).find(isTrunkEni);
      const n = trunk ? (counts[trunk.networkInterfaceId] ?? 0) : 0;
      used += n;
      perNode.push(
        `${i.instanceId} (${i.instanceType}): ${n} of ${trunkSupport(i.instanceType).branchInterfaces} branch ENIs in use`,
      );
    }
  }
  return {
    perType,
    perNode,
    maxNodes,
    atMaxSize: maxNodes * smallest.branch,
    perNodeLimitText: `${smallest.type} node carries ${smallest.branch} branch ENIs`,
    ...(used !== undefined ? { used } : {}),
  };
}

/** One line per node group for the report: max pods and pods with security groups per node and at max size. */
export function capacityLines(ctx: CheckContext): string[] {
  return ctx.snap.nodegroups.map((ng) => {
    const types = ctx.instanceTypesOf(ng);
    const maxNodes = ng.scaling.maxSize ?? ng.scaling.desiredSize;
    if (types.length === 0) return `${ng.name}: instance type unknown`;
    const parts = types.map((t) => {
      const pods = maxPodsRange(ctx, t);
      const branch = trunkSupport(t).branchInterfaces;
      const atMax =
        maxNodes !== undefined && pods
          ? `; at max size ${maxNodes}: ${maxNodes * pods.max} pods, ${maxNodes * branch} with security groups`
          : '';
      return `${t} max pods ${pods ? rangeText(pods) : 'unknown'}, pods with security groups ${branch} (branch ENIs)${atMax}`;
    });
    return `${ng.name}: ${parts.join('; ')}`;
  });
}
