/**
 * The keeper's Kubernetes port (`ports.ts`): the cluster's nodes and the pods of a pool's selector, read with an EKS
 * bearer token (shared/kubernetes). The keeper's roles need an EKS access entry on the cluster bound to read-only
 * access to nodes and pods (docs/keeper.md). Anything but a full answer throws: the caller changes nothing then.
 */
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import type { PodSelector } from '../../config/schema';
import { eksToken } from '../../kubernetes/eks-token';
import { listAll } from '../../kubernetes/http';
import type { ClusterView, KubeNode, KubePod } from '../model';
import type { KubernetesPort } from '../ports';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const strMap = (v: unknown): Record<string, string> =>
  Object.fromEntries(Object.entries(obj(v)).filter((e): e is [string, string] => typeof e[1] === 'string'));

export function kubeNodeOf(item: unknown): KubeNode | undefined {
  const name = str(obj(obj(item).metadata).name);
  if (!name) return undefined;
  // providerID: aws:///<az>/<instance-id>
  const instanceId = str(obj(obj(item).spec).providerID)
    ?.split('/')
    .pop();
  return { name, ...(instanceId?.startsWith('i-') ? { instanceId } : {}) };
}

export function kubePodOf(item: unknown): KubePod | undefined {
  const meta = obj(obj(item).metadata);
  const status = obj(obj(item).status);
  const name = str(meta.name);
  const namespace = str(meta.namespace);
  if (!name || !namespace) return undefined;
  const ips = new Set<string>();
  const podIp = str(status.podIP);
  if (podIp) ips.add(podIp);
  for (const p of Array.isArray(status.podIPs) ? status.podIPs : []) {
    const ip = str(obj(p).ip);
    if (ip) ips.add(ip);
  }
  const nodeName = str(obj(obj(item).spec).nodeName);
  const phase = str(status.phase);
  return {
    namespace,
    name,
    labels: strMap(meta.labels),
    ...(nodeName ? { nodeName } : {}),
    ...(phase ? { phase } : {}),
    podIps: [...ips],
  };
}

/** `a=b,c=d`, keys sorted (values from the configuration, validated there). */
export function labelSelector(labels: Record<string, string>): string {
  return Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

export interface KeeperKubernetesOptions {
  region: string;
  credentials: () => Promise<AwsCredentialIdentity>;
  stsEndpoint?: string;
  timeoutMs?: number;
}

export class KeeperKubernetes implements KubernetesPort {
  constructor(private readonly opts: KeeperKubernetesOptions) {}

  private async list(cluster: ClusterView, path: string): Promise<unknown[]> {
    if (!cluster.endpoint) throw new Error(`cluster ${cluster.name} has no Kubernetes API endpoint`);
    const token = await eksToken(cluster.name, {
      region: this.opts.region,
      credentials: await this.opts.credentials(),
      ...(this.opts.stsEndpoint ? { stsEndpoint: this.opts.stsEndpoint } : {}),
      // Signing time is real time, whatever the domain clock says.
      now: new Date(),
    });
    return listAll(cluster.endpoint.replace(/\/+$/, ''), path, token, {
      ...(cluster.certificateAuthority ? { ca: cluster.certificateAuthority } : {}),
      timeoutMs: this.opts.timeoutMs ?? 10_000,
    });
  }

  async nodes(cluster: ClusterView): Promise<KubeNode[]> {
    return (await this.list(cluster, '/api/v1/nodes')).flatMap((n) => kubeNodeOf(n) ?? []);
  }

  async pods(cluster: ClusterView, selector: PodSelector): Promise<KubePod[]> {
    const labels = labelSelector(selector.labels);
    const path = `/api/v1/namespaces/${encodeURIComponent(selector.namespace)}/pods${labels ? `?labelSelector=${encodeURIComponent(labels)}` : ''}`;
    return (await this.list(cluster, path)).flatMap((p) => kubePodOf(p) ?? []);
  }
}
