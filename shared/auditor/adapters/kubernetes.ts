/**
 * Adapter: the optional Kubernetes reads (ENIConfigs, the aws-node DaemonSet, nodes, DaemonSets, kube-proxy mode,
 * services), authenticated like `aws eks get-token`: `k8s-aws-v1.` + base64url of a presigned STS
 * GetCallerIdentity URL that also signs the `x-k8s-aws-id: <cluster>` header. The auditor's role needs an EKS access
 * entry (docs/auditor.md#kubernetes-access). A read the API refuses is an unavailable input, not an error.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { parse as parseYaml } from 'yaml';
import type { KubernetesPort } from '../ports';
import { presignUrl } from '../sigv4';
import {
  type Available,
  type AwsNodeInfo,
  availableValue,
  type ClusterInfo,
  type EniConfigInfo,
  type KubernetesNode,
  type KubernetesState,
  unavailable,
} from '../snapshot';

export const TOKEN_PREFIX = 'k8s-aws-v1.';
/** EKS accepts tokens whose presigned URL is younger than 15 minutes; the CLI's `get-token` uses 60 s expiry. */
export const TOKEN_EXPIRES_SECONDS = 60;

export interface TokenOptions {
  region: string;
  credentials: AwsCredentialIdentity;
  /** STS endpoint override (simulated region); default the regional STS endpoint. */
  stsEndpoint?: string;
  now: Date;
}

export function stsEndpointFor(region: string): string {
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://sts.${region}.${suffix}`;
}

/** The bearer token `aws eks get-token --cluster-name <cluster>` prints. */
export function eksToken(cluster: string, opts: TokenOptions): string {
  const base = new URL(opts.stsEndpoint ?? stsEndpointFor(opts.region));
  base.pathname = '/';
  base.search = '';
  base.searchParams.set('Action', 'GetCallerIdentity');
  base.searchParams.set('Version', '2011-06-15');
  const url = presignUrl({
    url: base,
    headers: { 'x-k8s-aws-id': cluster },
    service: 'sts',
    region: opts.region,
    credentials: opts.credentials,
    date: opts.now,
    expiresSeconds: TOKEN_EXPIRES_SECONDS,
  });
  return `${TOKEN_PREFIX}${Buffer.from(url.toString()).toString('base64url')}`;
}

interface HttpResult {
  status: number;
  body: unknown;
}

function getJson(url: URL, token: string, ca: string | undefined, timeoutMs: number): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const options = {
      method: 'GET',
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      timeout: timeoutMs,
      ...(ca ? { ca: Buffer.from(ca, 'base64').toString('utf8') } : {}),
    };
    const req = (url.protocol === 'http:' ? httpRequest : httpsRequest)(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON: keep the text for the message
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
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

export function parseKubeProxyMode(body: unknown): string {
  const config = str(obj(obj(body).data).config);
  if (!config) return '';
  try {
    return str(obj(parseYaml(config)).mode) ?? '';
  } catch {
    return '';
  }
}

export interface KubernetesReaderOptions {
  region: string;
  credentials: () => Promise<AwsCredentialIdentity>;
  stsEndpoint?: string;
  now: () => Date;
  timeoutMs?: number;
}

const RBAC_HINT =
  'bind the auditor to the read-only ClusterRole of docs/auditor.md#kubernetes-access (ENIConfigs, DaemonSets, nodes, services, the kube-proxy-config ConfigMap)';

/** Refused, unreachable: the whole Kubernetes input is unavailable. */
class AccessRefused extends Error {}

export class KubernetesReader implements KubernetesPort {
  constructor(private readonly opts: KubernetesReaderOptions) {}

  async read(cluster: ClusterInfo): Promise<Available<KubernetesState>> {
    const accessEntry = `create an EKS access entry for the auditor's role on ${cluster.name}: aws eks create-access-entry --cluster-name ${cluster.name} --principal-arn <auditor role ARN>, then ${RBAC_HINT}`;
    if (!cluster.endpoint)
      return unavailable(
        `cluster ${cluster.name} has no Kubernetes API endpoint yet`,
        'wait for the cluster to be ACTIVE',
      );
    let token: string;
    try {
      token = eksToken(cluster.name, {
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
    const timeout = this.opts.timeoutMs ?? 10_000;

    const get = async (path: string): Promise<HttpResult> => {
      let res: HttpResult;
      try {
        res = await getJson(new URL(`${base}${path}`), token, cluster.certificateAuthority, timeout);
      } catch (err) {
        throw new AccessRefused(
          `cannot reach the Kubernetes API of ${cluster.name} (${(err as Error).message}); a private-only endpoint needs the auditor in the cluster VPC`,
        );
      }
      if (res.status === 401)
        throw new AccessRefused(
          `the Kubernetes API of ${cluster.name} refused the auditor's token (HTTP 401: no access entry)`,
        );
      return res;
    };
    const list = async (path: string): Promise<Available<unknown[]>> => {
      const items: unknown[] = [];
      let cont: string | undefined;
      do {
        const sep = path.includes('?') ? '&' : '?';
        const res = await get(`${path}${sep}limit=500${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
        if (res.status === 404) return availableValue([]);
        if (res.status === 403)
          return unavailable(`Kubernetes RBAC forbids the auditor to list ${path}`, RBAC_HINT);
        if (res.status !== 200)
          return unavailable(`GET ${path} answered HTTP ${res.status}`, 'check the cluster API');
        items.push(...arr(obj(res.body).items));
        cont = str(obj(obj(res.body).metadata).continue) || undefined;
      } while (cont);
      return availableValue(items);
    };
    const one = async <T>(
      path: string,
      parse: (body: unknown) => T,
      missing: () => Available<T>,
    ): Promise<Available<T>> => {
      const res = await get(path);
      if (res.status === 404) return missing();
      if (res.status === 403)
        return unavailable(`Kubernetes RBAC forbids the auditor to read ${path}`, RBAC_HINT);
      if (res.status !== 200)
        return unavailable(`GET ${path} answered HTTP ${res.status}`, 'check the cluster API');
      return availableValue(parse(res.body));
    };
    const map = <A, B>(a: Available<A>, f: (v: A) => B): Available<B> =>
      a.available ? availableValue(f(a.value)) : a;

    try {
      const eniConfigs = map(await list('/apis/crd.k8s.amazonaws.com/v1alpha1/eniconfigs'), (items) =>
        parseEniConfigs({ items }),
      );
      const awsNode = await one(
        '/apis/apps/v1/namespaces/kube-system/daemonsets/aws-node',
        parseAwsNode,
        () =>
          unavailable(
            'there is no aws-node DaemonSet in kube-system',
            'install the VPC CNI (aws eks create-addon --addon-name vpc-cni)',
          ),
      );
      const nodes = map(await list('/api/v1/nodes'), parseNodes);
      const daemonSets = map(await list('/apis/apps/v1/daemonsets'), (items) =>
        items
          .map((d) => `${str(obj(obj(d).metadata).namespace) ?? ''}/${str(obj(obj(d).metadata).name) ?? ''}`)
          .sort(),
      );
      const kubeProxyMode = await one(
        '/api/v1/namespaces/kube-system/configmaps/kube-proxy-config',
        parseKubeProxyMode,
        () => availableValue(''),
      );
      const localTrafficServices = map(await list('/api/v1/services'), (items) =>
        items
          .filter((s) => obj(obj(s).spec).externalTrafficPolicy === 'Local')
          .map((s) => `${str(obj(obj(s).metadata).namespace) ?? ''}/${str(obj(obj(s).metadata).name) ?? ''}`)
          .sort(),
      );
      return availableValue({ eniConfigs, awsNode, nodes, daemonSets, kubeProxyMode, localTrafficServices });
    } catch (err) {
      if (err instanceof AccessRefused) return unavailable(err.message, accessEntry);
      throw err;
    }
  }
}
