/**
 * The `yaml` package, loaded on first use: only add-on configurationValues written in YAML and kube-proxy's ConfigMap
 * need it.
 *
 * In Lambda it is not in the auditor's bundle: a package there costs every cold start its parse and source map even
 * when never loaded (docs/performance.md). The stack builds it as a file of its own beside the bundle and names it at
 * bundling time (`EIP_KEEPER_YAML_MODULE`, `SIDECAR_MODULES` in infra/constructs/bundling.ts); run from source,
 * it is the package in node_modules. A module that cannot be loaded is thrown, never taken for unreadable text.
 */
import { onFirstUse } from '../../aws/clients';
import { importByName } from '../../aws/runtime-sdk';

type YamlModule = Pick<typeof import('yaml'), 'parse'>;

/** What yaml's parser made of a text: the document's value, or why the text is not YAML (with line and column). */
export type YamlReading = { value: unknown } | { problem: string };

/**
 * Reads a text as YAML; rejects when the module cannot be loaded, or on any error that is not yaml's verdict on the
 * text.
 */
export type ReadYaml = (text: string) => Promise<YamlReading>;

/** Where `yaml` is loaded from; replaced by the stack's bundling with the file beside the bundle. */
const YAML_MODULE = process.env.EIP_KEEPER_YAML_MODULE ?? 'yaml';

/**
 * `Nested mappings are not allowed … at line 1, column 4:\n\n<the text>\n   ^\n` → its first line, without the
 * excerpt of the text that follows: the reason a check shows is one line.
 */
function yamlProblem(err: Error): string {
  return (err.message.split('\n')[0] ?? err.message).replace(/:$/, '');
}

function yamlReader({ parse }: YamlModule): { readYaml: ReadYaml } {
  return {
    async readYaml(text) {
      try {
        return { value: parse(text) };
      } catch (err) {
        // yaml names its own errors YAMLParseError and the like; anything else is not about the text.
        if (err instanceof Error && err.name.startsWith('YAML')) return { problem: yamlProblem(err) };
        throw err;
      }
    },
  };
}

/**
 * The YAML document's value, or why the text is not YAML. The module failing to load is thrown, and tried again on
 * the next call.
 */
export const { readYaml } = onFirstUse<{ readYaml: ReadYaml }>({ readYaml: true }, async () =>
  yamlReader((await importByName(YAML_MODULE)) as YamlModule),
);
