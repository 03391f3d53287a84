/**
 * The Reachability Analyzer proof of pod-EIP egress, as plain decisions: which paths prove a pool, when a pool is
 * analysed again (each analysis costs $0.10: https://aws.amazon.com/vpc/pricing/), and what the check reports from
 * AWS's answer (explanation codes: https://docs.aws.amazon.com/vpc/latest/reachability/explanation-codes.html).
 */
import { describe, expect, it } from 'vitest';
import { buildContext } from '../../shared/auditor/checks/context';
import { type AnalysisReport, nextProofStep, outcomeOf, proofPlan } from '../../shared/auditor/egress-proof';
import type { ClusterSnapshot, ProofOutcome, ProofRecord, ProofTarget } from '../../shared/auditor/model';
import { must, resultOf } from './support/results';
import { branchEni, pool, readyCluster } from './support/snapshots';

function withPool(...enis: ReturnType<typeof branchEni>[]): ClusterSnapshot {
  const s = readyCluster();
  s.pools = [{ pool: pool(), enis }];
  return s;
}

const withEip = (e: ReturnType<typeof branchEni>, ip = '198.51.100.7') => ({
  ...e,
  publicIpOf: { [e.privateIp ?? '']: ip },
});

const plan = (s: ClusterSnapshot) => proofPlan(buildContext(s), must(s.pools[0]), 443);

const target: ProofTarget = {
  networkInterfaceId: 'eni-branch-1',
  sourceIp: '10.0.0.99',
  publicIp: '198.51.100.7',
  subnetId: 'subnet-a',
  securityGroupIds: ['sg-0partner000000001'],
  internetGatewayId: 'igw-0a1',
  port: 443,
};

describe('the paths that prove a pool', () => {
  it('takes one ENI per subnet and security-group set, preferring one that holds an EIP', () => {
    const s = withPool(
      branchEni('subnet-a', 'eni-a1'),
      withEip(branchEni('subnet-a', 'eni-a2')),
      branchEni('subnet-b', 'eni-b1'),
    );
    expect(plan(s).targets).toEqual([
      { ...target, networkInterfaceId: 'eni-a2' },
      expect.objectContaining({ networkInterfaceId: 'eni-b1', subnetId: 'subnet-b' }),
    ]);
  });

  it("aims a NAT-routed subnet's path at the VPC's internet gateway, so the analysis shows the NAT", () => {
    expect(plan(withPool(branchEni('subnet-private-a'))).targets[0]?.internetGatewayId).toBe('igw-0a1');
  });

  it('has nothing to prove for a pool without ENIs', () => {
    expect(plan(withPool()).nothingToProve).toBe('pool partner-api has no ENI yet: nothing to prove');
  });
});

describe('when a pool is analysed again', () => {
  const finished = (fingerprint: string, outcomes?: ProofOutcome[]): ProofRecord => ({
    pool: 'partner-api',
    fingerprint,
    startedAt: '2026-01-05T08:00:00.000Z',
    analyses: [],
    stalePathIds: [],
    ...(outcomes ? { outcomes } : {}),
  });

  it('reuses the last proof while the ENIs, subnets, routes and security groups are the same', () => {
    const p = plan(withPool(branchEni('subnet-a')));
    expect(nextProofStep(p, finished(p.fingerprint, [])).kind).toBe('reuse');
    expect(nextProofStep(p, finished(p.fingerprint)).kind).toBe('collect');
  });

  it('starts again when a route, the ENI set or a security group changed', () => {
    const base = withPool(branchEni('subnet-a'));
    const before = plan(base).fingerprint;
    const routed = withPool(branchEni('subnet-a'));
    must(routed.routeTables.find((t) => t.routeTableId === 'rtb-public')).routes.push({
      destination: '203.0.113.0/24',
      natGatewayId: 'nat-0a1',
    });
    const moreEnis = withPool(branchEni('subnet-a'), branchEni('subnet-a', 'eni-branch-2'));
    const otherGroup = withPool({
      ...branchEni('subnet-a'),
      securityGroupIds: ['sg-0partner000000001', 'sg-x'],
    });
    for (const changed of [routed, moreEnis, otherGroup])
      expect(nextProofStep(plan(changed), finished(before, [])).kind).toBe('start');
  });
});

function proven(report: Omit<AnalysisReport, 'analysisId' | 'status'>): ClusterSnapshot {
  const s = withPool(withEip(branchEni('subnet-a')));
  const outcome = outcomeOf(target, { analysisId: 'nia-1', status: 'succeeded', ...report });
  s.egressProofs = {
    'partner-api': {
      state: 'proven',
      record: {
        pool: 'partner-api',
        fingerprint: 'f',
        startedAt: '2026-01-05T08:59:00.000Z',
        finishedAt: '2026-01-05T09:00:00.000Z',
        analyses: [],
        stalePathIds: [],
        outcomes: [outcome],
      },
    },
  };
  return s;
}

const hop = (id: string, sourceAddresses: string[] = [], explanationCodes: string[] = []) => ({
  id,
  sourceAddresses,
  explanationCodes,
});

describe('egress-proof', () => {
  it('passes when AWS finds the path and it leaves the gateway from the EIP, and says what stays inferred', () => {
    const r = resultOf(
      proven({
        pathFound: true,
        components: [
          hop('eni-branch-1', ['10.0.0.99']),
          hop('sg-0partner000000001'),
          hop('rtb-public'),
          hop('igw-0a1', ['198.51.100.7']),
        ],
        explanations: [],
      }),
      'egress-proof',
      { pool: 'partner-api' },
    );
    expect(r.status).toBe('pass');
    expect(r.evidence[0]).toBe(
      'verified by AWS Reachability Analyzer (2026-01-05T09:00:00.000Z): eni-branch-1 10.0.0.99 (EIP 198.51.100.7) → igw-0a1 (tcp/443, analysis nia-1): reachable via eni-branch-1 → sg-0partner000000001 → rtb-public → igw-0a1, leaving from 198.51.100.7',
    );
    expect(r.evidence[1]).toMatch(/^not verified by AWS: that the pod sends its traffic through this ENI/);
    expect(r.evidence[2]).toContain('curl -s https://checkip.amazonaws.com');
  });

  it('fails a path that reaches the gateway only through a NAT gateway (NGW_SOURCE_ADDRESS_REASSIGN)', () => {
    const r = resultOf(
      proven({
        pathFound: true,
        components: [
          hop('eni-branch-1'),
          hop('rtb-private'),
          hop('nat-0a1', [], ['NGW_SOURCE_ADDRESS_REASSIGN']),
          hop('igw-0a1'),
        ],
        explanations: [],
      }),
      'egress-proof',
      { pool: 'partner-api' },
    );
    expect(r.status).toBe('fail');
    expect(r.evidence[0]).toContain('reachable only through nat-0a1 (NGW_SOURCE_ADDRESS_REASSIGN');
  });

  it('fails with the explanation codes and the fix they call for', () => {
    const r = resultOf(
      proven({
        pathFound: false,
        components: [hop('eni-branch-1')],
        explanations: [
          {
            code: 'ENI_SG_RULES_MISMATCH',
            componentId: 'eni-branch-1',
            securityGroupIds: ['sg-0partner000000001'],
          },
        ],
      }),
      'egress-proof',
      { pool: 'partner-api' },
    );
    expect(r.status).toBe('fail');
    expect(r.evidence[0]).toContain(
      'not reachable: ENI_SG_RULES_MISMATCH at eni-branch-1: this security group has no inbound or outbound rules that apply',
    );
    expect(r.fix).toBe(
      "aws ec2 authorize-security-group-egress --group-id sg-0partner000000001 --ip-permissions 'IpProtocol=tcp,FromPort=443,ToPort=443,IpRanges=[{CidrIp=0.0.0.0/0}]'",
    );
  });

  it('is unknown while the analysis runs, and absent when the proof is off', () => {
    const s = withPool(branchEni('subnet-a'));
    expect(() => resultOf(s, 'egress-proof', { pool: 'partner-api' })).toThrow(/got 0/);
    s.egressProofs = {
      'partner-api': {
        state: 'pending',
        record: {
          pool: 'partner-api',
          fingerprint: 'f',
          startedAt: '2026-01-05T09:00:00.000Z',
          analyses: [{ analysisId: 'nia-9', pathId: 'nip-9', target }],
          stalePathIds: [],
        },
      },
    };
    const r = resultOf(s, 'egress-proof', { pool: 'partner-api' });
    expect([r.status, r.evidence[0]]).toEqual([
      'unknown',
      'analysis nia-9 of eni-branch-1 started 2026-01-05T09:00:00.000Z',
    ]);
  });

  it('reads a missing public address on the source as IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS', () => {
    const r = resultOf(
      proven({
        pathFound: false,
        components: [],
        explanations: [
          { code: 'IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS', componentId: 'igw-0a1', address: '10.0.0.99' },
        ],
      }),
      'egress-proof',
      { pool: 'partner-api' },
    );
    expect(r.fix).toContain('10.0.0.99 of eni-branch-1 has no EIP');
  });
});
