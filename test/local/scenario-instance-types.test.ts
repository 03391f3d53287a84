import { DescribeInstanceTypesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { SimulatedRegion } from '../../local/region';
import { runOn } from '../../local/scenario/runner';
import { InvalidScenarioError, parseScenario } from '../../local/scenario/schema';
import { clientOptions } from '../../shared/aws/clients';

const VPC = 'vpc-0a1b2c3d4e5f60001';
const SUBNETS = ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'];

const network = {
  vpcs: [{ id: VPC, cidr: '10.0.0.0/16' }],
  subnets: SUBNETS.map((id, i) => ({ id, vpcId: VPC, az: `eu-west-1${'ab'[i]}`, cidr: `10.0.${i}.0/24` })),
};

const started: SimulatedRegion[] = [];
afterEach(async () => {
  for (const r of started.splice(0)) await r.stop();
});

async function run(state: Record<string, unknown>) {
  const region = await SimulatedRegion.start({ dynamoEndpoint: inject('dynamoEndpoint'), functions: [] });
  started.push(region);
  await runOn(region, parseScenario({ name: 'types', state: { ...network, ...state } }, 'test'));
  return region;
}

describe('instance types in scenarios', () => {
  it('adds a type of its own that DescribeInstanceTypes then reports', async () => {
    const region = await run({
      instanceTypes: [{ instanceType: 'z9.large', vcpus: 2, enis: 4, ipv4PerEni: 12, hypervisor: 'nitro' }],
    });
    const ec2 = new EC2Client(clientOptions(region.connection('admin'), 'ec2'));
    try {
      const out = await ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: ['z9.large' as never] }));

      expect(out.InstanceTypes?.[0]).toMatchObject({
        InstanceType: 'z9.large',
        Hypervisor: 'nitro',
        VCpuInfo: { DefaultVCpus: 2 },
        NetworkInfo: { MaximumNetworkInterfaces: 4, Ipv4AddressesPerInterface: 12 },
      });
    } finally {
      ec2.destroy();
    }
  });

  it('refuses a virtualized type without a hypervisor', () => {
    const bad = {
      name: 'x',
      state: { instanceTypes: [{ instanceType: 'z9.large', vcpus: 2, enis: 2, ipv4PerEni: 4 }] },
    };

    expect(() => parseScenario(bad, 'x.json')).toThrow(InvalidScenarioError);
    expect(() => parseScenario(bad, 'x.json')).toThrow(/needs a hypervisor/);
  });

  it('creates the nodes of a mixed-type node group as listed, in turn, unless a node names its type', async () => {
    const region = await run({
      eks: {
        clusters: [
          {
            name: 'prod',
            vpcId: VPC,
            nodegroups: [
              {
                name: 'mixed',
                instanceTypes: ['m5.large', 'c5.xlarge', 'm6g.large'],
                subnets: SUBNETS,
                maxSize: 6,
                nodes: [{}, {}, {}, {}, { instanceType: 'c5.metal' }],
              },
            ],
          },
        ],
      },
    });

    const types = [...region.ec2.instanceById.values()].map((i) => i.instanceType);
    expect(types).toEqual(['m5.large', 'c5.xlarge', 'm6g.large', 'm5.large', 'c5.metal']);
  });
});
