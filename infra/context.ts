/**
 * Reads the eip-keeper configuration out of CDK context, pure (the file reader is passed in) so it is unit-tested.
 *
 * Three layers, applied in this order, each over the previous one:
 *  1. context key `eipKeeper`: the whole configuration as an object (cdk.json) or a JSON string (`-c eipKeeper='{…}'`);
 *  2. context key `config`: the path of a JSON file holding (part of) the configuration (`-c config=prod.json`);
 *  3. overrides: every context key that is a top-level AppConfig key or a dotted path under one
 *     (`-c sweeper.release.enabled=true`, `-c alerts.email=sec@example.com`, `-c pools='[…]'`). String values are
 *     parsed as JSON when they parse, else kept as strings. Shallower paths are applied first, so
 *     `-c sweeper='{…}' -c sweeper.graceHours=48` keeps the 48.
 *
 * Any other context key (cdk's own, `aws:*`, `@aws-cdk/*` feature flags) is not configuration and is ignored.
 * The merged result is validated with `parseAppConfig`, so a bad value throws InvalidConfigError naming the key.
 */
import { type AppConfig, InvalidConfigError, parseAppConfig } from '../shared/config/schema';

/** The top-level keys of AppConfig; a context key is configuration iff its first dotted segment is one of them. */
export const CONFIG_ROOT_KEYS = ['pools', 'reconcile', 'sweeper', 'audit', 'alerts', 'history'] as const;
/** Context key holding the whole configuration object. */
export const CONFIG_OBJECT_KEY = 'eipKeeper';
/** Context key holding the path of a JSON configuration file. */
export const CONFIG_FILE_KEY = 'config';
/** Where InvalidConfigError says the configuration came from. */
export const CONTEXT_SOURCE = 'cdk context';

type JsonObject = Record<string, unknown>;

export interface ContextConfig {
  config: AppConfig;
  /** Context keys that look like dotted configuration paths but whose root is not an AppConfig key (likely typos). */
  ignoredKeys: string[];
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `"true"` → true, `"5"` → 5, `'[1]'` → [1]; anything that is not JSON stays the string it was. */
export function parseContextValue(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** Objects merge key by key; arrays and scalars from `over` replace what `base` had. Inputs are not mutated. */
export function deepMerge(base: JsonObject, over: JsonObject): JsonObject {
  const out: JsonObject = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isObject(current) && isObject(value) ? deepMerge(current, value) : value;
  }
  return out;
}

/**
 * Sets `value` at a dotted path, creating objects on the way; a numeric segment indexes into an existing array
 * (`pools.0.allocateOnExhaustion`). Returns a new object; `target` is not mutated.
 */
export function setPath(target: JsonObject, dottedPath: string, value: unknown): JsonObject {
  const segments = dottedPath.split('.');
  const assign = (node: unknown, index: number): unknown => {
    const segment = segments[index] as string;
    const last = index === segments.length - 1;
    if (Array.isArray(node) && /^\d+$/.test(segment)) {
      const copy = [...node];
      const i = Number(segment);
      copy[i] = last ? value : assign(copy[i], index + 1);
      return copy;
    }
    const obj: JsonObject = isObject(node) ? { ...node } : {};
    obj[segment] = last ? value : assign(obj[segment], index + 1);
    return obj;
  };
  return assign(target, 0) as JsonObject;
}

/** True when a context key is an AppConfig key or a dotted path under one. */
export function isConfigKey(key: string): boolean {
  const root = key.split('.')[0] ?? '';
  return (CONFIG_ROOT_KEYS as readonly string[]).includes(root) && !key.split('.').includes('');
}

function looksLikeMistypedConfigKey(key: string): boolean {
  return /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)+$/.test(key) && !isConfigKey(key);
}

function objectLayer(value: unknown, key: string): JsonObject {
  const parsed = parseContextValue(value);
  if (!isObject(parsed)) {
    throw new InvalidConfigError(CONTEXT_SOURCE, [
      `${key}: must be a JSON object with the eip-keeper configuration`,
    ]);
  }
  return parsed;
}

function fileLayer(path: unknown, readFile: (path: string) => string): JsonObject {
  if (typeof path !== 'string' || path.length === 0) {
    throw new InvalidConfigError(CONTEXT_SOURCE, [`${CONFIG_FILE_KEY}: must be the path of a JSON file`]);
  }
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    throw new InvalidConfigError(CONTEXT_SOURCE, [
      `${CONFIG_FILE_KEY}: cannot read ${path}: ${(err as Error).message}`,
    ]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new InvalidConfigError(CONTEXT_SOURCE, [
      `${CONFIG_FILE_KEY}: ${path} is not valid JSON: ${(err as Error).message}`,
    ]);
  }
  if (!isObject(raw)) {
    throw new InvalidConfigError(CONTEXT_SOURCE, [`${CONFIG_FILE_KEY}: ${path} must hold a JSON object`]);
  }
  return raw;
}

/** The raw (unvalidated) configuration the three layers produce. */
export function mergeContextLayers(
  context: Record<string, unknown>,
  readFile: (path: string) => string,
): JsonObject {
  let raw: JsonObject = {};
  if (context[CONFIG_OBJECT_KEY] !== undefined)
    raw = deepMerge(raw, objectLayer(context[CONFIG_OBJECT_KEY], CONFIG_OBJECT_KEY));
  if (context[CONFIG_FILE_KEY] !== undefined)
    raw = deepMerge(raw, fileLayer(context[CONFIG_FILE_KEY], readFile));
  const overrides = Object.keys(context)
    .filter(isConfigKey)
    .sort((a, b) => a.split('.').length - b.split('.').length || a.localeCompare(b));
  for (const key of overrides) raw = setPath(raw, key, parseContextValue(context[key]));
  return raw;
}

/** Builds and validates the AppConfig from the whole CDK context (`app.node.getAllContext()`). */
export function configFromContext(
  context: Record<string, unknown>,
  readFile: (path: string) => string,
): ContextConfig {
  const raw = mergeContextLayers(context, readFile);
  return {
    config: parseAppConfig(raw, CONTEXT_SOURCE),
    ignoredKeys: Object.keys(context).filter(looksLikeMistypedConfigKey).sort(),
  };
}
