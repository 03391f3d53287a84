/**
 * An add-on's configurationValues as the auditor's checks read them: JSON. EKS takes them as JSON or YAML
 * (https://docs.aws.amazon.com/eks/latest/APIReference/API_UpdateAddon.html, `configurationValues`). JSON text is kept
 * as it is; YAML is converted, the `yaml` package loaded only then (imported by the checks, it cost every audit's
 * cold start its load: docs/performance.md). Text that is neither is kept, and the checks report it unreadable.
 */
export async function configurationValuesAsJson(text: string): Promise<string> {
  try {
    JSON.parse(text);
    return text;
  } catch {
    // Not JSON: YAML, or unreadable.
  }
  try {
    const { parse } = await import('yaml');
    return JSON.stringify(parse(text) ?? null);
  } catch {
    return text;
  }
}
