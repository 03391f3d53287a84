/**
 * The steps that change the world around the functions rather than EC2: time passing, fault switches, raw events,
 * scheduled runs (delivered more than once if asked), a redeploy with a new configuration, a Route 53 record changing,
 * an SSM parameter put, and actions slipped in right before a function's call.
 */
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import type { EventBridgeEvent } from '../../core/types';
import { interpolate, UnknownLabelError } from '../labels';
import type { ActionStep, ScenarioStep } from '../steps-schema';
import { ScenarioStepError, type StepContext } from './context';

type Step<K extends string> = Extract<ScenarioStep, Record<K, unknown>>;

export async function advance(step: Step<'advance'>, ctx: StepContext): Promise<void> {
  await ctx.region.advance(step.advance);
  ctx.story.line('clock', `time passes: ${formatMs(step.advance)}`);
}

export function faults(step: Step<'faults'>, ctx: StepContext): void {
  ctx.region.setFaults(step.faults);
  ctx.story.line('faults', `fault switches: ${JSON.stringify(step.faults)}`);
}

/** Puts a raw event on the bus, `{{label}}` placeholders replaced, envelope fields it leaves out filled in. */
export async function event(step: Step<'event'>, ctx: StepContext, where: string): Promise<void> {
  let raw: Record<string, unknown>;
  try {
    raw = interpolate(step.event, (label) => ctx.labels.get(label));
  } catch (err) {
    if (err instanceof UnknownLabelError)
      throw new ScenarioStepError(`${where}: ${err.message} in the event`);
    throw err;
  }
  const time = ctx.region.clock
    .now()
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z');
  const full = {
    version: '0',
    id: `raw-${ctx.region.bus.events.length + 1}`,
    account: ctx.region.accountId,
    region: ctx.region.regionName,
    time,
    resources: [],
    ...raw,
  } as unknown as EventBridgeEvent;
  const name = String((full.detail as { eventName?: string } | undefined)?.eventName ?? '');
  ctx.story.line('event', `raw event delivered: ${full['detail-type']} ${name}`.trim());
  await ctx.region.putEvent(full);
}

export async function invoke(step: Step<'invoke'>, ctx: StepContext, where: string): Promise<void> {
  if (!ctx.region.functionIds().includes(step.invoke)) {
    throw new ScenarioStepError(
      `${where}: no function "${step.invoke}" (deployed: ${ctx.region.functionIds().join(', ')})`,
    );
  }
  const copies = step.copies ?? 1;
  ctx.story.line(
    'invoke',
    `scheduled run of ${step.invoke}${copies > 1 ? `, the same event delivered ${copies} times` : ''}`,
  );
  await ctx.region.invoke(step.invoke, undefined, copies);
}

export async function redeploy(step: Step<'redeploy'>, ctx: StepContext): Promise<void> {
  await ctx.region.redeploy(step.redeploy.config);
  ctx.story.line('deploy', `redeployed with a new configuration: every function starts cold`);
}

export function dns(step: Step<'dns'>, ctx: StepContext, where: string): void {
  const c = step.dns;
  const fqdn = (n: string) => (n.endsWith('.') ? n : `${n}.`).toLowerCase();
  const zone = ctx.region.route53
    .snapshot()
    .find((z) => z.id === c.zone.replace(/^\/hostedzone\//, '') || z.name === fqdn(c.zone));
  if (!zone) throw new ScenarioStepError(`${where}: no hosted zone ${c.zone}`);
  if (c.delete) {
    if (!ctx.region.route53.deleteRecord(zone.id, c.name, c.type))
      throw new ScenarioStepError(`${where}: ${zone.name} has no ${c.type} record ${c.name}`);
    ctx.story.line('dns', `Route 53: ${c.type} ${c.name} deleted from ${zone.name}`);
    return;
  }
  const address = c.address ? ctx.region.ec2.addressById.get(ctx.resolve(c.address)) : undefined;
  if (c.address && !address) throw new ScenarioStepError(`${where}: no address ${c.address}`);
  const values = address ? [...c.values, address.publicIp] : c.values;
  ctx.region.route53.upsertRecord(zone.id, { name: c.name, type: c.type, ttl: c.ttl, values });
  ctx.story.line('dns', `Route 53: ${c.type} ${c.name} → ${values.join(', ')} in ${zone.name}`);
}

export async function putParameter(step: Extract<ActionStep, { action: 'putParameter' }>, ctx: StepContext) {
  const actor = step.actor ?? 'admin';
  const say = (text: string) => ctx.story.line('action', `${actor} ${text}`);
  try {
    const out = await ctx
      .ssmAs(actor)
      .send(
        new PutParameterCommand({ Name: step.name, Value: step.value, Type: step.type, Overwrite: true }),
      );
    say(`put SSM parameter ${step.name} = "${step.value}" (version ${out.Version})`);
  } catch (err) {
    const e = err as Error;
    say(`tried putParameter ${step.name}, AWS answered ${e.name}: ${e.message}`);
  }
}

/**
 * Registers actions to run right before the named function's first call of an API reaches AWS (after whatever that
 * function read and checked before it): the race between a live check and the change it allows.
 */
export function before(
  step: Step<'before'>,
  ctx: StepContext,
  where: string,
  runAction: (action: ActionStep, where: string) => Promise<void>,
): void {
  const { function: functionId, call } = step.before;
  if (!ctx.region.functionIds().includes(functionId)) {
    throw new ScenarioStepError(
      `${where}: no function "${functionId}" (deployed: ${ctx.region.functionIds().join(', ')})`,
    );
  }
  ctx.story.line(
    'hook',
    `next time ${functionId} calls ${call}, ${step.steps.length} action(s) slip in first`,
  );
  ctx.region.beforeCall({
    functionId,
    action: call,
    run: async () => {
      ctx.story.line('hook', `  ${functionId} is about to call ${call}: first`);
      for (const [i, action] of step.steps.entries()) await runAction(action, `${where} > step ${i + 1}`);
    },
  });
}

export function formatMs(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms / 1000} s`;
}
