/**
 * EventBridge content filtering, for the pattern features eip-keeper's rules use (and a few more, so a pattern that
 * a future rule adds is never silently mis-matched): exact values, prefix, suffix, anything-but, exists,
 * equals-ignore-case, numeric, wildcard. A pattern using anything else throws rather than guessing.
 */
import type { EventPattern, PatternValue } from '../../shared/events/patterns';

type Json = unknown;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function matchesPattern(pattern: EventPattern, event: Json): boolean {
  if (Array.isArray(event)) return matchesFlattened(pattern, event);
  if (!isObject(event)) return false;
  for (const [key, sub] of Object.entries(pattern)) {
    const value = event[key];
    if (Array.isArray(sub)) {
      if (!matchesField(sub as readonly PatternValue[], value, key in event)) return false;
    } else if (!matchesPattern(sub as EventPattern, value)) {
      return false;
    }
  }
  return true;
}

/**
 * A pattern over an array of objects: EventBridge flattens the array, so each field of the pattern matches when the
 * field of any element matches (not necessarily the same element).
 */
function matchesFlattened(pattern: EventPattern, elements: readonly Json[]): boolean {
  for (const [key, sub] of Object.entries(pattern)) {
    const values = elements.flatMap((el) => (isObject(el) && key in el ? [el[key]] : []));
    const flat = values.flatMap((v) => (Array.isArray(v) ? v : [v]));
    if (Array.isArray(sub)) {
      if (!matchesField(sub as readonly PatternValue[], flat, values.length > 0)) return false;
    } else if (!matchesFlattened(sub as EventPattern, flat)) {
      return false;
    }
  }
  return true;
}

function matchesField(matchers: readonly PatternValue[], value: unknown, present: boolean): boolean {
  // An array field matches when any of its elements matches (EventBridge's rule for arrays in events).
  const values = Array.isArray(value) ? value : [value];
  return matchers.some((m) => {
    if (isObject(m) && 'exists' in m) {
      const exists = present && value !== undefined && !(Array.isArray(value) && value.length === 0);
      return m.exists === exists;
    }
    if (!present) return false;
    return values.some((v) => matchesOne(m, v));
  });
}

function matchesOne(m: PatternValue, v: unknown): boolean {
  if (m === null || typeof m !== 'object') return v === m;
  if ('prefix' in m) return typeof v === 'string' && v.startsWith(m.prefix);
  if ('suffix' in m) return typeof v === 'string' && v.endsWith(m.suffix);
  if ('equals-ignore-case' in m) {
    return typeof v === 'string' && v.toLowerCase() === m['equals-ignore-case'].toLowerCase();
  }
  if ('anything-but' in m) {
    const but = m['anything-but'];
    if (typeof v !== 'string' && typeof v !== 'number') return false;
    if (isObject(but) && 'prefix' in but) return typeof v === 'string' && !v.startsWith(String(but.prefix));
    const excluded = Array.isArray(but) ? but : [but];
    return !excluded.includes(v);
  }
  if ('numeric' in m) return typeof v === 'number' && matchesNumeric(m.numeric, v);
  if ('wildcard' in m) return typeof v === 'string' && wildcardRegExp(m.wildcard).test(v);
  throw new Error(`unsupported EventBridge pattern matcher: ${JSON.stringify(m)}`);
}

function matchesNumeric(spec: readonly (string | number)[], v: number): boolean {
  for (let i = 0; i < spec.length; i += 2) {
    const op = spec[i];
    const bound = Number(spec[i + 1]);
    const ok =
      op === '='
        ? v === bound
        : op === '<'
          ? v < bound
          : op === '<='
            ? v <= bound
            : op === '>'
              ? v > bound
              : op === '>='
                ? v >= bound
                : undefined;
    if (ok === undefined) throw new Error(`unsupported numeric operator ${String(op)}`);
    if (!ok) return false;
  }
  return true;
}

/** A wildcard filter EventBridge refuses when the rule is created. */
export class InvalidWildcardError extends Error {
  override readonly name = 'InvalidWildcardError';
}

/**
 * EventBridge wildcard matching (content-filtering-with-event-patterns, "Wildcard matching"; aws/event-ruler README):
 * on string values only, `*` matches zero or more characters, consecutive `*` are refused, a backslash escapes `*`
 * or a backslash and nothing else. Matching is case-sensitive and covers the whole value.
 */
export function wildcardRegExp(wildcard: string): RegExp {
  let out = '';
  for (let i = 0; i < wildcard.length; i++) {
    const c = wildcard[i] as string;
    if (c === '\\') {
      const next = wildcard[i + 1];
      if (next !== '*' && next !== '\\')
        throw new InvalidWildcardError(
          `wildcard ${JSON.stringify(wildcard)}: a backslash escapes only * or \\`,
        );
      out += `\\${next}`;
      i += 1;
    } else if (c === '*') {
      if (wildcard[i + 1] === '*')
        throw new InvalidWildcardError(`wildcard ${JSON.stringify(wildcard)}: consecutive * are not allowed`);
      out += '.*';
    } else out += c.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(`^${out}$`, 's');
}
