/**
 * Validation issues said the way a person fixes them: the dotted key, the problem, and for an unknown key the known
 * one it most likely meant. The known keys are read from the schema itself, so a key added to it is suggested
 * without a list to keep in step.
 */
import type * as z from 'zod/mini';
import { didYouMean } from './did-you-mean';

interface Def {
  type: string;
  shape?: Record<string, z.core.$ZodType>;
  innerType?: z.core.$ZodType;
  element?: z.core.$ZodType;
  in?: z.core.$ZodType;
}

const defOf = (schema: z.core.$ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** Through defaults, optionals, pipes and lazily built sections to the schema that holds the value. */
function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let s = schema;
  for (let i = 0; i < 10; i++) {
    const def = defOf(s);
    const inner =
      def.innerType ??
      (def.type === 'pipe'
        ? def.in
        : def.type === 'lazy'
          ? (s as z.core.$ZodLazy)._zod.innerType
          : undefined);
    if (!inner) return s;
    s = inner;
  }
  return s;
}

/** The object keys at `path`, or [] when the path does not lead to an object. */
export function knownKeysAt(schema: z.core.$ZodType, path: ReadonlyArray<PropertyKey>): string[] {
  let s = unwrap(schema);
  for (const segment of path) {
    const def = defOf(s);
    if (def.type === 'array' && def.element && typeof segment === 'number') s = unwrap(def.element);
    else if (def.type === 'object' && def.shape && typeof segment === 'string' && def.shape[segment])
      s = unwrap(def.shape[segment]);
    else return [];
  }
  const def = defOf(s);
  return def.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

/** `sweeper.release.enabled`, `pools[0].selector`. */
export function formatIssuePath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((acc, seg) => {
    if (typeof seg === 'number') return `${acc}[${seg}]`;
    return acc ? `${acc}.${String(seg)}` : String(seg);
  }, '');
}

/** One line per problem: `key: message`, an unknown key with the known key it most likely meant. */
export function describeIssues(schema: z.core.$ZodType, issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(schema, issue.path);
      return issue.keys.map(
        (key) => `${formatIssuePath([...issue.path, key])}: unknown key${didYouMean(key, known)}`,
      );
    }
    return [`${formatIssuePath(issue.path) || '(root)'}: ${issue.message}`];
  });
}
