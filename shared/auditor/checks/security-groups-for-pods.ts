/**
 * Security groups for pods readiness (https://docs.aws.amazon.com/eks/latest/userguide/security-groups-for-pods.html).
 * Pure: no AWS import.
 */
import { partitionOf, shellQuote } from '../fixes';
import { cniAtLeast, formatCniVersion } from '../versions';
import {
  type CheckContext,
  ENFORCING_MODE_MIN_CNI,
  enforcingMode,
  kubernetesAccessHint,
  resultsOf,
} from './context';
import type { CheckResult } from './result';
import { sgpNodegroupChecks } from './sgp-nodegroup';

export const SGP_MIN_CNI = '1.7.7';
export const VPC_RESOURCE_CONTROLLER_POLICY = 'AmazonEKSVPCResourceController';
/** Auto Mode supports SecurityGroupPolicy from this Kubernetes version (EKS user guide, auto-sgp). */
export const AUTO_MODE_SGP_K8S = '1.36';
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

function belowEnforcingModeCni(ctx: CheckContext): boolean {
  const v = ctx.cni.version;
  return v.known && !cniAtLeast(v.value, ENFORCING_MODE_MIN_CNI);
}

function sgpEnforcingMode(ctx: CheckContext): CheckResult {
  const r = resultsOf(ctx, 'sgp-enforcing-mode', 'medium');
  // The variable exists from VPC CNI 1.11.0: below that the mode is strict whatever it says.
  const mode = enforcingMode(ctx.cni);
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
      `${belowEnforcingModeCni(ctx) ? `upgrade the VPC CNI to ${ENFORCING_MODE_MIN_CNI} or later first (the setting does not exist before), then ` : ''}${ctx.cniCommand({ env: { POD_SECURITY_GROUP_ENFORCING_MODE: 'standard' } })} (then recreate the pods; with standard mode set AWS_VPC_K8S_CNI_EXTERNALSNAT=true for pod-EIP egress)`,
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

/**
 * EKS user guide (security-groups-pods-deployment): kubelet TCP liveness/readiness probes of pods with security groups
 * need `DISABLE_TCP_EARLY_DEMUX=true` on the aws-vpc-cni-init container, unless the VPC CNI is 1.11 or later and
 * `POD_SECURITY_GROUP_ENFORCING_MODE=standard`. In the default strict mode the probes fail on every version.
 */
function sgpTcpEarlyDemux(ctx: CheckContext): CheckResult {
  const r = resultsOf(ctx, 'sgp-tcp-early-demux', 'medium');
  const mode = enforcingMode(ctx.cni);
  if (mode.known && mode.value === 'standard')
    return r.notApplicable(
      `VPC CNI ${ENFORCING_MODE_MIN_CNI} or later in standard enforcing mode does not need DISABLE_TCP_EARLY_DEMUX`,
      [`POD_SECURITY_GROUP_ENFORCING_MODE=standard (${mode.source})`],
    );
  const flag = ctx.cni.flag('DISABLE_TCP_EARLY_DEMUX');
  if (flag.known && flag.value)
    return r.pass(
      'DISABLE_TCP_EARLY_DEMUX=true on the aws-vpc-cni-init container: TCP probes reach the pods',
      [
        `from the ${flag.source}`,
        mode.known ? `enforcing mode ${mode.value} (${mode.source})` : 'enforcing mode not read',
      ],
    );
  const why = mode.known
    ? `enforcing mode ${mode.value} (${mode.source})`
    : `the enforcing mode cannot be read (${mode.reason})`;
  const unsure =
    'TCP probes of pods with security groups need DISABLE_TCP_EARLY_DEMUX=true unless VPC CNI 1.11+ runs in standard mode; cannot tell whether it is set';
  if (!flag.known) return r.unknown(unsure, [why, flag.reason], flag.enable);
  if (!mode.known)
    return r.unknown(
      'TCP probes of pods with security groups need DISABLE_TCP_EARLY_DEMUX=true unless VPC CNI 1.11+ runs in standard mode; cannot tell which mode applies',
      [why, `DISABLE_TCP_EARLY_DEMUX is not true (${flag.source})`],
      mode.enable,
    );
  return r.fail(
    `In ${mode.value} enforcing mode, kubelet TCP liveness and readiness probes of pods with security groups fail without DISABLE_TCP_EARLY_DEMUX=true: the pods restart`,
    [
      why,
      `DISABLE_TCP_EARLY_DEMUX is not true (${flag.source})`,
      `only VPC CNI ${ENFORCING_MODE_MIN_CNI} or later in standard mode does without it`,
    ],
    ctx.cniCommand({ initEnv: { DISABLE_TCP_EARLY_DEMUX: 'true' } }),
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
  for (const ng of ctx.snap.nodegroups) results.push(...sgpNodegroupChecks(ctx, ng));
  return results;
}
