import { describe, expect, it } from 'vitest';
import { runChecks } from '../../shared/auditor/checks';
import { suggestTrunkingType } from '../../shared/auditor/checks/sgp-nodegroup';
import { trunkSupport } from '../../shared/auditor/trunking';
import { must, resultOf } from './support/results';
import { readyCluster } from './support/snapshots';

// The VPC resource controller's pkg/aws/vpc/limits.go decides trunking (IsTrunkingCompatible) and the node's
// vpc.amazonaws.com/pod-eni capacity (BranchInterface); the EKS user guide cites m5.large: 9 branch ENIs.
describe('trunk support by the controller table', () => {
  it.each([
    ['m5.large', true, 9],
    ['c5.4xlarge', true, 54],
    ['m5.metal', true, 120],
    ['i4i.xlarge', true, 6],
    ['i4i.large', false, 0],
    ['u-6tb1.56xlarge', false, 0],
    ['t3.medium', false, 0],
    ['m4.large', false, 0],
  ])('%s: compatible %s, %i branch ENIs', (type, compatible, branch) => {
    expect(trunkSupport(type)).toMatchObject({ compatible, branchInterfaces: branch });
  });

  it('says a type missing from the table gets no trunk ENI from the controller', () => {
    expect(trunkSupport('z9.large')).toMatchObject({ compatible: false, branchInterfaces: 0 });
    expect(trunkSupport('z9.large').reason).toContain('attaches no trunk ENI');
  });

  it('suggests only replacements the controller trunks', () => {
    for (const t of ['t3.medium', 't4g.small', 'm4.large', 'i4i.large', 'c4.xlarge', 'u-6tb1.56xlarge'])
      expect(trunkSupport(suggestTrunkingType(t)).compatible, t).toBe(true);
  });
});

describe('sgp-trunk-eni on Windows', () => {
  // EKS user guide: security groups for pods are not supported on Windows nodes, which never get a trunk ENI.
  it('does not tell a Windows node group to replace nodes that joined before ENABLE_POD_ENI', () => {
    const s = readyCluster();
    must(s.nodegroups[0]).amiType = 'WINDOWS_CORE_2022_x86_64';
    s.nodeEnis = s.nodeEnis.filter((e) => e.interfaceType !== 'trunk');
    const trunk = resultOf(s, 'sgp-trunk-eni', { nodegroup: 'general' });
    expect(trunk.status).toBe('not-applicable');
    expect(trunk.title).toContain('runs Windows (see sgp-linux-ami)');
    const linux = resultOf(s, 'sgp-linux-ami', { nodegroup: 'general' });
    expect(linux.status).toBe('fail');
    expect(linux.evidence).toContain('Windows nodes never get a trunk ENI');
  });
});

describe('sgp-branch-capacity', () => {
  it('states pods with security groups per node next to max pods (m5.large: 9 of 29)', () => {
    const r = resultOf(readyCluster(), 'sgp-branch-capacity', { nodegroup: 'general' });
    expect(r.status).toBe('pass');
    expect(r.evidence[0]).toBe('m5.large: 9 pods with security groups per node (branch ENIs), max pods 29');
    expect(r.title).toBe('general can run 90 pods with security groups at its max size');
  });

  it('fails when every branch ENI the group can have is in use: the next such pods stay Pending', () => {
    const s = readyCluster();
    must(s.nodegroups[0]).scaling.maxSize = 2;
    s.branchEniCounts = { 'eni-trunk-a': 9, 'eni-trunk-b': 9 };
    const r = resultOf(s, 'sgp-branch-capacity', { nodegroup: 'general' });
    expect([r.status, r.severity]).toEqual(['fail', 'medium']);
    expect(r.title).toContain('stay Pending');
    expect(r.evidence).toContain('i-0000000000000000a (m5.large): 9 of 9 branch ENIs in use');
    expect(r.evidence).toContain('18 branch ENI(s) in use of 18 at max size 2 (100%)');
    expect(r.fix).toContain('--scaling-config maxSize=3');
  });

  it('warns before it happens, from 80% of the branch ENIs at max size', () => {
    const s = readyCluster();
    must(s.nodegroups[0]).scaling.maxSize = 2;
    s.branchEniCounts = { 'eni-trunk-a': 8, 'eni-trunk-b': 7 };
    expect(resultOf(s, 'sgp-branch-capacity', { nodegroup: 'general' }).status).toBe('fail');
    s.branchEniCounts = { 'eni-trunk-a': 5, 'eni-trunk-b': 5 };
    expect(resultOf(s, 'sgp-branch-capacity', { nodegroup: 'general' }).status).toBe('pass');
  });
});

describe('the replacement node group a fix proposes', () => {
  function t3GroupIn(subnets: string[]) {
    const s = readyCluster();
    s.nodegroups[0] = { ...must(s.nodegroups[0]), name: 'burst', instanceTypes: ['t3.medium'], subnets };
    for (const i of s.instances) i.nodegroup = 'burst';
    return s;
  }

  it('leaves out a subnet the same audit flags as nearly full', () => {
    const s = t3GroupIn(['subnet-a', 'subnet-b']);
    must(s.subnets['subnet-b']).availableIpAddressCount = 0;
    must(s.subnets['subnet-a']).availableIpAddressCount = 40;
    const results = runChecks(s);
    expect(results.find((r) => r.id === 'ip-headroom')?.status).toBe('fail');
    const fix = results.find((r) => r.id === 'sgp-instance-type')?.fix ?? '';
    expect(fix).not.toMatch(/--subnets [^-]*subnet-b/);
    expect(fix).toContain('subnets left out: subnet-a (ip-headroom: nearly full, 40 free), subnet-b');
  });

  it('proposes roomy subnets of the same zones when all of the group’s are flagged', () => {
    const s = t3GroupIn(['subnet-a']);
    must(s.subnets['subnet-a']).availableIpAddressCount = 3;
    const fix = resultOf(s, 'sgp-instance-type', { nodegroup: 'burst' }).fix ?? '';
    expect(fix).toContain('--subnets subnet-pods-a --instance-types');
  });

  it('avoids a subnet an exhaustion signal names', () => {
    const s = t3GroupIn(['subnet-a', 'subnet-b']);
    s.exhaustionSignals = [
      { subnetId: 'subnet-b', at: '2026-01-05T08:59:00.000Z', eventName: 'CreateNetworkInterface' },
    ];
    const fix = resultOf(s, 'sgp-instance-type', { nodegroup: 'burst' }).fix ?? '';
    expect(fix).toContain('--subnets subnet-a --instance-types');
    expect(fix).toContain('subnet-b (ip-exhausted: ran out of addresses)');
  });
});
