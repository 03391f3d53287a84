/**
 * Security groups for pods readiness (https://docs.aws.amazon.com/eks/latest/userguide/security-groups-for-pods.html).
 * Pure: no AWS import.
 */
import { partitionOf, replaceNodesCommand, shellQuote } from '../fixes';
import { trunkingCompatible } from '../max-pods';
import type { NodegroupInfo } from '../snapshot';
import { cniAtLeast, formatCniVersion } from '../versions';
import { type CheckContext, isTrunkEni, kubernetesAccessHint, resultsOf } from './context';
import type { CheckResult } from './result';

export const SGP_MIN_CNI = '1.7.7';
export const TCP_EARLY_DEMUX_FIXED_IN = '1.11.0';
export const VPC_RESOURCE_CONTROLLER_POLICY = 'AmazonEKSVPCResourceController';
/** Auto Mode supports SecurityGroupPolicy from this Kubernetes version (EKS user guide, auto-sgp). */
export const AUTO_MODE_SGP_K8S = '1.36';
/** Nodes younger than this may not have their trunk ENI yet. */
export const TRUNK_GRACE_MS = 10 * 60_000;

const LINUX_AMI = /^(AL2|AL2023|BOTTLEROCKET)_/;

/** A Nitro type of the same size to suggest instead of an incompatible one. */
export function suggestTrunkingType(instanceType: string): string {
  const [family = '', size = 'large'] = instanceType.split('.');
  const arm = /^[a-z]+\d+[a-z]*g/.test(family);
  const replacement: Record<string, string> = {
    m4: 'm5',
    c4: 'c5',
    r4: 'r5',
    i3: 'i3en',
    x1: 'x2idn',
    p3: 'p4d',
    c3: 'c5',
    m3: 'm5',
    r3: 'r5',
  };
  if (/^t\d/.test(family)) {
    const bigger = ['xlarge', '2xlarge'].includes(size) ? size : 'large';
    return `${arm ? 'm6g' : 'm5'}.${bigger}`;
  }
  const next = replacement[family];
  return next ? `${next}.${size}` : 'm5.large';
}

function sgpEnabled(ctx: CheckContext): CheckResult {
  const r = resultsOf(ctx, 'sgp-enabled', 'high');
  const { sgp } = ctx;
  if (sgp.setting === true)
    return r.pass('Security groups for pods is enabled', [`ENABLE_POD_ENI=true (${sgp.settingSource})`]);
  if (sgp.setting === false) {
    if (sgp.requiredByPools.length === 0)
      return r.notApplicable('Security groups for pods is off', [
        `ENABLE_POD_ENI=false (${sgp.settingSource})`,
      ]);
    return r.fail(
      `Keeper pool(s) ${sgp.requiredByPools.join(', ')} need branch ENIs, but security groups for pods is off`,
      [`ENABLE_POD_ENI=false (${sgp.settingSource})`, ...sgp.inUseEvidence],
      ctx.cniCommand({ env: { ENABLE_POD_ENI: 'true' } }),
    );
  }
  return r.unknown(
    'Cannot tell whether security groups for pods is enabled',
    [sgp.unknown?.reason ?? 'ENABLE_POD_ENI is unknown', ...sgp.inUseEvidence],
    sgp.unknown?.enable ?? kubernetesAccessHint(ctx.cluster),
  );
}

function sgpCniVersion(ctx: CheckContext): CheckResult {
  const r = resultsOf(ctx, 'sgp-cni-version', 'high');
  const v = ctx.cni.version;
  if (!v.known) return r.unknown('Cannot read the VPC CNI version', [v.reason], v.enable);
  if (cniAtLeast(v.value, SGP_MIN_CNI))
    return r.pass(`VPC CNI ${formatCniVersion(v.value)} supports security groups for pods`, [
      `from the ${v.source}`,
    ]);
  const k8sVersion = ctx.snap.cluster.version ?? '<cluster version>';
  return r.fail(
    `VPC CNI ${formatCniVersion(v.value)} is older than ${SGP_MIN_CNI}, the first version with security groups for pods`,
    [`version ${v.value.raw} from the ${v.source}`],
    ctx.snap.vpcCni
      ? `aws eks update-addon --cluster-name ${shellQuote(ctx.cluster)} --addon-name vpc-cni --resolve-conflicts PRESERVE --addon-version $(aws eks describe-addon-versions --addon-name vpc-cni --kubernetes-version ${k8sVersion} --query 'addons[0].addonVersions[0].addonVersion' --output text)`
      : `upgrade the self-managed VPC CNI to ${SGP_MIN_CNI} or later (or install the EKS add-on: aws eks create-addon --cluster-name ${shellQuote(ctx.cluster)} --addon-name vpc-cni --resolve-conflicts OVERWRITE)`,
  );
}

function sgpClusterRolePolicy(ctx: CheckContext): CheckResult {
  const r = resultsOf(ctx, 'sgp-cluster-role-policy', 'critical');
  const roleArn = ctx.snap.cluster.roleArn;
  const policies = ctx.snap.clusterRolePolicies;
  if (!roleArn)
    return r.unknown(
      'The cluster has no IAM role to inspect',
      ['DescribeCluster returned no roleArn'],
      'check the cluster with aws eks describe-cluster',
    );
  if (!policies.available)
    return r.unknown(
      `Cannot read the policies of the cluster role ${roleArn}`,
      [policies.reason],
      policies.enable,
    );
  const roleName = roleArn.split('/').pop() ?? roleArn;
  if (policies.value.some((arn) => arn.endsWith(`/${VPC_RESOURCE_CONTROLLER_POLICY}`)))
    return r.pass(`Cluster role ${roleName} has ${VPC_RESOURCE_CONTROLLER_POLICY}`);
  return r.fail(
    `Cluster role ${roleName} lacks ${VPC_RESOURCE_CONTROLLER_POLICY}: the VPC resource controller cannot create trunk or branch ENIs`,
    [`attached managed policies: ${policies.value.map((a) => a.split('/').pop()).join(', ') || '(none)'}`],
    `aws iam attach-role-policy --role-name ${shellQuote(roleName)} --policy-arn arn:${partitionOf(roleArn)}:iam::aws:policy/${VPC_RESOURCE_CONTROLLER_POLICY}`,
  );
}

function versionBelow(version: string | undefined, min: string): boolean | undefined {
  const m = /^(\d+)\.(\d+)/.exec(version ?? '');
  const n = /^(\d+)\.(\d+)/.exec(min);
  if (!m || !n) return undefined;
  return Number(m[1]) * 1000 + Number(m[2]) < Number(n[1]) * 1000 + Number(n[2]);
}

function sgpAutoMode(ctx: CheckContext): CheckResult | undefined {
  if (!ctx.snap.cluster.autoMode) return undefined;
  const r = resultsOf(ctx, 'sgp-auto-mode', 'medium');
  const below = versionBelow(ctx.snap.cluster.version, AUTO_MODE_SGP_K8S);
  if (below === false)
    return r.pass(`EKS Auto Mode on Kubernetes ${ctx.snap.cluster.version} supports SecurityGroupPolicy`);
  return r.fail(
    `EKS Auto Mode nodes of Kubernetes ${ctx.snap.cluster.version ?? '(unknown version)'} cannot give pods branch ENIs`,
    [
      'cluster computeConfig.enabled=true',
      `SecurityGroupPolicy on Auto Mode needs Kubernetes ${AUTO_MODE_SGP_K8S} or later`,
    ],
    `run pods that need branch ENIs on a managed node group (nodeSelector ${'eks.amazonaws.com/nodegroup'}: <node group>), or upgrade: aws eks update-cluster-version --name ${shellQuote(ctx.cluster)} --kubernetes-version ${AUTO_MODE_SGP_K8S}`,
  );
}

function sgpEnforcingMode(ctx: CheckContext): CheckResult {
  const r = resultsOf(ctx, 'sgp-enforcing-mode', 'medium');
  const mode = ctx.cni.effective('POD_SECURITY_GROUP_ENFORCING_MODE');
  const conflicts: string[] = [];
  const missing: { reason: string; enable: string }[] = [];
  const proxyAddonMode = (() => {
    const text = ctx.snap.kubeProxy?.configurationValues;
    const m = text ? /"?mode"?\s*:\s*"?([a-z]+)"?/i.exec(text) : null;
    return m?.[1];
  })();
  if (proxyAddonMode === 'ipvs') conflicts.push('kube-proxy add-on configured with mode ipvs');
  if (ctx.k8s) {
    const ds = ctx.k8s.daemonSets;
    if (ds.available) {
      const dns = ds.value.filter((d) => /(^|\/)node-local-dns$/.test(d));
      const calico = ds.value.filter((d) => /(^|\/)calico-node$/.test(d));
      if (dns.length > 0) conflicts.push(`NodeLocal DNSCache (DaemonSet ${dns.join(', ')})`);
      if (calico.length > 0) conflicts.push(`Calico network policy (DaemonSet ${calico.join(', ')})`);
    } else missing.push(ds);
    const proxy = ctx.k8s.kubeProxyMode;
    if (proxy.available) {
      if (proxy.value === 'ipvs' && proxyAddonMode !== 'ipvs')
        conflicts.push('kube-proxy in IPVS mode (kube-proxy-config)');
    } else if (proxyAddonMode === undefined) missing.push(proxy);
    const svc = ctx.k8s.localTrafficServices;
    if (svc.available) {
      if (svc.value.length > 0)
        conflicts.push(
          `services with externalTrafficPolicy: Local (${svc.value.slice(0, 5).join(', ')}${svc.value.length > 5 ? ', …' : ''})`,
        );
    } else missing.push(svc);
  } else if (ctx.k8sMissing) missing.push(ctx.k8sMissing);

  if (mode.known && mode.value === 'standard')
    return r.pass(
      'POD_SECURITY_GROUP_ENFORCING_MODE=standard works with NodeLocal DNSCache, Calico, IPVS and local traffic policy',
      [`from the ${mode.source}`],
    );
  if (conflicts.length > 0) {
    if (!mode.known)
      return r.unknown(
        `Found ${conflicts.join('; ')}, which need POD_SECURITY_GROUP_ENFORCING_MODE=standard, but cannot read the mode`,
        [mode.reason],
        mode.enable,
      );
    return r.fail(
      `Pods with security groups break with ${conflicts.join('; ')} in ${mode.value} enforcing mode`,
      [
        ...conflicts.map((c) => `found ${c}`),
        `POD_SECURITY_GROUP_ENFORCING_MODE=${mode.value} (${mode.source})`,
      ],
      `${ctx.cniCommand({ env: { POD_SECURITY_GROUP_ENFORCING_MODE: 'standard' } })} (then recreate the pods; with standard mode set AWS_VPC_K8S_CNI_EXTERNALSNAT=true for pod-EIP egress)`,
    );
  }
  const first = missing[0];
  if (first)
    return r.unknown(
      'Cannot tell whether NodeLocal DNSCache, Calico, IPVS or externalTrafficPolicy: Local need POD_SECURITY_GROUP_ENFORCING_MODE=standard',
      missing.map((m) => m.reason),
      first.enable,
    );
  return r.pass(
    'No NodeLocal DNSCache, Calico, IPVS or externalTrafficPolicy: Local: strict enforcing mode is fine',
    [
      mode.known
        ? `POD_SECURITY_GROUP_ENFORCING_MODE=${mode.value} (${mode.source})`
        : 'enforcing mode not read',
    ],
  );
}

function sgpTcpEarlyDemux(ctx: CheckContext): CheckResult {
  const r = resultsOf(ctx, 'sgp-tcp-early-demux', 'medium');
  const v = ctx.cni.version;
  if (!v.known)
    return r.unknown(
      'Cannot read the VPC CNI version (below 1.11 probes need DISABLE_TCP_EARLY_DEMUX)',
      [v.reason],
      v.enable,
    );
  if (cniAtLeast(v.value, TCP_EARLY_DEMUX_FIXED_IN))
    return r.notApplicable(`VPC CNI ${formatCniVersion(v.value)} does not need DISABLE_TCP_EARLY_DEMUX`);
  const flag = ctx.cni.flag('DISABLE_TCP_EARLY_DEMUX');
  if (!flag.known)
    return r.unknown(
      `VPC CNI ${formatCniVersion(v.value)} needs DISABLE_TCP_EARLY_DEMUX=true on the init container; cannot read it`,
      [flag.reason],
      flag.enable,
    );
  if (flag.value)
    return r.pass('DISABLE_TCP_EARLY_DEMUX=true on the aws-vpc-cni-init container', [
      `from the ${flag.source}`,
    ]);
  return r.fail(
    `VPC CNI ${formatCniVersion(v.value)} without DISABLE_TCP_EARLY_DEMUX=true: kubelet TCP probes of pods with security groups fail`,
    [
      `DISABLE_TCP_EARLY_DEMUX is not true (${flag.source})`,
      `the VPC CNI fixed this in ${TCP_EARLY_DEMUX_FIXED_IN}`,
    ],
    ctx.cniCommand({ initEnv: { DISABLE_TCP_EARLY_DEMUX: 'true' } }),
  );
}

function nodegroupCreateCommand(ctx: CheckContext, ng: NodegroupInfo, types: string[]): string {
  const s = ng.scaling;
  return [
    `aws eks create-nodegroup --cluster-name ${shellQuote(ctx.cluster)} --nodegroup-name ${shellQuote(`${ng.name}-sgp`)}`,
    // Without the role ARN the command names where to find it in words, not in angle brackets that chat renders as links.
    `--node-role ${ng.nodeRole ? shellQuote(ng.nodeRole) : `NODE_ROLE_ARN_OF_${ng.name.replace(/[^A-Za-z0-9]/g, '_').toUpperCase()}`}`,
    `--subnets ${ng.subnets.join(' ')}`,
    `--instance-types ${types.join(' ')}`,
    `--scaling-config minSize=${s.minSize ?? 1},maxSize=${s.maxSize ?? 3},desiredSize=${s.desiredSize ?? s.minSize ?? 1}`,
  ].join(' ');
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
  const bad: string[] = [];
  const unknownTypes: string[] = [];
  const ok: string[] = [];
  for (const t of types) {
    const net = ctx.snap.instanceTypes[t];
    if (!net) {
      unknownTypes.push(t);
      continue;
    }
    const verdict = trunkingCompatible(net);
    if (verdict.compatible) ok.push(`${t}: ${verdict.reason}`);
    else bad.push(`${t}: ${verdict.reason}`);
  }
  if (bad.length > 0) {
    const suggestions = [
      ...new Set(types.map((t) => (bad.some((b) => b.startsWith(`${t}:`)) ? suggestTrunkingType(t) : t))),
    ];
    return r.fail(
      `Node group ${ng.name} runs instance types that cannot have trunk ENIs, so its pods never get their security groups (${bad.map((b) => b.split(':')[0]).join(', ')})`,
      [
        ...bad,
        ...ok,
        'pods with a SecurityGroupPolicy stay Pending (vpc.amazonaws.com/pod-eni resource never available)',
      ],
      `instance types of a node group cannot change: create a replacement and move the pods: ${nodegroupCreateCommand(ctx, ng, suggestions)}; then aws eks delete-nodegroup --cluster-name ${shellQuote(ctx.cluster)} --nodegroup-name ${shellQuote(ng.name)}`,
    );
  }
  if (unknownTypes.length > 0)
    return r.unknown(
      `DescribeInstanceTypes did not describe ${unknownTypes.join(', ')}`,
      [`checked: ${ok.join('; ') || 'none'}`],
      'check the instance type names of the node group (aws ec2 describe-instance-types --instance-types …)',
    );
  return r.pass(`Every instance type of ${ng.name} supports trunk ENIs`, ok);
}

function sgpLinuxAmi(ctx: CheckContext, ng: NodegroupInfo): CheckResult {
  const r = resultsOf(ctx, 'sgp-linux-ami', 'high', { nodegroup: ng.name });
  const ami = ng.amiType ?? '';
  if (ami.startsWith('WINDOWS'))
    return r.fail(
      `Node group ${ng.name} runs Windows (${ami}); security groups for pods supports Linux nodes only`,
      [`amiType ${ami}`],
      `schedule pods with a SecurityGroupPolicy on Linux node groups (nodeSelector kubernetes.io/os: linux); for Windows pods use node security groups instead`,
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
        [`kubernetes.io/os: ${os.join(', ')}`],
        'schedule pods with a SecurityGroupPolicy on Linux node groups (nodeSelector kubernetes.io/os: linux)',
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

function sgpTrunkEni(ctx: CheckContext, ng: NodegroupInfo, typesOk: boolean): CheckResult {
  const r = resultsOf(ctx, 'sgp-trunk-eni', 'high', { nodegroup: ng.name });
  if (!typesOk)
    return r.notApplicable(`Instance types of ${ng.name} cannot have trunk ENIs (see sgp-instance-type)`);
  if (ctx.sgp.setting === false)
    return r.notApplicable(
      'ENABLE_POD_ENI is false: the VPC resource controller attaches no trunk ENIs (see sgp-enabled)',
    );
  const now = Date.parse(ctx.snap.collectedAt);
  const instances = ctx.instancesOf(ng.name).filter((i) => i.state === undefined || i.state === 'running');
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

/** Every security-groups-for-pods result of the cluster (empty when the feature is off and nothing needs it). */
export function securityGroupsForPodsChecks(ctx: CheckContext): CheckResult[] {
  const results: CheckResult[] = [sgpEnabled(ctx)];
  if (!ctx.sgp.inScope) return results;
  results.push(sgpCniVersion(ctx), sgpClusterRolePolicy(ctx));
  const auto = sgpAutoMode(ctx);
  if (auto) results.push(auto);
  results.push(sgpEnforcingMode(ctx), sgpTcpEarlyDemux(ctx));
  for (const ng of ctx.snap.nodegroups) {
    const types = sgpInstanceType(ctx, ng);
    results.push(types, sgpLinuxAmi(ctx, ng), sgpTrunkEni(ctx, ng, types.status !== 'fail'));
  }
  return results;
}
