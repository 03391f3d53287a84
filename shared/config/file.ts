/**
 * The configuration file a deployment keeps (`eip-keeper.yaml`, named in cdk.json): YAML, or JSON when its name ends
 * in `.json`. Syntax errors name the line and column; schema errors name the key. Not used by the functions, which
 * receive the validated configuration as JSON from the stack.
 */
import YAML from 'yaml';
import { jsonOf } from './deployment';
import { type AppConfig, InvalidConfigError, parseAppConfig } from './schema';

/** The file cdk.json names when nothing else is said. */
export const DEFAULT_CONFIG_FILE = 'eip-keeper.yaml';

export function isJsonFile(path: string): boolean {
  return path.toLowerCase().endsWith('.json');
}

/** `Map keys must be unique at line 2, column 1:\n…` → `line 2, column 1: map keys must be unique`. */
function yamlProblem(err: YAML.YAMLError): string {
  const first = err.message.split('\n')[0] ?? err.message;
  const reason = first.replace(/ at line \d+, column \d+:?$/, '');
  const pos = err.linePos?.[0];
  const where = pos ? `line ${pos.line}, column ${pos.col}: ` : '';
  return `${where}${reason.charAt(0).toLowerCase()}${reason.slice(1)}`;
}

/** The file's content as plain data (an empty or comment-only file is `{}`), unvalidated. */
export function parseConfigText(text: string, path: string): Record<string, unknown> {
  let raw: unknown;
  if (isJsonFile(path)) {
    raw = jsonOf(text, path);
  } else {
    const doc = YAML.parseDocument(text);
    if (doc.errors.length > 0) {
      throw new InvalidConfigError(
        path,
        doc.errors.map((e) => `not valid YAML: ${yamlProblem(e)}`),
      );
    }
    raw = doc.toJS();
  }
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InvalidConfigError(path, [
      '(root): must be a mapping of configuration keys (pools, sweeper, …)',
    ]);
  }
  return raw as Record<string, unknown>;
}

/** The validated configuration of a file's text. */
export function parseConfigFile(text: string, path: string): AppConfig {
  return parseAppConfig(parseConfigText(text, path), path);
}
