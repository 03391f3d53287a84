/**
 * Exact commands the findings recommend. Pure: no AWS import.
 */
/** Single-quotes a shell word (`'` becomes `'\''`). */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@,+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function asRecord(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? { ...(v as Record<string, unknown>) }
    : {};
}

/**
 * The add-on configuration with `env` / `init.env` variables set, keeping everything else the user configured
 * (`update-addon --configuration-values` replaces the whole configuration). `current` is JSON, as the EKS adapter
 * gives it (adapters/configuration-values.ts); unparseable input starts from `{}`.
 */
export function mergedAddonConfiguration(
  current: string | undefined,
  changes: { env?: Record<string, string>; initEnv?: Record<string, string> },
): string {
  let raw: Record<string, unknown> = {};
  if (current && current.trim() !== '') {
    try {
      raw = asRecord(JSON.parse(current));
    } catch {
      raw = {};
    }
  }
  if (changes.env) raw.env = { ...asRecord(raw.env), ...changes.env };
  if (changes.initEnv) {
    const init = asRecord(raw.init);
    init.env = { ...asRecord(init.env), ...changes.initEnv };
    raw.init = init;
  }
  return JSON.stringify(raw);
}

/**
 * How to set VPC CNI variables: `aws eks update-addon` with the merged configuration when vpc-cni is an EKS add-on,
 * else `kubectl set env` on the aws-node DaemonSet.
 */
export function cniSettingCommand(
  cluster: string,
  addon: { configurationValues?: string } | null,
  changes: { env?: Record<string, string>; initEnv?: Record<string, string> },
  addonUnreadable = false,
): string {
  if (addonUnreadable)
    return `aws eks update-addon --cluster-name ${shellQuote(cluster)} --addon-name vpc-cni --resolve-conflicts PRESERVE --configuration-values ${shellQuote(mergedAddonConfiguration(undefined, changes))} (add the add-on's current configurationValues to it first: the call replaces them, and the auditor could not read them)`;
  if (addon) {
    const json = mergedAddonConfiguration(addon.configurationValues, changes);
    return `aws eks update-addon --cluster-name ${shellQuote(cluster)} --addon-name vpc-cni --resolve-conflicts PRESERVE --configuration-values ${shellQuote(json)}`;
  }
  const parts: string[] = [];
  const env = Object.entries(changes.env ?? {});
  if (env.length > 0)
    parts.push(
      `kubectl set env daemonset aws-node -n kube-system ${env.map(([k, v]) => shellQuote(`${k}=${v}`)).join(' ')}`,
    );
  const init = Object.entries(changes.initEnv ?? {});
  if (init.length > 0)
    parts.push(
      `kubectl set env daemonset aws-node -n kube-system -c aws-vpc-cni-init ${init.map(([k, v]) => shellQuote(`${k}=${v}`)).join(' ')}`,
    );
  return parts.join(' && ');
}

/** Replacing nodes so new settings take effect (the managed node group launches replacements). */
export function replaceNodesCommand(nodes: { name?: string; instanceId: string }[]): string {
  const ids = nodes.map((n) => n.instanceId);
  const drains = nodes
    .filter((n) => n.name)
    .map((n) => `kubectl drain ${shellQuote(n.name as string)} --ignore-daemonsets --delete-emptydir-data`);
  const drain =
    drains.length > 0
      ? drains.join(' && ')
      : 'kubectl drain <node> --ignore-daemonsets --delete-emptydir-data (each node)';
  return `${drain} && aws ec2 terminate-instances --instance-ids ${ids.join(' ')}`;
}

/** `aws` partition of an ARN (`aws`, `aws-cn`, `aws-us-gov`), `aws` when unknown. */
export function partitionOf(arn: string | undefined): string {
  return arn?.split(':')[1] || 'aws';
}
