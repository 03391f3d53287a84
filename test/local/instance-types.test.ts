import { describe, expect, it } from 'vitest';
import { architectureOf, INSTANCE_TYPES, vcpusOf } from '../../local/ec2/instance-types';
import { knownInstanceTypes } from '../../shared/instance-types/vpc-limits';

const byName = new Map(INSTANCE_TYPES.map((t) => [t.instanceType, t]));

describe('the simulated DescribeInstanceTypes catalog', () => {
  it('has every type of the VPC resource controller table, c5.metal among them', () => {
    expect(INSTANCE_TYPES.map((t) => t.instanceType)).toEqual(knownInstanceTypes());
    expect(INSTANCE_TYPES.length).toBeGreaterThan(1_000);
    expect(byName.get('c5.metal')).toMatchObject({
      bareMetal: true,
      defaultVCpus: 96,
      maximumNetworkInterfaces: 15,
    });
    expect(byName.get('c5.metal')?.hypervisor).toBeUndefined();
  });

  it('takes ENIs, IPv4 per ENI, hypervisor and network cards from the table', () => {
    expect(byName.get('m5.large')).toMatchObject({
      maximumNetworkInterfaces: 3,
      ipv4AddressesPerInterface: 10,
      hypervisor: 'nitro',
      networkCards: [{ networkCardIndex: 0, maximumNetworkInterfaces: 3 }],
    });
    expect(byName.get('m4.large')).toMatchObject({ hypervisor: 'xen', maximumNetworkInterfaces: 2 });
    // Four cards of 15: the API's MaximumNetworkInterfaces is their total.
    expect(byName.get('p4d.24xlarge')?.networkCards).toHaveLength(4);
    expect(byName.get('p4d.24xlarge')?.maximumNetworkInterfaces).toBe(60);
  });

  it('sizes every type of the table (a name it cannot size would fail here)', () => {
    for (const t of INSTANCE_TYPES) expect(t.defaultVCpus, t.instanceType).toBeGreaterThan(0);
  });
});

describe('vCPUs from the instance name', () => {
  it.each([
    ['m5.large', 2],
    ['c5.4xlarge', 16],
    ['c5.metal', 96],
    ['t3.medium', 2],
    ['t3.nano', 2],
    ['t2.micro', 1],
    ['t2.medium', 2],
    ['m6g.medium', 1],
    ['c5.9xlarge', 36],
    ['u-6tb1.112xlarge', 448],
    ['m7i.metal-48xl', 192],
    ['i3.metal', 72],
    ['c4.8xlarge', 36],
    ['mac2-m2pro.metal', 12],
  ])('%s has %i', (name, vcpus) => {
    expect(vcpusOf(name)).toBe(vcpus);
  });

  it('gives a plain metal the vCPUs of its family’s largest size', () => {
    expect(vcpusOf('z9.metal', ['z9.large', 'z9.12xlarge', 'z9.metal'])).toBe(48);
  });

  it('refuses to guess a size it does not know', () => {
    expect(() => vcpusOf('z9.metal', ['z9.metal'])).toThrow(/cannot tell the vCPUs of z9.metal/);
    expect(() => vcpusOf('z9.huge')).toThrow(/z9.huge/);
  });
});

describe('architecture from the instance name', () => {
  it.each([
    ['m6g.large', 'arm64'],
    ['a1.medium', 'arm64'],
    ['c7gn.large', 'arm64'],
    ['is4gen.large', 'arm64'],
    ['g5g.xlarge', 'arm64'],
    ['g4dn.xlarge', 'x86_64'],
    ['m5.large', 'x86_64'],
    ['gr6.4xlarge', 'x86_64'],
    ['mac1.metal', 'x86_64_mac'],
    ['mac-m4.metal', 'arm64_mac'],
  ])('%s is %s', (name, arch) => {
    expect(architectureOf(name)).toBe(arch);
  });
});

describe('the values of the earlier hand-made catalog', () => {
  // type, vCPUs, architecture: EC2's published specifications, kept exactly.
  const HAND_MADE: [string, number, string][] = [
    ['c4.large', 2, 'x86_64'],
    ['c4.2xlarge', 8, 'x86_64'],
    ['c5.9xlarge', 36, 'x86_64'],
    ['c5.18xlarge', 72, 'x86_64'],
    ['c7g.xlarge', 4, 'arm64'],
    ['i3.metal', 72, 'x86_64'],
    ['m4.10xlarge', 40, 'x86_64'],
    ['m5.24xlarge', 96, 'x86_64'],
    ['m5.metal', 96, 'x86_64'],
    ['m6g.xlarge', 4, 'arm64'],
    ['m7g.2xlarge', 8, 'arm64'],
    ['p3.2xlarge', 8, 'x86_64'],
    ['p4d.24xlarge', 96, 'x86_64'],
    ['t2.small', 1, 'x86_64'],
    ['t2.2xlarge', 8, 'x86_64'],
    ['t3.micro', 2, 'x86_64'],
    ['t3a.medium', 2, 'x86_64'],
    ['t4g.medium', 2, 'arm64'],
    ['x1.16xlarge', 64, 'x86_64'],
  ];

  it.each(HAND_MADE)('%s keeps %i vCPUs on %s', (name, vcpus, arch) => {
    expect(byName.get(name)).toMatchObject({ defaultVCpus: vcpus, architecture: arch });
  });
});
