/**
 * An add-on's configurationValues as the auditor's checks read them: JSON. EKS takes them as JSON or YAML
 * (https://docs.aws.amazon.com/eks/latest/APIReference/API_UpdateAddon.html, `configurationValues`). JSON text is kept
 * as it is; YAML is converted, read by the `readYaml` passed in, so only then is `yaml` loaded (yaml.ts). Text that is
 * neither is kept, with YAML's reason, and the checks report it unreadable. No I/O but what `readYaml` does.
 */
import type { AddonInfo } from '../model';
import type { ReadYaml } from './yaml';

export type ConfigurationValues = Required<Pick<AddonInfo, 'configurationValues'>> &
  Pick<AddonInfo, 'configurationValuesProblem'>;

export async function configurationValuesAsJson(
  text: string,
  readYaml: ReadYaml,
): Promise<ConfigurationValues> {
  try {
    JSON.parse(text);
    return { configurationValues: text };
  } catch {
    // Not JSON: YAML, or unreadable.
  }
  const yaml = await readYaml(text);
  return 'value' in yaml
    ? { configurationValues: JSON.stringify(yaml.value ?? null) }
    : { configurationValues: text, configurationValuesProblem: yaml.problem };
}
