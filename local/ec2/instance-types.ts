/**
 * A built-in catalog of the instance types EKS node groups commonly use, with the numbers DescribeInstanceTypes
 * reports (ENIs, IPv4 per ENI, network cards, hypervisor, bare metal, vCPUs). Max-pods arithmetic depends on them,
 * so they match AWS's published values (m5.large 3 × 10 → 29 pods, t3.medium 3 × 6 → 17, c5.4xlarge 8 × 30 → 234).
 */
export interface NetworkCardInfo {
  networkCardIndex: number;
  maximumNetworkInterfaces: number;
}

export interface InstanceTypeInfo {
  instanceType: string;
  currentGeneration: boolean;
  bareMetal: boolean;
  /** Absent for bare-metal types, as in the API. */
  hypervisor?: 'nitro' | 'xen';
  architecture: 'x86_64' | 'arm64';
  defaultVCpus: number;
  maximumNetworkInterfaces: number;
  ipv4AddressesPerInterface: number;
  defaultNetworkCardIndex: number;
  networkCards: NetworkCardInfo[];
}

type Row = [size: string, vcpus: number, enis: number, ipv4PerEni: number, cards?: number];

function family(name: string, hypervisor: 'nitro' | 'xen', rows: Row[]): InstanceTypeInfo[] {
  const architecture = /^[a-z]+\d+[a-z]*g/.test(name) ? 'arm64' : 'x86_64';
  return rows.map(([size, vcpus, enis, ipv4, cards = 1]) => {
    const bareMetal = size === 'metal';
    const perCard = Math.floor(enis / cards);
    return {
      instanceType: `${name}.${size}`,
      currentGeneration: true,
      bareMetal,
      hypervisor: bareMetal ? undefined : hypervisor,
      architecture,
      defaultVCpus: vcpus,
      maximumNetworkInterfaces: enis,
      ipv4AddressesPerInterface: ipv4,
      defaultNetworkCardIndex: 0,
      networkCards: Array.from({ length: cards }, (_, i) => ({
        networkCardIndex: i,
        maximumNetworkInterfaces: perCard,
      })),
    };
  });
}

const XL: Row[] = [
  ['large', 2, 3, 10],
  ['xlarge', 4, 4, 15],
  ['2xlarge', 8, 4, 15],
];

export const INSTANCE_TYPES: readonly InstanceTypeInfo[] = [
  ...family('c4', 'xen', XL),
  ...family('c5', 'nitro', [...XL, ['4xlarge', 16, 8, 30], ['9xlarge', 36, 8, 30], ['18xlarge', 72, 15, 50]]),
  ...family('c6i', 'nitro', XL.slice(0, 2)),
  ...family('c7g', 'nitro', XL.slice(0, 2)),
  ...family('i3', 'xen', [...XL.slice(0, 2), ['metal', 72, 15, 50]]),
  ...family('m4', 'xen', [
    ['large', 2, 2, 10],
    ['xlarge', 4, 4, 15],
    ['2xlarge', 8, 4, 15],
    ['4xlarge', 16, 8, 30],
    ['10xlarge', 40, 8, 30],
  ]),
  ...family('m5', 'nitro', [
    ...XL,
    ['4xlarge', 16, 8, 30],
    ['8xlarge', 32, 8, 30],
    ['12xlarge', 48, 8, 30],
    ['16xlarge', 64, 15, 50],
    ['24xlarge', 96, 15, 50],
    ['metal', 96, 15, 50],
  ]),
  ...family('m5a', 'nitro', XL.slice(0, 2)),
  ...family('m6g', 'nitro', XL.slice(0, 2)),
  ...family('m6i', 'nitro', [...XL, ['4xlarge', 16, 8, 30]]),
  ...family('m7g', 'nitro', XL),
  ...family('m7i', 'nitro', XL.slice(0, 2)),
  ...family('p3', 'xen', [['2xlarge', 8, 4, 15]]),
  ...family('p4d', 'nitro', [['24xlarge', 96, 60, 50, 4]]),
  ...family('r4', 'xen', XL.slice(0, 2)),
  ...family('r5', 'nitro', XL),
  ...family('r6i', 'nitro', XL.slice(0, 1)),
  ...family('t2', 'xen', [
    ['micro', 1, 2, 2],
    ['small', 1, 3, 4],
    ['medium', 2, 3, 6],
    ['large', 2, 3, 12],
    ['xlarge', 4, 3, 15],
    ['2xlarge', 8, 3, 15],
  ]),
  ...family('t3', 'nitro', [
    ['nano', 2, 2, 2],
    ['micro', 2, 2, 2],
    ['small', 2, 3, 4],
    ['medium', 2, 3, 6],
    ['large', 2, 3, 12],
    ['xlarge', 4, 4, 15],
    ['2xlarge', 8, 4, 15],
  ]),
  ...family('t3a', 'nitro', [
    ['medium', 2, 3, 6],
    ['large', 2, 3, 12],
    ['xlarge', 4, 4, 15],
  ]),
  ...family('t4g', 'nitro', [
    ['medium', 2, 3, 6],
    ['large', 2, 3, 12],
  ]),
  ...family('x1', 'xen', [['16xlarge', 64, 8, 30]]),
];
