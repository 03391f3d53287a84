/**
 * Per-instance-type network limits as the VPC resource controller knows them (its `pkg/aws/vpc/limits.go`): ENIs,
 * IPv4 per ENI, whether the type can have a trunk ENI (security groups for pods) and how many branch ENIs it can
 * carry (`vpc.amazonaws.com/pod-eni`), hypervisor, bare metal, network cards. The controller enables trunking only
 * for types in its table marked compatible, so a type missing from the table gets no trunk ENI either.
 */
import table from './vpc-limits.generated.json' with { type: 'json' };

/** A row of the generated table (its `columns` name them). */
type VpcLimitsRow = readonly [number, number, number, string, number, readonly number[]];
// JSON imports are typed loosely; the generator writes exactly this shape (and the tests check every row).
const VPC_LIMITS_ROWS = table.rows as unknown as Readonly<Record<string, VpcLimitsRow>>;

export interface VpcLimits {
  instanceType: string;
  maximumNetworkInterfaces: number;
  ipv4AddressesPerInterface: number;
  trunkingCompatible: boolean;
  /** Branch ENIs (pods with security groups) one node of this type can carry; 0 when not trunking-compatible. */
  branchInterfaces: number;
  /** Absent for bare metal, as DescribeInstanceTypes reports it. */
  hypervisor?: 'nitro' | 'xen';
  bareMetal: boolean;
  defaultNetworkCardIndex: number;
  networkCards: { networkCardIndex: number; maximumNetworkInterfaces: number }[];
}

/** When the controller generated the table this product carries. */
export const VPC_LIMITS_AS_OF = table.generatedAt;

export function vpcLimits(instanceType: string): VpcLimits | undefined {
  if (!Object.hasOwn(VPC_LIMITS_ROWS, instanceType)) return undefined;
  const row = VPC_LIMITS_ROWS[instanceType];
  if (!row) return undefined;
  const [enis, ipv4, branch, flags, defaultCard, cards] = row;
  const hv = flags[0];
  return {
    instanceType,
    maximumNetworkInterfaces: enis,
    ipv4AddressesPerInterface: ipv4,
    trunkingCompatible: branch > 0,
    branchInterfaces: branch,
    ...(hv === 'n' ? { hypervisor: 'nitro' as const } : hv === 'x' ? { hypervisor: 'xen' as const } : {}),
    bareMetal: flags.includes('m'),
    defaultNetworkCardIndex: defaultCard,
    networkCards: cards.map((maximumNetworkInterfaces, networkCardIndex) => ({
      networkCardIndex,
      maximumNetworkInterfaces,
    })),
  };
}

/** Every instance type in the table, sorted. */
export function knownInstanceTypes(): string[] {
  return Object.keys(VPC_LIMITS_ROWS).sort();
}
