/**
 * Whether an ENI is proven to be a pod's of the pool's cluster, as plain functions over the evidence (no AWS import,
 * no I/O). An ENI's creator chooses its security groups, subnet, description and tags, so none of those is evidence.
 * What an in-account principal allowed only `ec2:CreateNetworkInterface` and `ec2:CreateTags` cannot make:
 *
 * - a branch ENI (security groups for pods): the trunk association with a trunk ENI that is attached to a node of the
 *   cluster (`ec2:AssociateTrunkInterface`, which only the VPC resource controller uses), the ENI's own attachment
 *   (a branch ENI is never attached to an instance), its VPC as EC2 describes it, and the CloudTrail record of its
 *   creation naming the cluster's IAM role (from DescribeCluster);
 * - a pod IP on a node ENI (secondary-IP pools): the Kubernetes API showing a Running pod of the pool's selector that
 *   holds the IP on the node the ENI is attached to.
 *
 * The node itself is verified with the Kubernetes API's nodes when the pool has Kubernetes access, and inferred from
 * the instance's EKS cluster tags otherwise (tags anyone allowed `ec2:CreateTags` on instances could write).
 */
import type { PoolConfig } from '../config/schema';
import { describeActor } from '../events/actor';
import type {
  ClusterView,
  CreationRecord,
  EniView,
  InstanceView,
  KubeNode,
  KubePod,
  TrunkLink,
} from './model';

/**
 * How long after the cluster role created a branch ENI its trunk association may still be missing (the VPC resource
 * controller associates it right after creating it): until then the ENI is pending, not suspect.
 */
export const TRUNK_ASSOCIATION_GRACE_MS = 5 * 60_000;

export type IdentityVerdict =
  /** Proven; `basis` says on what (for the log and the story). */
  | { kind: 'proven'; basis: string[] }
  /** Not yet provable, and nothing suspicious: checked again at the next reconcile. */
  | { kind: 'pending'; reason: string }
  /**
   * Not a proven pod. `suspect`: it looks like one (it matches the selector) and fails the evidence: alert.
   * `creation`: the creation record the decision saw (who made it, for the alert).
   */
  | { kind: 'refused'; reasons: string[]; suspect: boolean; creation?: CreationRecord }
  /** The evidence could not be read (an API refused or failed): change nothing, try again later. */
  | { kind: 'unknown'; reason: string };

export interface BranchEvidence {
  /** The ENI as EC2 describes it now. */
  eni: EniView;
  /** Its CloudTrail creation record, when eip-keeper received it. */
  creation?: CreationRecord;
  /** It was proven when its claim was made (its creation record was checked then): the record is not needed again. */
  provenBefore?: boolean;
  trunk?: TrunkLink;
  /** The trunk ENI as EC2 describes it (absent: not found). */
  trunkEni?: EniView;
  /** The instance the trunk ENI is attached to (absent: not found). */
  instance?: InstanceView;
  /** The cluster's nodes per the Kubernetes API, when the pool has Kubernetes access. */
  kubeNodes?: readonly KubeNode[];
}

/** The configuration and the cluster disagree (no ENI can be proven then): the reason, or undefined. */
export function clusterMismatch(pool: PoolConfig, cluster: ClusterView | undefined): string | undefined {
  if (!cluster) return `cluster ${pool.cluster} was not found (DescribeCluster)`;
  if (cluster.vpcId !== pool.vpcId)
    return `pool ${pool.name} names ${pool.vpcId}, but cluster ${cluster.name} is in ${cluster.vpcId}`;
  return undefined;
}

/** Whether the creation record names the cluster's IAM role (the VPC resource controller's identity). */
export function createdByClusterRole(creation: CreationRecord, cluster: ClusterView): boolean {
  return creation.actor.type === 'AssumedRole' && creation.actor.roleArn === cluster.roleArn;
}

/** Where the instance says it belongs: EKS tags its nodes `eks:cluster-name` (and `kubernetes.io/cluster/<name>`). */
function taggedForCluster(instance: InstanceView, cluster: string): boolean {
  return (
    instance.tags['eks:cluster-name'] === cluster ||
    instance.tags[`kubernetes.io/cluster/${cluster}`] !== undefined
  );
}

/** The node check of an instance: verified with Kubernetes, inferred from tags, or the reason it fails. */
function nodeCheck(
  instance: InstanceView,
  cluster: ClusterView,
  kubeNodes: readonly KubeNode[] | undefined,
): { ok: true; basis: string } | { ok: false; reason: string } {
  const id = instance.instanceId;
  if (instance.state !== undefined && instance.state !== 'running')
    return { ok: false, reason: `instance ${id} is ${instance.state}` };
  if (instance.vpcId !== undefined && instance.vpcId !== cluster.vpcId)
    return { ok: false, reason: `instance ${id} is in ${instance.vpcId}, not the cluster's VPC` };
  if (kubeNodes) {
    const node = kubeNodes.find((n) => n.instanceId === id);
    return node
      ? { ok: true, basis: `${id} is node ${node.name} (Kubernetes API)` }
      : { ok: false, reason: `instance ${id} is not a node of cluster ${cluster.name} (Kubernetes API)` };
  }
  return taggedForCluster(instance, cluster.name)
    ? { ok: true, basis: `${id} is tagged as a node of ${cluster.name} (instance tags)` }
    : { ok: false, reason: `instance ${id} is not tagged as a node of cluster ${cluster.name}` };
}

/** The trunk side of a branch ENI: its trunk ENI, attached to a node of the cluster. Reasons it fails, or basis. */
function trunkCheck(ev: BranchEvidence, cluster: ClusterView): { reasons: string[]; basis: string[] } {
  const trunk = ev.trunk as TrunkLink;
  const t = ev.trunkEni;
  if (!t) return { reasons: [`its trunk ENI ${trunk.trunkEniId} does not exist`], basis: [] };
  const reasons: string[] = [];
  if (t.interfaceType !== 'trunk')
    reasons.push(`${t.eniId} is not a trunk ENI (type ${t.interfaceType ?? 'unknown'})`);
  if (t.vpcId !== cluster.vpcId)
    reasons.push(`its trunk ENI ${t.eniId} is in ${t.vpcId ?? 'an unknown VPC'}`);
  if (!t.attachment)
    return { reasons: [...reasons, `its trunk ENI ${t.eniId} is attached to no instance`], basis: [] };
  if (!ev.instance)
    return { reasons: [...reasons, `instance ${t.attachment.instanceId} was not found`], basis: [] };
  const node = nodeCheck(ev.instance, cluster, ev.kubeNodes);
  if (!node.ok) return { reasons: [...reasons, node.reason], basis: [] };
  const vlan = trunk.vlanId !== undefined ? ` VLAN ${trunk.vlanId}` : '';
  return { reasons, basis: [`behind trunk ${t.eniId}${vlan} on ${t.attachment.instanceId}`, node.basis] };
}

/**
 * A branch ENI (security groups for pods) of the pool's cluster: in the cluster's VPC, attached to no instance,
 * associated with a trunk ENI attached to a node of the cluster, and created by the cluster's IAM role (when the
 * creation record is known; without one, `pool.withoutCreationRecord` decides).
 */
export function decideBranchIdentity(
  pool: PoolConfig,
  cluster: ClusterView,
  ev: BranchEvidence,
  nowMs: number,
): IdentityVerdict {
  const { eni, creation } = ev;
  const reasons: string[] = [];
  const basis: string[] = [];
  if (eni.vpcId !== cluster.vpcId)
    reasons.push(`it is in ${eni.vpcId ?? 'an unknown VPC'}, not cluster ${cluster.name}'s ${cluster.vpcId}`);
  if (eni.attachment)
    reasons.push(`it is attached to instance ${eni.attachment.instanceId}: a pod's branch ENI never is`);
  const byRole = creation !== undefined && createdByClusterRole(creation, cluster);
  if (creation && !byRole)
    reasons.push(
      `it was created by ${describeActor(creation.actor)}, not by the cluster role ${cluster.roleArn}`,
    );
  if (creation && byRole) basis.push(`created by the cluster role at ${creation.at}`);
  if (!ev.trunk) {
    const young = byRole && nowMs - Date.parse((creation as CreationRecord).at) < TRUNK_ASSOCIATION_GRACE_MS;
    if (young && reasons.length === 0)
      return { kind: 'pending', reason: `${eni.eniId} has no trunk association yet (created moments ago)` };
    reasons.push('it is associated with no trunk ENI');
  } else {
    const t = trunkCheck(ev, cluster);
    reasons.push(...t.reasons);
    basis.push(...t.basis);
  }
  if (reasons.length > 0)
    return { kind: 'refused', reasons, suspect: true, ...(creation ? { creation } : {}) };
  if (!creation && ev.provenBefore) basis.push('its creation record was checked when it was served');
  else if (!creation) {
    if (pool.withoutCreationRecord === 'refuse')
      return {
        kind: 'refused',
        reasons: ['eip-keeper has no CloudTrail record of its creation (withoutCreationRecord: refuse)'],
        suspect: false,
      };
    basis.push('no creation record: proven by the live check alone (withoutCreationRecord: live-check)');
  }
  return { kind: 'proven', basis };
}

export interface PodIpEvidence {
  /** The node ENI as EC2 describes it now. */
  eni: EniView;
  /** The cluster's nodes per the Kubernetes API. */
  kubeNodes: readonly KubeNode[];
  /** The pods of the pool's selector (namespace and labels), whatever their phase. */
  pods: readonly KubePod[];
}

/**
 * A pod IP on a node ENI (secondary-IP pools): the ENI is in the cluster's VPC and attached to a node of the cluster
 * (Kubernetes API), and a Running pod of the pool's selector on that node holds the IP. A warm IP no pod holds is
 * refused without suspicion (the VPC CNI keeps them); an ENI on no node of the cluster is suspect.
 */
export function decidePodIpIdentity(cluster: ClusterView, ev: PodIpEvidence, ip: string): IdentityVerdict {
  const { eni } = ev;
  const reasons: string[] = [];
  if (eni.vpcId !== cluster.vpcId)
    reasons.push(`it is in ${eni.vpcId ?? 'an unknown VPC'}, not cluster ${cluster.name}'s ${cluster.vpcId}`);
  const instanceId = eni.attachment?.instanceId;
  const node = instanceId ? ev.kubeNodes.find((n) => n.instanceId === instanceId) : undefined;
  if (!node)
    reasons.push(
      instanceId
        ? `it is attached to ${instanceId}, which is not a node of cluster ${cluster.name} (Kubernetes API)`
        : 'it is attached to no instance: it is no node ENI',
    );
  if (reasons.length > 0) return { kind: 'refused', reasons, suspect: true };
  const pod = ev.pods.find(
    (p) => p.podIps.includes(ip) && p.nodeName === node?.name && p.phase === 'Running',
  );
  if (!pod)
    return {
      kind: 'refused',
      reasons: [`no Running pod of the pool's selector holds ${ip} on node ${node?.name}`],
      suspect: false,
    };
  return { kind: 'proven', basis: [`pod ${pod.namespace}/${pod.name} holds ${ip} on node ${node?.name}`] };
}
