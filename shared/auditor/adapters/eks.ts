/**
 * Adapter: the EKS reads of the auditor (ListClusters, DescribeCluster, ListNodegroups, DescribeNodegroup,
 * DescribeAddon), turned into the snapshot's plain records.
 */
import {
  type Addon,
  DescribeAddonCommand,
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  type EKSClient,
  paginateListClusters,
  paginateListNodegroups,
} from '@aws-sdk/client-eks';
import { mapLimit } from '../../runtime/concurrency';
import {
  type AddonInfo,
  type Available,
  availableValue,
  type ClusterInfo,
  type NodegroupInfo,
  unavailable,
} from '../model';
import type { EksPort } from '../ports';
import { describeError, isResourceNotFound, isUnreadableAnswer } from '../unreadable';
import { configurationValuesAsJson } from './configuration-values';
import { type ReadYaml, readYaml } from './yaml';

const iso = (d: Date | undefined): string | undefined => (d ? d.toISOString() : undefined);

export class EksReader implements EksPort {
  constructor(
    private readonly eks: EKSClient,
    /** How YAML configurationValues are read (yaml.ts, which loads the module on first use). */
    private readonly readYamlText: ReadYaml = readYaml,
  ) {}

  async listClusters(): Promise<string[]> {
    const names: string[] = [];
    for await (const page of paginateListClusters({ client: this.eks }, {}))
      names.push(...(page.clusters ?? []));
    return names.sort();
  }

  async describeCluster(name: string): Promise<ClusterInfo> {
    const out = await this.eks.send(new DescribeClusterCommand({ name }));
    const c = out.cluster ?? {};
    const vpc = c.resourcesVpcConfig ?? {};
    return {
      name: c.name ?? name,
      ...(c.arn ? { arn: c.arn } : {}),
      ...(c.version ? { version: c.version } : {}),
      ...(c.status ? { status: c.status } : {}),
      ...(c.roleArn ? { roleArn: c.roleArn } : {}),
      ...(vpc.vpcId ? { vpcId: vpc.vpcId } : {}),
      subnetIds: vpc.subnetIds ?? [],
      securityGroupIds: [
        ...(vpc.clusterSecurityGroupId ? [vpc.clusterSecurityGroupId] : []),
        ...(vpc.securityGroupIds ?? []),
      ],
      ...(c.endpoint ? { endpoint: c.endpoint } : {}),
      ...(c.certificateAuthority?.data ? { certificateAuthority: c.certificateAuthority.data } : {}),
      autoMode: c.computeConfig?.enabled === true,
      ...(c.createdAt ? { createdAt: iso(c.createdAt) } : {}),
    };
  }

  async nodegroups(cluster: string): Promise<NodegroupInfo[]> {
    const names: string[] = [];
    for await (const page of paginateListNodegroups({ client: this.eks }, { clusterName: cluster }))
      names.push(...(page.nodegroups ?? []));
    const described = await mapLimit(names.sort(), 5, async (nodegroupName) => {
      try {
        const out = await this.eks.send(
          new DescribeNodegroupCommand({ clusterName: cluster, nodegroupName }),
        );
        return out.nodegroup;
      } catch (err) {
        if (isResourceNotFound(err)) return undefined; // deleted between list and describe
        throw err;
      }
    });
    return described
      .filter((n): n is NonNullable<typeof n> => n !== undefined)
      .map((n) => ({
        name: n.nodegroupName ?? '',
        ...(n.status ? { status: n.status } : {}),
        instanceTypes: n.instanceTypes ?? [],
        ...(n.amiType ? { amiType: n.amiType } : {}),
        subnets: n.subnets ?? [],
        ...(n.nodeRole ? { nodeRole: n.nodeRole } : {}),
        ...(n.capacityType ? { capacityType: n.capacityType } : {}),
        scaling: {
          ...(n.scalingConfig?.minSize !== undefined ? { minSize: n.scalingConfig.minSize } : {}),
          ...(n.scalingConfig?.maxSize !== undefined ? { maxSize: n.scalingConfig.maxSize } : {}),
          ...(n.scalingConfig?.desiredSize !== undefined ? { desiredSize: n.scalingConfig.desiredSize } : {}),
        },
        ...(n.createdAt ? { createdAt: iso(n.createdAt) } : {}),
        ...(n.modifiedAt ? { modifiedAt: iso(n.modifiedAt) } : {}),
        ...(n.launchTemplate
          ? {
              launchTemplate: {
                ...(n.launchTemplate.id ? { id: n.launchTemplate.id } : {}),
                ...(n.launchTemplate.name ? { name: n.launchTemplate.name } : {}),
                ...(n.launchTemplate.version ? { version: n.launchTemplate.version } : {}),
              },
            }
          : {}),
        labels: { ...(n.labels ?? {}) },
        healthIssues: (n.health?.issues ?? []).map((i) => ({
          code: String(i.code ?? 'Unknown'),
          ...(i.message ? { message: i.message } : {}),
          resourceIds: i.resourceIds ?? [],
        })),
      }));
  }

  /**
   * The add-on, or null when it is not installed as an EKS add-on; unavailable when the answer cannot be read (access
   * denied, a body the SDK cannot parse). Throttling and server faults are thrown: a retry may succeed.
   */
  async addon(cluster: string, addonName: string): Promise<Available<AddonInfo | null>> {
    const described = await this.describeAddon(cluster, addonName);
    if (!described.available) return described;
    const a = described.value;
    if (!a) return availableValue(null);
    return availableValue({
      name: a.addonName ?? addonName,
      version: a.addonVersion ?? '',
      ...(a.status ? { status: a.status } : {}),
      ...(a.configurationValues
        ? await configurationValuesAsJson(a.configurationValues, this.readYamlText)
        : {}),
      ...(a.modifiedAt ? { modifiedAt: iso(a.modifiedAt) } : {}),
    });
  }

  /** DescribeAddon alone, so that only its errors are read as EKS's answer (not, say, yaml failing to load). */
  private async describeAddon(cluster: string, addonName: string): Promise<Available<Addon | undefined>> {
    try {
      const out = await this.eks.send(new DescribeAddonCommand({ clusterName: cluster, addonName }));
      return availableValue(out.addon);
    } catch (err) {
      if (isResourceNotFound(err)) return availableValue(undefined);
      if (!isUnreadableAnswer(err)) throw err;
      return unavailable(
        `DescribeAddon of ${addonName} failed: ${describeError(err)}`,
        `let the auditor's role call eks:DescribeAddon on ${addonName} of ${cluster}, then check: aws eks describe-addon --cluster-name ${cluster} --addon-name ${addonName}`,
      );
    }
  }
}
