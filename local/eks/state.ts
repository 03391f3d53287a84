/**
 * The in-memory EKS of the simulated region: clusters, managed node groups and add-ons, seeded by scenarios and
 * changed by the simulated API (UpdateAddon, UpdateNodegroupConfig). Times are ISO strings; the service renders
 * them as epoch seconds as EKS does.
 */
import type { ServiceEnv } from '../core/types';

export interface SimNodegroupHealthIssue {
  code: string;
  message?: string;
  resourceIds: string[];
}

export interface SimNodegroup {
  name: string;
  cluster: string;
  arn: string;
  status: string;
  instanceTypes: string[];
  amiType: string;
  capacityType: string;
  subnets: string[];
  scaling: { minSize: number; maxSize: number; desiredSize: number };
  labels: Record<string, string>;
  nodeRole: string;
  createdAt: string;
  modifiedAt: string;
  launchTemplate?: { id?: string; name?: string; version?: string };
  healthIssues: SimNodegroupHealthIssue[];
  /** The kubelet max pods of its nodes (undefined: EKS's default for the instance type). */
  maxPods?: number;
}

export interface SimAddon {
  name: string;
  cluster: string;
  arn: string;
  version: string;
  status: string;
  configurationValues?: string;
  createdAt: string;
  modifiedAt: string;
  /** Actors whose DescribeAddon IAM denies (an add-on answer the auditor cannot read). */
  deniedActors: Set<string>;
}

export interface SimCluster {
  name: string;
  arn: string;
  version: string;
  status: string;
  roleArn: string;
  vpcId: string;
  subnetIds: string[];
  securityGroupIds: string[];
  clusterSecurityGroupId: string;
  createdAt: string;
  autoMode: boolean;
  /** Actors (scenario names) with an EKS access entry: they may call the cluster's Kubernetes API. */
  accessEntries: string[];
}

export class EksError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export class EksState {
  readonly clusters = new Map<string, SimCluster>();
  readonly nodegroups = new Map<string, Map<string, SimNodegroup>>();
  readonly addons = new Map<string, Map<string, SimAddon>>();
  updateCounter = 0;

  constructor(readonly env: ServiceEnv) {}

  private now(): string {
    return this.env.clock.now().toISOString();
  }

  addCluster(input: {
    name: string;
    vpcId: string;
    version?: string;
    roleArn?: string;
    subnetIds?: string[];
    securityGroupIds?: string[];
    autoMode?: boolean;
    accessEntries?: string[];
    createdAt?: string;
  }): SimCluster {
    const { region, accountId } = this.env;
    const cluster: SimCluster = {
      name: input.name,
      arn: `arn:aws:eks:${region}:${accountId}:cluster/${input.name}`,
      version: input.version ?? '1.31',
      status: 'ACTIVE',
      roleArn: input.roleArn ?? `arn:aws:iam::${accountId}:role/${input.name}-cluster-role`,
      vpcId: input.vpcId,
      subnetIds: input.subnetIds ?? [],
      securityGroupIds: input.securityGroupIds ?? [],
      clusterSecurityGroupId: this.env.ids.next('sg'),
      createdAt: input.createdAt ?? this.now(),
      autoMode: input.autoMode ?? false,
      accessEntries: input.accessEntries ?? [],
    };
    this.clusters.set(cluster.name, cluster);
    this.nodegroups.set(cluster.name, new Map());
    this.addons.set(cluster.name, new Map());
    return cluster;
  }

  addNodegroup(input: {
    cluster: string;
    name: string;
    instanceTypes: string[];
    subnets: string[];
    amiType?: string;
    capacityType?: string;
    minSize?: number;
    maxSize: number;
    desiredSize?: number;
    labels?: Record<string, string>;
    nodeRole?: string;
    createdAt?: string;
    launchTemplate?: { id?: string; name?: string; version?: string };
    healthIssues?: SimNodegroupHealthIssue[];
    maxPods?: number;
  }): SimNodegroup {
    const cluster = this.requireCluster(input.cluster);
    const created = input.createdAt ?? this.now();
    const ng: SimNodegroup = {
      name: input.name,
      cluster: cluster.name,
      arn: `arn:aws:eks:${this.env.region}:${this.env.accountId}:nodegroup/${cluster.name}/${input.name}/${this.env.ids.uuid()}`,
      status: 'ACTIVE',
      instanceTypes: input.instanceTypes,
      amiType: input.amiType ?? 'AL2023_x86_64_STANDARD',
      capacityType: input.capacityType ?? 'ON_DEMAND',
      subnets: input.subnets,
      scaling: {
        minSize: input.minSize ?? 1,
        maxSize: input.maxSize,
        desiredSize: input.desiredSize ?? input.minSize ?? 1,
      },
      labels: input.labels ?? {},
      nodeRole: input.nodeRole ?? `arn:aws:iam::${this.env.accountId}:role/${cluster.name}-node-role`,
      createdAt: created,
      modifiedAt: created,
      ...(input.launchTemplate ? { launchTemplate: input.launchTemplate } : {}),
      healthIssues: input.healthIssues ?? [],
      ...(input.maxPods !== undefined ? { maxPods: input.maxPods } : {}),
    };
    this.nodegroups.get(cluster.name)?.set(ng.name, ng);
    return ng;
  }

  addAddon(input: {
    cluster: string;
    name: string;
    version: string;
    configurationValues?: string;
    createdAt?: string;
    deniedActors?: string[];
  }): SimAddon {
    const cluster = this.requireCluster(input.cluster);
    const created = input.createdAt ?? this.now();
    const addon: SimAddon = {
      name: input.name,
      cluster: cluster.name,
      arn: `arn:aws:eks:${this.env.region}:${this.env.accountId}:addon/${cluster.name}/${input.name}/${this.env.ids.uuid()}`,
      version: input.version,
      status: 'ACTIVE',
      ...(input.configurationValues !== undefined ? { configurationValues: input.configurationValues } : {}),
      createdAt: created,
      modifiedAt: created,
      deniedActors: new Set(input.deniedActors ?? []),
    };
    this.addons.get(cluster.name)?.set(addon.name, addon);
    return addon;
  }

  requireCluster(name: string): SimCluster {
    const c = this.clusters.get(name);
    if (!c) throw new EksError('ResourceNotFoundException', `No cluster found for name: ${name}.`, 404);
    return c;
  }

  requireNodegroup(cluster: string, name: string): SimNodegroup {
    this.requireCluster(cluster);
    const ng = this.nodegroups.get(cluster)?.get(name);
    if (!ng) throw new EksError('ResourceNotFoundException', `No node group found for name: ${name}.`, 404);
    return ng;
  }

  requireAddon(cluster: string, name: string): SimAddon {
    this.requireCluster(cluster);
    const a = this.addons.get(cluster)?.get(name);
    if (!a)
      throw new EksError('ResourceNotFoundException', `No addon: ${name} found in cluster: ${cluster}`, 404);
    return a;
  }

  updateAddon(
    cluster: string,
    name: string,
    changes: { version?: string; configurationValues?: string },
  ): SimAddon {
    const addon = this.requireAddon(cluster, name);
    if (changes.version !== undefined) addon.version = changes.version;
    if (changes.configurationValues !== undefined) addon.configurationValues = changes.configurationValues;
    addon.modifiedAt = this.now();
    return addon;
  }

  updateNodegroupConfig(
    cluster: string,
    name: string,
    changes: {
      scaling?: Partial<SimNodegroup['scaling']>;
      addLabels?: Record<string, string>;
      removeLabels?: string[];
    },
  ): SimNodegroup {
    const ng = this.requireNodegroup(cluster, name);
    if (changes.scaling) ng.scaling = { ...ng.scaling, ...changes.scaling };
    if (changes.addLabels) ng.labels = { ...ng.labels, ...changes.addLabels };
    for (const k of changes.removeLabels ?? []) delete ng.labels[k];
    ng.modifiedAt = this.now();
    return ng;
  }
}
