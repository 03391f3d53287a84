import { describe, expect, inject, it } from 'vitest';
import { SimulatedRegion } from '../../local/region';
import { runOn, runScenario } from '../../local/scenario/runner';
import { parseScenario } from '../../local/scenario/schema';
import { auditor } from '../../shared/app/functions';
import { enablePodEniAsAdmin } from './support/addon-fix';
import { auditConfig, baseState, branchEniIn, partnerPool, prodCluster } from './support/world';

type Output = Awaited<ReturnType<typeof runScenario>>['output'];

function scenario(
  name: string,
  state: Record<string, unknown>,
  config: Record<string, unknown> = auditConfig(),
) {
  return parseScenario(
    { name, config, state: { ...baseState(), ...state }, steps: [{ invoke: 'Auditor' }] },
    name,
  );
}

async function run(name: string, state: Record<string, unknown>, config?: Record<string, unknown>) {
  return runScenario(scenario(name, state, config), {
    dynamoEndpoint: inject('dynamoEndpoint'),
    functions: [auditor],
  });
}

/** `status:checkId@scope` of every open finding the auditor stored. */
function stored(output: Output): string[] {
  return (output.dynamodb['audit-finding'] ?? [])
    .map(
      (i) => `${i.status}:${i.checkId}${i.nodegroup ? `@${i.nodegroup}` : ''}${i.pool ? `#${i.pool}` : ''}`,
    )
    .sort();
}

const auditorLines = (story: { kind: string; text: string }[]) =>
  story.filter((l) => l.kind === 'handler' && l.text.includes('Auditor')).map((l) => l.text.trim());

describe('auditor scenarios on the simulated region', () => {
  it('finds nothing in a cluster that is ready, and sends no alert', async () => {
    const { story, output } = await run(
      'everything ready',
      {
        eks: { clusters: [prodCluster()] },
        networkInterfaces: [branchEniIn('subnet-public-a')],
      },
      auditConfig({ pools: [partnerPool] }),
    );
    expect(stored(output)).toEqual([]);
    expect(output.sns).toEqual([]);
    expect(auditorLines(story)).toEqual([
      expect.stringMatching(
        /^Auditor ← schedule: cluster prod: 1 node group, 0 new findings, 0 resolved, 0 failing, 0 unknown of \d+ checks$/,
      ),
    ]);
  });

  it('says a t3 node group with security groups for pods is not ready, and why', async () => {
    const { output, story } = await run('t3 with SGP', {
      eks: {
        clusters: [
          prodCluster({
            nodegroups: [
              {
                name: 'burst',
                instanceTypes: ['t3.medium'],
                subnets: ['subnet-public-a'],
                maxSize: 3,
                nodes: 2,
              },
            ],
          }),
        ],
      },
    });
    expect(stored(output)).toEqual(['fail:sgp-instance-type@burst']);
    expect(output.sns).toHaveLength(1);
    expect(output.sns[0]?.subject).toBe('[eip-keeper] prod: 1 new readiness finding');
    const text = output.sns[0]?.email ?? '';
    expect(text).toContain(
      't3.medium: the VPC resource controller marks t3.medium not trunking-compatible (t3 is a burstable family): no trunk ENI, no branch ENIs',
    );
    expect(text).toContain('aws eks create-nodegroup --cluster-name prod --nodegroup-name burst-sgp');
    expect(text).toMatch(/--node-role arn:aws:iam::111122223333:role\/\S+ /);
    expect(auditorLines(story)[0]).toContain('1 new finding (sgp-instance-type on burst)');
  });

  it('warns that a node group has used its branch ENIs before pods with security groups stay Pending', async () => {
    const node = { trunk: true, branchEnis: 9, launchTime: '2026-01-01T00:00:00Z' };
    const { output } = await run('branch ENIs used up', {
      eks: {
        clusters: [
          prodCluster({
            nodegroups: [
              {
                name: 'general',
                instanceTypes: ['m5.large'],
                subnets: ['subnet-public-a', 'subnet-public-b'],
                maxSize: 2,
                nodes: [node, { ...node, branchEnis: 6 }],
              },
            ],
          }),
        ],
      },
    });
    expect(stored(output)).toEqual(['fail:sgp-branch-capacity@general']);
    const item = output.dynamodb['audit-finding']?.[0];
    expect(item?.evidence).toContain(
      'm5.large: 9 pods with security groups per node (branch ENIs), max pods 29',
    );
    expect(item?.evidence).toContain('15 branch ENI(s) in use of 18 at max size 2 (83%)');
  });

  it('finds the AZ that custom networking has no ENIConfig for', async () => {
    const { output } = await run('custom networking, one AZ missing', {
      eks: {
        clusters: [
          prodCluster({
            addonEnv: {
              AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: 'true',
              ENI_CONFIG_LABEL_DEF: 'topology.kubernetes.io/zone',
            },
            nodegroups: [
              {
                name: 'general',
                instanceTypes: ['m5.large'],
                subnets: ['subnet-public-a', 'subnet-public-b', 'subnet-public-c'],
                maxSize: 6,
              },
            ],
            kubernetes: {
              eniConfigs: [
                { name: 'eu-west-1a', subnet: 'subnet-pods-a' },
                { name: 'eu-west-1b', subnet: 'subnet-pods-b' },
              ],
            },
          }),
        ],
      },
    });
    expect(stored(output)).toEqual(['fail:cn-eniconfig@general']);
    const item = output.dynamodb['audit-finding']?.[0];
    expect(item?.evidence).toEqual([
      'no ENIConfig named eu-west-1c (needed by nodes with topology.kubernetes.io/zone=eu-west-1c)',
      'ENIConfig eu-west-1a → subnet-pods-a (eu-west-1a, 10.0.128.0/19)',
      'ENIConfig eu-west-1b → subnet-pods-b (eu-west-1b, 10.0.160.0/19)',
    ]);
    expect(item?.fix).toContain('  name: eu-west-1c\nspec:\n  subnet: subnet-pods-c');
  });

  it('warns that a nearly full /24 pod subnet cannot hold the node group', async () => {
    const { output } = await run('nearly full /24', {
      eks: {
        clusters: [
          prodCluster({
            nodegroups: [
              { name: 'small', instanceTypes: ['m5.large'], subnets: ['subnet-small'], maxSize: 3, nodes: 0 },
            ],
          }),
        ],
      },
    });
    expect(stored(output)).toEqual(['fail:ip-headroom@small', 'fail:ip-subnet-size@small']);
    const headroom = output.dynamodb['audit-finding']?.find((i) => i.checkId === 'ip-headroom');
    expect(headroom?.evidence).toContain('max 3 node(s) × 30 IPs (pods + node IP) = 90 IPs needed');
    expect(headroom?.evidence).toContain("21 free + 0 held by the group's running nodes = 21 available");
  });

  it('says a pool whose ENIs sit in a NAT-routed subnet egresses from the NAT, not its EIPs', async () => {
    const { output } = await run(
      'pool behind NAT',
      {
        eks: { clusters: [prodCluster()] },
        networkInterfaces: [branchEniIn('subnet-private-a')],
      },
      auditConfig({ pools: [partnerPool] }),
    );
    expect(stored(output)).toEqual(['fail:egress-route#partner-api']);
    const item = output.dynamodb['audit-finding']?.[0];
    expect(item?.evidence).toContain('subnet-private-a (eu-west-1a) → rtb-private: 0.0.0.0/0 → nat-0a1');
    expect(item?.fix).toContain('--route-table-id rtb-public');
  });

  it('reports unknown, never pass, for what it cannot read with Kubernetes access off', async () => {
    const { output } = await run(
      'Kubernetes access off',
      { eks: { clusters: [prodCluster({ addonEnv: {} })] } },
      { audit: { clusters: ['prod'], kubernetesAccess: [] } },
    );
    expect(stored(output)).toEqual([
      'unknown:cn-enabled',
      'unknown:ip-headroom@general',
      'unknown:sgp-enabled',
      'unknown:sgp-enforcing-mode',
    ]);
    const text = output.sns[0]?.email ?? '';
    expect(text).toContain('[UNKNOWN] sgp-enabled');
    expect(text).toContain('add "prod" to audit.kubernetesAccess');
    expect(output.apiCalls['eks:DescribeCluster']).toBe(1);
  });

  it('audits the other clusters when one does not exist and one add-on answer cannot be read', async () => {
    const prod = prodCluster();
    const denied = { ...prod, addons: prod.addons.map((a) => ({ ...a, deniedActors: ['eip-keeper'] })) };
    const { output, story } = await run(
      'partial failure',
      { eks: { clusters: [denied] } },
      { audit: { clusters: ['nosuch', 'prod'], kubernetesAccess: [] } },
    );
    expect(auditorLines(story).join('\n')).not.toContain('failed');
    const items = output.dynamodb['audit-finding'] ?? [];
    const nosuch = items.find((i) => i.PK === 'AUDIT#nosuch');
    expect([nosuch?.checkId, nosuch?.status]).toEqual(['cluster-readable', 'unknown']);
    const enabled = items.find((i) => i.PK === 'AUDIT#prod' && i.checkId === 'sgp-enabled');
    expect(enabled?.status).toBe('unknown');
    expect(String(enabled?.evidence)).toContain(
      'the vpc-cni add-on could not be read (DescribeAddon of vpc-cni failed: AccessDeniedException',
    );
    expect(output.sns.map((m) => m.subject).sort()).toEqual([
      '[eip-keeper] nosuch: 1 new readiness finding',
      expect.stringMatching(/^\[eip-keeper\] prod: \d+ new readiness findings$/),
    ]);
  });

  it('sends one "resolved" message when a fix lands, triggered by the UpdateAddon event', async () => {
    const region = await SimulatedRegion.start({
      dynamoEndpoint: inject('dynamoEndpoint'),
      functions: [auditor],
      config: auditConfig({ pools: [partnerPool] }),
    });
    try {
      const s = scenario(
        'fix resolves a finding',
        {
          eks: { clusters: [prodCluster({ addonEnv: { ENABLE_POD_ENI: 'false' } })] },
          networkInterfaces: [branchEniIn('subnet-public-a')],
        },
        auditConfig({ pools: [partnerPool] }),
      );
      await runOn(region, s);
      expect(region.sns.messages.map((m) => m.subject)).toEqual([
        '[eip-keeper] prod: 1 new readiness finding',
      ]);

      await enablePodEniAsAdmin(region);
      await region.settle();

      expect(
        region.bus.invocations.filter((i) => i.functionId === 'Auditor').map((i) => i.eventName ?? i.ruleId),
      ).toEqual(['manual', 'UpdateAddon']);
      expect(region.sns.messages.map((m) => m.subject)).toEqual([
        '[eip-keeper] prod: 1 new readiness finding',
        '[eip-keeper] prod: 1 resolved readiness finding',
      ]);
      const resolved = JSON.parse(region.sns.messages[1]?.message ?? '{}') as Record<string, string>;
      expect(resolved.email).toContain('RESOLVED (1)\n\n[HIGH] sgp-enabled - cluster');
      expect(JSON.parse(resolved.https ?? '{}').content.title).toBe(
        '[eip-keeper] prod: 1 resolved readiness finding',
      );
      expect(
        region.auditor.events.published.map((e) => [e.source, (e.detail as { change: string }).change]),
      ).toEqual([
        ['eip-keeper', 'new'],
        ['eip-keeper', 'resolved'],
      ]);

      await region.advance(24 * 3600_000);
      expect(region.sns.messages).toHaveLength(2);
      expect((await region.tableItemsByKind())['audit-finding']).toBeUndefined();
    } finally {
      await region.stop();
    }
  });
});
