/**
 * Facts derived once per snapshot and shared by the checks: the CNI settings, which features are in use, which
 * nodes belong to which node group. Pure: no AWS import.
 */
import { type CniSettings, cniSettings, type Known, kubernetesAccessHint } from '../cni-settings';
import { cniSettingCommand } from '../fixes';
import { computeMaxPods, type MaxPodsResult } from '../max-pods';
import type {
  ClusterSnapshot,
  EniInfo,
  KubernetesNode,
  KubernetesState,
  NodegroupInfo,
  NodeInstance,
  RouteTableInfo,
  SubnetInfo,
} from '../snapshot';
import { formatCniVersion } from '../versions';

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
}

export function isTrunkEni(e: EniInfo): boolean {
  return e.interfaceType === 'trunk' || e.description === 'aws-k8s-trunk-eni';
}

/** ENIs the VPC CNI created for pods on a node (`aws-K8S-<instanceId>`). */
export function isCniEni(e: EniInfo): boolean {
  return e.description.startsWith('aws-K8S-');
}

export function buildContext(snap: ClusterSnapshot): CheckContext {
  const cluster = snap.cluster.name;
  const cni = cniSettings(snap);
  const k8s = snap.kubernetes.available ? snap.kubernetes.value : undefined;
  const k8sMissing = snap.kubernetes.available
    ? undefined
    : { reason: snap.kubernetes.reason, enable: snap.kubernetes.enable };

  const instancesByNg = new Map<string, NodeInstance[]>();
  for (const i of snap.instances) {
    if (!i.nodegroup) continue;
    const list = instancesByNg.get(i.nodegroup) ?? [];
    list.push(i);
    instancesByNg.set(i.nodegroup, list);
  }
  const enisByInstance = new Map<string, EniInfo[]>();
  for (const e of snap.nodeEnis) {
    if (!e.attachedInstanceId) continue;
    const list = enisByInstance.get(e.attachedInstanceId) ?? [];
    list.push(e);
    enisByInstance.set(e.attachedInstanceId, list);
  }
  const instanceById = new Map(snap.instances.map((i) => [i.instanceId, i]));

  // Security groups for pods.
  const podEni = cni.flag('ENABLE_POD_ENI');
  const requiredByPools = snap.pools.filter((p) => p.pool.target === 'primary-ip').map((p) => p.pool.name);
  const trunkNodes = snap.nodeEnis
    .filter(isTrunkEni)
    .map((e) => e.attachedInstanceId ?? e.networkInterfaceId);
  const sgpEvidence: string[] = [];
  if (trunkNodes.length > 0)
    sgpEvidence.push(`${trunkNodes.length} node(s) have a trunk ENI (${trunkNodes.slice(0, 5).join(', ')})`);
  if (requiredByPools.length > 0)
    sgpEvidence.push(`keeper pool(s) ${requiredByPools.join(', ')} target branch ENIs (target primary-ip)`);
  const sgp = {
    setting: podEni.known ? podEni.value : undefined,
    ...(podEni.known ? { settingSource: podEni.source } : {}),
    inUseEvidence: sgpEvidence,
    inScope:
      (podEni.known && podEni.value) ||
      requiredByPools.length > 0 ||
      (!podEni.known && trunkNodes.length > 0),
    ...(podEni.known ? {} : { unknown: { reason: podEni.reason, enable: podEni.enable } }),
    requiredByPools,
  };

  // Custom networking: CNI ENIs outside the node's own subnet prove it was on when they were created.
  const cn = cni.flag('AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG');
  const cnEvidence: string[] = [];
  for (const e of snap.nodeEnis) {
    if (!isCniEni(e) || !e.attachedInstanceId) continue;
    const inst = instanceById.get(e.attachedInstanceId);
    if (inst?.subnetId && e.subnetId !== inst.subnetId)
      cnEvidence.push(
        `${e.networkInterfaceId} of ${inst.instanceId} is in ${e.subnetId}, not the node's subnet ${inst.subnetId}`,
      );
  }
  const customNetworking: FeatureState = {
    setting: cn.known ? cn.value : undefined,
    ...(cn.known ? { settingSource: cn.source } : {}),
    inUseEvidence: cnEvidence.slice(0, 5),
    inScope: (cn.known && cn.value) || (!cn.known && cnEvidence.length > 0),
    ...(cn.known ? {} : { unknown: { reason: cn.reason, enable: cn.enable } }),
  };

  const prefixDelegation = cni.flag('ENABLE_PREFIX_DELEGATION');

  const nodesByInstance = new Map<string, KubernetesNode>();
  if (k8s?.nodes.available)
    for (const n of k8s.nodes.value) if (n.instanceId) nodesByInstance.set(n.instanceId, n);

  const routeTableFor = (subnetId: string): RouteTableInfo | undefined => {
    const explicit = snap.routeTables.find((t) => t.subnetIds.includes(subnetId));
    if (explicit) return explicit;
    const vpcId = snap.subnets[subnetId]?.vpcId;
    return snap.routeTables.find((t) => t.main && t.vpcId === vpcId);
  };

  return {
    snap,
    cluster,
    cni,
    ...(k8s ? { k8s } : {}),
    ...(k8sMissing ? { k8sMissing } : {}),
    sgp,
    customNetworking,
    prefixDelegation,
    instancesOf: (ng) => instancesByNg.get(ng) ?? [],
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
    routeTableFor,
    cniCommand: (changes) => cniSettingCommand(cluster, snap.vpcCni, changes),
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
      const pdOptions = prefixDelegation.known ? [prefixDelegation.value] : [false, true];
      const version = cni.version.known ? formatCniVersion(cni.version.value) : undefined;
      const results: MaxPodsResult[] = [];
      for (const cnOn of cnOptions)
        for (const pdOn of pdOptions) {
          if (pdOn && !version) {
            // Unknown CNI version: prefix delegation may or may not count; try both.
            results.push(
              computeMaxPods(net, { cniVersion: '1.9.0', customNetworking: cnOn, prefixDelegation: true }),
            );
            results.push(
              computeMaxPods(net, { cniVersion: '1.8.0', customNetworking: cnOn, prefixDelegation: true }),
            );
          } else {
            results.push(
              computeMaxPods(net, {
                cniVersion: version ?? '1.9.0',
                customNetworking: cnOn,
                prefixDelegation: pdOn,
              }),
            );
          }
        }
      return results;
    },
  };
}

export { kubernetesAccessHint };
