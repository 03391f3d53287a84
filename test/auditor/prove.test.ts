/**
 * The proof shell against an in-memory Reachability Analyzer whose analyses finish when the test says: the cost cap,
 * an analysis still running at the end of an audit (read by the next one), and a refused call.
 */
import { describe, expect, it } from 'vitest';
import type { AnalysisReport } from '../../shared/auditor/egress-proof';
import type { ProofRecord } from '../../shared/auditor/model';
import type { ReachabilityPort } from '../../shared/auditor/ports';
import type { ProofStore } from '../../shared/auditor/proof-store';
import { POLLS, proveEgress } from '../../shared/auditor/prove';
import { recordingLog } from '../support/dynamo';
import { branchEni, pool, readyCluster } from './support/snapshots';

class FakeAnalyzer implements ReachabilityPort {
  finished = true;
  refuse = false;
  paths: string[] = [];
  started = 0;
  deleted: string[] = [];
  describes = 0;
  async createPath() {
    if (this.refuse)
      throw Object.assign(new Error('not authorized'), { name: 'UnauthorizedOperation', $fault: 'client' });
    const id = `nip-${this.paths.length + 1}`;
    this.paths.push(id);
    return id;
  }
  async startAnalysis(pathId: string) {
    this.started += 1;
    return pathId.replace('nip', 'nia');
  }
  async analyses(ids: readonly string[]): Promise<AnalysisReport[]> {
    this.describes += 1;
    return ids.map((analysisId) => ({
      analysisId,
      status: this.finished ? 'succeeded' : 'running',
      pathFound: true,
      components: [{ id: 'igw-0a1', sourceAddresses: ['198.51.100.7'], explanationCodes: [] }],
      explanations: [],
    }));
  }
  async deletePath(id: string) {
    this.deleted.push(id);
  }
}

function memoryStore(): ProofStore & { items: Map<string, ProofRecord> } {
  const items = new Map<string, ProofRecord>();
  return {
    items,
    get: async (cluster, p) => items.get(`${cluster}/${p}`),
    put: async (cluster, r) => void items.set(`${cluster}/${r.pool}`, structuredClone(r)),
  };
}

function setup(maxAnalysesPerRun = 10) {
  const analyzer = new FakeAnalyzer();
  const proofs = memoryStore();
  let slept = 0;
  const deps = {
    reachability: analyzer,
    proofs,
    config: { enabled: true, port: 443, maxAnalysesPerRun },
    clock: { now: () => new Date('2026-01-05T09:00:00.000Z') },
    log: recordingLog(),
    sleep: async () => {
      slept += 1;
    },
  };
  const snapshot = readyCluster();
  snapshot.pools = [{ pool: pool(), enis: [branchEni('subnet-a', 'eni-a'), branchEni('subnet-b', 'eni-b')] }];
  return { analyzer, proofs, deps, snapshot, slept: () => slept };
}

describe('proving egress', () => {
  it('analyses each subnet of a pool once, and not again while nothing changed', async () => {
    const { analyzer, deps, snapshot } = setup();
    expect((await proveEgress(deps, snapshot))['partner-api']?.state).toBe('proven');
    await proveEgress(deps, snapshot);
    expect(analyzer.started).toBe(2);
  });

  it('leaves a pool whose analyses would pass the cap for a later audit', async () => {
    const { analyzer, deps, snapshot } = setup(1);
    const state = (await proveEgress(deps, snapshot))['partner-api'];
    expect(state).toMatchObject({ state: 'not-run', applicable: true });
    expect(analyzer.started).toBe(0);
  });

  it('waits a bounded time for a running analysis, and the next audit reads it without starting another', async () => {
    const { analyzer, deps, snapshot, slept } = setup();
    analyzer.finished = false;
    expect((await proveEgress(deps, snapshot))['partner-api']?.state).toBe('pending');
    expect([analyzer.describes, slept()]).toEqual([POLLS, POLLS - 1]);
    analyzer.finished = true;
    expect((await proveEgress(deps, snapshot))['partner-api']?.state).toBe('proven');
    expect(analyzer.started).toBe(2);
  });

  it('deletes the paths of the proof a change superseded, once the new one has finished', async () => {
    const { analyzer, deps, snapshot } = setup();
    await proveEgress(deps, snapshot);
    snapshot.pools[0]?.enis.pop();
    await proveEgress(deps, snapshot);
    expect(analyzer.deleted).toEqual(['nip-1', 'nip-2']);
  });

  it('reports a refused call as not run, without failing the audit', async () => {
    const { analyzer, deps, snapshot } = setup();
    analyzer.refuse = true;
    const state = (await proveEgress(deps, snapshot))['partner-api'];
    expect(state).toMatchObject({ state: 'not-run', applicable: true });
    expect(state?.state === 'not-run' && state.reason).toContain('UnauthorizedOperation: not authorized');
  });
});
