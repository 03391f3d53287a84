/** Runs one step of a timeline, by kind. */
import type { ActionStep, ScenarioStep } from '../steps-schema';
import type { StepContext } from './context';
import { runEc2Action } from './ec2-actions';
import * as world from './world';

export { ScenarioStepError, StepContext } from './context';

/** Runs an action (an EC2 call or an SSM parameter put) as its actor; its note is told first. */
export async function runAction(step: ActionStep, ctx: StepContext, where: string): Promise<void> {
  if (step.note) ctx.story.line('note', step.note);
  if (step.action === 'putParameter') await world.putParameter(step, ctx);
  else await runEc2Action(step, ctx, where);
}

/**
 * Runs a step; `settle` runs after each step of a `repeat` (deliveries of what the step caused). A step that cannot be
 * carried out throws ScenarioStepError naming it.
 */
export async function runStep(
  step: ScenarioStep,
  ctx: StepContext,
  where: string,
  settle: () => Promise<void>,
): Promise<void> {
  if ('action' in step) return runAction(step, ctx, where);
  if (step.note) ctx.story.line('note', step.note);
  if ('repeat' in step) {
    for (let n = 0; n < step.repeat; n++) {
      for (const [j, inner] of step.steps.entries()) {
        await runStep(inner, ctx, `${where}.${n + 1}.${j + 1}`, settle);
        await settle();
      }
    }
    return;
  }
  if ('before' in step) return world.before(step, ctx, where, (a, w) => runAction(a, ctx, w));
  if ('advance' in step) return world.advance(step, ctx);
  if ('faults' in step) return world.faults(step, ctx);
  if ('event' in step) return world.event(step, ctx, where);
  if ('invoke' in step) return world.invoke(step, ctx, where);
  if ('redeploy' in step) return world.redeploy(step, ctx);
  if ('dns' in step) return world.dns(step, ctx, where);
}
