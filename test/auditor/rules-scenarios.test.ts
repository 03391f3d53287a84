/**
 * The corrected rules end to end on the simulated region: events routed by the deployed patterns to the Auditor
 * handler, findings stored as the handler writes them. Each case cites the AWS rule it holds.
 */
import { describe, expect, inject, it } from 'vitest';
import { runScenario } from '../../local/scenario/runner';
import { parseScenario } from '../../local/scenario/schema';
import { auditor } from '../../shared/app/functions';
import { cloudTrail } from '../support/cloudtrail';
import { auditConfig, baseState, prodCluster } from './support/world';

type Output = Awaited<ReturnType<typeof runScenario>>['output'];

async function run(
  state: Record<string, unknown>,
  steps: Record<string, unknown>[] = [{ invoke: 'Auditor' }],
) {
  const scenario = parseScenario(
    { name: 'rules', config: auditConfig(), state: { ...baseState(), ...state }, steps },
    'rules',
  );
  return runScenario(scenario, { dynamoEndpoint: inject('dynamoEndpoint'), functions: [auditor] });
}

const stored = (output: Output) =>
  (output.dynamodb['audit-finding'] ?? [])
    .map((i) => `${i.status}:${i.checkId}${i.nodegroup ? `@${i.nodegroup}` : ''}`)
    .sort();

describe('the corrected auditor rules on the simulated region', () => {
  // EKS user guide, security-groups-pods-deployment: strict mode needs DISABLE_TCP_EARLY_DEMUX on every CNI version.
  it('fails TCP early demux on CNI 1.19 in the default strict mode', async () => {
    const { output } = await run({ eks: { clusters: [prodCluster({ addonInitEnv: {} })] } });
    expect(stored(output)).toEqual(['fail:sgp-tcp-early-demux']);
  });

  // EKS user guide, cni-increase-ip-addresses: prefixes on Nitro only; Xen falls back to secondary IPs.
  it('sizes a Xen m4.large group under prefix delegation by secondary IPs (4 × 21 = 84 of 101 free)', async () => {
    const { output } = await run({
      subnets: [
        ...baseState().subnets,
        { id: 'subnet-mid', vpcId: 'vpc-0a1', az: 'eu-west-1a', cidr: '10.0.113.0/24', usedIps: 150 },
      ],
      eks: {
        clusters: [
          prodCluster({
            addonEnv: { ENABLE_POD_ENI: 'false', ENABLE_PREFIX_DELEGATION: 'true' },
            nodegroups: [
              { name: 'xen', instanceTypes: ['m4.large'], subnets: ['subnet-mid'], maxSize: 4, nodes: 0 },
            ],
          }),
        ],
      },
    });
    expect(stored(output)).toEqual(['fail:ip-subnet-size@xen']);
  });

  // What the VPC CNI sees when the subnet is out: Client.InvalidParameterValue "There aren't sufficient free Ipv4
  // addresses or prefixes"; an InvalidParameterValue about something else wakes no audit.
  it("reads the VPC CNI's InvalidParameterValue exhaustion as a signal, and ignores other invalid parameters", async () => {
    const failed = (id: string, errorMessage: string) =>
      cloudTrail(
        'CreateNetworkInterface',
        { id, at: '2026-01-05T09:00:00Z' },
        { subnetId: 'subnet-0a1b2c3d4e5f60009', description: 'aws-K8S-i-0a' },
        null,
        { errorCode: 'Client.InvalidParameterValue', errorMessage },
      );
    const subnet = 'subnet-0a1b2c3d4e5f60009';
    const { output } = await run(
      {
        subnets: [
          ...baseState().subnets,
          { id: subnet, vpcId: 'vpc-0a1', az: 'eu-west-1a', cidr: '10.0.114.0/23' },
        ],
        eks: {
          clusters: [
            prodCluster({
              nodegroups: [
                { name: 'general', instanceTypes: ['m5.large'], subnets: [subnet], maxSize: 3, nodes: 0 },
              ],
            }),
          ],
        },
      },
      [
        { event: failed('ev-other', 'Invalid security group id') },
        { event: failed('ev-out', "There aren't sufficient free Ipv4 addresses or prefixes") },
      ],
    );
    expect(output.invocations.Auditor).toEqual({ ok: 1, error: 0 });
    expect(stored(output)).toContain('fail:ip-exhausted@general');
    const item = output.dynamodb['audit-finding']?.find((i) => i.checkId === 'ip-exhausted');
    expect(String(item?.evidence)).toContain(
      "CreateNetworkInterface failed in subnet-0a1b2c3d4e5f60009 with Client.InvalidParameterValue (There aren't sufficient free Ipv4 addresses or prefixes)",
    );
  });
});
