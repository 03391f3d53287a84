/**
 * The Kubernetes objects the auditor reads (ENIConfigs, the aws-node DaemonSet, nodes, the kube-proxy-config
 * ConfigMap), turned from the API's JSON into the snapshot's plain records. Pure: no I/O but the YAML reading passed
 * in.
 */
import type { AwsNodeInfo, EniConfigInfo, KubernetesNode } from '../model';
import type { ReadYaml } from './yaml';

type Obj = Record<string, unknown>;
export const obj = (v: unknown): Obj =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {};
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const strMap = (v: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(obj(v))) if (typeof val === 'string') out[k] = val;
  return out;
};

function envOf(container: Obj): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of arr(container.env)) {
    const name = str(obj(e).name);
    const value = str(obj(e).value);
    if (name && value !== undefined) env[name] = value;
  }
  return env;
}

export function parseEniConfigs(body: unknown): EniConfigInfo[] {
  return arr(obj(body).items)
    .map((i) => {
      const spec = obj(obj(i).spec);
      const subnet = str(spec.subnet);
      return {
        name: str(obj(obj(i).metadata).name) ?? '',
        ...(subnet ? { subnet } : {}),
        securityGroups: arr(spec.securityGroups).filter((g): g is string => typeof g === 'string'),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function parseAwsNode(body: unknown): AwsNodeInfo {
  const pod = obj(obj(obj(obj(body).spec).template).spec);
  const containers = arr(pod.containers).map(obj);
  const main = containers.find((c) => c.name === 'aws-node') ?? containers[0] ?? {};
  const init = arr(pod.initContainers)
    .map(obj)
    .find((c) => c.name === 'aws-vpc-cni-init');
  const image = str(main.image);
  return { ...(image ? { image } : {}), env: envOf(main), initEnv: init ? envOf(init) : {} };
}

export function parseNodes(items: unknown[]): KubernetesNode[] {
  return items
    .map((n) => {
      const meta = obj(obj(n).metadata);
      const providerId = str(obj(obj(n).spec).providerID);
      const instanceId = providerId?.split('/').pop();
      const pods = Number(str(obj(obj(obj(n).status).capacity).pods));
      const createdAt = str(meta.creationTimestamp);
      return {
        name: str(meta.name) ?? '',
        labels: strMap(meta.labels),
        ...(instanceId?.startsWith('i-') ? { instanceId } : {}),
        ...(createdAt ? { createdAt } : {}),
        ...(Number.isFinite(pods) && pods > 0 ? { podsCapacity: pods } : {}),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The kube-proxy-config ConfigMap's `config` (a KubeProxyConfiguration, in YAML), or '' when it has none. */
export function kubeProxyConfigText(body: unknown): string {
  return str(obj(obj(body).data).config) ?? '';
}

/** kube-proxy's `mode` from its KubeProxyConfiguration, parsed from YAML ('' when it sets none). */
function kubeProxyModeOf(config: unknown): string {
  return str(obj(config).mode) ?? '';
}

/**
 * kube-proxy's `mode` from the ConfigMap's `config` text: '' when there is none, or it is not YAML (kube-proxy then
 * runs in its default mode, iptables). `readYaml` loads yaml only when there is text to read.
 */
export async function kubeProxyModeFromText(config: string, readYaml: ReadYaml): Promise<string> {
  if (!config) return '';
  const reading = await readYaml(config);
  return 'value' in reading ? kubeProxyModeOf(reading.value) : '';
}

/** `namespace/name` of an object. */
function qualifiedName(item: unknown): string {
  const meta = obj(obj(item).metadata);
  return `${str(meta.namespace) ?? ''}/${str(meta.name) ?? ''}`;
}

export function parseDaemonSets(items: unknown[]): string[] {
  return items.map(qualifiedName).sort();
}

/** Services with `externalTrafficPolicy: Local`. */
export function parseLocalTrafficServices(items: unknown[]): string[] {
  return items
    .filter((s) => obj(obj(s).spec).externalTrafficPolicy === 'Local')
    .map(qualifiedName)
    .sort();
}
