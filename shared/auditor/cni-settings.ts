/**
 * The VPC CNI settings in force, as far as the auditor can know them
 * (https://github.com/aws/amazon-vpc-cni-k8s#cni-configuration-variables). Pure: no AWS import.
 *
 * - With Kubernetes access, the aws-node DaemonSet's environment is the truth; a variable it does not set has the
 *   CNI's default.
 * - Without it, only the vpc-cni add-on's `configurationValues` (JSON or YAML, given as JSON by the EKS adapter) are known, and they list only what
 *   was set explicitly: a variable absent there is *unknown* (someone may have run `kubectl set env`), not false.
 */
import type { AddonInfo, AwsNodeInfo, ClusterSnapshot } from './model';
import { type CniVersion, cniVersionFromImage, tryParseCniVersion } from './versions';

export type Known<T> =
  | { known: true; value: T; source: string }
  | { known: false; reason: string; enable: string };

/** The CNI's own defaults (amazon-vpc-cni-k8s README). */
export const CNI_DEFAULTS: Readonly<Record<string, string>> = {
  ENABLE_POD_ENI: 'false',
  AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: 'false',
  AWS_VPC_K8S_CNI_EXTERNALSNAT: 'false',
  ENABLE_PREFIX_DELEGATION: 'false',
  POD_SECURITY_GROUP_ENFORCING_MODE: 'strict',
  ENI_CONFIG_LABEL_DEF: 'k8s.amazonaws.com/eniConfig',
  DISABLE_TCP_EARLY_DEMUX: 'false',
};

export interface AddonConfiguration {
  env: Record<string, string>;
  initEnv: Record<string, string>;
  /** kube-proxy add-on: `mode`. */
  mode?: string;
}

/** configurationValues that are neither JSON nor YAML of the expected shape. */
export class InvalidAddonConfigurationError extends Error {
  override readonly name = 'InvalidAddonConfigurationError';
}

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return out;
  for (const [k, val] of Object.entries(v)) {
    if (val === null || val === undefined) continue;
    if (typeof val === 'object') continue;
    out[k] = String(val);
  }
  return out;
}

/**
 * Parses an add-on's configurationValues: JSON, as the EKS adapter gives them (YAML converted there:
 * adapters/configuration-values.ts); an empty string is an empty configuration. `yamlProblem` is why the adapter
 * could not read them as YAML either.
 */
export function parseAddonConfiguration(text: string | undefined, yamlProblem?: string): AddonConfiguration {
  if (text === undefined || text.trim() === '') return { env: {}, initEnv: {} };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    // YAML's reason, when known: text that is not JSON was meant as YAML more often than not, and it names the line.
    throw new InvalidAddonConfigurationError(
      `configurationValues is neither JSON nor YAML: ${yamlProblem ?? (err as Error).message}`,
    );
  }
  if (raw === null || raw === undefined) return { env: {}, initEnv: {} };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InvalidAddonConfigurationError('configurationValues is not an object');
  }
  const o = raw as Record<string, unknown>;
  const init = typeof o.init === 'object' && o.init !== null ? (o.init as Record<string, unknown>) : {};
  return {
    env: stringMap(o.env),
    initEnv: stringMap(init.env),
    ...(typeof o.mode === 'string' ? { mode: o.mode } : {}),
  };
}

/** What to tell the user to enable so the auditor can read the aws-node DaemonSet. */
export function kubernetesAccessHint(cluster: string): string {
  return `give the auditor Kubernetes read access to cluster ${cluster}: add "${cluster}" to audit.kubernetesAccess and create an EKS access entry for the auditor's role (docs/auditor.md#kubernetes-access)`;
}

export interface CniSettings {
  version: Known<CniVersion>;
  /** A container variable: its value, or undefined when not set (CNI default applies). */
  env(name: string): Known<string | undefined>;
  /** An init-container variable. */
  initEnv(name: string): Known<string | undefined>;
  /** A boolean variable with the CNI default applied when unset. */
  flag(name: string): Known<boolean>;
  /** A variable with the CNI default applied when unset. */
  effective(name: string): Known<string>;
  /** Where the settings come from, for evidence. */
  describeSource(): string;
  /** The add-on configuration could not be parsed (evidence for the user). */
  configProblem?: string;
}

function isTrue(v: string): boolean {
  return v.trim().toLowerCase() === 'true';
}

export function cniSettings(
  snapshot: Pick<ClusterSnapshot, 'cluster' | 'vpcCni' | 'vpcCniUnreadable' | 'kubernetes'>,
): CniSettings {
  const cluster = snapshot.cluster.name;
  const addon: AddonInfo | null = snapshot.vpcCni;
  let config: AddonConfiguration = { env: {}, initEnv: {} };
  let configProblem: string | undefined;
  try {
    config = parseAddonConfiguration(addon?.configurationValues, addon?.configurationValuesProblem);
  } catch (err) {
    configProblem = (err as Error).message;
  }
  const k8s = snapshot.kubernetes;
  const awsNode: AwsNodeInfo | undefined =
    k8s.available && k8s.value.awsNode.available ? k8s.value.awsNode.value : undefined;
  const whyNoDaemonSet = !k8s.available
    ? k8s.reason
    : !k8s.value.awsNode.available
      ? k8s.value.awsNode.reason
      : '';
  const unreadable = snapshot.vpcCniUnreadable;
  const enableDaemonSet =
    unreadable?.enable ??
    (!k8s.available
      ? k8s.enable
      : !k8s.value.awsNode.available
        ? k8s.value.awsNode.enable
        : kubernetesAccessHint(cluster));
  const noAddon = unreadable
    ? `the vpc-cni add-on could not be read (${unreadable.reason})`
    : 'vpc-cni is not an EKS add-on';

  const lookup = (name: string, init: boolean): Known<string | undefined> => {
    if (awsNode) {
      const v = (init ? awsNode.initEnv : awsNode.env)[name];
      return { known: true, value: v, source: `aws-node DaemonSet${init ? ' init container' : ''}` };
    }
    const fromAddon = (init ? config.initEnv : config.env)[name];
    if (fromAddon !== undefined) {
      return { known: true, value: fromAddon, source: 'vpc-cni add-on configurationValues' };
    }
    const addonPart = addon
      ? configProblem
        ? `the vpc-cni add-on configurationValues cannot be read (${configProblem})`
        : `the vpc-cni add-on configurationValues do not set ${name}`
      : noAddon;
    return {
      known: false,
      reason: `${addonPart}, and the aws-node DaemonSet cannot be read (${whyNoDaemonSet}), which may set it`,
      enable: enableDaemonSet,
    };
  };

  let version: Known<CniVersion>;
  const imageVersion = cniVersionFromImage(awsNode?.image);
  const addonVersion = tryParseCniVersion(addon?.version);
  if (imageVersion) version = { known: true, value: imageVersion, source: 'aws-node image tag' };
  else if (addonVersion) version = { known: true, value: addonVersion, source: 'vpc-cni add-on version' };
  else
    version = {
      known: false,
      reason: addon
        ? `the vpc-cni add-on version "${addon.version}" is not a version`
        : `${noAddon}, and the aws-node DaemonSet cannot be read (${whyNoDaemonSet})`,
      enable: addon ? 'check the vpc-cni add-on' : enableDaemonSet,
    };

  const effective = (name: string, init = false): Known<string> => {
    const v = lookup(name, init);
    if (!v.known) return v;
    const value = v.value ?? CNI_DEFAULTS[name] ?? '';
    return {
      known: true,
      value,
      source: v.value === undefined ? `${v.source} (unset: CNI default)` : v.source,
    };
  };

  return {
    version,
    env: (name) => lookup(name, false),
    initEnv: (name) => lookup(name, true),
    flag: (name) => {
      const v = effective(name, name === 'DISABLE_TCP_EARLY_DEMUX');
      return v.known ? { known: true, value: isTrue(v.value), source: v.source } : v;
    },
    effective: (name) => effective(name, name === 'DISABLE_TCP_EARLY_DEMUX'),
    describeSource: () =>
      awsNode
        ? 'the aws-node DaemonSet'
        : addon
          ? `the vpc-cni add-on ${addon.version} configurationValues (Kubernetes access off: unset variables are unknown)`
          : unreadable
            ? `nothing (${noAddon}; Kubernetes access is off)`
            : 'nothing (vpc-cni is self-managed and Kubernetes access is off)',
    ...(configProblem ? { configProblem } : {}),
  };
}
