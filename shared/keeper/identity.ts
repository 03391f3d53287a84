/**
 * Gathering the evidence that ENIs are pods of a pool's cluster, in batches, and deciding with `decide-identity.ts`.
 * Live facts are read live: the ENIs themselves (by the caller), their trunk associations and, for secondary-IP
 * pools, the pods. Facts that change slowly are kept a few minutes by the runtime that read them: the cluster
 * (DescribeCluster), trunk ENIs, their instances and the Kubernetes nodes; a burst of pods on a few nodes costs one
 * DescribeTrunkInterfaceAssociations per event, not one lookup per node per pod.
 */
import type { PoolConfig } from '../config/schema';
import type { Clock, Log } from '../runtime/context';
import {
  clusterMismatch,
  decideBranchIdentity,
  decidePodIpIdentity,
  type IdentityVerdict,
} from './decide-identity';
import type { ClusterView, CreationRecord, EniView, InstanceView, KubeNode, Target } from './model';
import { targetKey } from './model';
import type { ClusterPort, CreationRecordPort, KeeperEc2Port, KubernetesPort } from './ports';

/** How long slowly changing facts are kept by the runtime that read them. */
export const FACT_TTL_MS = 5 * 60_000;
/** The Kubernetes nodes change as nodes come and go: kept one minute. */
export const NODES_TTL_MS = 60_000;

export interface IdentityDeps {
  ec2: KeeperEc2Port;
  clusters: ClusterPort;
  /** Absent: no pool has Kubernetes access. */
  kubernetes?: KubernetesPort;
  creations: CreationRecordPort;
  clock: Clock;
  log: Log;
}

/** An ENI to check, with the creation record the caller holds (the event, a waiter item), if any. */
export interface IdentityRequest {
  eni: EniView;
  creation?: CreationRecord;
  /** Proven when its claim was made: its creation record is not read again. */
  provenBefore?: boolean;
}

class Cache<V> {
  private readonly entries = new Map<string, { value: V; at: number }>();
  constructor(private readonly ttlMs: number) {}
  get(key: string, nowMs: number): V | undefined {
    const e = this.entries.get(key);
    if (!e || nowMs - e.at >= this.ttlMs) return undefined;
    return e.value;
  }
  set(key: string, value: V, nowMs: number): void {
    this.entries.set(key, { value, at: nowMs });
  }
}

const unknownFor = <K>(keys: readonly K[], reason: string) =>
  new Map<K, IdentityVerdict>(keys.map((k) => [k, { kind: 'unknown', reason }]));

export class IdentityChecker {
  private readonly clusters = new Cache<ClusterView | undefined>(FACT_TTL_MS);
  private readonly trunkEnis = new Cache<EniView>(FACT_TTL_MS);
  private readonly instances = new Cache<InstanceView>(FACT_TTL_MS);
  private readonly kubeNodes = new Cache<KubeNode[]>(NODES_TTL_MS);

  constructor(private readonly deps: IdentityDeps) {}

  private nowMs(): number {
    return this.deps.clock.now().getTime();
  }

  /** The pool's cluster, or why no ENI of the pool can be proven now. */
  async clusterOf(pool: PoolConfig): Promise<{ cluster: ClusterView } | { problem: string }> {
    const now = this.nowMs();
    let cluster = this.clusters.get(pool.cluster, now);
    if (cluster === undefined) {
      cluster = await this.deps.clusters.describeCluster(pool.cluster);
      if (cluster) this.clusters.set(pool.cluster, cluster, now);
    }
    const problem = clusterMismatch(pool, cluster);
    if (problem || !cluster) {
      this.deps.log.error('no ENI of the pool can be proven', { pool: pool.name, problem });
      return { problem: problem ?? 'no cluster' };
    }
    return { cluster };
  }

  private async nodesOf(cluster: ClusterView): Promise<KubeNode[]> {
    const now = this.nowMs();
    const cached = this.kubeNodes.get(cluster.name, now);
    if (cached) return cached;
    if (!this.deps.kubernetes) throw new Error('no Kubernetes access configured');
    const nodes = await this.deps.kubernetes.nodes(cluster);
    this.kubeNodes.set(cluster.name, nodes, now);
    return nodes;
  }

  /** Describes what the cache lacks, and returns every requested id that exists. */
  private async cached<V>(
    cache: Cache<V>,
    ids: readonly string[],
    describe: (missing: string[]) => Promise<Map<string, V>>,
  ): Promise<Map<string, V>> {
    const now = this.nowMs();
    const out = new Map<string, V>();
    const missing: string[] = [];
    for (const id of new Set(ids)) {
      const v = cache.get(id, now);
      if (v) out.set(id, v);
      else missing.push(id);
    }
    if (missing.length > 0) {
      for (const [id, v] of await describe(missing)) {
        cache.set(id, v, now);
        out.set(id, v);
      }
    }
    return out;
  }

  /** Verdicts for branch ENIs of a pool (primary-IP pools), by ENI id. */
  async verifyBranches(
    pool: PoolConfig,
    requests: readonly IdentityRequest[],
  ): Promise<Map<string, IdentityVerdict>> {
    const ids = requests.map((r) => r.eni.eniId);
    if (requests.length === 0) return new Map();
    const c = await this.clusterOf(pool);
    if ('problem' in c) return unknownFor(ids, c.problem);
    const { ec2 } = this.deps;
    const trunks = await ec2.trunkAssociations(ids);
    const trunkEnis = await this.cached(
      this.trunkEnis,
      [...trunks.values()].map((t) => t.trunkEniId),
      (m) => ec2.describeEnis(m),
    );
    const instanceIds = [...trunkEnis.values()].flatMap((t) =>
      t.attachment ? [t.attachment.instanceId] : [],
    );
    const instances = await this.cached(this.instances, instanceIds, (m) => ec2.describeInstances(m));
    let kubeNodes: KubeNode[] | undefined;
    if (pool.kubernetesAccess) {
      try {
        kubeNodes = await this.nodesOf(c.cluster);
      } catch (err) {
        return unknownFor(ids, `the Kubernetes API of ${pool.cluster} could not be read (${String(err)})`);
      }
    }
    const needRecord = requests.filter((r) => !r.creation && !r.provenBefore).map((r) => r.eni.eniId);
    const records = needRecord.length > 0 ? await this.deps.creations.creations(needRecord) : new Map();
    const now = this.nowMs();
    const out = new Map<string, IdentityVerdict>();
    for (const r of requests) {
      const trunk = trunks.get(r.eni.eniId);
      const trunkEni = trunk ? trunkEnis.get(trunk.trunkEniId) : undefined;
      const instance = trunkEni?.attachment ? instances.get(trunkEni.attachment.instanceId) : undefined;
      const creation = r.creation ?? records.get(r.eni.eniId);
      const verdict = decideBranchIdentity(
        pool,
        c.cluster,
        {
          eni: r.eni,
          ...(creation ? { creation } : {}),
          ...(r.provenBefore ? { provenBefore: true } : {}),
          ...(trunk ? { trunk } : {}),
          ...(trunkEni ? { trunkEni } : {}),
          ...(instance ? { instance } : {}),
          ...(kubeNodes ? { kubeNodes } : {}),
        },
        now,
      );
      out.set(r.eni.eniId, verdict);
    }
    return out;
  }

  /** Verdicts for pod IPs on node ENIs (secondary-IP pools), by target key. */
  async verifyPodIps(
    pool: PoolConfig,
    targets: readonly { eni: EniView; target: Target }[],
  ): Promise<Map<string, IdentityVerdict>> {
    const keys = targets.map((t) => targetKey(t.target));
    if (targets.length === 0) return new Map();
    const c = await this.clusterOf(pool);
    if ('problem' in c) return unknownFor(keys, c.problem);
    let evidence: { kubeNodes: KubeNode[]; pods: Awaited<ReturnType<KubernetesPort['pods']>> };
    try {
      if (!pool.podSelector || !this.deps.kubernetes) throw new Error('no pod selector or Kubernetes access');
      evidence = {
        kubeNodes: await this.nodesOf(c.cluster),
        pods: await this.deps.kubernetes.pods(c.cluster, pool.podSelector),
      };
    } catch (err) {
      return unknownFor(keys, `the Kubernetes API of ${pool.cluster} could not be read (${String(err)})`);
    }
    return new Map(
      targets.map((t) => [
        targetKey(t.target),
        decidePodIpIdentity(c.cluster, { eni: t.eni, ...evidence }, t.target.privateIp),
      ]),
    );
  }

  /**
   * Verdicts for targets of either kind, by target key: a branch ENI's verdict holds for its primary IP; a pod IP is
   * checked on its own.
   */
  async verifyTargets(
    pool: PoolConfig,
    requests: readonly (IdentityRequest & { target: Target })[],
  ): Promise<Map<string, IdentityVerdict>> {
    if (pool.target === 'secondary-ip') return this.verifyPodIps(pool, requests);
    const byEni = new Map<string, IdentityRequest>();
    for (const r of requests) if (!byEni.has(r.eni.eniId)) byEni.set(r.eni.eniId, r);
    const verdicts = await this.verifyBranches(pool, [...byEni.values()]);
    return new Map(
      requests.map((r) => [
        targetKey(r.target),
        verdicts.get(r.eni.eniId) ?? { kind: 'unknown', reason: 'not checked' },
      ]),
    );
  }
}
