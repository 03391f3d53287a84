/**
 * Security groups for pods, per node group: instance types that can have a trunk ENI, Linux nodes, trunk ENIs
 * attached, and the branch-ENI capacity that bounds how many pods with security groups each node runs
 * (https://docs.aws.amazon.com/eks/latest/userguide/security-groups-for-pods.html). Pure: no AWS import.
 */
import { replaceNodesCommand, shellQuote } from '../fixes';
import type { NodegroupInfo } from '../model';
import { BRANCH_RESOURCE, trunkSupport } from '../trunking';
import { branchCapacity } from './capacity';
import { type CheckContext, isTrunkEni, kubernetesAccessHint, resultsOf } from './context';
import { replacementNodegroupCommand } from './replacement';
import type { CheckResult } from './result';

/** Nodes younger than this may not have their trunk ENI yet. */
export const TRUNK_GRACE_MS = 10 * 60_000;
/** Share of the node group's branch ENIs in use (at its max size) from which the capacity check warns. */
export const BRANCH_WARN_RATIO = 0.8;

const LINUX_AMI = /^(AL2|AL2023|BOTTLEROCKET)_/;

/** Same-size replacements of families the VPC resource controller does not trunk. */
const REPLACEMENT_FAMILY: Readonly<Record<string, string>> = {
  m4: 'm5',
  c4: 'c5',
  r4: 'r5',
  i3: 'i3en',
  i4i: 'i4i',
  x1: 'x2idn',
  p3: 'p4d',
  c3: 'c5',
  m3: 'm5',
  r3: 'r5',
};

/** A trunking-compatible type (by the controller's table) close to an incompatible one. */
export function suggestTrunkingType(instanceType: string): string {
  const [family = '', size = 'large'] = instanceType.split('.');
  const arm = /^[a-z]+\d+[a-z]*g/.test(family);
  const burstable = /^t\d/.test(family);
  const base = burstable ? (arm ? 'm6g' : 'm5') : (REPLACEMENT_FAMILY[family] ?? family);
  // Burstable sizes below large have no general-purpose counterpart.
  const sized = burstable && !['xlarge', '2xlarge'].includes(size) ? 'large' : size;
  const candidates = [
    `${base}.${sized}`,
    ...['xlarge', '2xlarge'].map((s) => `${base}.${s}`),
    `${arm ? 'm6g' : 'm5'}.${sized}`,
    arm ? 'm6g.large' : 'm5.large',
  ];
  return candidates.find((c) => trunkSupport(c).compatible) ?? 'm5.large';
}

/** Whether the node group runs Windows: by AMI type, or by its nodes' `kubernetes.io/os` label. */
export function runsWindows(ctx: CheckContext, ng: NodegroupInfo): boolean {
  if ((ng.amiType ?? '').startsWith('WINDOWS')) return true;
  return (ctx.k8sNodesOf(ng) ?? []).some((n) => n.labels['kubernetes.io/os'] === 'windows');
}

function sgpInstanceType(ctx: CheckContext, ng: NodegroupInfo): CheckResult {
  const r = resultsOf(ctx, 'sgp-instance-type', 'high', { nodegroup: ng.name });
  const types = ctx.instanceTypesOf(ng);
  if (types.length === 0)
    return r.unknown(
      `Node group ${ng.name} names no instance type and has no running nodes`,
      [
        `instance types come from launch template ${ng.launchTemplate?.name ?? ng.launchTemplate?.id ?? '(unknown)'}`,
      ],
      'the auditor reads the instance type from running nodes: scale the node group to at least one node, or name instance types in the node group',
    );
  const verdicts = types.map(trunkSupport);
  const ok = verdicts.filter((v) => v.compatible).map((v) => `${v.instanceType}: ${v.reason}`);
  // A type our copy of the controller's table lacks may be newer than the copy: unknown, not fail.
  const absent = verdicts.filter((v) => !v.compatible && v.reason.includes('not in the VPC resource'));
  const bad = verdicts.filter((v) => !v.compatible && !absent.includes(v));
  if (bad.length > 0) {
    const badNames = bad.map((b) => b.instanceType);
    const suggestions = [...new Set(types.map((t) => (badNames.includes(t) ? suggestTrunkingType(t) : t)))];
    return r.fail(
      `Node group ${ng.name} runs instance types that cannot have trunk ENIs, so its pods never get their security groups (${badNames.join(', ')})`,
      [
        ...bad.map((b) => `${b.instanceType}: ${b.reason}`),
        ...ok,
        `pods with a SecurityGroupPolicy stay Pending (${BRANCH_RESOURCE} resource never available)`,
      ],
      `instance types of a node group cannot change: create a replacement and move the pods: ${replacementNodegroupCommand(ctx, ng, suggestions)}; then aws eks delete-nodegroup --cluster-name ${shellQuote(ctx.cluster)} --nodegroup-name ${shellQuote(ng.name)}`,
    );
  }
  if (absent.length > 0)
    return r.unknown(
      `Cannot tell whether ${absent.map((a) => a.instanceType).join(', ')} can have trunk ENIs`,
      [...absent.map((a) => `${a.instanceType}: ${a.reason}`), ...ok],
      `check the type's capacity on a running node: kubectl get nodes -l node.kubernetes.io/instance-type=${absent[0]?.instanceType} -o jsonpath='{.items[*].status.allocatable.vpc\\.amazonaws\\.com/pod-eni}'`,
    );
  return r.pass(`Every instance type of ${ng.name} supports trunk ENIs`, ok);
}

function sgpLinuxAmi(ctx: CheckContext, ng: NodegroupInfo): CheckResult {
  const r = resultsOf(ctx, 'sgp-linux-ami', 'high', { nodegroup: ng.name });
  const ami = ng.amiType ?? '';
  const fix =
    'schedule pods with a SecurityGroupPolicy on Linux node groups (nodeSelector kubernetes.io/os: linux); for Windows pods use node security groups instead';
  if (ami.startsWith('WINDOWS'))
    return r.fail(
      `Node group ${ng.name} runs Windows (${ami}); security groups for pods supports Linux nodes only`,
      [`amiType ${ami}`, 'Windows nodes never get a trunk ENI'],
      fix,
    );
  if (LINUX_AMI.test(ami)) return r.pass(`Node group ${ng.name} runs Linux (${ami})`);
  const nodes = ctx.k8sNodesOf(ng);
  if (nodes && nodes.length > 0) {
    const os = [...new Set(nodes.map((n) => n.labels['kubernetes.io/os'] ?? '(unlabelled)'))];
    if (os.length === 1 && os[0] === 'linux')
      return r.pass(`Nodes of ${ng.name} run Linux`, [
        `amiType ${ami || '(none)'}; kubernetes.io/os=linux on ${nodes.length} node(s)`,
      ]);
    if (os.includes('windows'))
      return r.fail(
        `Nodes of ${ng.name} run Windows; security groups for pods supports Linux nodes only`,
        [`kubernetes.io/os: ${os.join(', ')}`, 'Windows nodes never get a trunk ENI'],
        fix,
      );
  }
  return r.unknown(
    `Node group ${ng.name} uses amiType ${ami || '(none)'}: cannot tell its operating system`,
    [
      ctx.k8sMissing
        ? ctx.k8sMissing.reason
        : 'no Kubernetes node of the node group to read kubernetes.io/os from',
    ],
    ctx.k8sMissing?.enable ??
      'scale the node group to at least one node so its kubernetes.io/os label can be read',
  );
}

/** Why the per-node SGP checks do not apply to a node group, if they do not. */
function nodeChecksNotApplicable(ctx: CheckContext, ng: NodegroupInfo, typesOk: boolean) {
  if (!typesOk) return `Instance types of ${ng.name} cannot have trunk ENIs (see sgp-instance-type)`;
  // AWS: "Windows nodes aren't supported" — a Windows node never gets a trunk ENI; sgp-linux-ami says so.
  if (runsWindows(ctx, ng)) return `Node group ${ng.name} runs Windows (see sgp-linux-ami)`;
  if (ctx.sgp.setting === false)
    return 'ENABLE_POD_ENI is false: the VPC resource controller attaches no trunk ENIs (see sgp-enabled)';
  return undefined;
}

function sgpTrunkEni(ctx: CheckContext, ng: NodegroupInfo, typesOk: boolean): CheckResult {
  const r = resultsOf(ctx, 'sgp-trunk-eni', 'high', { nodegroup: ng.name });
  const skip = nodeChecksNotApplicable(ctx, ng, typesOk);
  if (skip) return r.notApplicable(skip);
  const now = Date.parse(ctx.snap.collectedAt);
  const instances = ctx.runningInstancesOf(ng.name);
  if (instances.length === 0) return r.notApplicable(`Node group ${ng.name} has no running nodes`);
  const missing: { instanceId: string; name?: string; launchTime?: string }[] = [];
  const young: string[] = [];
  let withTrunk = 0;
  for (const i of instances) {
    if (ctx.enisOf(i.instanceId).some(isTrunkEni)) {
      withTrunk += 1;
      continue;
    }
    if (i.launchTime && now - Date.parse(i.launchTime) < TRUNK_GRACE_MS) {
      young.push(i.instanceId);
      continue;
    }
    const node = ctx.k8sNodeOfInstance(i.instanceId);
    missing.push({
      instanceId: i.instanceId,
      ...(node ? { name: node.name } : {}),
      ...(i.launchTime ? { launchTime: i.launchTime } : {}),
    });
  }
  if (missing.length === 0)
    return r.pass(`Every node of ${ng.name} has a trunk ENI`, [
      `${withTrunk} node(s) with a trunk ENI${young.length > 0 ? `; ${young.length} node(s) launched in the last ${TRUNK_GRACE_MS / 60_000} min not checked yet` : ''}`,
    ]);
  const evidence = missing.map(
    (m) =>
      `${m.instanceId}${m.name ? ` (${m.name})` : ''}${m.launchTime ? ` launched ${m.launchTime}` : ''} has no trunk ENI`,
  );
  if (ctx.sgp.setting === undefined)
    return r.unknown(
      `${missing.length} node(s) of ${ng.name} have no trunk ENI, and ENABLE_POD_ENI cannot be read`,
      [...evidence, ctx.sgp.unknown?.reason ?? ''],
      ctx.sgp.unknown?.enable ?? kubernetesAccessHint(ctx.cluster),
    );
  return r.fail(
    `${missing.length} of ${instances.length} node(s) of ${ng.name} have no trunk ENI: pods with security groups cannot run there`,
    [
      ...evidence,
      `${withTrunk} node(s) have one`,
      'nodes that joined before ENABLE_POD_ENI=true keep running without a trunk ENI',
    ],
    replaceNodesCommand(missing),
  );
}

/**
 * Pods with security groups per node are bounded by the type's branch ENIs, not by max pods (m5.large: 9 of 29).
 * Fails when the group's branch ENIs, at its max size, are nearly or fully in use: the next such pods stay Pending.
 */
function sgpBranchCapacity(ctx: CheckContext, ng: NodegroupInfo, typesOk: boolean): CheckResult {
  const r = resultsOf(ctx, 'sgp-branch-capacity', 'medium', { nodegroup: ng.name });
  const skip = nodeChecksNotApplicable(ctx, ng, typesOk);
  if (skip) return r.notApplicable(skip);
  const cap = branchCapacity(ctx, ng);
  if ('unknown' in cap) return r.unknown(cap.unknown, [], cap.enable);
  const evidence = [...cap.perType, ...cap.perNode];
  if (cap.used === undefined)
    return r.pass(`${ng.name} can run ${cap.atMaxSize} pods with security groups at its max size`, evidence);
  const ratio = cap.atMaxSize === 0 ? 1 : cap.used / cap.atMaxSize;
  evidence.push(
    `${cap.used} branch ENI(s) in use of ${cap.atMaxSize} at max size ${cap.maxNodes} (${Math.round(ratio * 100)}%)`,
  );
  if (ratio < BRANCH_WARN_RATIO)
    return r.pass(
      `${ng.name} has room for ${cap.atMaxSize - cap.used} more pods with security groups`,
      evidence,
    );
  const full = cap.used >= cap.atMaxSize;
  return r.fail(
    full
      ? `Node group ${ng.name} has no branch ENI left even at its max size: new pods with security groups stay Pending (${BRANCH_RESOURCE})`
      : `Node group ${ng.name} has used ${Math.round(ratio * 100)}% of the branch ENIs it can have: pods with security groups will soon stay Pending`,
    evidence,
    `raise the node group's max size (each ${cap.perNodeLimitText}), or add a node group of a type with more branch ENIs: aws eks update-nodegroup-config --cluster-name ${shellQuote(ctx.cluster)} --nodegroup-name ${shellQuote(ng.name)} --scaling-config maxSize=${cap.maxNodes + Math.max(1, Math.ceil(cap.maxNodes / 2))}`,
  );
}

/** The per-node-group security-groups-for-pods results. */
export function sgpNodegroupChecks(ctx: CheckContext, ng: NodegroupInfo): CheckResult[] {
  const types = sgpInstanceType(ctx, ng);
  const typesOk = types.status !== 'fail';
  return [types, sgpLinuxAmi(ctx, ng), sgpTrunkEni(ctx, ng, typesOk), sgpBranchCapacity(ctx, ng, typesOk)];
}
