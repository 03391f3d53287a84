/**
 * A minimal Kubernetes API per simulated cluster, for the auditor's and the keeper's optional paths: ENIConfigs, the
 * aws-node DaemonSet (its env is the scenario's plus the vpc-cni add-on's configurationValues, as EKS applies them),
 * nodes (derived from the cluster's EC2 instances), pods (pods.ts), DaemonSets, the kube-proxy-config ConfigMap and
 * services.
 *
 * It authenticates like EKS: a bearer token `k8s-aws-v1.<base64url presigned STS GetCallerIdentity URL>` whose
 * signature covers `x-k8s-aws-id: <cluster>`; the caller must hold an access entry (401 otherwise). It is its own
 * HTTP server (Kubernetes requests carry no SigV4), started on first use; DescribeCluster returns its URL.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { computeMaxPods, instanceNetworkFromDescribe } from '../../shared/auditor/max-pods';
import { ACTOR_KEY_PREFIX, resolveCaller } from '../core/identities';
import type { ServiceEnv } from '../core/types';
import type { Ec2State } from '../ec2';
import type { EksState } from '../eks/state';
import { pageOf, podJson, type SimPod, selectPods, UnknownFieldSelectorError } from './pods';
import { verifyEksToken } from './token';

export interface ClusterObjects {
  eniConfigs: { name: string; subnet?: string; securityGroups: string[] }[];
  /** aws-node container env set outside the add-on (e.g. `kubectl set env`). */
  awsNodeEnv: Record<string, string>;
  awsNodeInitEnv: Record<string, string>;
  /** Image tag when vpc-cni is not an EKS add-on. */
  awsNodeVersion?: string;
  /** No aws-node DaemonSet at all. */
  awsNodeMissing: boolean;
  /** Extra DaemonSets as `namespace/name` (e.g. `kube-system/node-local-dns`). */
  daemonSets: string[];
  kubeProxyMode?: string;
  /** Services with externalTrafficPolicy: Local, as `namespace/name`. */
  localTrafficServices: string[];
  /** Per-instance node overrides. */
  nodes: Record<string, { labels?: Record<string, string>; podsCapacity?: number; name?: string }>;
  /** API paths RBAC forbids the auditor (403). */
  forbidden: string[];
  /** Pods (started and stopped by scenarios). */
  pods: SimPod[];
}

export interface K8sRequestRecord {
  cluster: string;
  path: string;
  status: number;
  actor?: string;
}

function emptyObjects(): ClusterObjects {
  return {
    eniConfigs: [],
    awsNodeEnv: {},
    awsNodeInitEnv: {},
    awsNodeMissing: false,
    daemonSets: [],
    localTrafficServices: [],
    nodes: {},
    forbidden: [],
    pods: [],
  };
}

function status(code: number, reason: string, message: string) {
  return { kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code };
}

export class KubernetesApi {
  private server?: Server;
  private starting?: Promise<string>;
  private readonly objectsByCluster = new Map<string, ClusterObjects>();
  readonly requests: K8sRequestRecord[] = [];

  constructor(
    private readonly env: ServiceEnv,
    private readonly eks: EksState,
    private readonly ec2: Ec2State,
  ) {}

  objects(cluster: string): ClusterObjects {
    let o = this.objectsByCluster.get(cluster);
    if (!o) {
      o = emptyObjects();
      this.objectsByCluster.set(cluster, o);
    }
    return o;
  }

  /** The base URL of a cluster's API (starts the server on first use). */
  async endpoint(cluster: string): Promise<string> {
    this.starting ??= this.start();
    return `${await this.starting}/k8s/${encodeURIComponent(cluster)}`;
  }

  private async start(): Promise<string> {
    const server = createServer((req, res) => {
      this.serve(req, res).catch((err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`simulated Kubernetes API error: ${(err as Error).stack ?? String(err)}`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    server.unref();
    this.server = server;
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.starting = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Who the token belongs to, or why it is refused. */
  async authenticate(
    header: string | undefined,
    cluster: string,
  ): Promise<{ actor: string } | { refused: string }> {
    const token = await verifyEksToken(
      header,
      cluster,
      (key) => (key.startsWith(ACTOR_KEY_PREFIX) ? 'simulated' : undefined),
      new Date(),
    );
    if ('refused' in token) return token;
    const actor = resolveCaller(this.env.accountId, token.accessKeyId).actor;
    const c = this.eks.clusters.get(cluster);
    if (!c?.accessEntries.includes(actor)) return { refused: `no access entry for ${actor}` };
    return { actor };
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const m = /^\/k8s\/([^/]+)(\/.*)$/.exec(url.pathname);
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (!m || req.method !== 'GET') {
      send(404, status(404, 'NotFound', 'not found'));
      return;
    }
    const cluster = decodeURIComponent(m[1] as string);
    const path = m[2] as string;
    const auth = await this.authenticate(req.headers.authorization, cluster);
    if ('refused' in auth) {
      this.requests.push({ cluster, path, status: 401 });
      send(401, status(401, 'Unauthorized', 'Unauthorized'));
      return;
    }
    const objects = this.objects(cluster);
    if (objects.forbidden.includes(path)) {
      this.requests.push({ cluster, path, status: 403, actor: auth.actor });
      send(403, status(403, 'Forbidden', `${auth.actor} cannot get ${path}`));
      return;
    }
    let body: unknown;
    try {
      body = this.resource(cluster, path, objects, url.searchParams);
    } catch (err) {
      if (!(err instanceof UnknownFieldSelectorError)) throw err;
      this.requests.push({ cluster, path, status: 400, actor: auth.actor });
      send(400, status(400, 'BadRequest', `field label not supported: ${err.message}`));
      return;
    }
    this.requests.push({ cluster, path, status: body ? 200 : 404, actor: auth.actor });
    if (body) send(200, body);
    else send(404, status(404, 'NotFound', `${path} not found`));
  }

  private resource(cluster: string, path: string, o: ClusterObjects, query: URLSearchParams): unknown {
    const list = (kind: string, items: unknown[]) => ({
      kind,
      apiVersion: 'v1',
      metadata: { resourceVersion: '1' },
      items,
    });
    const podsIn = /^\/api\/v1(?:\/namespaces\/([^/]+))?\/pods$/.exec(path);
    if (podsIn) {
      const namespace = podsIn[1] === undefined ? undefined : decodeURIComponent(podsIn[1]);
      const page = pageOf(selectPods(o.pods, query, namespace), query);
      return {
        ...list('PodList', page.items.map(podJson)),
        metadata: { resourceVersion: '1', ...(page.continue ? { continue: page.continue } : {}) },
      };
    }
    switch (path) {
      case '/apis/crd.k8s.amazonaws.com/v1alpha1/eniconfigs':
        return list(
          'ENIConfigList',
          o.eniConfigs.map((c) => ({
            apiVersion: 'crd.k8s.amazonaws.com/v1alpha1',
            kind: 'ENIConfig',
            metadata: { name: c.name },
            spec: { ...(c.subnet ? { subnet: c.subnet } : {}), securityGroups: c.securityGroups },
          })),
        );
      case '/apis/apps/v1/namespaces/kube-system/daemonsets/aws-node':
        return o.awsNodeMissing ? undefined : this.awsNode(cluster, o);
      case '/api/v1/nodes':
        return list('NodeList', this.nodes(cluster, o));
      case '/apis/apps/v1/daemonsets':
        return list(
          'DaemonSetList',
          [
            ...(o.awsNodeMissing ? [] : ['kube-system/aws-node']),
            'kube-system/kube-proxy',
            ...o.daemonSets,
          ].map((d) => {
            const [namespace, name] = d.split('/');
            return { metadata: { namespace, name } };
          }),
        );
      case '/api/v1/namespaces/kube-system/configmaps/kube-proxy-config':
        return {
          kind: 'ConfigMap',
          metadata: { name: 'kube-proxy-config', namespace: 'kube-system' },
          data: {
            config: `apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: "${o.kubeProxyMode ?? 'iptables'}"\n`,
          },
        };
      case '/api/v1/services':
        return list('ServiceList', [
          { metadata: { namespace: 'default', name: 'kubernetes' }, spec: { type: 'ClusterIP' } },
          ...o.localTrafficServices.map((s) => {
            const [namespace, name] = s.split('/');
            return {
              metadata: { namespace, name },
              spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Local' },
            };
          }),
        ]);
      default:
        return undefined;
    }
  }

  private awsNode(cluster: string, o: ClusterObjects) {
    const addon = this.eks.addons.get(cluster)?.get('vpc-cni');
    let addonEnv: Record<string, string> = {};
    let addonInit: Record<string, string> = {};
    if (addon?.configurationValues) {
      try {
        const cfg = parseYaml(addon.configurationValues) as {
          env?: Record<string, unknown>;
          init?: { env?: Record<string, unknown> };
        };
        addonEnv = Object.fromEntries(Object.entries(cfg?.env ?? {}).map(([k, v]) => [k, String(v)]));
        addonInit = Object.fromEntries(Object.entries(cfg?.init?.env ?? {}).map(([k, v]) => [k, String(v)]));
      } catch {
        // EKS would have rejected it; keep the DaemonSet as it was
      }
    }
    const version = addon?.version ?? o.awsNodeVersion ?? 'v1.19.2-eksbuild.1';
    const toEnv = (e: Record<string, string>) => Object.entries(e).map(([name, value]) => ({ name, value }));
    return {
      kind: 'DaemonSet',
      metadata: { name: 'aws-node', namespace: 'kube-system' },
      spec: {
        template: {
          spec: {
            initContainers: [
              {
                name: 'aws-vpc-cni-init',
                image: `602401143452.dkr.ecr.${this.env.region}.amazonaws.com/amazon-k8s-cni-init:${version}`,
                env: toEnv({ ...o.awsNodeInitEnv, ...addonInit }),
              },
            ],
            containers: [
              {
                name: 'aws-node',
                image: `602401143452.dkr.ecr.${this.env.region}.amazonaws.com/amazon-k8s-cni:${version}`,
                env: toEnv({ ...o.awsNodeEnv, ...addonEnv }),
              },
            ],
          },
        },
      },
    };
  }

  private defaultNodeName(primaryIp: string | undefined): string {
    return `ip-${(primaryIp ?? '0.0.0.0').replace(/\./g, '-')}.${this.env.region}.compute.internal`;
  }

  /** The Kubernetes node name of an instance of the cluster (what a pod's `spec.nodeName` says). */
  nodeNameOf(cluster: string, instanceId: string): string {
    const override = this.objects(cluster).nodes[instanceId]?.name;
    if (override) return override;
    const primary = this.ec2.enisOf(instanceId).find((e) => e.attachment?.deviceIndex === 0);
    return this.defaultNodeName(primary?.privateIpAddress);
  }

  private nodes(cluster: string, o: ClusterObjects) {
    const out: unknown[] = [];
    for (const i of this.ec2.instanceById.values()) {
      if (i.state !== 'running') continue;
      const tag = (k: string) => i.tags.find((t) => t.key === k)?.value;
      if (tag('eks:cluster-name') !== cluster) continue;
      const ngName = tag('eks:nodegroup-name');
      const ng = ngName ? this.eks.nodegroups.get(cluster)?.get(ngName) : undefined;
      const primary = this.ec2.enisOf(i.instanceId).find((e) => e.attachment?.deviceIndex === 0);
      const override = o.nodes[i.instanceId] ?? {};
      const hasTrunk = this.ec2.enisOf(i.instanceId).some((e) => e.interfaceType === 'trunk');
      const type = this.ec2.instanceTypeByName.get(i.instanceType);
      let pods = override.podsCapacity ?? ng?.maxPods;
      if (pods === undefined && type) {
        pods = computeMaxPods(
          instanceNetworkFromDescribe({
            InstanceType: type.instanceType,
            Hypervisor: type.hypervisor,
            BareMetal: type.bareMetal,
            VCpuInfo: { DefaultVCpus: type.defaultVCpus },
            NetworkInfo: {
              MaximumNetworkInterfaces: type.maximumNetworkInterfaces,
              Ipv4AddressesPerInterface: type.ipv4AddressesPerInterface,
              DefaultNetworkCardIndex: type.defaultNetworkCardIndex,
              NetworkCards: type.networkCards.map((c) => ({
                NetworkCardIndex: c.networkCardIndex,
                MaximumNetworkInterfaces: c.maximumNetworkInterfaces,
              })),
            },
          }),
          { cniVersion: '1.19.2' },
        ).maxPods;
      }
      const name = override.name ?? this.defaultNodeName(primary?.privateIpAddress);
      out.push({
        kind: 'Node',
        metadata: {
          name,
          creationTimestamp: i.launchTime.replace(/\.\d{3}Z$/, 'Z'),
          labels: {
            'kubernetes.io/os': ng?.amiType.startsWith('WINDOWS') ? 'windows' : 'linux',
            'kubernetes.io/hostname': name,
            'node.kubernetes.io/instance-type': i.instanceType,
            'topology.kubernetes.io/zone': i.availabilityZone,
            ...(ngName ? { 'eks.amazonaws.com/nodegroup': ngName } : {}),
            ...(hasTrunk ? { 'vpc.amazonaws.com/has-trunk-attached': 'true' } : {}),
            ...(ng?.labels ?? {}),
            ...(override.labels ?? {}),
          },
        },
        spec: { providerID: `aws:///${i.availabilityZone}/${i.instanceId}` },
        status: { capacity: { pods: String(pods ?? 110) } },
      });
    }
    return out;
  }
}
