/**
 * The simulated VPC Reachability Analyzer, through the SDK: a path from a pod's ENI to the internet gateway is
 * reachable only through a route to that gateway, a security group rule that lets it out, and a public address on
 * the source (explanation codes: https://docs.aws.amazon.com/vpc/latest/reachability/explanation-codes.html).
 */
import {
  CreateNetworkInsightsPathCommand,
  DeleteNetworkInsightsPathCommand,
  DescribeNetworkInsightsAnalysesCommand,
  type EC2Client,
  StartNetworkInsightsAnalysisCommand,
} from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Ec2Sim, startEc2Sim } from '../../local/ec2/harness';
import type { Ec2State } from '../../local/ec2/state';
import { insightsOf, setSecurityGroupEgress } from '../../local/ec2/state/network-insights';

function seedWorld(state: Ec2State) {
  const vpc = state.addVpc({ vpcId: 'vpc-1', cidrBlock: '10.0.0.0/16', internetGateway: 'igw-1' });
  const subnet = (id: string, cidr: string) =>
    state.addSubnet({ subnetId: id, vpcId: vpc.vpcId, availabilityZone: 'eu-west-1a', cidrBlock: cidr });
  subnet('subnet-public', '10.0.1.0/24');
  subnet('subnet-private', '10.0.2.0/24');
  state.addRouteTable({
    vpcId: vpc.vpcId,
    subnetIds: ['subnet-public'],
    routes: [{ destinationCidrBlock: '0.0.0.0/0', gatewayId: 'igw-1' }],
  });
  state.addRouteTable({
    routeTableId: 'rtb-private',
    vpcId: vpc.vpcId,
    subnetIds: ['subnet-private'],
    routes: [{ destinationCidrBlock: '0.0.0.0/0', natGatewayId: 'nat-1' }],
  });
  const group = state.addSecurityGroup({ groupId: 'sg-pods', vpcId: vpc.vpcId, groupName: 'pods' });
  const node = state.addInstance({ instanceType: 'm5.large', subnetId: 'subnet-public' });
  const trunk = state.addNetworkInterface({
    subnetId: 'subnet-public',
    description: 'aws-k8s-trunk-eni',
    interfaceType: 'trunk',
    attachment: { instanceId: node.instanceId, deviceIndex: 1 },
  });
  const branch = (id: string, subnetId: string) =>
    state.addNetworkInterface({
      networkInterfaceId: id,
      subnetId,
      description: 'aws-k8s-branch-eni',
      interfaceType: 'branch',
      securityGroupIds: [group.groupId],
      tags: { 'vpcresources.k8s.aws/trunk-eni-id': trunk.networkInterfaceId },
    });
  const pub = branch('eni-public', 'subnet-public');
  const priv = branch('eni-private', 'subnet-private');
  state.addAddress({ publicIp: '198.51.100.7', association: { networkInterfaceId: pub.networkInterfaceId } });
  state.addAddress({
    publicIp: '198.51.100.8',
    association: { networkInterfaceId: priv.networkInterfaceId },
  });
  return { pub, priv };
}

describe('the simulated Reachability Analyzer', () => {
  let sim: Ec2Sim;
  let ec2: EC2Client;

  beforeEach(async () => {
    sim = await startEc2Sim();
    ec2 = sim.client();
    seedWorld(sim.state);
  });
  afterEach(async () => {
    await sim.stop();
  });

  async function analyse(source: string, destination = 'igw-1') {
    const path = await ec2.send(
      new CreateNetworkInsightsPathCommand({
        Source: source,
        Destination: destination,
        Protocol: 'tcp',
        DestinationPort: 443,
      }),
    );
    const pathId = path.NetworkInsightsPath?.NetworkInsightsPathId ?? '';
    const started = await ec2.send(
      new StartNetworkInsightsAnalysisCommand({ NetworkInsightsPathId: pathId }),
    );
    const id = started.NetworkInsightsAnalysis?.NetworkInsightsAnalysisId ?? '';
    const described = await ec2.send(
      new DescribeNetworkInsightsAnalysesCommand({ NetworkInsightsAnalysisIds: [id] }),
    );
    return {
      pathId,
      started: started.NetworkInsightsAnalysis,
      analysis: described.NetworkInsightsAnalyses?.[0],
    };
  }

  it('finds the path of a branch ENI with an EIP in an IGW-routed subnet, leaving from the EIP', async () => {
    const { started, analysis } = await analyse('eni-public');
    expect(started?.Status).toBe('running');
    expect(analysis?.Status).toBe('succeeded');
    expect(analysis?.NetworkPathFound).toBe(true);
    expect(analysis?.ForwardPathComponents?.map((c) => c.Component?.Id)).toEqual([
      'eni-public',
      'sg-pods',
      expect.stringMatching(/^rtb-/),
      'igw-1',
    ]);
    expect(analysis?.ForwardPathComponents?.at(-1)?.OutboundHeader?.SourceAddresses).toEqual([
      '198.51.100.7',
    ]);
    expect(insightsOf(sim.state).analysesStarted).toBe(1);
  });

  it('reaches the gateway from a NAT-routed subnet only through the NAT, which rewrites the source', async () => {
    const { analysis } = await analyse('eni-private');
    expect(analysis?.NetworkPathFound).toBe(true);
    const nat = analysis?.ForwardPathComponents?.find((c) => c.Component?.Id === 'nat-1');
    expect(nat?.Explanations?.map((e) => e.ExplanationCode)).toEqual(['NGW_SOURCE_ADDRESS_REASSIGN']);
  });

  it('explains IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS when the source IP has no public address', async () => {
    sim.state.disassociateAddress({ publicIp: '198.51.100.7' });
    const { analysis } = await analyse('eni-public');
    expect(analysis?.NetworkPathFound).toBe(false);
    expect(analysis?.Explanations?.map((e) => [e.ExplanationCode, e.Component?.Id])).toEqual([
      ['IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS', 'igw-1'],
    ]);
  });

  it('explains ENI_SG_RULES_MISMATCH when no egress rule lets the port out', async () => {
    setSecurityGroupEgress(sim.state, 'sg-pods', [
      { protocol: 'tcp', fromPort: 80, toPort: 80, cidr: '0.0.0.0/0' },
    ]);
    const { analysis } = await analyse('eni-public');
    expect(analysis?.Explanations?.[0]).toMatchObject({
      ExplanationCode: 'ENI_SG_RULES_MISMATCH',
      Direction: 'egress',
      SecurityGroups: [{ Id: 'sg-pods' }],
    });
  });

  it('explains NO_ROUTE_TO_DESTINATION when the subnet has no route out', async () => {
    sim.state.addSubnet({
      subnetId: 'subnet-closed',
      vpcId: 'vpc-1',
      availabilityZone: 'eu-west-1a',
      cidrBlock: '10.0.3.0/24',
    });
    sim.state.addNetworkInterface({
      networkInterfaceId: 'eni-closed',
      subnetId: 'subnet-closed',
      status: 'in-use',
    });
    const { analysis } = await analyse('eni-closed');
    expect(analysis?.Explanations?.map((e) => e.ExplanationCode)).toEqual(['NO_ROUTE_TO_DESTINATION']);
  });

  it('refuses an unknown gateway or path as EC2 does, and deletes a path', async () => {
    await expect(
      ec2.send(
        new CreateNetworkInsightsPathCommand({ Source: 'eni-public', Destination: 'igw-9', Protocol: 'tcp' }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidInternetGatewayID.NotFound' });
    const { pathId } = await analyse('eni-public');
    await ec2.send(new DeleteNetworkInsightsPathCommand({ NetworkInsightsPathId: pathId }));
    await expect(
      ec2.send(new StartNetworkInsightsAnalysisCommand({ NetworkInsightsPathId: pathId })),
    ).rejects.toMatchObject({ name: 'InvalidNetworkInsightsPathId.NotFound' });
  });
});
