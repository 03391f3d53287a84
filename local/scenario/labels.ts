/**
 * `as` labels: a step (or a seeded address) names what it creates, later steps refer to it by that name — in a
 * reference field (`eni`, `address`, `subnet`, `resource`, a DNS change's `address`) or as `{{label}}` anywhere inside
 * a raw event. A reference that is neither a label defined earlier, nor an id the state seeds, nor shaped like an AWS
 * id is a scenario error, found before anything runs.
 */
import type { InitialState } from './state-schema';
import type { ScenarioStep } from './steps-schema';

const PLACEHOLDER = /\{\{([^{}]+)\}\}/g;
/** `eni-0a1b2c3d4e5f60001`, `eipalloc-0000000000000a002`, `subnet-…`: a prefix and 8 to 17 hex digits. */
const AWS_ID = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*-[0-9a-f]{8,17}$/;

/** Replaces every `{{label}}` in the strings of `value` (deeply) by what the label stands for. */
export function interpolate<T>(value: T, resolve: (label: string) => string | undefined): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string')
      return v.replace(PLACEHOLDER, (_, label: string) => {
        const id = resolve(label.trim());
        if (id === undefined) throw new UnknownLabelError(label.trim());
        return id;
      });
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, c]) => [k, walk(c)]));
    return v;
  };
  return walk(value) as T;
}

export class UnknownLabelError extends Error {
  override readonly name = 'UnknownLabelError';
  constructor(readonly label: string) {
    super(`unknown label "${label}"`);
  }
}

/** Ids the state seeds, and the labels of seeded addresses. */
function seededNames(state: InitialState): Set<string> {
  const names = new Set<string>();
  const add = (v: string | undefined) => v !== undefined && names.add(v);
  for (const list of [
    state.vpcs,
    state.subnets,
    state.securityGroups,
    state.instances,
    state.networkInterfaces,
  ])
    for (const r of list) add(r.id);
  for (const a of state.addresses) {
    add(a.allocationId);
    add(a.as);
  }
  for (const c of state.eks?.clusters ?? [])
    for (const n of c.nodegroups) if (Array.isArray(n.nodes)) for (const node of n.nodes) add(node.id);
  return names;
}

const REF_FIELDS = ['eni', 'address', 'subnet', 'resource'] as const;

/** The references of a step (`{{…}}` placeholders of a raw event included), without its nested steps. */
function referencesOf(step: ScenarioStep): string[] {
  const refs: string[] = [];
  const s = step as Record<string, unknown>;
  for (const f of REF_FIELDS) if (typeof s[f] === 'string') refs.push(s[f] as string);
  if ('dns' in step && step.dns.address) refs.push(step.dns.address);
  if ('event' in step)
    for (const m of JSON.stringify(step.event).matchAll(PLACEHOLDER)) refs.push(`{{${(m[1] ?? '').trim()}}}`);
  return refs;
}

/** Every reference to an unknown label, in timeline order, as `where: message` problems. */
export function checkReferences(
  state: InitialState,
  steps: readonly ScenarioStep[],
  problems: string[],
): void {
  const known = seededNames(state);
  const walk = (list: readonly ScenarioStep[], prefix: string) => {
    list.forEach((step, i) => {
      const where = `${prefix}${i + 1}`;
      for (const r of referencesOf(step)) {
        const placeholder = /^\{\{(.+)\}\}$/.exec(r)?.[1];
        if (placeholder !== undefined) {
          if (!known.has(placeholder)) problems.push(`${where}: unknown label "${placeholder}" in the event`);
        } else if (!known.has(r) && !AWS_ID.test(r)) {
          problems.push(`${where}: "${r}" is neither a label defined earlier nor a resource id`);
        }
      }
      if ('steps' in step) walk(step.steps, `${where} > step `);
      if ('as' in step && typeof step.as === 'string') known.add(step.as);
    });
  };
  walk(steps, 'step ');
}
