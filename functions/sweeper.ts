/**
 * Sweeper: on its schedule (default hourly), classifies every Elastic IP, keeps idle time and cost in the ledger,
 * alerts the security topic about orphans (once, then a daily digest), and — only when `sweeper.release.enabled` —
 * releases orphans after the notice period, with every safety check of shared/sweeper/sweep.ts. The scheduled
 * event's id is the run id, so Lambda's retries of one event are the same run (nothing counted or sent twice).
 */
import type { HandlerFactory } from '../shared/runtime/context';
import { lambdaHandler } from '../shared/runtime/lambda';
import { type SweepAnswer, sweepAnswer } from '../shared/sweeper/result';
import { createSweeper } from '../shared/sweeper/sweeper';
import { sweeperDepsFromContext } from '../shared/sweeper/wiring';

export const createHandler: HandlerFactory<unknown, SweepAnswer> = (ctx) => {
  const sweep = createSweeper(sweeperDepsFromContext(ctx));
  return async (event) => {
    const id = (event as { id?: unknown } | null)?.id;
    // The answer leaves out the decision per address: the logs, metrics and alerts carry the run.
    return sweepAnswer(
      await sweep({ runId: typeof id === 'string' && id ? id : `run-${ctx.clock.now().toISOString()}` }),
    );
  };
};

export const handler = lambdaHandler('sweeper', createHandler);
