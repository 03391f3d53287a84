/**
 * Tolerant readers of untrusted CloudTrail fields. CloudTrail's request/response shapes are not a contract: every
 * field is read as optional and type-checked; numbers are accepted where strings are expected; sets may be arrays,
 * `{items:[…]}` or `{item:[…]}`. Pure: no AWS import, no I/O. Every capability reads its records with these.
 */

export function asObject(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

/** A non-empty string; finite numbers are accepted and stringified. */
export function readString(v: unknown): string | undefined {
  if (typeof v === 'string') return v.length > 0 ? v : undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** A string that may be empty (descriptions). */
export function readText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/**
 * Longest free text kept from a record (user agent, error message, identity fields). CloudTrail's own values are far
 * shorter; a forged or garbled record must not make the items built from it outgrow DynamoDB's 400 KB.
 */
export const MAX_FREE_TEXT_CHARS = 1024;

/** Clips `s` to `max` UTF-16 units (never splitting a surrogate pair), marking the cut with `…`. */
export function clipText(s: string, max = MAX_FREE_TEXT_CHARS): string {
  if (s.length <= max) return s;
  const cut = s.slice(0, max - 1);
  return `${/[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut}…`;
}

/** A non-empty string (or finite number), clipped to `max`. */
export function readClipped(v: unknown, max = MAX_FREE_TEXT_CHARS): string | undefined {
  const s = readString(v);
  return s === undefined ? undefined : clipText(s, max);
}

export function readBoolean(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  return undefined;
}

/** The members of a CloudTrail set: an array, `{items:[…]}`, `{item:[…]}`, or a single member in place of the array. */
export function setItems(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  const o = asObject(v);
  if (!o) return [];
  for (const key of ['items', 'item'] as const) {
    const inner = o[key];
    if (Array.isArray(inner)) return inner;
    if (asObject(inner)) return [inner];
  }
  return [];
}

/** Tags from `[{key,value}]` / `{items:[…]}` (also `Key`/`Value`); keys without a string value map to `''`. */
export function readTags(v: unknown): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const item of setItems(v)) {
    const t = asObject(item);
    if (!t) continue;
    const key = readString(t.key ?? t.Key);
    if (key === undefined) continue;
    tags[key] = readText(t.value ?? t.Value) ?? '';
  }
  return tags;
}

/** Copies the defined values of `extra` onto `base` (so records carry no `undefined` properties). */
export function withDefined<T extends object>(base: T, extra: Record<string, unknown>): T {
  const out = base as Record<string, unknown>;
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) out[k] = v;
  return base;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** An ISO 8601 timestamp normalised to `Date#toISOString` (UTC, milliseconds), or undefined. */
export function normalizeIsoTime(v: unknown): string | undefined {
  if (typeof v !== 'string' || !ISO_TIME.test(v)) return undefined;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** Resource ids (AWS's are 8 or 17 hex digits); bounded, because they become table keys (at most 2,048 bytes). */
export const ID_PATTERNS = {
  eni: /^eni-[0-9a-zA-Z]{1,64}$/,
  allocation: /^eipalloc-[0-9a-zA-Z]{1,64}$/,
  association: /^eipassoc-[0-9a-zA-Z]{1,64}$/,
  instance: /^i-[0-9a-zA-Z]{1,64}$/,
} as const;
