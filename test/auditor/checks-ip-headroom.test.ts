import { describe, expect, it } from 'vitest';
import { runChecks } from '../../shared/auditor/checks';
import { freePrefixBlocks } from '../../shared/auditor/checks/ip-prefixes';
import { availableValue } from '../../shared/auditor/model';
import { must, resultOf } from './support/results';
import { K8S_OFF, k8sState, readyCluster } from './support/snapshots';

function nearlyFull24() {
  const s = readyCluster();
  s.subnets['subnet-small'] = {
    subnetId: 'subnet-small',
    vpcId: 'vpc-0a1',
    availabilityZone: 'eu-west-1a',
    cidrBlock: '10.0.250.0/24',
    availableIpAddressCount: 21,
  };
  must(s.routeTables.find((t) => t.routeTableId === 'rtb-public')).subnetIds.push('subnet-small');
  s.nodegroups = [
    {
      name: 'small',
      instanceTypes: ['m5.large'],
      amiType: 'AL2023_x86_64_STANDARD',
      subnets: ['subnet-small'],
      scaling: { minSize: 1, maxSize: 3, desiredSize: 1 },
      labels: {},
      healthIssues: [],
    },
  ];
  s.instances = [];
  s.nodeEnis = [];
  s.kubernetes = availableValue(k8sState({ nodes: availableValue([]) }));
  return s;
}

describe('ip-headroom', () => {
  it('passes a node group whose subnets hold max nodes × max pods', () => {
    const r = resultOf(readyCluster(), 'ip-headroom', { nodegroup: 'general' });
    expect(r.status).toBe('pass');
    expect(r.evidence).toContain('max 10 node(s) × 30 IPs (pods + node IP) = 300 IPs needed');
  });

  it('fails a nearly full /24: 3 m5.large nodes need 90 IPs, 21 are free', () => {
    const r = resultOf(nearlyFull24(), 'ip-headroom', { nodegroup: 'small' });
    expect([r.status, r.severity]).toEqual(['fail', 'high']);
    expect(r.evidence).toEqual([
      'pod subnets: node group subnets (custom networking off): subnet-small 10.0.250.0/24 (21 free)',
      'm5.large: max pods 29 (3 × (10 − 1) + 2 = 29); secondary IPs',
      'max 3 node(s) × 30 IPs (pods + node IP) = 90 IPs needed',
      "21 free + 0 held by the group's running nodes = 21 available",
    ]);
    expect(r.fix).toContain('--scaling-config maxSize=1');
  });

  it('counts the addresses the running nodes of the group already hold', () => {
    const s = readyCluster();
    must(s.subnets['subnet-a']).availableIpAddressCount = 0;
    must(s.subnets['subnet-b']).availableIpAddressCount = 0;
    must(s.nodegroups[0]).scaling.maxSize = 2;
    s.nodeEnis = s.nodeEnis.map((e) => ({ ...e, secondaryIpCount: e.deviceIndex === 0 ? 29 : 0 }));
    const r = resultOf(s, 'ip-headroom', { nodegroup: 'general' });
    expect(r.evidence[3]).toBe("0 free + 62 held by the group's running nodes = 62 available");
    expect(r.status).toBe('pass');
  });

  it('is unknown when custom networking may move pods to other subnets', () => {
    const s = nearlyFull24();
    s.kubernetes = K8S_OFF;
    expect(resultOf(s, 'ip-headroom', { nodegroup: 'small' }).status).toBe('unknown');
  });

  it('uses the ENIConfig subnets under custom networking (the node subnet does not matter)', () => {
    const s = nearlyFull24();
    s.kubernetes = availableValue(
      k8sState({
        awsNode: availableValue({
          image: 'r/amazon-k8s-cni:v1.19.2',
          env: {
            AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: 'true',
            ENI_CONFIG_LABEL_DEF: 'topology.kubernetes.io/zone',
          },
          initEnv: {},
        }),
        eniConfigs: availableValue([{ name: 'eu-west-1a', subnet: 'subnet-pods-a', securityGroups: [] }]),
        nodes: availableValue([]),
      }),
    );
    const r = resultOf(s, 'ip-headroom', { nodegroup: 'small' });
    expect(r.status).toBe('pass');
    expect(r.evidence).toContain('max 3 node(s) × 20 IPs = 60 IPs needed');
  });
});

/**
 * Prefix delegation is per node: the VPC CNI gives /28 prefixes to Nitro types (bare metal from CNI 1.11) and falls
 * back to secondary IPs elsewhere (EKS user guide, cni-increase-ip-addresses; amazon-vpc-cni-k8s README).
 */
describe('ip-headroom with prefix delegation, per instance type', () => {
  function withPrefixDelegation(
    instanceType: string,
    maxSize: number,
    cniImage = 'r/amazon-k8s-cni:v1.19.2',
  ) {
    const s = nearlyFull24();
    must(s.subnets['subnet-small']).availableIpAddressCount = 5000;
    must(s.nodegroups[0]).instanceTypes = [instanceType];
    must(s.nodegroups[0]).scaling.maxSize = maxSize;
    s.kubernetes = availableValue(
      k8sState({
        awsNode: availableValue({ image: cniImage, env: { ENABLE_PREFIX_DELEGATION: 'true' }, initEnv: {} }),
        nodes: availableValue([]),
      }),
    );
    return s;
  }
  const needed = (s: ReturnType<typeof nearlyFull24>) =>
    resultOf(s, 'ip-headroom', { nodegroup: 'small' }).evidence.find((e) => e.endsWith('IPs needed'));

  it('counts secondary IPs for a Xen m4.large group: 4 × (20 + 1) = 84, not 4 × 33 = 132', () => {
    const s = withPrefixDelegation('m4.large', 4);
    expect(needed(s)).toBe('max 4 node(s) × 21 IPs (pods + node IP) = 84 IPs needed');
    expect(resultOf(s, 'ip-headroom', { nodegroup: 'small' }).evidence[1]).toContain(
      'on xen the CNI falls back to secondary IPs',
    );
  });

  it('needs no /28 blocks for a group whose nodes all take secondary IPs', () => {
    const s = withPrefixDelegation('m4.large', 4);
    expect(runChecks(s).some((r) => r.id === 'ip-prefix-blocks')).toBe(false);
  });

  it('counts whole /28 prefixes for a Nitro m5.large group: 4 × (7 × 16 + 1) = 452', () => {
    expect(needed(withPrefixDelegation('m5.large', 4))).toBe(
      'max 4 node(s) × 113 IPs (pods + node IP) = 452 IPs needed',
    );
  });

  it('counts prefixes for bare metal from CNI 1.11 only (m5.metal: 16 prefixes, or 250 IPs before)', () => {
    expect(needed(withPrefixDelegation('m5.metal', 2))).toBe(
      'max 2 node(s) × 257 IPs (pods + node IP) = 514 IPs needed',
    );
    expect(needed(withPrefixDelegation('m5.metal', 2, 'r/amazon-k8s-cni:v1.10.4'))).toBe(
      'max 2 node(s) × 251 IPs (pods + node IP) = 502 IPs needed',
    );
  });
});

describe('ip-subnet-size', () => {
  it('warns about pod subnets smaller than /20', () => {
    const r = resultOf(nearlyFull24(), 'ip-subnet-size', { nodegroup: 'small' });
    expect([r.status, r.severity]).toEqual(['fail', 'low']);
    expect(r.fix).toContain('aws ec2 associate-vpc-cidr-block --vpc-id vpc-0a1 --cidr-block 100.64.0.0/16');
  });
});

describe('ip-prefix-blocks (prefix delegation)', () => {
  it('counts aligned /28 blocks with no used address, minus the reserved ones', () => {
    const subnet = {
      subnetId: 's',
      vpcId: 'v',
      availabilityZone: 'a',
      cidrBlock: '10.1.0.0/24',
      availableIpAddressCount: 240,
    };
    expect(freePrefixBlocks(subnet, { ips: [], prefixes: [] })).toBe(14);
    expect(
      freePrefixBlocks(subnet, { ips: ['10.1.0.20', '10.1.0.37', '10.1.0.200'], prefixes: ['10.1.0.64/28'] }),
    ).toBe(10);
  });

  it('fails when scattered addresses leave too few whole /28 blocks although many IPs are free', () => {
    const s = nearlyFull24();
    must(s.subnets['subnet-small']).availableIpAddressCount = 200;
    s.kubernetes = availableValue(
      k8sState({
        awsNode: availableValue({
          image: 'r/amazon-k8s-cni:v1.19.2',
          env: { ENABLE_PREFIX_DELEGATION: 'true' },
          initEnv: {},
        }),
        nodes: availableValue([]),
      }),
    );
    // One address in every /28 block but the last two.
    s.subnetUsage = {
      'subnet-small': { ips: Array.from({ length: 14 }, (_, i) => `10.0.250.${i * 16 + 5}`), prefixes: [] },
    };
    const r = resultOf(s, 'ip-prefix-blocks', { nodegroup: 'small' });
    expect(r.status).toBe('fail');
    expect(r.evidence[0]).toBe('subnet-small 10.0.250.0/24: 1 free aligned /28 block(s) (200 free IPs)');
    expect(r.evidence[1]).toBe('max 3 node(s) × 7 /28 prefixes (110 pods) = 21 blocks needed');
  });
});

describe('ip-exhausted', () => {
  it('fails on an EKS InsufficientFreeAddresses health issue', () => {
    const s = readyCluster();
    must(s.nodegroups[0]).healthIssues = [
      {
        code: 'InsufficientFreeAddresses',
        message: 'One or more subnets have insufficient free addresses',
        resourceIds: ['subnet-a'],
      },
    ];
    expect(resultOf(s, 'ip-exhausted', { nodegroup: 'general' }).status).toBe('fail');
  });

  it('fails on a recent InsufficientFreeAddressesInSubnet signal for one of its subnets', () => {
    const s = readyCluster();
    s.exhaustionSignals = [
      { subnetId: 'subnet-b', at: '2026-01-05T08:59:00.000Z', eventName: 'CreateNetworkInterface' },
    ];
    const r = resultOf(s, 'ip-exhausted', { nodegroup: 'general' });
    expect(r.status).toBe('fail');
    expect(r.evidence[0]).toBe(
      '2026-01-05T08:59:00.000Z: CreateNetworkInterface failed in subnet-b with InsufficientFreeAddressesInSubnet',
    );
  });
});
