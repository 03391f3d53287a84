/**
 * Proving pod-EIP egress end to end on the simulated region: the Auditor handler creates a Reachability Analyzer path
 * from the pool's branch ENI (its EIP-holding address) to the internet gateway, reads the analysis, keeps the proof in
 * the table, analyses again only when the pool's subnets, routes or ENIs change, and deletes superseded paths.
 */
import { describe, expect, inject, it } from 'vitest';
import { insightsOf } from '../../local/ec2/state/network-insights';
import { SimulatedRegion } from '../../local/region';
import { runOn } from '../../local/scenario/runner';
import { parseScenario } from '../../local/scenario/schema';
import { auditor } from '../../shared/app/functions';
import { baseState, branchEniIn, PARTNER_SG, partnerPool, prodCluster } from './support/world';

const BRANCH = 'eni-0b0000000000000001';
const TRUNK = 'eni-0c0000000000000001';
const NODE = 'i-0a0000000000000001';

const config = {
  pools: [partnerPool],
  audit: { clusters: ['prod'], kubernetesAccess: ['prod'], egressProof: { enabled: true } },
};

function scenario() {
  const branch = branchEniIn('subnet-public-a', BRANCH);
  return parseScenario(
    {
      name: 'egress proof',
      config,
      state: {
        ...baseState(),
        eks: { clusters: [prodCluster()] },
        instances: [{ id: NODE, instanceType: 'm5.large', subnetId: 'subnet-public-a' }],
        networkInterfaces: [
          {
            id: TRUNK,
            subnetId: 'subnet-public-a',
            description: 'aws-k8s-trunk-eni',
            interfaceType: 'trunk',
            instanceId: NODE,
            deviceIndex: 1,
          },
          { ...branch, tags: { ...branch.tags, 'vpcresources.k8s.aws/trunk-eni-id': TRUNK } },
        ],
        addresses: [
          {
            publicIp: '198.51.100.77',
            networkInterfaceId: BRANCH,
            tags: { 'eip-keeper:pool': 'partner-api' },
          },
        ],
      },
      steps: [{ invoke: 'Auditor' }],
    },
    'egress proof',
  );
}

describe('the egress proof on the simulated region', () => {
  it('proves the EIP path once, reuses it while nothing changes, and finds the NAT after a route change', async () => {
    const region = await SimulatedRegion.start({
      dynamoEndpoint: inject('dynamoEndpoint'),
      functions: [auditor],
      config,
    });
    try {
      await runOn(region, scenario());
      const insights = insightsOf(region.ec2);
      expect(insights.analysesStarted).toBe(1);
      const proof = (await region.tableItemsByKind())['audit-proof']?.[0]?.proof as {
        outcomes: { pathFound: boolean; egressAddresses: string[]; target: { securityGroupIds: string[] } }[];
      };
      expect(proof.outcomes.map((o) => [o.pathFound, o.egressAddresses])).toEqual([
        [true, ['198.51.100.77']],
      ]);
      expect(proof.outcomes[0]?.target.securityGroupIds).toEqual([PARTNER_SG]);
      expect((await region.tableItemsByKind())['audit-finding']).toBeUndefined();

      await region.invoke('Auditor');
      expect(insights.analysesStarted).toBe(1);

      region.ec2.associateRouteTable('rtb-private', 'subnet-public-a');
      await region.invoke('Auditor');
      expect(insights.analysesStarted).toBe(2);
      expect(insights.paths.size).toBe(1);
      const finding = (await region.tableItemsByKind())['audit-finding']?.find(
        (i) => i.checkId === 'egress-proof',
      );
      expect(finding?.status).toBe('fail');
      expect(String(finding?.evidence)).toContain(
        'reachable only through nat-0a1 (NGW_SOURCE_ADDRESS_REASSIGN',
      );
      const alert = region.sns.messages.at(-1)?.subject;
      expect(alert).toMatch(/^\[eip-keeper\] prod: \d+ new readiness findings?$/);
    } finally {
      await region.stop();
    }
  });
});
