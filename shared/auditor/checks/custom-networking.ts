/**
 * VPC CNI custom networking readiness (https://docs.aws.amazon.com/eks/latest/userguide/cni-custom-network.html).
 * Pure: no AWS import.
 */
import { replaceNodesCommand, shellQuote } from '../fixes';
import type { EniConfigInfo, NodegroupInfo, SubnetInfo } from '../model';
import { type CheckContext, isCniEni, kubernetesAccessHint, resultsOf, ZONE_LABELS } from './context';
import type { CheckResult } from './result';

const CGNAT = { base: ipToInt('100.64.0.0'), mask: 10 };

function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

function inCgnat(cidr: string): boolean {
  const [ip = '', len = '32'] = cidr.split('/');
  if (Number(len) < CGNAT.mask) return false;
  const size = 2 ** (32 - CGNAT.mask);
  const base = ipToInt(ip);
  return base >= CGNAT.base && base < CGNAT.base + size;
}

/** The subnet to suggest for pods in an AZ: in the cluster VPC, not a node subnet, CG-NAT space first, most free. */
export function podSubnetCandidate(ctx: CheckContext, az: string, exclude: string[]): SubnetInfo | undefined {
  const vpcId = ctx.snap.cluster.vpcId;
  return Object.values(ctx.snap.subnets)
    .filter((s) => s.vpcId === vpcId && s.availabilityZone === az && !exclude.includes(s.subnetId))
    .sort(
      (a, b) =>
        Number(inCgnat(b.cidrBlock)) - Number(inCgnat(a.cidrBlock)) ||
        b.availableIpAddressCount - a.availableIpAddressCount ||
        a.subnetId.localeCompare(b.subnetId),
    )[0];
}

function labelDefinition(ctx: CheckContext) {
  return ctx.cni.effective('ENI_CONFIG_LABEL_DEF');
}

function cnEnabled(ctx: CheckContext): CheckResult {
  const r = resultsOf(ctx, 'cn-enabled', 'medium');
  const cn = ctx.customNetworking;
  if (cn.setting === true)
    return r.pass('Custom networking is enabled', [
      `AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG=true (${cn.settingSource})`,
    ]);
  if (cn.setting === false)
    return r.notApplicable('Custom networking is off', [`from the ${cn.settingSource}`]);
  if (cn.inScope)
    return r.pass('Custom networking is in use (CNI ENIs sit outside their nodes’ subnets)', [
      ...cn.inUseEvidence,
      cn.unknown?.reason ?? '',
    ]);
  return r.unknown(
    'Cannot tell whether custom networking is enabled',
    [cn.unknown?.reason ?? 'AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG is unknown'],
    cn.unknown?.enable ?? kubernetesAccessHint(ctx.cluster),
  );
}

/** Which ENIConfig each AZ (or label value) of a node group needs. */
interface Expected {
  /** ENIConfig name. */
  name: string;
  /** AZs whose nodes use it. */
  azs: string[];
  /** Where the expectation comes from, for evidence. */
  why: string;
}

function expectedEniConfigs(ctx: CheckContext, ng: NodegroupInfo, labelDef: string): Expected[] | undefined {
  const azs = ctx.nodegroupAzs(ng);
  if (ZONE_LABELS.includes(labelDef))
    return azs.map((az) => ({ name: az, azs: [az], why: `${labelDef}=${az}` }));
  const fromNg = ng.labels[labelDef];
  if (fromNg) return [{ name: fromNg, azs, why: `node group label ${labelDef}=${fromNg}` }];
  const nodes = ctx.k8sNodesOf(ng);
  if (!nodes || nodes.length === 0) return undefined;
  const byName = new Map<string, Set<string>>();
  for (const n of nodes) {
    const v = n.labels[labelDef];
    if (!v) continue;
    const az =
      n.labels['topology.kubernetes.io/zone'] ??
      (n.instanceId
        ? ctx.snap.instances.find((i) => i.instanceId === n.instanceId)?.availabilityZone
        : undefined);
    const set = byName.get(v) ?? new Set<string>();
    if (az) set.add(az);
    byName.set(v, set);
  }
  if (byName.size === 0) return undefined;
  return [...byName].map(([name, set]) => ({
    name,
    azs: [...set].sort(),
    why: `node label ${labelDef}=${name}`,
  }));
}

function eniConfigYaml(name: string, subnet: string, securityGroups: string[]): string {
  return [
    `kubectl apply -f - <<'EOF'`,
    'apiVersion: crd.k8s.amazonaws.com/v1alpha1',
    'kind: ENIConfig',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    `  subnet: ${subnet}`,
    ...(securityGroups.length > 0 ? ['  securityGroups:', ...securityGroups.map((g) => `    - ${g}`)] : []),
    'EOF',
  ].join('\n');
}

function cnEniConfig(ctx: CheckContext, ng: NodegroupInfo): CheckResult {
  const r = resultsOf(ctx, 'cn-eniconfig', 'high', { nodegroup: ng.name });
  const eniConfigs = ctx.k8s?.eniConfigs;
  if (!eniConfigs?.available) {
    const why = eniConfigs && !eniConfigs.available ? eniConfigs : ctx.k8sMissing;
    return r.unknown(
      `Cannot read ENIConfigs: cannot verify that every AZ of ${ng.name} has one naming a subnet of that AZ and VPC`,
      [
        why?.reason ?? 'ENIConfigs unavailable',
        `node group AZs: ${ctx.nodegroupAzs(ng).join(', ') || '(unknown)'}`,
      ],
      why?.enable ?? kubernetesAccessHint(ctx.cluster),
    );
  }
  const labelDef = labelDefinition(ctx);
  if (!labelDef.known)
    return r.unknown('Cannot read ENI_CONFIG_LABEL_DEF', [labelDef.reason], labelDef.enable);
  const expected = expectedEniConfigs(ctx, ng, labelDef.value);
  if (!expected)
    return r.notApplicable(`Nodes of ${ng.name} carry no ${labelDef.value} label (see cn-label-def)`);
  const byName = new Map(eniConfigs.value.map((c) => [c.name, c]));
  const vpcId = ctx.snap.cluster.vpcId;
  const siblingGroups =
    eniConfigs.value.find((c) => c.securityGroups.length > 0)?.securityGroups ??
    ctx.snap.cluster.securityGroupIds;
  const problems: string[] = [];
  const fixes: string[] = [];
  const ok: string[] = [];
  for (const e of expected) {
    const config: EniConfigInfo | undefined = byName.get(e.name);
    const az = e.azs.length === 1 ? e.azs[0] : undefined;
    const candidate = az ? podSubnetCandidate(ctx, az, ng.subnets) : undefined;
    const candidateText =
      candidate?.subnetId ??
      `<a pod subnet of ${vpcId ?? 'the cluster VPC'} in ${e.azs.join('/') || 'that AZ'}>`;
    if (!config) {
      problems.push(`no ENIConfig named ${e.name} (needed by nodes with ${e.why})`);
      fixes.push(eniConfigYaml(e.name, candidateText, siblingGroups));
      continue;
    }
    const subnet = config.subnet ? ctx.subnet(config.subnet) : undefined;
    const patch = `kubectl patch eniconfig ${shellQuote(e.name)} --type merge -p '{"spec":{"subnet":"${candidateText}"}}'`;
    if (!config.subnet) {
      problems.push(`ENIConfig ${e.name} names no subnet`);
      fixes.push(patch);
    } else if (!subnet) {
      problems.push(`ENIConfig ${e.name} names ${config.subnet}, which does not exist`);
      fixes.push(patch);
    } else if (vpcId && subnet.vpcId !== vpcId) {
      problems.push(
        `ENIConfig ${e.name} names ${subnet.subnetId} of ${subnet.vpcId}, not the cluster VPC ${vpcId}`,
      );
      fixes.push(patch);
    } else if (e.azs.length > 1) {
      problems.push(
        `ENIConfig ${e.name} is used by nodes in ${e.azs.join(', ')}, but its subnet ${subnet.subnetId} is in ${subnet.availabilityZone} only`,
      );
      fixes.push(
        `set ENI_CONFIG_LABEL_DEF=topology.kubernetes.io/zone and create one ENIConfig per AZ: ${ctx.cniCommand({ env: { ENI_CONFIG_LABEL_DEF: 'topology.kubernetes.io/zone' } })}`,
      );
    } else if (az && subnet.availabilityZone !== az) {
      problems.push(
        `ENIConfig ${e.name} names ${subnet.subnetId} in ${subnet.availabilityZone}, but its nodes are in ${az}`,
      );
      fixes.push(patch);
    } else
      ok.push(`ENIConfig ${e.name} → ${subnet.subnetId} (${subnet.availabilityZone}, ${subnet.cidrBlock})`);
  }
  if (problems.length === 0) return r.pass(`Every AZ of ${ng.name} has a matching ENIConfig`, ok);
  return r.fail(
    `Custom networking is not ready for ${ng.name}: ${problems[0]}${problems.length > 1 ? ` (+${problems.length - 1} more)` : ''}; pods on those nodes get no IP`,
    [...problems, ...ok],
    fixes.join('\n'),
  );
}

function cnLabelDef(ctx: CheckContext): CheckResult {
  const r = resultsOf(ctx, 'cn-label-def', 'medium');
  const labelDef = labelDefinition(ctx);
  if (!labelDef.known)
    return r.unknown('Cannot read ENI_CONFIG_LABEL_DEF', [labelDef.reason], labelDef.enable);
  if (ZONE_LABELS.includes(labelDef.value))
    return r.pass(`Nodes pick the ENIConfig named after their AZ (${labelDef.value})`, [
      `from the ${labelDef.source}`,
    ]);
  const unlabelled: string[] = [];
  const unknownNgs: string[] = [];
  for (const ng of ctx.snap.nodegroups) {
    if (ng.labels[labelDef.value]) continue;
    const nodes = ctx.k8sNodesOf(ng);
    if (nodes === undefined) {
      unknownNgs.push(ng.name);
      continue;
    }
    const missing = nodes.filter((n) => !n.labels[labelDef.value]).map((n) => n.name);
    if (missing.length > 0 || nodes.length === 0)
      unlabelled.push(
        `${ng.name}${missing.length > 0 ? ` (nodes ${missing.slice(0, 3).join(', ')})` : ' (the node group sets no such label)'}`,
      );
  }
  const fix = `${ctx.cniCommand({ env: { ENI_CONFIG_LABEL_DEF: 'topology.kubernetes.io/zone' } })} (and name one ENIConfig after each AZ)`;
  if (unlabelled.length > 0)
    return r.fail(
      `ENI_CONFIG_LABEL_DEF is ${labelDef.value}, and nodes of ${unlabelled.map((u) => u.split(' ')[0]).join(', ')} do not carry it: they use no ENIConfig`,
      [
        `ENI_CONFIG_LABEL_DEF=${labelDef.value} (${labelDef.source})`,
        ...unlabelled.map((u) => `unlabelled: ${u}`),
      ],
      fix,
    );
  if (unknownNgs.length > 0)
    return r.unknown(
      `Cannot tell whether nodes of ${unknownNgs.join(', ')} carry ${labelDef.value}`,
      [ctx.k8sMissing?.reason ?? 'node labels unavailable'],
      ctx.k8sMissing?.enable ?? kubernetesAccessHint(ctx.cluster),
    );
  return r.pass(`Every node group labels its nodes with ${labelDef.value}`);
}

function cnStaleNodes(ctx: CheckContext, ng: NodegroupInfo): CheckResult {
  const r = resultsOf(ctx, 'cn-stale-nodes', 'medium', { nodegroup: ng.name });
  const instances = ctx.instancesOf(ng.name).filter((i) => i.state === undefined || i.state === 'running');
  if (instances.length === 0) return r.notApplicable(`Node group ${ng.name} has no running nodes`);
  const eniConfigs = ctx.k8s?.eniConfigs.available ? ctx.k8s.eniConfigs.value : undefined;
  const stale: { instanceId: string; name?: string; why: string }[] = [];
  for (const i of instances) {
    const enis = ctx.enisOf(i.instanceId);
    const primary = enis.find((e) => e.deviceIndex === 0);
    const podSubnetForAz = eniConfigs?.find((c) => c.name === i.availabilityZone)?.subnet;
    const node = ctx.k8sNodeOfInstance(i.instanceId);
    const reasons: string[] = [];
    if (primary && (primary.secondaryIpCount > 0 || primary.prefixCount > 0))
      reasons.push(
        `${primary.secondaryIpCount + primary.prefixCount * 16} pod IP(s) on its primary ENI ${primary.networkInterfaceId}`,
      );
    for (const e of enis) {
      if (e.deviceIndex === 0 || !isCniEni(e)) continue;
      if (e.subnetId === i.subnetId && podSubnetForAz !== i.subnetId)
        reasons.push(`CNI ENI ${e.networkInterfaceId} in the node subnet ${e.subnetId}`);
    }
    if (reasons.length > 0)
      stale.push({
        instanceId: i.instanceId,
        ...(node ? { name: node.name } : {}),
        why: `${i.instanceId}${node ? ` (${node.name})` : ''}${i.launchTime ? ` launched ${i.launchTime}` : ''}: ${reasons.join('; ')}`,
      });
  }
  if (stale.length === 0)
    return r.pass(`No node of ${ng.name} hosts pods in its own subnet`, [
      `${instances.length} node(s) checked`,
    ]);
  return r.fail(
    `${stale.length} node(s) of ${ng.name} predate custom networking and still place pods in the node subnet`,
    [...stale.map((s) => s.why), 'custom networking applies only to nodes launched after it was enabled'],
    replaceNodesCommand(stale),
  );
}

function maxPodsFix(ng: NodegroupInfo, cluster: string, value: number): string {
  const ami = ng.amiType ?? '';
  if (ami.startsWith('AL2023'))
    return `set maxPods: ${value} in the launch template's NodeConfig (spec.kubelet.config.maxPods: ${value}), then roll the node group: aws eks update-nodegroup-version --cluster-name ${shellQuote(cluster)} --nodegroup-name ${shellQuote(ng.name)} --launch-template name=<template>,version=<new version>`;
  if (ami.startsWith('BOTTLEROCKET'))
    return `set max-pods = ${value} under [settings.kubernetes] in the launch template user data, then roll the node group: aws eks update-nodegroup-version --cluster-name ${shellQuote(cluster)} --nodegroup-name ${shellQuote(ng.name)} --launch-template name=<template>,version=<new version>`;
  return `in the launch template user data: /etc/eks/bootstrap.sh ${shellQuote(cluster)} --use-max-pods false --kubelet-extra-args '--max-pods=${value}', then roll the node group: aws eks update-nodegroup-version --cluster-name ${shellQuote(cluster)} --nodegroup-name ${shellQuote(ng.name)} --launch-template name=<template>,version=<new version>`;
}

function cnMaxPods(ctx: CheckContext, ng: NodegroupInfo): CheckResult {
  const r = resultsOf(ctx, 'cn-max-pods', 'medium', { nodegroup: ng.name });
  const nodes = ctx.k8sNodesOf(ng);
  if (nodes === undefined)
    return r.unknown(
      `Cannot read the max pods of ${ng.name}'s nodes (custom networking leaves fewer IPs per node)`,
      [ctx.k8sMissing?.reason ?? 'node capacity unavailable'],
      ctx.k8sMissing?.enable ?? kubernetesAccessHint(ctx.cluster),
    );
  const withCapacity = nodes.filter((n) => n.podsCapacity !== undefined);
  if (withCapacity.length === 0)
    return r.notApplicable(`Node group ${ng.name} has no nodes to read max pods from`);
  const over: string[] = [];
  const unsure: string[] = [];
  const ok: string[] = [];
  let lowest = Number.POSITIVE_INFINITY;
  for (const n of withCapacity) {
    const type =
      n.labels['node.kubernetes.io/instance-type'] ??
      ctx.snap.instances.find((i) => i.instanceId === n.instanceId)?.instanceType;
    const candidates = type ? ctx.maxPodsCandidates(type, true) : undefined;
    if (!type || !candidates || candidates.length === 0) {
      unsure.push(`${n.name}: instance type ${type ?? 'unknown'} not described`);
      continue;
    }
    const values = candidates.map((c) => c.maxPods);
    const max = Math.max(...values);
    const min = Math.min(...values);
    lowest = Math.min(lowest, min);
    const cap = n.podsCapacity as number;
    const line = `${n.name} (${type}): kubelet max pods ${cap}, custom networking allows ${min === max ? min : `${min}–${max}`} (${candidates[0]?.formula})`;
    if (cap > max) over.push(line);
    else if (cap > min) unsure.push(line);
    else ok.push(line);
  }
  if (over.length > 0)
    return r.fail(
      `Max pods of ${ng.name} was not lowered for custom networking: pods beyond the node's IPs stay in ContainerCreating`,
      [...over, ...ok],
      maxPodsFix(ng, ctx.cluster, lowest),
    );
  if (unsure.length > 0)
    return r.unknown(
      `Cannot tell whether max pods of ${ng.name} fits custom networking`,
      unsure,
      `read ENABLE_PREFIX_DELEGATION and the CNI version: ${ctx.k8sMissing?.enable ?? kubernetesAccessHint(ctx.cluster)}`,
    );
  return r.pass(`Max pods of ${ng.name} fits custom networking`, ok);
}

export function customNetworkingChecks(ctx: CheckContext): CheckResult[] {
  const results: CheckResult[] = [cnEnabled(ctx)];
  if (!ctx.customNetworking.inScope) return results;
  results.push(cnLabelDef(ctx));
  for (const ng of ctx.snap.nodegroups)
    results.push(cnEniConfig(ctx, ng), cnStaleNodes(ctx, ng), cnMaxPods(ctx, ng));
  return results;
}
