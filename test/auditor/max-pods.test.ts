import { describe, expect, it } from 'vitest';
import { INSTANCE_TYPES } from '../../local/ec2/instance-types';
import {
  cniSupportsPrefixDelegation,
  computeMaxPods,
  IncompleteInstanceTypeError,
  type InstanceNetwork,
  InvalidMaxPodsInputError,
  instanceNetworkFromDescribe,
} from '../../shared/auditor/max-pods';
import { InvalidCniVersionError, parseCniVersion } from '../../shared/auditor/versions';
import {
  describedFrom,
  KNOWN_INSTANCE_TYPES,
  type KnownInstanceType,
} from './support/fixtures/known-instance-types';

const net = (k: KnownInstanceType): InstanceNetwork => instanceNetworkFromDescribe(describedFrom(k));
const known = (name: string): KnownInstanceType => {
  const k = KNOWN_INSTANCE_TYPES.find((t) => t.instanceType === name);
  if (!k) throw new Error(`no fixture row for ${name}`);
  return k;
};
const cap = (k: KnownInstanceType) => (k.vcpus > 30 ? 250 : 110);

describe('max pods in the default mode', () => {
  it('has at least 40 known instance types to check against', () => {
    expect(KNOWN_INSTANCE_TYPES.length).toBeGreaterThanOrEqual(40);
  });

  it.each(KNOWN_INSTANCE_TYPES.map((k) => [k.instanceType, k] as const))(
    '%s: uncapped equals eni-max-pods.txt, capped at 110/250 by vCPUs',
    (_name, k) => {
      const r = computeMaxPods(net(k), { cniVersion: '1.19.2' });
      expect(r.maxPodsUncapped).toBe(k.eniMaxPods);
      expect(r.maxPods).toBe(Math.min(cap(k), k.eniMaxPods));
    },
  );

  it('gives m5.large 29, t3.medium 17 and c5.4xlarge 234 uncapped (110 capped: 16 vCPUs)', () => {
    const results = ['m5.large', 't3.medium', 'c5.4xlarge'].map((t) =>
      computeMaxPods(net(known(t)), { cniVersion: '1.19.2' }),
    );
    expect(results.map((r) => [r.maxPods, r.maxPodsUncapped])).toEqual([
      [29, 29],
      [17, 17],
      [110, 234],
    ]);
  });

  it('applies the 250 cap only above 30 vCPUs (m5.8xlarge has 32: 234 stays)', () => {
    expect(computeMaxPods(net(known('m5.8xlarge')), { cniVersion: '1.19.2' }).maxPods).toBe(234);
    expect(computeMaxPods(net(known('m5.16xlarge')), { cniVersion: '1.19.2' }).maxPods).toBe(250);
  });

  it('counts only the default network card of multi-card types (p5.48xlarge: 2 of 64 ENIs → 100)', () => {
    const r = computeMaxPods(net(known('p5.48xlarge')), { cniVersion: '1.19.2' });
    expect([r.enisForPods, r.maxPodsUncapped, r.maxPods]).toEqual([2, 100, 100]);
  });

  it('explains its arithmetic', () => {
    expect(computeMaxPods(net(known('m5.large')), { cniVersion: '1.19.2' }).formula).toBe(
      '3 × (10 − 1) + 2 = 29',
    );
  });
});

describe('max pods with custom networking', () => {
  it('gives m5.large 20: the primary ENI hosts no pods', () => {
    const r = computeMaxPods(net(known('m5.large')), { cniVersion: '1.19.2', customNetworking: true });
    expect([r.maxPods, r.maxPodsUncapped, r.enisForPods]).toEqual([20, 20, 2]);
  });

  it.each([
    ['t3.medium', 12],
    ['m5.xlarge', 44],
    ['c5.4xlarge', 205],
    ['m4.large', 11],
    ['m5.24xlarge', 688],
    ['p5.48xlarge', 51],
  ])('gives %s %i uncapped', (name, expected) => {
    expect(
      computeMaxPods(net(known(name)), { cniVersion: '1.19.2', customNetworking: true }).maxPodsUncapped,
    ).toBe(expected);
  });
});

describe('max pods with prefix delegation', () => {
  it('gives m5.large 434 uncapped and 110 capped on Nitro with CNI 1.9.0', () => {
    const r = computeMaxPods(net(known('m5.large')), { cniVersion: '1.9.0', prefixDelegation: true });
    expect([r.maxPods, r.maxPodsUncapped, r.prefixDelegation]).toEqual([110, 434, true]);
  });

  it('accepts the eksbuild version EKS reports (v1.9.0-eksbuild.1)', () => {
    const r = computeMaxPods(net(known('m5.large')), {
      cniVersion: 'v1.9.0-eksbuild.1',
      prefixDelegation: true,
    });
    expect(r.maxPodsUncapped).toBe(434);
  });

  it('does not count prefixes below CNI 1.9 (1.8.0 gives the secondary-IP number)', () => {
    const r = computeMaxPods(net(known('m5.large')), { cniVersion: '1.8.0', prefixDelegation: true });
    expect([r.maxPods, r.prefixDelegation]).toEqual([29, false]);
    expect(r.prefixDelegationIgnored).toMatch(/older than 1\.9\.0/);
  });

  it('does not count prefixes on Xen (m4.large stays 20)', () => {
    const r = computeMaxPods(net(known('m4.large')), { cniVersion: '1.19.2', prefixDelegation: true });
    expect([r.maxPods, r.prefixDelegation]).toEqual([20, false]);
    expect(r.prefixDelegationIgnored).toMatch(/xen/);
  });

  it('does not count prefixes on bare metal, which reports no hypervisor (m5.metal stays 737 → 250)', () => {
    const r = computeMaxPods(net(known('m5.metal')), { cniVersion: '1.19.2', prefixDelegation: true });
    expect([r.maxPods, r.maxPodsUncapped, r.prefixDelegation]).toEqual([250, 737, false]);
  });

  it('counts prefixes on Nitro t3 (t3.medium 3 × 5 × 16 + 2 = 242 → 110)', () => {
    const r = computeMaxPods(net(known('t3.medium')), { cniVersion: '1.10.0', prefixDelegation: true });
    expect([r.maxPods, r.maxPodsUncapped]).toEqual([110, 242]);
  });

  it('combines custom networking and prefix delegation (m5.large: 2 × 144 + 2 = 290)', () => {
    const r = computeMaxPods(net(known('m5.large')), {
      cniVersion: '1.19.2',
      customNetworking: true,
      prefixDelegation: true,
    });
    expect([r.maxPods, r.maxPodsUncapped]).toEqual([110, 290]);
  });

  it('caps high-vCPU Nitro types at 250 (m5.16xlarge: 15 × 49 × 16 + 2 = 11762)', () => {
    const r = computeMaxPods(net(known('m5.16xlarge')), { cniVersion: '2.0.0', prefixDelegation: true });
    expect([r.maxPods, r.maxPodsUncapped]).toEqual([250, 11762]);
  });
});

describe('the --max-eni override', () => {
  it('lowers the ENI count (c5.4xlarge, 2 ENIs: 2 × 29 + 2 = 60)', () => {
    expect(
      computeMaxPods(net(known('c5.4xlarge')), { cniVersion: '1.19.2', maxEni: 2 }).maxPodsUncapped,
    ).toBe(60);
  });

  it('never raises it above the instance type (m5.large with 10 stays 29)', () => {
    expect(computeMaxPods(net(known('m5.large')), { cniVersion: '1.19.2', maxEni: 10 }).maxPodsUncapped).toBe(
      29,
    );
  });

  it('applies before custom networking takes the primary ENI away (m5.large, 2 ENIs: 1 × 9 + 2 = 11)', () => {
    const r = computeMaxPods(net(known('m5.large')), {
      cniVersion: '1.19.2',
      maxEni: 2,
      customNetworking: true,
    });
    expect(r.maxPodsUncapped).toBe(11);
  });

  it('applies with prefix delegation too (m5.large, 1 ENI: 1 × 144 + 2 = 146)', () => {
    const r = computeMaxPods(net(known('m5.large')), {
      cniVersion: '1.19.2',
      maxEni: 1,
      prefixDelegation: true,
    });
    expect(r.maxPodsUncapped).toBe(146);
  });

  it('rejects zero', () => {
    expect(() => computeMaxPods(net(known('m5.large')), { cniVersion: '1.19.2', maxEni: 0 })).toThrow(
      InvalidMaxPodsInputError,
    );
  });
});

describe('CNI versions', () => {
  it.each([
    ['1.8.9', false],
    ['1.9.0', true],
    ['v1.9.0-eksbuild.1', true],
    ['1.10.0', true],
    ['2.0.0', true],
    ['0.99.0', false],
  ])('%s supports prefix delegation: %s', (v, expected) => {
    expect(cniSupportsPrefixDelegation(parseCniVersion(v))).toBe(expected);
  });

  it('compares minor versions as numbers, not strings (1.10 is newer than 1.9)', () => {
    expect(cniSupportsPrefixDelegation(parseCniVersion('1.10'))).toBe(true);
  });

  it('rejects a version without major.minor', () => {
    expect(() => computeMaxPods(net(known('m5.large')), { cniVersion: 'latest' })).toThrow(
      InvalidCniVersionError,
    );
  });
});

describe('reading DescribeInstanceTypes', () => {
  it('takes the ENIs of the default network card, not the instance total', () => {
    const n = instanceNetworkFromDescribe({
      InstanceType: 'x.big',
      Hypervisor: 'nitro',
      VCpuInfo: { DefaultVCpus: 64 },
      NetworkInfo: {
        MaximumNetworkInterfaces: 16,
        Ipv4AddressesPerInterface: 50,
        DefaultNetworkCardIndex: 1,
        NetworkCards: [
          { NetworkCardIndex: 0, MaximumNetworkInterfaces: 12 },
          { NetworkCardIndex: 1, MaximumNetworkInterfaces: 4 },
        ],
      },
    });
    expect([n.maxEnis, n.totalEnis]).toEqual([4, 16]);
  });

  it('falls back to MaximumNetworkInterfaces when there are no network cards', () => {
    const n = instanceNetworkFromDescribe({
      InstanceType: 'm5.large',
      Hypervisor: 'nitro',
      VCpuInfo: { DefaultVCpus: 2 },
      NetworkInfo: { MaximumNetworkInterfaces: 3, Ipv4AddressesPerInterface: 10 },
    });
    expect(n.maxEnis).toBe(3);
  });

  it('treats a missing hypervisor as bare metal', () => {
    const n = instanceNetworkFromDescribe(describedFrom(known('m5.metal')));
    expect([n.hypervisor, n.bareMetal]).toEqual(['none', true]);
  });

  it('says which numbers are missing', () => {
    expect(() => instanceNetworkFromDescribe({ InstanceType: 'odd.type', NetworkInfo: {} })).toThrow(
      IncompleteInstanceTypeError,
    );
  });
});

describe('the simulated EC2 catalog', () => {
  const catalogRows = INSTANCE_TYPES.filter((t) =>
    KNOWN_INSTANCE_TYPES.some((k) => k.instanceType === t.instanceType),
  );

  it('covers most of the known types', () => {
    expect(catalogRows.length).toBeGreaterThanOrEqual(40);
  });

  it.each(catalogRows.map((t) => [t.instanceType, t] as const))(
    '%s agrees with the known numbers and max pods',
    (name, t) => {
      const k = known(name);
      const n = instanceNetworkFromDescribe({
        InstanceType: t.instanceType,
        Hypervisor: t.hypervisor,
        BareMetal: t.bareMetal,
        VCpuInfo: { DefaultVCpus: t.defaultVCpus },
        NetworkInfo: {
          MaximumNetworkInterfaces: t.maximumNetworkInterfaces,
          Ipv4AddressesPerInterface: t.ipv4AddressesPerInterface,
          DefaultNetworkCardIndex: t.defaultNetworkCardIndex,
          NetworkCards: t.networkCards.map((c) => ({
            NetworkCardIndex: c.networkCardIndex,
            MaximumNetworkInterfaces: c.maximumNetworkInterfaces,
          })),
        },
      });
      expect([n.maxEnis, n.ipv4PerEni, n.hypervisor, n.vcpus]).toEqual([
        k.enis,
        k.ipv4PerEni,
        k.hypervisor,
        k.vcpus,
      ]);
      expect(computeMaxPods(n, { cniVersion: '1.19.2' }).maxPodsUncapped).toBe(k.eniMaxPods);
    },
  );
});
