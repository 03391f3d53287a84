/**
 * An add-on's configurationValues as the auditor's checks read them: JSON. EKS takes them as JSON or YAML
 * (https://docs.aws.amazon.com/eks/latest/APIReference/API_UpdateAddon.html, `configurationValues`). JSON text is kept
 * as it is; YAML is converted, with `yaml` loaded only then (yaml.ts). Text that is neither is kept, and the checks
 * report it unreadable.
 */
import { parseYamlText } from './yaml';

export async function configurationValuesAsJson(text: string): Promise<string> {
  try {
    JSON.parse(text);
    return text;
  } catch {
    // Not JSON: YAML, or unreadable.
  }
  const yaml = await parseYamlText(text);
  return yaml ? JSON.stringify(yaml.value ?? null) : text;
}
