import { describe, expect, it } from 'vitest';
import { parseLimitsGo, renderGenerated } from '../../local/tools/generate-vpc-limits';
import { knownInstanceTypes, vpcLimits } from '../../shared/instance-types/vpc-limits';

// Values of the VPC resource controller's pkg/aws/vpc/limits.go, as cited by the EKS user guide
// (security-groups-for-pods: m5.large carries 9 branch ENIs).
describe('the VPC resource controller table', () => {
  it('gives m5.large 3 ENIs of 10 IPv4 and 9 branch ENIs', () => {
    expect(vpcLimits('m5.large')).toMatchObject({
      maximumNetworkInterfaces: 3,
      ipv4AddressesPerInterface: 10,
      trunkingCompatible: true,
      branchInterfaces: 9,
      hypervisor: 'nitro',
      bareMetal: false,
    });
    expect(vpcLimits('c5.4xlarge')?.branchInterfaces).toBe(54);
  });

  it('marks i4i.large and the t family as not trunking-compatible although they are Nitro', () => {
    expect(vpcLimits('i4i.large')).toMatchObject({
      hypervisor: 'nitro',
      trunkingCompatible: false,
      branchInterfaces: 0,
    });
    expect(vpcLimits('t3.medium')?.trunkingCompatible).toBe(false);
  });

  it('has bare-metal types without a hypervisor, trunking-compatible', () => {
    const metal = vpcLimits('c5.metal');
    expect(metal).toMatchObject({ bareMetal: true, trunkingCompatible: true });
    expect(metal?.hypervisor).toBeUndefined();
  });

  it('knows Xen types and the network cards of multi-card types', () => {
    expect(vpcLimits('m4.large')).toMatchObject({ hypervisor: 'xen', maximumNetworkInterfaces: 2 });
    expect(vpcLimits('p4d.24xlarge')?.networkCards).toHaveLength(4);
  });

  it('knows nothing of types outside the table, prototype keys included', () => {
    expect(vpcLimits('u-6tb1.metal')).toBeUndefined();
    expect(vpcLimits('constructor')).toBeUndefined();
    expect(vpcLimits('__proto__')).toBeUndefined();
  });

  it('is consistent: every trunking type has branch ENIs, every row has a default card within its cards', () => {
    const types = knownInstanceTypes();
    expect(types.length).toBeGreaterThan(1000);
    for (const t of types) {
      const l = vpcLimits(t);
      expect(l?.networkCards.length, t).toBeGreaterThan(l?.defaultNetworkCardIndex ?? 0);
      expect(l?.bareMetal, t).toBe(t.endsWith('.metal') || t.includes('.metal-'));
    }
  });
});

describe('the generator', () => {
  const source = `// This file was generated at 2026-01-02T03:04:05Z
var Limits = map[string]*VPCLimits{
	"x9.large": {
		Interface:               3,
		IPv4PerInterface:        10,
		IsTrunkingCompatible:    true,
		BranchInterface:         9,
		DefaultNetworkCardIndex: 0,
		NetworkCards: []NetworkCard{
			{
				MaximumNetworkInterfaces: 3,
				NetworkCardIndex:         0,
			},
		},
		Hypervisor:  "nitro",
		IsBareMetal: false,
	},
}`;

  it('reads every field of an entry and renders it as one row', () => {
    const parsed = parseLimitsGo(source);
    expect(parsed.generatedAt).toBe('2026-01-02T03:04:05Z');
    expect(parsed.rows).toEqual([
      {
        instanceType: 'x9.large',
        enis: 3,
        ipv4PerEni: 10,
        trunking: true,
        branchEnis: 9,
        defaultCardIndex: 0,
        cards: [3],
        hypervisor: 'nitro',
        bareMetal: false,
      },
    ]);
    expect(JSON.parse(renderGenerated(parsed)).rows['x9.large']).toEqual([3, 10, 9, 'n', 0, [3]]);
  });

  it('refuses a file without the table', () => {
    expect(() => parseLimitsGo('package vpc')).toThrow(/not found/);
  });
});
