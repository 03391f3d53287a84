/**
 * Reads the eip-keeper configuration out of CDK context, pure (the file reader is passed in) so it is unit-tested.
 *
 * The configuration a deployment keeps is one file, named in cdk.json by the context key `eip-keeper:configFile`
 * (YAML, or JSON when the name ends in `.json`). Every deploy reads it, so a later `cdk deploy` cannot lose a setting
 * an earlier one had. Over it, `-c` flags override single keys for one synth only, for experiments: each is a
 * top-level configuration key or a dotted path under one (`-c sweeper.release.maxPerRun=1`, `-c pools='[…]'`); values
 * are parsed as JSON when they parse, else kept as strings; shallower paths are applied first.
 *
 * Every other context key must be CDK's own (`@aws-cdk/…` feature flags, `aws:cdk:…`, `cdk-…`, cached lookups): an
 * unknown one (`-c Config=prod.yaml`, `-c sweepr.release.enabled=true`) fails synth with the key it most likely
 * meant, rather than being silently dropped. The merged result is validated with `parseAppConfig`, so a bad value
 * throws InvalidConfigError naming the key.
 */
import { closestName } from '../shared/config/did-you-mean';
import { parseConfigText } from '../shared/config/file';
import { knownKeysAt } from '../shared/config/issues';
import { type AppConfig, AppConfigSchema, InvalidConfigError, parseAppConfig } from '../shared/config/schema';

/** Context key naming the configuration file (set in cdk.json). */
export const CONFIG_FILE_KEY = 'eip-keeper:configFile';
/** Where InvalidConfigError says the context problems come from. */
export const CONTEXT_SOURCE = 'cdk context';

/** The top-level keys of AppConfig; a context key is an override iff its first dotted segment is one of them. */
export const CONFIG_ROOT_KEYS: readonly string[] = knownKeysAt(AppConfigSchema, []);

/** Names people reach for that mean the configuration file. */
const FILE_KEY_ALIASES = ['config', 'configFile', 'eipKeeper', 'eip-keeper', 'file'];

type JsonObject = Record<string, unknown>;

export interface ContextConfig {
  config: AppConfig;
  /** The file the configuration came from; undefined when cdk.json names none (the defaults apply). */
  file?: string;
  /** The `-c` overrides applied over the file, as `key=value`, in the order applied. */
  overrides: string[];
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
  const segments = key.split('.');
  return CONFIG_ROOT_KEYS.includes(segments[0] ?? '') && !segments.includes('');
}

/** Context keys the CDK itself writes or reads: feature flags, its own settings, cached lookups. */
export function isCdkKey(key: string): boolean {
  return (
    /^(@aws-cdk|aws:|aws-cdk:|cdk-|cdk:)/.test(key) ||
    key.includes(':account=') ||
    key === 'acknowledged-issue-numbers'
  );
}

/** The key an unknown context key most likely meant, if any. */
export function intendedContextKey(key: string): string | undefined {
  const [root = '', ...rest] = key.split('.');
  if (rest.length > 0) {
    const section = closestName(root, CONFIG_ROOT_KEYS);
    return section ? [section, ...rest].join('.') : undefined;
  }
  if (closestName(key, FILE_KEY_ALIASES) || closestName(key, [CONFIG_FILE_KEY])) return CONFIG_FILE_KEY;
  return closestName(key, CONFIG_ROOT_KEYS);
}

function unknownKeyProblems(context: JsonObject): string[] {
  return Object.keys(context)
    .filter((k) => k !== CONFIG_FILE_KEY && !isConfigKey(k) && !isCdkKey(k))
    .sort()
    .map((k) => {
      const meant = intendedContextKey(k);
      return `-c ${k}: unknown context key${meant ? ` (did you mean "${meant}"?)` : ''}; configuration keys are ${CONFIG_FILE_KEY} (the file) and ${CONFIG_ROOT_KEYS.join(', ')} (or a dotted path under one)`;
    });
}

function fileLayer(path: unknown, readFile: (path: string) => string): JsonObject {
  if (typeof path !== 'string' || path.length === 0) {
    throw new InvalidConfigError(CONTEXT_SOURCE, [
      `${CONFIG_FILE_KEY}: must be the path of a YAML or JSON file`,
    ]);
  }
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    throw new InvalidConfigError(CONTEXT_SOURCE, [
      `${CONFIG_FILE_KEY}: cannot read ${path} (${(err as Error).message}); create it (it may be empty: the defaults apply) or name another file`,
    ]);
  }
  return parseConfigText(text, path);
}

/** The `-c` overrides in the order they apply: shallower paths first, then by name. */
export function overrideKeys(context: JsonObject): string[] {
  return Object.keys(context)
    .filter(isConfigKey)
    .sort((a, b) => a.split('.').length - b.split('.').length || a.localeCompare(b));
}

/** The raw (unvalidated) configuration: the file, then the overrides. Unknown context keys throw. */
export function mergeContextLayers(context: JsonObject, readFile: (path: string) => string): JsonObject {
  const unknown = unknownKeyProblems(context);
  if (unknown.length > 0) throw new InvalidConfigError(CONTEXT_SOURCE, unknown);
  let raw: JsonObject =
    context[CONFIG_FILE_KEY] === undefined ? {} : fileLayer(context[CONFIG_FILE_KEY], readFile);
  for (const key of overrideKeys(context)) raw = setPath(raw, key, parseContextValue(context[key]));
  return raw;
}

/** Builds and validates the AppConfig from the whole CDK context (`app.node.getAllContext()`). */
export function configFromContext(context: JsonObject, readFile: (path: string) => string): ContextConfig {
  const raw = mergeContextLayers(context, readFile);
  const file = context[CONFIG_FILE_KEY] as string | undefined;
  const overrides = overrideKeys(context).map((k) => `${k}=${String(context[k])}`);
  const source = [file, overrides.length > 0 ? '-c flags' : undefined].filter(Boolean).join(' and ');
  return {
    config: parseAppConfig(raw, source || CONTEXT_SOURCE),
    ...(file ? { file } : {}),
    overrides,
  };
}
