import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { auditCommand, EXIT_FINDINGS } from '../../bin/commands/audit';
import { maxPodsCommand } from '../../bin/commands/max-pods';
import { UsageError } from '../../bin/commands/types';
import { accessKeyIdFor } from '../../local/core/identities';
import { SimulatedRegion } from '../../local/region';
import { parseScenario } from '../../local/scenario/schema';
import { seedRegion } from '../../local/scenario/seed';
import { captureOutput } from '../support/cli';
import { must } from './support/results';
import { baseState, prodCluster } from './support/world';

const ENV_KEYS = [
  'AWS_ENDPOINT_URL',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_REGION',
  'AWS_PROFILE',
] as const;

describe('eip-keeper max-pods', () => {
  let region: SimulatedRegion;
  const saved: Partial<Record<string, string | undefined>> = {};
  beforeAll(async () => {
    region = await SimulatedRegion.start({ dynamoEndpoint: inject('dynamoEndpoint'), functions: [] });
    for (const k of ENV_KEYS) saved[k] = process.env[k];
    process.env.AWS_ENDPOINT_URL = region.endpoint;
    process.env.AWS_ACCESS_KEY_ID = accessKeyIdFor('alice');
    process.env.AWS_SECRET_ACCESS_KEY = 'simulated';
    process.env.AWS_REGION = region.regionName;
    delete process.env.AWS_PROFILE;
  });
  afterAll(async () => {
    for (const k of ENV_KEYS)
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    await region.stop();
  });

  it('prints the calculator answers as JSON, reading DescribeInstanceTypes', async () => {
    const { code, out } = await captureOutput(() =>
      maxPodsCommand.run(['--instance-type', 'm5.large', '--json']),
    );
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({
      maxPods: 29,
      maxPodsUncapped: 29,
      instanceType: 'm5.large',
      enisForPods: 3,
      ipv4PerEni: 10,
    });
    expect(Object.keys(JSON.parse(out)).slice(0, 2)).toEqual(['maxPods', 'maxPodsUncapped']);
    expect(region.server.callCounts('ec2').DescribeInstanceTypes).toBeGreaterThan(0);
  });

  it('gives c5.4xlarge 110 capped and 234 uncapped', async () => {
    const { out } = await captureOutput(() =>
      maxPodsCommand.run(['--instance-type', 'c5.4xlarge', '--json']),
    );
    expect(JSON.parse(out)).toMatchObject({ maxPods: 110, maxPodsUncapped: 234 });
  });

  it('lowers m5.large to 20 with custom networking', async () => {
    const { out } = await captureOutput(() =>
      maxPodsCommand.run(['--instance-type', 'm5.large', '--custom-networking', '--json']),
    );
    expect(JSON.parse(out)).toMatchObject({ maxPods: 20, maxPodsUncapped: 20, customNetworking: true });
  });

  it('counts prefixes only from CNI 1.9 (and says why not)', async () => {
    const on = await captureOutput(() =>
      maxPodsCommand.run([
        '--instance-type',
        'm5.large',
        '--prefix-delegation',
        '--cni-version',
        '1.9.0',
        '--json',
      ]),
    );
    expect(JSON.parse(on.out)).toMatchObject({ maxPods: 110, maxPodsUncapped: 434, prefixDelegation: true });
    const off = await captureOutput(() =>
      maxPodsCommand.run(['--instance-type', 'm5.large', '--prefix-delegation', '--cni-version', '1.8.0']),
    );
    expect(off.out).toContain('m5.large: max pods 29');
    expect(off.out).toContain('prefix delegation not counted: VPC CNI 1.8.0 is older than 1.9.0');
  });

  it('works offline from --enis --ips-per-eni --vcpus --hypervisor', async () => {
    const { out } = await captureOutput(() =>
      maxPodsCommand.run([
        '--enis',
        '3',
        '--ips-per-eni',
        '6',
        '--vcpus',
        '2',
        '--hypervisor',
        'nitro',
        '--max-eni',
        '2',
        '--json',
      ]),
    );
    expect(JSON.parse(out)).toMatchObject({ maxPods: 12, maxPodsUncapped: 12, enisForPods: 2 });
  });

  it('prints a readable answer', async () => {
    const { out } = await captureOutput(() => maxPodsCommand.run(['--instance-type', 'c5.4xlarge']));
    expect(out).toBe(
      [
        'c5.4xlarge: max pods 110 (234 without the managed node group cap of 110)',
        '  8 × (30 − 1) + 2 = 234, capped at 110 (16 vCPUs)',
        '  8 ENI(s) for pods, 30 IPv4 addresses per ENI, hypervisor nitro, 16 vCPUs, VPC CNI 1.19.2',
        '  custom networking off, prefix delegation off',
        '',
      ].join('\n'),
    );
  });

  it('rejects incomplete or contradictory options as usage errors', async () => {
    await expect(maxPodsCommand.run(['--enis', '3'])).rejects.toThrow(UsageError);
    await expect(maxPodsCommand.run(['--instance-type', 'm5.large', '--enis', '3'])).rejects.toThrow(
      UsageError,
    );
    await expect(maxPodsCommand.run(['--instance-type', 'm5.large', '--max-eni', '0'])).rejects.toThrow(
      UsageError,
    );
    await expect(
      maxPodsCommand.run(['--instance-type', 'm5.large', '--cni-version', 'latest']),
    ).rejects.toThrow(UsageError);
    await expect(maxPodsCommand.run(['--instance-type', 'z9.nothing'])).rejects.toThrow(
      'does not know instance type z9.nothing',
    );
  });
});

describe('eip-keeper audit', () => {
  let region: SimulatedRegion;
  const saved: Partial<Record<string, string | undefined>> = {};
  beforeAll(async () => {
    region = await SimulatedRegion.start({ dynamoEndpoint: inject('dynamoEndpoint'), functions: [] });
    const scenario = parseScenario(
      {
        name: 'cli',
        state: {
          ...baseState(),
          eks: {
            clusters: [
              prodCluster({
                nodegroups: [
                  {
                    name: 'burst',
                    instanceTypes: ['t3.medium'],
                    subnets: ['subnet-public-a'],
                    maxSize: 3,
                    nodes: 1,
                  },
                ],
              }),
            ],
          },
        },
      },
      'cli',
    );
    seedRegion(region, scenario.state, new Map());
    for (const k of ENV_KEYS) saved[k] = process.env[k];
    process.env.AWS_ENDPOINT_URL = region.endpoint;
    process.env.AWS_ACCESS_KEY_ID = accessKeyIdFor('eip-keeper');
    process.env.AWS_SECRET_ACCESS_KEY = 'simulated';
    process.env.AWS_REGION = region.regionName;
    delete process.env.AWS_PROFILE;
  });
  afterEach(() => undefined);
  afterAll(async () => {
    for (const k of ENV_KEYS)
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    await region.stop();
  });

  it('prints a readable report and exits 4 when a check fails', async () => {
    const { code, out } = await captureOutput(() => auditCommand.run(['--cluster', 'prod', '--kubernetes']));
    expect(code).toBe(EXIT_FINDINGS);
    expect(out).toContain('Cluster prod (eu-west-1, Kubernetes 1.31, vpc-0a1): 1 node group(s) (burst)');
    expect(out).toContain('VPC CNI settings read from the aws-node DaemonSet');
    expect(out).toContain('FAIL    [high] sgp-instance-type (node group burst)');
    expect(out).toContain(
      '- t3.medium: the VPC resource controller marks t3.medium not trunking-compatible (t3 is a burstable family): no trunk ENI, no branch ENIs',
    );
    expect(out).toMatch(/\d+ checks: 1 fail, 0 unknown, \d+ pass, \d+ not applicable/);
    expect(out).toContain(
      'burst: t3.medium max pods 17, pods with security groups 0 (branch ENIs); at max size 3: 51 pods, 0 with security groups',
    );
  });

  it('reports a cluster that does not exist as unknown, and still audits the others', async () => {
    const { code, out } = await captureOutput(() =>
      auditCommand.run(['--cluster', 'nosuch', '--cluster', 'prod', '--kubernetes']),
    );
    expect(code).toBe(EXIT_FINDINGS);
    expect(out).toContain('UNKNOWN cluster-readable (cluster)');
    expect(out).toContain('Cannot audit cluster nosuch: EKS says it does not exist in eu-west-1');
    expect(out).toContain('- ResourceNotFoundException: No cluster found for name: nosuch.');
    expect(out).toContain('FAIL    [high] sgp-instance-type (node group burst)');
  });

  it('reads the Kubernetes API only when asked, and reports what it could not check', async () => {
    const { out } = await captureOutput(() => auditCommand.run(['--json']));
    const report = JSON.parse(out) as {
      clusters: { cluster: string; results: { id: string; status: string }[] }[];
    };
    expect(report.clusters.map((c) => c.cluster)).toEqual(['prod']);
    const statuses = Object.fromEntries(must(report.clusters[0]).results.map((r) => [r.id, r.status]));
    expect(statuses['sgp-enabled']).toBe('pass');
    expect(statuses['cn-enabled']).toBe('unknown');
    expect(statuses['sgp-enforcing-mode']).toBe('unknown');
  });
});
