/**
 * The simulated DescribeInstanceTypes catalog: every instance type of the VPC resource controller's table
 * (shared/instance-types/vpc-limits.ts, generated from its `pkg/aws/vpc/limits.go` by
 * local/tools/generate-vpc-limits.ts) with the numbers that table holds — ENIs, IPv4 per ENI, network cards,
 * hypervisor, bare metal — and the two that table does not: vCPUs and architecture, derived from the type's name
 * (`vcpusOf`, `architectureOf`). Max-pods arithmetic depends on them (m5.large 3 × 10 → 29 pods, t3.medium 3 × 6 → 17,
 * c5.4xlarge 8 × 30 → 234). Scenarios add types of their own (`state.instanceTypes`).
 */
import { knownInstanceTypes, type VpcLimits, vpcLimits } from '../../shared/instance-types/vpc-limits';

export interface NetworkCardInfo {
  networkCardIndex: number;
  maximumNetworkInterfaces: number;
}

export type Architecture = 'x86_64' | 'arm64' | 'x86_64_mac' | 'arm64_mac';

export interface InstanceTypeInfo {
  instanceType: string;
  currentGeneration: boolean;
  bareMetal: boolean;
  /** Absent for bare-metal types, as in the API. */
  hypervisor?: 'nitro' | 'xen';
  architecture: Architecture;
  defaultVCpus: number;
  maximumNetworkInterfaces: number;
  ipv4AddressesPerInterface: number;
  defaultNetworkCardIndex: number;
  networkCards: NetworkCardInfo[];
}

/** EC2's published vCPUs where the size rule of `vcpusOf` does not give them. */
const EXACT_VCPUS: Readonly<Record<string, number>> = {
  // Bare metal with more cores than the family's largest virtualized size.
  'i3.metal': 72,
  'g4dn.metal': 96,
  // Mac instances: one vCPU per core of the Mac inside (Intel i7 with hyperthreads, Apple silicon without).
  'mac1.metal': 12,
  'mac2.metal': 8,
  'mac2-m2.metal': 8,
  'mac2-m2pro.metal': 12,
  'mac2-m1ultra.metal': 20,
  'mac-m4.metal': 10,
  'mac-m4pro.metal': 14,
  'mac-m4max.metal': 16,
  // Sized by cores of their Xeon rather than by xlarge units.
  'c4.8xlarge': 36,
  'd2.8xlarge': 36,
  // First-generation types sized differently from today's.
  't1.micro': 1,
  'c1.medium': 2,
  'c1.xlarge': 8,
  'm2.xlarge': 2,
  'm2.2xlarge': 4,
  'm2.4xlarge': 8,
  't2.medium': 2,
};

/** Burstable families whose nano, micro, small and medium sizes all have 2 vCPUs. */
const TWO_VCPU_SMALL_SIZES = new Set(['t3', 't3a', 't4g']);

/** Families EC2 lists as previous generation (DescribeInstanceTypes `CurrentGeneration: false`). */
const PREVIOUS_GENERATION = new Set(['t1', 'm1', 'm2', 'm3', 'c1', 'c3', 'r3', 'i2']);

function splitName(instanceType: string): { family: string; size: string } {
  const dot = instanceType.indexOf('.');
  return { family: instanceType.slice(0, dot), size: instanceType.slice(dot + 1) };
}

/** vCPUs of an `<N>xlarge` size (or `metal-<N>xl`): 4 per xlarge unit. */
function unitsOf(size: string): number | undefined {
  const m = /^(?:(\d+)?xlarge|metal-(\d+)xl)$/.exec(size);
  if (!m) return undefined;
  return 4 * Number(m[1] ?? m[2] ?? 1);
}

/**
 * DescribeInstanceTypes' `VCpuInfo.DefaultVCpus`, derived from the type's name: `large` has 2 vCPUs and each xlarge
 * unit 4 (`c5.4xlarge` 16, `u-6tb1.112xlarge` 448, `m7i.metal-48xl` 192); `nano` to `medium` have 1, except in the
 * burstable t3, t3a and t4g families (2); a plain `metal` has as many as the family's largest size (`c5.metal` 96 like
 * `c5.24xlarge`). `EXACT_VCPUS` holds EC2's published value where this rule is wrong. `siblings` are the other types of
 * the catalog, for `metal`. Throws for a name it cannot size, so a regenerated table that brings one fails its test
 * instead of serving a guess.
 */
export function vcpusOf(instanceType: string, siblings: readonly string[] = knownInstanceTypes()): number {
  const exact = EXACT_VCPUS[instanceType];
  if (exact !== undefined) return exact;
  const { family, size } = splitName(instanceType);
  const units = unitsOf(size);
  if (units !== undefined) return units;
  if (size === 'large') return 2;
  if (['nano', 'micro', 'small', 'medium'].includes(size)) return TWO_VCPU_SMALL_SIZES.has(family) ? 2 : 1;
  if (size === 'metal') {
    const largest = Math.max(
      0,
      ...siblings.filter((t) => splitName(t).family === family).map((t) => unitsOf(splitName(t).size) ?? 0),
    );
    if (largest > 0) return largest;
  }
  throw new Error(`cannot tell the vCPUs of ${instanceType}: add it to EXACT_VCPUS`);
}

/**
 * The architecture DescribeInstanceTypes lists first: arm64 for Graviton families (a1, and a `g` after the generation
 * digit: m6g, c7gn, t4g, im4gn, is4gen, g5g, i8ge), the Mac variants for mac families, x86_64 otherwise.
 */
export function architectureOf(instanceType: string): Architecture {
  const { family } = splitName(instanceType);
  if (family === 'mac1') return 'x86_64_mac';
  if (family.startsWith('mac')) return 'arm64_mac';
  if (family === 'a1' || /^[a-z]+\d+[a-z]*g/.test(family)) return 'arm64';
  return 'x86_64';
}

/** One catalog row from the controller's limits and the derived vCPUs and architecture. */
export function instanceTypeFromLimits(limits: VpcLimits, siblings?: readonly string[]): InstanceTypeInfo {
  const { instanceType } = limits;
  return {
    instanceType,
    currentGeneration: !PREVIOUS_GENERATION.has(splitName(instanceType).family),
    bareMetal: limits.bareMetal,
    ...(limits.hypervisor ? { hypervisor: limits.hypervisor } : {}),
    architecture: architectureOf(instanceType),
    defaultVCpus: vcpusOf(instanceType, siblings),
    maximumNetworkInterfaces: limits.networkCards.reduce((n, c) => n + c.maximumNetworkInterfaces, 0),
    ipv4AddressesPerInterface: limits.ipv4AddressesPerInterface,
    defaultNetworkCardIndex: limits.defaultNetworkCardIndex,
    networkCards: limits.networkCards.map((c) => ({ ...c })),
  };
}

/** Every type of the controller's table, sorted by name. */
export const INSTANCE_TYPES: readonly InstanceTypeInfo[] = knownInstanceTypes().map((name) =>
  instanceTypeFromLimits(vpcLimits(name) as VpcLimits),
);
