/**
 * Adapter: the optional Kubernetes reads (ENIConfigs, the aws-node DaemonSet, nodes, DaemonSets, kube-proxy mode,
 * services), authenticated like `aws eks get-token` (shared/kubernetes). The auditor's role needs an EKS access entry
 * (docs/auditor.md#kubernetes-access). A read the API refuses is an unavailable input, not an error.
 */
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { eksToken } from '../../kubernetes/eks-token';
import { getJson, type HttpResult } from '../../kubernetes/http';
import {
  type Available,
  availableValue,
  type ClusterInfo,
  type KubernetesState,
  unavailable,
} from '../model';
import type { KubernetesPort } from '../ports';
import {
  arr,
  kubeProxyConfigText,
  kubeProxyModeFromText,
  obj,
  parseAwsNode,
  parseDaemonSets,
  parseEniConfigs,
  parseLocalTrafficServices,
  parseNodes,
  str,
} from './kubernetes-objects';
import { readYaml } from './yaml';

export interface KubernetesReaderOptions {
  region: string;
  credentials: () => Promise<AwsCredentialIdentity>;
  stsEndpoint?: string;
  now: () => Date;
  timeoutMs?: number;
}

const RBAC_HINT =
  'bind the auditor to the read-only ClusterRole of docs/auditor.md#kubernetes-access (ENIConfigs, DaemonSets, nodes, services, the kube-proxy-config ConfigMap)';

const accessEntryHint = (cluster: string) =>
  `create an EKS access entry for the auditor's role on ${cluster}: aws eks create-access-entry --cluster-name ${cluster} --principal-arn <auditor role ARN>, then ${RBAC_HINT}`;

/** Refused, unreachable: the whole Kubernetes input is unavailable. */
class AccessRefused extends Error {}

const mapAvailable = <A, B>(a: Available<A>, f: (v: A) => B): Available<B> =>
  a.available ? availableValue(f(a.value)) : a;

/** The reads of one cluster's API with one token. */
class ClusterApi {
  constructor(
    private readonly cluster: string,
    private readonly base: string,
    private readonly ca: string | undefined,
    private readonly token: string,
    private readonly timeoutMs: number,
  ) {}

  private async get(path: string): Promise<HttpResult> {
    let res: HttpResult;
    try {
      res = await getJson(new URL(`${this.base}${path}`), this.token, this.ca, this.timeoutMs);
    } catch (err) {
      throw new AccessRefused(
        `cannot reach the Kubernetes API of ${this.cluster} (${(err as Error).message}); a private-only endpoint needs the auditor in the cluster VPC`,
      );
    }
    if (res.status === 401)
      throw new AccessRefused(
        `the Kubernetes API of ${this.cluster} refused the auditor's token (HTTP 401: no access entry)`,
      );
    return res;
  }

  /** Every item of a collection, page by page; an unknown resource type is an empty list. */
  async list(path: string): Promise<Available<unknown[]>> {
    const items: unknown[] = [];
    let cont: string | undefined;
    do {
      const sep = path.includes('?') ? '&' : '?';
      const res = await this.get(
        `${path}${sep}limit=500${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`,
      );
      if (res.status === 404) return availableValue([]);
      if (res.status === 403)
        return unavailable(`Kubernetes RBAC forbids the auditor to list ${path}`, RBAC_HINT);
      if (res.status !== 200)
        return unavailable(`GET ${path} answered HTTP ${res.status}`, 'check the cluster API');
      items.push(...arr(obj(res.body).items));
      cont = str(obj(obj(res.body).metadata).continue) || undefined;
    } while (cont);
    return availableValue(items);
  }

  /** One object; `missing` says what its absence means. */
  async one<T>(
    path: string,
    parse: (body: unknown) => T,
    missing: () => Available<T>,
  ): Promise<Available<T>> {
    const res = await this.get(path);
    if (res.status === 404) return missing();
    if (res.status === 403)
      return unavailable(`Kubernetes RBAC forbids the auditor to read ${path}`, RBAC_HINT);
    if (res.status !== 200)
      return unavailable(`GET ${path} answered HTTP ${res.status}`, 'check the cluster API');
    return availableValue(parse(res.body));
  }
}

async function readObjects(api: ClusterApi): Promise<KubernetesState> {
  const eniConfigs = mapAvailable(
    await api.list('/apis/crd.k8s.amazonaws.com/v1alpha1/eniconfigs'),
    (items) => parseEniConfigs({ items }),
  );
  const awsNode = await api.one(
    '/apis/apps/v1/namespaces/kube-system/daemonsets/aws-node',
    parseAwsNode,
    () =>
      unavailable(
        'there is no aws-node DaemonSet in kube-system',
        'install the VPC CNI (aws eks create-addon --addon-name vpc-cni)',
      ),
  );
  const nodes = mapAvailable(await api.list('/api/v1/nodes'), parseNodes);
  const daemonSets = mapAvailable(await api.list('/apis/apps/v1/daemonsets'), parseDaemonSets);
  const kubeProxyConfig = await api.one(
    '/api/v1/namespaces/kube-system/configmaps/kube-proxy-config',
    kubeProxyConfigText,
    () => availableValue(''),
  );
  const kubeProxyMode = kubeProxyConfig.available
    ? availableValue(await kubeProxyModeFromText(kubeProxyConfig.value, readYaml))
    : kubeProxyConfig;
  const localTrafficServices = mapAvailable(await api.list('/api/v1/services'), parseLocalTrafficServices);
  return { eniConfigs, awsNode, nodes, daemonSets, kubeProxyMode, localTrafficServices };
}

export class KubernetesReader implements KubernetesPort {
  constructor(private readonly opts: KubernetesReaderOptions) {}

  async read(cluster: ClusterInfo): Promise<Available<KubernetesState>> {
    if (!cluster.endpoint)
      return unavailable(
        `cluster ${cluster.name} has no Kubernetes API endpoint yet`,
        'wait for the cluster to be ACTIVE',
      );
    let token: string;
    try {
      token = await eksToken(cluster.name, {
        region: this.opts.region,
        credentials: await this.opts.credentials(),
        ...(this.opts.stsEndpoint ? { stsEndpoint: this.opts.stsEndpoint } : {}),
        now: this.opts.now(),
      });
    } catch (err) {
      return unavailable(
        `cannot sign a Kubernetes token: ${(err as Error).message}`,
        'give the auditor AWS credentials',
      );
    }
    const base = cluster.endpoint.replace(/\/+$/, '');
    const api = new ClusterApi(
      cluster.name,
      base,
      cluster.certificateAuthority,
      token,
      this.opts.timeoutMs ?? 10_000,
    );
    try {
      return availableValue(await readObjects(api));
    } catch (err) {
      if (err instanceof AccessRefused) return unavailable(err.message, accessEntryHint(cluster.name));
      throw err;
    }
  }
}
