/**
 * Proving each pool's egress with VPC Reachability Analyzer, the shell around egress-proof.ts: per pool, reuse the
 * last proof when nothing changed, otherwise create one path per target, start its analysis (billed $0.10) and read
 * the answer, waiting briefly; an analysis still running is read by the next audit. The paths of a superseded proof
 * are deleted once the new one has finished, so each pool keeps only its latest paths and analyses.
 */
import type { EgressProofConfig } from '../config/schema';
import type { Clock, Log } from '../runtime/context';
import { buildContext } from './checks/context';
import { type AnalysisReport, nextProofStep, outcomeOf, proofPlan } from './egress-proof';
import type { ClusterSnapshot, EgressProofState, ProofRecord } from './model';
import type { ReachabilityPort } from './ports';
import type { ProofStore } from './proof-store';
import { describeError, isUnreadableAnswer } from './unreadable';

export interface ProveDeps {
  reachability: ReachabilityPort;
  proofs: ProofStore;
  config: EgressProofConfig;
  clock: Clock;
  log: Log;
  sleep(ms: number): Promise<void>;
}

/** Reads of a running analysis before the audit moves on (Reachability Analyzer answers in seconds to minutes). */
export const POLLS = 6;
export const POLL_INTERVAL_MS = 5_000;

/** Reads the analyses of a record; finishes it (and deletes superseded paths) once every one is done. */
async function collect(deps: ProveDeps, cluster: string, record: ProofRecord): Promise<EgressProofState> {
  const reports = new Map<string, AnalysisReport>(
    (await deps.reachability.analyses(record.analyses.map((a) => a.analysisId))).map((r) => [
      r.analysisId,
      r,
    ]),
  );
  const done = record.analyses.every((a) => {
    const status = reports.get(a.analysisId)?.status;
    return status === 'succeeded' || status === 'failed';
  });
  if (!done) return { state: 'pending', record };
  for (const id of record.stalePathIds) await deps.reachability.deletePath(id);
  const finished = {
    ...record,
    outcomes: record.analyses.map((a) => outcomeOf(a.target, reports.get(a.analysisId) as AnalysisReport)),
    finishedAt: deps.clock.now().toISOString(),
    stalePathIds: [],
  };
  await deps.proofs.put(cluster, finished);
  return { state: 'proven', record: finished };
}

async function collectWhileRunning(deps: ProveDeps, cluster: string, record: ProofRecord) {
  let state = await collect(deps, cluster, record);
  for (let i = 1; i < POLLS && state.state === 'pending'; i++) {
    await deps.sleep(POLL_INTERVAL_MS);
    state = await collect(deps, cluster, record);
  }
  return state;
}

/** The proof state of every pool of the snapshot, starting the analyses its changes call for (within the cap). */
export async function proveEgress(
  deps: ProveDeps,
  snapshot: ClusterSnapshot,
): Promise<Record<string, EgressProofState>> {
  const cluster = snapshot.cluster.name;
  const ctx = buildContext(snapshot);
  const out: Record<string, EgressProofState> = {};
  let budget = deps.config.maxAnalysesPerRun;
  for (const view of [...snapshot.pools].sort((a, b) => a.pool.name.localeCompare(b.pool.name))) {
    const pool = view.pool.name;
    const plan = proofPlan(ctx, view, deps.config.port);
    const previous = await deps.proofs.get(cluster, pool);
    const step = nextProofStep(plan, previous);
    if (step.kind === 'none') out[pool] = { state: 'not-run', reason: step.reason, applicable: false };
    else if (step.kind === 'reuse') out[pool] = { state: 'proven', record: step.record };
    else if (step.kind === 'collect') out[pool] = await collectWhileRunning(deps, cluster, step.record);
    else if (step.plan.targets.length > budget)
      out[pool] = {
        state: 'not-run',
        reason: `its ${step.plan.targets.length} analyses would pass audit.egressProof.maxAnalysesPerRun (${deps.config.maxAnalysesPerRun}) in this audit`,
        applicable: true,
      };
    else {
      budget -= step.plan.targets.length;
      out[pool] = await start(deps, cluster, step.plan, previous);
    }
  }
  return out;
}

async function start(
  deps: ProveDeps,
  cluster: string,
  plan: ReturnType<typeof proofPlan>,
  previous: ProofRecord | undefined,
): Promise<EgressProofState> {
  const analyses: ProofRecord['analyses'] = [];
  const created: string[] = [];
  try {
    for (const target of plan.targets) {
      const pathId = await deps.reachability.createPath({
        source: target.networkInterfaceId,
        sourceIp: target.sourceIp,
        destination: target.internetGatewayId,
        port: target.port,
      });
      created.push(pathId);
      analyses.push({ analysisId: await deps.reachability.startAnalysis(pathId), pathId, target });
    }
  } catch (err) {
    // A refused call (no permission, an ENI deleted meanwhile) leaves this pool unproven, not the audit failed.
    if (!isUnreadableAnswer(err)) throw err;
    deps.log.warn('egress proof not started', { cluster, pool: plan.pool, error: describeError(err) });
    return {
      state: 'not-run',
      reason: `Reachability Analyzer refused: ${describeError(err)}`,
      applicable: true,
    };
  } finally {
    // Paths created before a failure would otherwise be left behind.
    if (analyses.length < plan.targets.length)
      for (const id of created) await deps.reachability.deletePath(id).catch(() => undefined);
  }
  const record: ProofRecord = {
    pool: plan.pool,
    fingerprint: plan.fingerprint,
    startedAt: deps.clock.now().toISOString(),
    analyses,
    stalePathIds: [...(previous?.stalePathIds ?? []), ...(previous?.analyses.map((a) => a.pathId) ?? [])],
  };
  await deps.proofs.put(cluster, record);
  deps.log.info('egress proof started', {
    cluster,
    pool: plan.pool,
    analyses: analyses.map((a) => a.analysisId),
  });
  return collectWhileRunning(deps, cluster, record);
}
