/**
 * Gathers one cluster's snapshot through the adapters: EKS (cluster, node groups, add-ons), IAM (cluster role),
 * EC2 (subnets, route tables, instance types, nodes and their ENIs, pool ENIs) and, when the cluster is listed in
 * `audit.kubernetesAccess`, the Kubernetes API.
 */
import type { AppConfig, PoolConfig } from '../config/schema';
import { isTrunkEni } from './checks/context';
import { cniSettings, kubernetesAccessHint } from './cni-settings';
import { type ClusterSnapshot, type EniInfo, type ExhaustionSignal, unavailable } from './model';
import { poolsForCluster } from './pools';
import type { Ec2Filter, Ec2Port, EksPort, IamPort, KubernetesPort } from './ports';

export interface GatherDeps {
  eks: EksPort;
  iam: IamPort;
  ec2: Ec2Port;
  /** Absent: the Kubernetes path is not wired (reported as unavailable). */
  k8s?: KubernetesPort;
  region: string;
}

export interface GatherOptions {
  config: Pick<AppConfig, 'pools' | 'audit'>;
  now: Date;
  signals: ExhaustionSignal[];
}

/** Server-side narrowing of a pool's ENIs (the pure matcher decides). */
function poolFilters(pool: PoolConfig, vpcId: string): Ec2Filter[] {
  const f: Ec2Filter[] = [{ Name: 'vpc-id', Values: [vpcId] }];
  const s = pool.selector;
  if (s.subnetIds) f.push({ Name: 'subnet-id', Values: s.subnetIds });
  if (s.descriptionPrefix) f.push({ Name: 'description', Values: [`${s.descriptionPrefix}*`] });
  if (s.securityGroupIds?.[0]) f.push({ Name: 'group-id', Values: [s.securityGroupIds[0]] });
  for (const [key, values] of Object.entries(s.tags ?? {}))
    f.push(values.length > 0 ? { Name: `tag:${key}`, Values: values } : { Name: 'tag-key', Values: [key] });
  return f;
}

export async function gatherCluster(
  deps: GatherDeps,
  name: string,
  opts: GatherOptions,
): Promise<ClusterSnapshot> {
  const cluster = await deps.eks.describeCluster(name);
  const [nodegroups, vpcCniRead, kubeProxyRead, clusterRolePolicies, instances] = await Promise.all([
    deps.eks.nodegroups(name),
    deps.eks.addon(name, 'vpc-cni'),
    deps.eks.addon(name, 'kube-proxy'),
    cluster.roleArn
      ? deps.iam.attachedPolicyArns(cluster.roleArn)
      : Promise.resolve(unavailable<string[]>('the cluster has no role', 'check the cluster')),
    deps.ec2.clusterInstances(name),
  ]);

  // An unreadable add-on answer leaves its settings unknown; the checks say so.
  const vpcCni = vpcCniRead.available ? vpcCniRead.value : null;
  const kubeProxy = kubeProxyRead.available ? kubeProxyRead.value : null;
  const kubernetes = !opts.config.audit.kubernetesAccess.includes(name)
    ? unavailable<never>(`Kubernetes access is off for cluster ${name}`, kubernetesAccessHint(name))
    : deps.k8s
      ? await deps.k8s.read(cluster)
      : unavailable<never>('the Kubernetes reader is not configured', kubernetesAccessHint(name));

  const nodeEnis = await deps.ec2.enisOfInstances(instances.map((i) => i.instanceId));
  const trunks = nodeEnis.filter(isTrunkEni).map((e) => e.networkInterfaceId);
  const branchEniCounts = trunks.length > 0 ? await deps.ec2.branchEniCounts(trunks) : {};

  const typeNames = new Set<string>([
    ...nodegroups.flatMap((n) => n.instanceTypes),
    ...instances.map((i) => i.instanceType),
  ]);
  if (kubernetes.available && kubernetes.value.nodes.available)
    for (const n of kubernetes.value.nodes.value) {
      const t = n.labels['node.kubernetes.io/instance-type'];
      if (t) typeNames.add(t);
    }
  const instanceTypes = await deps.ec2.instanceTypes([...typeNames].filter(Boolean));

  const applicable = opts.config.pools.filter((p) => p.cluster === undefined || p.cluster === name);
  const poolEnis = new Map<string, EniInfo>();
  if (cluster.vpcId)
    for (const pool of applicable)
      for (const e of await deps.ec2.networkInterfaces(poolFilters(pool, cluster.vpcId)))
        poolEnis.set(e.networkInterfaceId, e);

  const eniConfigSubnets =
    kubernetes.available && kubernetes.value.eniConfigs.available
      ? kubernetes.value.eniConfigs.value.map((c) => c.subnet).filter((s): s is string => !!s)
      : [];
  const extraSubnets = [
    ...eniConfigSubnets,
    ...applicable.flatMap((p) => p.selector.subnetIds ?? []),
    ...[...poolEnis.values()].map((e) => e.subnetId),
    ...nodegroups.flatMap((n) => n.subnets),
  ];
  const subnets = await deps.ec2.subnets(cluster.vpcId ? [cluster.vpcId] : [], extraSubnets);
  const vpcIds = [
    ...new Set(
      Object.values(subnets)
        .map((s) => s.vpcId)
        .concat(cluster.vpcId ? [cluster.vpcId] : []),
    ),
  ];
  const routeTables = await deps.ec2.routeTables(vpcIds);
  const vpcSubnets = new Set(
    Object.values(subnets)
      .filter((s) => s.vpcId === cluster.vpcId)
      .map((s) => s.subnetId),
  );
  const pools = poolsForCluster(applicable, name, [...poolEnis.values()], vpcSubnets);

  const snapshot: ClusterSnapshot = {
    collectedAt: opts.now.toISOString(),
    region: deps.region,
    cluster,
    nodegroups,
    vpcCni,
    ...(vpcCniRead.available
      ? {}
      : { vpcCniUnreadable: { reason: vpcCniRead.reason, enable: vpcCniRead.enable } }),
    kubeProxy,
    clusterRolePolicies,
    subnets,
    routeTables,
    instanceTypes,
    instances,
    nodeEnis,
    branchEniCounts,
    kubernetes,
    pools,
    exhaustionSignals: opts.signals,
  };

  const pd = cniSettings(snapshot).flag('ENABLE_PREFIX_DELEGATION');
  if (pd.known && pd.value) {
    const podSubnets = [...new Set([...nodegroups.flatMap((n) => n.subnets), ...eniConfigSubnets])].filter(
      (s) => subnets[s],
    );
    snapshot.subnetUsage = await deps.ec2.subnetUsage(podSubnets);
  }
  return snapshot;
}
