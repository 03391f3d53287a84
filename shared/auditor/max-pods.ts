/**
 * The pods a node can run, computed exactly as amazon-eks-ami's `max-pods-calculator.sh` does
 * (https://docs.aws.amazon.com/eks/latest/userguide/choosing-instance-type.html), from the numbers
 * DescribeInstanceTypes reports. Pure: no AWS import; the DescribeInstanceTypes shape below is structural.
 *
 * The script's steps, in order:
 * 1. ENIs = `NetworkCards[DefaultNetworkCardIndex].MaximumNetworkInterfaces` (only the default card hosts pods).
 * 2. `--cni-max-eni N` lowers ENIs to min(N, ENIs).
 * 3. Custom networking: the primary ENI hosts no pods, ENIs − 1.
 * 4. Prefix delegation counts only when the hypervisor is `nitro` (bare metal reports none) and the CNI is ≥ 1.9
 *    (major > 1, or major 1 and minor > 8): ENIs × ((IPs − 1) × 16) + 2; otherwise ENIs × (IPs − 1) + 2.
 * 5. `--show-max-allowed` prints that number (our `maxPodsUncapped`); otherwise it is capped at 110 for ≤ 30 vCPUs
 *    and 250 above (our `maxPods`, the managed-node-group ceiling).
 */
import { type CniVersion, parseCniVersion } from './versions';

/** `none` is how the script sees bare metal: DescribeInstanceTypes omits Hypervisor for it. */
export type Hypervisor = 'nitro' | 'xen' | 'none';

/** The inputs the calculator reads about an instance type. */
export interface InstanceNetwork {
  instanceType?: string;
  /** Network interfaces of the default network card. */
  maxEnis: number;
  /** Total across network cards (informational; pods use only the default card). */
  totalEnis?: number;
  ipv4PerEni: number;
  hypervisor: Hypervisor;
  vcpus: number;
  bareMetal?: boolean;
}

export interface MaxPodsOptions {
  /** VPC CNI version, e.g. `1.19.2` or `v1.19.2-eksbuild.1` (the script requires one). */
  cniVersion: string;
  customNetworking?: boolean;
  prefixDelegation?: boolean;
  /** `--cni-max-eni`: use at most this many ENIs (≥ 1). */
  maxEni?: number;
}

export interface MaxPodsResult {
  instanceType?: string;
  /** What `max-pods-calculator.sh` prints: capped at 110 (≤ 30 vCPUs) or 250. */
  maxPods: number;
  /** What it prints with `--show-max-allowed`. */
  maxPodsUncapped: number;
  cap: 110 | 250;
  enisForPods: number;
  ipv4PerEni: number;
  hypervisor: Hypervisor;
  vcpus: number;
  cniVersion: string;
  customNetworking: boolean;
  prefixDelegationRequested: boolean;
  prefixDelegation: boolean;
  /** Why prefix delegation was requested but not counted. */
  prefixDelegationIgnored?: string;
  /** The arithmetic, e.g. `3 × (10 − 1) + 2 = 29`. */
  formula: string;
}

/** Input that the calculator cannot work with (not a number, a negative count, ...). */
export class InvalidMaxPodsInputError extends Error {
  override readonly name = 'InvalidMaxPodsInputError';
}

export const IPS_PER_PREFIX = 16;
export const MAX_PODS_CAP_LOW_CPU = 110;
export const MAX_PODS_CAP_HIGH_CPU = 250;
/** Above this many vCPUs the 250 cap applies. */
export const HIGH_CPU_THRESHOLD = 30;

/** The script's test: major > 1, or major 1 and minor > 8. */
export function cniSupportsPrefixDelegation(v: CniVersion): boolean {
  return v.major > 1 || (v.major === 1 && v.minor > 8);
}

function requireCount(name: string, n: number, min: number): void {
  if (!Number.isInteger(n) || n < min)
    throw new InvalidMaxPodsInputError(`${name} must be an integer ≥ ${min}, got ${n}`);
}

export function computeMaxPods(net: InstanceNetwork, opts: MaxPodsOptions): MaxPodsResult {
  requireCount('ENIs', net.maxEnis, 1);
  requireCount('IPv4 addresses per ENI', net.ipv4PerEni, 1);
  requireCount('vCPUs', net.vcpus, 1);
  if (opts.maxEni !== undefined) requireCount('max ENIs', opts.maxEni, 1);
  const version = parseCniVersion(opts.cniVersion);

  let enis = opts.maxEni === undefined ? net.maxEnis : Math.min(opts.maxEni, net.maxEnis);
  const customNetworking = Boolean(opts.customNetworking);
  if (customNetworking) enis -= 1;

  const requested = Boolean(opts.prefixDelegation);
  let ignored: string | undefined;
  if (requested && net.hypervisor !== 'nitro') {
    ignored =
      net.hypervisor === 'none'
        ? 'DescribeInstanceTypes reports no hypervisor (bare metal), and max-pods-calculator.sh counts prefixes only for nitro'
        : `hypervisor ${net.hypervisor}: prefix delegation needs a Nitro instance type`;
  } else if (requested && !cniSupportsPrefixDelegation(version)) {
    ignored = `VPC CNI ${opts.cniVersion} is older than 1.9.0, which introduced prefix delegation`;
  }
  const prefixDelegation = requested && ignored === undefined;

  const perEni = prefixDelegation ? (net.ipv4PerEni - 1) * IPS_PER_PREFIX : net.ipv4PerEni - 1;
  const uncapped = enis * perEni + 2;
  const cap = net.vcpus > HIGH_CPU_THRESHOLD ? MAX_PODS_CAP_HIGH_CPU : MAX_PODS_CAP_LOW_CPU;
  const maxPods = Math.min(cap, uncapped);
  const perEniText = prefixDelegation
    ? `((${net.ipv4PerEni} − 1) × ${IPS_PER_PREFIX})`
    : `(${net.ipv4PerEni} − 1)`;
  const enisText = customNetworking ? `(${enis + 1} − 1)` : String(enis);
  const formula = `${enisText} × ${perEniText} + 2 = ${uncapped}${maxPods < uncapped ? `, capped at ${cap} (${net.vcpus} vCPUs)` : ''}`;

  return {
    ...(net.instanceType ? { instanceType: net.instanceType } : {}),
    maxPods,
    maxPodsUncapped: uncapped,
    cap,
    enisForPods: enis,
    ipv4PerEni: net.ipv4PerEni,
    hypervisor: net.hypervisor,
    vcpus: net.vcpus,
    cniVersion: opts.cniVersion,
    customNetworking,
    prefixDelegationRequested: requested,
    prefixDelegation,
    ...(ignored ? { prefixDelegationIgnored: ignored } : {}),
    formula,
  };
}

/** The parts of a DescribeInstanceTypes `InstanceTypeInfo` the calculator reads (structurally the SDK's type). */
export interface DescribedInstanceType {
  InstanceType?: string;
  Hypervisor?: string;
  BareMetal?: boolean;
  VCpuInfo?: { DefaultVCpus?: number };
  NetworkInfo?: {
    MaximumNetworkInterfaces?: number;
    Ipv4AddressesPerInterface?: number;
    DefaultNetworkCardIndex?: number;
    NetworkCards?: { NetworkCardIndex?: number; MaximumNetworkInterfaces?: number }[];
  };
}

/** An instance type DescribeInstanceTypes described without the numbers the calculator needs. */
export class IncompleteInstanceTypeError extends Error {
  override readonly name = 'IncompleteInstanceTypeError';
}

/**
 * Reads the calculator's inputs from a DescribeInstanceTypes entry. The default card's ENI count comes from
 * `NetworkCards` (by `NetworkCardIndex`, else by position, as the script's jq index does), falling back to
 * `MaximumNetworkInterfaces` for a response without cards.
 */
export function instanceNetworkFromDescribe(it: DescribedInstanceType): InstanceNetwork {
  const name = it.InstanceType ?? '(unnamed instance type)';
  const info = it.NetworkInfo ?? {};
  const defaultIndex = info.DefaultNetworkCardIndex ?? 0;
  const cards = info.NetworkCards ?? [];
  const card = cards.find((c) => c.NetworkCardIndex === defaultIndex) ?? cards[defaultIndex];
  const maxEnis = card?.MaximumNetworkInterfaces ?? info.MaximumNetworkInterfaces;
  const ipv4 = info.Ipv4AddressesPerInterface;
  const vcpus = it.VCpuInfo?.DefaultVCpus;
  if (maxEnis === undefined || ipv4 === undefined || vcpus === undefined) {
    throw new IncompleteInstanceTypeError(
      `${name}: DescribeInstanceTypes gave no ${[
        maxEnis === undefined ? 'MaximumNetworkInterfaces' : '',
        ipv4 === undefined ? 'Ipv4AddressesPerInterface' : '',
        vcpus === undefined ? 'VCpuInfo.DefaultVCpus' : '',
      ]
        .filter(Boolean)
        .join(', ')}`,
    );
  }
  const hv = it.Hypervisor;
  const hypervisor: Hypervisor = hv === 'nitro' ? 'nitro' : hv === 'xen' ? 'xen' : 'none';
  return {
    ...(it.InstanceType ? { instanceType: it.InstanceType } : {}),
    maxEnis,
    ...(info.MaximumNetworkInterfaces !== undefined ? { totalEnis: info.MaximumNetworkInterfaces } : {}),
    ipv4PerEni: ipv4,
    hypervisor,
    vcpus,
    bareMetal: it.BareMetal ?? hv === undefined,
  };
}
