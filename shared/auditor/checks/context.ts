/**
 * Facts derived once per snapshot and shared by the checks: the CNI settings, which features are in use, which
 * nodes belong to which node group. Pure: no AWS import.
 */
import { type CniSettings, cniSettings, type Known, kubernetesAccessHint } from '../cni-settings';
import { cniSettingCommand } from '../fixes';
import { computeMaxPods, type InstanceNetwork, type MaxPodsResult } from '../max-pods';
import type {
  ClusterSnapshot,
  EniInfo,
  KubernetesNode,
  KubernetesState,
  NodegroupInfo,
  NodeInstance,
  RouteTableInfo,
  SubnetInfo,
} from '../model';
import { cniAtLeast, formatCniVersion } from '../versions';
import { resultsFor, type Severity } from './result';

/** Whether a VPC CNI feature is on: from its setting, or proven on by what it left in EC2. */
export interface FeatureState {
  /** The setting as known; undefined when it cannot be read. */
  setting: boolean | undefined;
  settingSource?: string;
  /** Facts showing the feature is (or must be) in use, even when the setting is unknown. */
  inUseEvidence: string[];
  /** Checks for this feature run. */
  inScope: boolean;
  /** Why the setting is unknown and what to enable. */
  unknown?: { reason: string; enable: string };
}

export const LABEL_NODEGROUP = 'eks.amazonaws.com/nodegroup';
export const ZONE_LABELS = ['topology.kubernetes.io/zone', 'failure-domain.beta.kubernetes.io/zone'];

export interface CheckContext {
  snap: ClusterSnapshot;
  cluster: string;
  cni: CniSettings;
  k8s?: KubernetesState;
  k8sMissing?: { reason: string; enable: string };
  sgp: FeatureState & { requiredByPools: string[] };
  customNetworking: FeatureState;
  prefixDelegation: Known<boolean>;
  instancesOf(nodegroup: string): NodeInstance[];
  /** Instances of a node group that are running (or whose state was not reported). */
  runningInstancesOf(nodegroup: string): NodeInstance[];
  enisOf(instanceId: string): EniInfo[];
  subnet(id: string): SubnetInfo | undefined;
  nodegroupAzs(ng: NodegroupInfo): string[];
  /** Kubernetes nodes of a node group, or undefined without Kubernetes access. */
  k8sNodesOf(ng: NodegroupInfo): KubernetesNode[] | undefined;
  k8sNodeOfInstance(instanceId: string): KubernetesNode | undefined;
  instanceTypesOf(ng: NodegroupInfo): string[];
  routeTableFor(subnetId: string): RouteTableInfo | undefined;
  /** The exact command that sets VPC CNI variables on this cluster. */
  cniCommand(changes: { env?: Record<string, string>; initEnv?: Record<string, string> }): string;
  /** Max pods per instance type under the cluster's settings (capped), for every combination still possible. */
  maxPodsCandidates(instanceType: string, customNetworking?: boolean): MaxPodsResult[] | undefined;
  /** Subnets this audit flags as nearly full or exhausted, with why (filled by runChecks from ip-headroom). */
  crowdedSubnets: ReadonlyMap<string, string>;
}

/** `POD_SECURITY_GROUP_ENFORCING_MODE` exists from this VPC CNI version (amazon-vpc-cni-k8s README). */
export const ENFORCING_MODE_MIN_CNI = '1.11.0';

/**
 * The enforcing mode in force: `standard` only when the variable says so on a VPC CNI that has it (1.11.0 and later);
 * an older CNI ignores the variable and enforces strictly.
 */
export function enforcingMode(cni: CniSettings): Known<string> {
  const mode = cni.effective('POD_SECURITY_GROUP_ENFORCING_MODE');
  if (!mode.known || mode.value !== 'standard') return mode;
  const v = cni.version;
  if (!v.known)
    return {
      known: false,
      reason: `POD_SECURITY_GROUP_ENFORCING_MODE=standard (${mode.source}) applies only from VPC CNI ${ENFORCING_MODE_MIN_CNI}, and the version cannot be read: ${v.reason}`,
      enable: v.enable,
    };
  if (!cniAtLeast(v.value, ENFORCING_MODE_MIN_CNI))
    return {
      known: true,
      value: 'strict',
      source: `VPC CNI ${formatCniVersion(v.value)} predates POD_SECURITY_GROUP_ENFORCING_MODE (${ENFORCING_MODE_MIN_CNI}): strict, whatever the ${mode.source} sets`,
    };
  return mode;
}

export function isTrunkEni(e: EniInfo): boolean {
  return e.interfaceType === 'trunk' || e.description === 'aws-k8s-trunk-eni';
}

/** ENIs the VPC CNI created for pods on a node (`aws-K8S-<instanceId>`). */
export function isCniEni(e: EniInfo): boolean {
  return e.description.startsWith('aws-K8S-');
}

/** The results of check `id` on the cluster, or on one of its node groups or pools. */
export function resultsOf(
  ctx: Pick<CheckContext, 'cluster'>,
  id: string,
  severity: Severity,
  scope: { nodegroup?: string; pool?: string } = {},
) {
  return resultsFor({ id, severity, cluster: ctx.cluster, ...scope });
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string | undefined): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    if (key === undefined) continue;
    const list = out.get(key) ?? [];
    list.push(item);
    out.set(key, list);
  }
  return out;
}

/** Security groups for pods: on by its setting, or in use by trunk ENIs, or needed by a pool of branch ENIs. */
function sgpState(snap: ClusterSnapshot, cni: CniSettings): CheckContext['sgp'] {
  const podEni = cni.flag('ENABLE_POD_ENI');
  const requiredByPools = snap.pools.filter((p) => p.pool.target === 'primary-ip').map((p) => p.pool.name);
  const trunkNodes = snap.nodeEnis
    .filter(isTrunkEni)
    .map((e) => e.attachedInstanceId ?? e.networkInterfaceId);
  const evidence: string[] = [];
  if (trunkNodes.length > 0)
    evidence.push(`${trunkNodes.length} node(s) have a trunk ENI (${trunkNodes.slice(0, 5).join(', ')})`);
  if (requiredByPools.length > 0)
    evidence.push(`keeper pool(s) ${requiredByPools.join(', ')} target branch ENIs (target primary-ip)`);
  return {
    setting: podEni.known ? podEni.value : undefined,
    ...(podEni.known ? { settingSource: podEni.source } : {}),
    inUseEvidence: evidence,
    inScope:
      (podEni.known && podEni.value) ||
      requiredByPools.length > 0 ||
      (!podEni.known && trunkNodes.length > 0),
    ...(podEni.known ? {} : { unknown: { reason: podEni.reason, enable: podEni.enable } }),
    requiredByPools,
  };
}

/** Custom networking: CNI ENIs outside the node's own subnet prove it was on when they were created. */
function customNetworkingState(snap: ClusterSnapshot, cni: CniSettings): FeatureState {
  const cn = cni.flag('AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG');
  const instanceById = new Map(snap.instances.map((i) => [i.instanceId, i]));
  const evidence: string[] = [];
  for (const e of snap.nodeEnis) {
    if (!isCniEni(e) || !e.attachedInstanceId) continue;
    const inst = instanceById.get(e.attachedInstanceId);
    if (inst?.subnetId && e.subnetId !== inst.subnetId)
      evidence.push(
        `${e.networkInterfaceId} of ${inst.instanceId} is in ${e.subnetId}, not the node's subnet ${inst.subnetId}`,
      );
  }
  return {
    setting: cn.known ? cn.value : undefined,
    ...(cn.known ? { settingSource: cn.source } : {}),
    inUseEvidence: evidence.slice(0, 5),
    inScope: (cn.known && cn.value) || (!cn.known && evidence.length > 0),
    ...(cn.known ? {} : { unknown: { reason: cn.reason, enable: cn.enable } }),
  };
}

/** Max pods of an instance type for every combination of settings still possible (an unknown one is tried both ways). */
function maxPodsCandidates(
  net: InstanceNetwork,
  cni: CniSettings,
  cnOptions: boolean[],
  prefixDelegation: Known<boolean>,
): MaxPodsResult[] {
  const pdOptions = prefixDelegation.known ? [prefixDelegation.value] : [false, true];
  const version = cni.version.known ? formatCniVersion(cni.version.value) : undefined;
  const results: MaxPodsResult[] = [];
  for (const customNetworking of cnOptions)
    for (const prefixDelegation of pdOptions) {
      // Unknown CNI version: prefix delegation may or may not count; try both.
      const versions = prefixDelegation && !version ? ['1.9.0', '1.8.0'] : [version ?? '1.9.0'];
      for (const cniVersion of versions)
        results.push(computeMaxPods(net, { cniVersion, customNetworking, prefixDelegation }));
    }
  return results;
}

export function buildContext(snap: ClusterSnapshot): CheckContext {
  const cluster = snap.cluster.name;
  const cni = cniSettings(snap);
  const k8s = snap.kubernetes.available ? snap.kubernetes.value : undefined;
  const k8sMissing = snap.kubernetes.available
    ? undefined
    : { reason: snap.kubernetes.reason, enable: snap.kubernetes.enable };
  const instancesByNg = groupBy(snap.instances, (i) => i.nodegroup);
  const enisByInstance = groupBy(snap.nodeEnis, (e) => e.attachedInstanceId);
  const customNetworking = customNetworkingState(snap, cni);
  const prefixDelegation = cni.flag('ENABLE_PREFIX_DELEGATION');

  const nodesByInstance = new Map<string, KubernetesNode>();
  if (k8s?.nodes.available)
    for (const n of k8s.nodes.value) if (n.instanceId) nodesByInstance.set(n.instanceId, n);

  return {
    snap,
    cluster,
    cni,
    ...(k8s ? { k8s } : {}),
    ...(k8sMissing ? { k8sMissing } : {}),
    sgp: sgpState(snap, cni),
    customNetworking,
    prefixDelegation,
    instancesOf: (ng) => instancesByNg.get(ng) ?? [],
    runningInstancesOf: (ng) =>
      (instancesByNg.get(ng) ?? []).filter((i) => i.state === undefined || i.state === 'running'),
    enisOf: (id) => enisByInstance.get(id) ?? [],
    subnet: (id) => snap.subnets[id],
    nodegroupAzs: (ng) =>
      [
        ...new Set(
          ng.subnets.map((s) => snap.subnets[s]?.availabilityZone).filter((az): az is string => !!az),
        ),
      ].sort(),
    k8sNodesOf: (ng) => {
      if (!k8s?.nodes.available) return undefined;
      const ids = new Set((instancesByNg.get(ng.name) ?? []).map((i) => i.instanceId));
      return k8s.nodes.value.filter(
        (n) => n.labels[LABEL_NODEGROUP] === ng.name || (n.instanceId !== undefined && ids.has(n.instanceId)),
      );
    },
    k8sNodeOfInstance: (id) => nodesByInstance.get(id),
    instanceTypesOf: (ng) =>
      ng.instanceTypes.length > 0
        ? [...ng.instanceTypes]
        : [...new Set((instancesByNg.get(ng.name) ?? []).map((i) => i.instanceType))].sort(),
    routeTableFor: (subnetId) => {
      const explicit = snap.routeTables.find((t) => t.subnetIds.includes(subnetId));
      if (explicit) return explicit;
      const vpcId = snap.subnets[subnetId]?.vpcId;
      return snap.routeTables.find((t) => t.main && t.vpcId === vpcId);
    },
    cniCommand: (changes) =>
      cniSettingCommand(cluster, snap.vpcCni, changes, snap.vpcCniUnreadable !== undefined),
    maxPodsCandidates: (instanceType, forceCustomNetworking) => {
      const net = snap.instanceTypes[instanceType];
      if (!net) return undefined;
      const cnOptions =
        forceCustomNetworking !== undefined
          ? [forceCustomNetworking]
          : customNetworking.setting !== undefined
            ? [customNetworking.setting]
            : customNetworking.inScope
              ? [true]
              : [false, true];
      return maxPodsCandidates(net, cni, cnOptions, prefixDelegation);
    },
    crowdedSubnets: new Map(),
  };
}

export { kubernetesAccessHint };
