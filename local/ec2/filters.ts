/**
 * EC2 `Filter.N` semantics: filters AND together, a filter's values OR together, values may use `*` and `?`
 * wildcards (a backslash escapes them), `tag:<key>` matches a tag's value, and an unknown filter name is an error (as
 * EC2 rejects it).
 * Plus the opaque NextToken pagination of the describe calls that paginate.
 */
import { Ec2Error, invalidParameterValue } from './errors';
import type { Filter } from './query';
import type { Tag } from './state';

type FilterValue = string | number | boolean | undefined | null;
/** What a resource offers to one filter name: one value or several (any may match). */
export type FilterFields<T> = Record<string, (r: T) => FilterValue | readonly FilterValue[]>;

/**
 * A filter value as a RegExp: `*` matches any run of characters, `?` exactly one, and a backslash makes the next
 * character literal (`\*` is a `*`, `\?` a `?`, `\\` a backslash), as the EC2 API reference describes filter
 * values. A trailing lone backslash is itself.
 */
export function wildcard(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\' && i + 1 < pattern.length) {
      i += 1;
      source += escapeRegExp(pattern[i] as string);
    } else if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else source += escapeRegExp(c);
  }
  return new RegExp(`^${source}$`, 's');
}

function escapeRegExp(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}

export function applyFilters<T>(
  items: readonly T[],
  filters: readonly Filter[],
  fields: FilterFields<T>,
  tagsOf: (r: T) => readonly Tag[],
): T[] {
  const compiled = filters.map((f) => {
    const patterns = f.values.map(wildcard);
    let extract: (r: T) => readonly FilterValue[];
    if (f.name.startsWith('tag:')) {
      const key = f.name.slice(4);
      extract = (r) =>
        tagsOf(r)
          .filter((t) => t.key === key)
          .map((t) => t.value);
    } else if (f.name === 'tag-key') {
      extract = (r) => tagsOf(r).map((t) => t.key);
    } else if (f.name === 'tag-value') {
      extract = (r) => tagsOf(r).map((t) => t.value);
    } else {
      const field = Object.hasOwn(fields, f.name) ? fields[f.name] : undefined;
      if (!field) throw invalidParameterValue(`The filter '${f.name}' is invalid`);
      extract = (r) => {
        const v = field(r);
        return Array.isArray(v) ? v : [v as FilterValue];
      };
    }
    return { patterns, extract };
  });
  return items.filter((item) =>
    compiled.every(({ patterns, extract }) => {
      const values = extract(item)
        .filter((v) => v !== undefined && v !== null)
        .map(String);
      return values.some((v) => patterns.some((p) => p.test(v)));
    }),
  );
}

/** One page of `items` (already in a stable order) after the token's position. */
export function paginate<T>(
  items: readonly T[],
  keyOf: (item: T) => string,
  maxResults: number | undefined,
  nextToken: string | undefined,
  limits: { min: number; max: number; default?: number },
): { page: T[]; nextToken?: string } {
  if (maxResults !== undefined && (maxResults < limits.min || maxResults > limits.max)) {
    throw invalidParameterValue(
      `Value ( ${maxResults} ) for parameter maxResults is invalid. Expecting a value between ${limits.min} and ${limits.max}.`,
    );
  }
  let start = 0;
  if (nextToken) {
    const after = decodeToken(nextToken);
    start = items.findIndex((i) => keyOf(i) > after);
    if (start === -1) start = items.length;
  }
  const size = maxResults ?? limits.default ?? Number.POSITIVE_INFINITY;
  const page = items.slice(start, start + size);
  const last = page.at(-1);
  const more = start + page.length < items.length;
  return { page, nextToken: more && last !== undefined ? encodeToken(keyOf(last)) : undefined };
}

function encodeToken(after: string): string {
  return Buffer.from(JSON.stringify({ after }), 'utf8').toString('base64url');
}

function decodeToken(token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof parsed.after === 'string') return parsed.after;
  } catch {
    // fall through
  }
  throw new Ec2Error('InvalidPaginationToken', 'The specified pagination token is not valid or is expired.');
}
