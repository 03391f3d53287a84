/**
 * One sweep: gather (one DescribeAddresses, the inventory, the sweeper's own state, the kill switch, the price),
 * plan (pure, `decide.ts`), then apply — state and ledger writes, alerts, and the releases with their last-moment
 * checks. No AWS import here: everything outside goes through the ports (`ports.ts`, `sweep-store.ts`).
 *
 * Safety of a release, in order: only an `orphan`; releasing enabled; the notice sent at least `noticeHours` ago;
 * the kill switch read this run and off; within `maxPerRun`; no Route 53 record points at the IP (and Route 53 could
 * be read); the address re-read live just before is still unassociated with unchanged tags; a lease on the track
 * (versioned write) so a concurrent sweep keeps off; then ReleaseAddress, whose errors are each handled
 * (`release.ts`).
 *
 * Idempotency: every write is conditional (see dynamo-sweep-store/), so a retried run (same `runId`) or a
 * concurrent one never counts an hour or a release twice, nor sends an alert twice.
 */
import { sweepOrphanSubjects } from '../securityhub/subjects';
import { alertAddresses } from './alert-addresses';
import { planSweep } from './decide';
import { sendDigest } from './digest';
import { openRun, readState } from './gather';
import { flushOutbox, recordVanished } from './record-release';
import { releaseQueued } from './release';
import { closeResult } from './result';
import {
  type SweeperDeps,
  type SweeperMemory,
  SweepIncompleteError,
  type SweepOptions,
  type SweepResult,
} from './run';
import { recordRun, saveTrackIndex, writeTracks } from './track-writes';

export type { ReleaseOutcome, SweeperDeps, SweepOptions, SweepResult } from './run';
export { SweepIncompleteError } from './run';

/** Builds a sweeper over its ports. The returned function runs one sweep. */
export function createSweeper(deps: SweeperDeps): (opts: SweepOptions) => Promise<SweepResult> {
  const memory: SweeperMemory = {};
  return async function sweep(opts: SweepOptions): Promise<SweepResult> {
    const now = deps.clock.now().toISOString();
    const state = await readState(deps, memory);
    const plan = planSweep({
      addresses: state.addresses,
      history: state.history,
      tracks: state.previous,
      config: { sweeper: deps.config.sweeper, pools: deps.config.pools },
      now,
      runId: opts.runId,
      rateUsd: state.rate.usdPerHour,
      killSwitch: state.killSwitch,
      lastRunAt: state.lastRunAt,
    });
    const run = await openRun(deps, opts, now, state, plan);

    // Addresses present: state and ledger, then the alerts they owe (a dry run only renders them).
    await alertAddresses(run, run.dryRun ? new Map() : await writeTracks(run));
    await recordVanished(run);
    await releaseQueued(run);
    await flushOutbox(run);
    await sendDigest(run, memory);
    // This run saw every address: an address in use and unchanged need not be written to say so.
    // And the next one need read only the tracks written since this one read them. Neither write changes the result
    // (each logs or records its own failure, never throws), so the result is closed while they are in flight.
    const lastWrites = run.dryRun ? undefined : Promise.all([recordRun(run), saveTrackIndex(run)]);
    closeResult(run);
    await lastWrites;
    const { result } = run;
    // Security Hub is a secondary output: its failures are logged and counted, never thrown.
    if (!run.dryRun) await deps.findings?.sync('orphaned-eip', sweepOrphanSubjects(result));
    deps.log.info('sweep done', {
      runId: run.runId,
      dryRun: run.dryRun,
      counts: result.counts,
      alerts: result.alerts.length,
      releases: result.releases,
    });
    if (run.failures.length > 0) throw new SweepIncompleteError(run.runId, run.failures);
    return result;
  };
}
