/**
 * The `yaml` package, loaded on first use: only add-on configurationValues written in YAML and kube-proxy's ConfigMap
 * need it.
 *
 * In Lambda it is not in the auditor's bundle: a package there costs every cold start its parse and source map even
 * when never loaded (docs/performance.md). The stack builds it as a file of its own beside the bundle and names it at
 * bundling time (`EIP_KEEPER_YAML_MODULE`, `SIDECAR_MODULES` in infra/constructs/bundling.ts); run from source,
 * it is the package in node_modules. A module that cannot be loaded is thrown, never taken for unreadable text.
 */
type YamlModule = Pick<typeof import('yaml'), 'parse'>;

/** Where `yaml` is loaded from; replaced by the stack's bundling with the file beside the bundle. */
const YAML_MODULE = process.env.EIP_KEEPER_YAML_MODULE ?? 'yaml';

/** A name passed in, so that esbuild leaves the `import()` as it is instead of bundling what it names. */
const importModule = (specifier: string): Promise<unknown> => import(/* @vite-ignore */ specifier);

let loaded: Promise<YamlModule> | undefined;

function yamlModule(): Promise<YamlModule> {
  loaded ??= (importModule(YAML_MODULE) as Promise<YamlModule>).catch((err: unknown) => {
    loaded = undefined;
    throw err;
  });
  return loaded;
}

/** The YAML document's value, or undefined when the text is not YAML (the module failing to load is thrown). */
export async function parseYamlText(text: string): Promise<{ value: unknown } | undefined> {
  const { parse } = await yamlModule();
  try {
    return { value: parse(text) };
  } catch (err) {
    if (err instanceof Error && err.name.startsWith('YAML')) return undefined;
    throw err;
  }
}
