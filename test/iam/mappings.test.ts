/**
 * What each simulated service asks IAM to authorize: the action, every resource the request names and the condition
 * keys of each (pure tables beside each service, tested here without a region).
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../local/core/clock';
import { createIdFactory } from '../../local/core/ids';
import { dynamoDbIamChecks } from '../../local/dynamodb-iam';
import { Ec2State } from '../../local/ec2';
import { ec2IamChecks } from '../../local/ec2/iam';
import { parseQuery } from '../../local/ec2/query';
import { resolveIntrinsics } from '../../local/iam/intrinsics';

const env = { region: 'eu-west-1', accountId: '111122223333' };
const ARN = 'arn:aws:ec2:eu-west-1:111122223333';

function world() {
  const state = new Ec2State({ ...env, clock: new VirtualClock(), ids: createIdFactory(1) });
  state.addVpc({ vpcId: 'vpc-1', cidrBlock: '10.0.0.0/16' });
  state.addSubnet({
    subnetId: 'subnet-1',
    vpcId: 'vpc-1',
    availabilityZone: 'eu-west-1a',
    cidrBlock: '10.0.1.0/24',
  });
  const eni = state.addNetworkInterface({ subnetId: 'subnet-1', tags: { team: 'payments' } });
  const eip = state.addAddress({ tags: { 'eip-keeper:pool': 'payments', Name: 'partner-ip' } });
  return { state, eni: eni.networkInterfaceId, eip: eip.allocationId, ip: eip.publicIp };
}

const checksOf = (state: Ec2State, query: string) =>
  ec2IamChecks(state, parseQuery(query), new URLSearchParams(query).get('Action') as string);

describe('EC2', () => {
  it('authorizes AssociateAddress on the address (its tags) and on the ENI (its tags, VPC and subnet)', () => {
    const { state, eni, eip } = world();
    const [address, target] = checksOf(
      state,
      `Action=AssociateAddress&AllocationId=${eip}&NetworkInterfaceId=${eni}`,
    );
    expect(address).toEqual({
      action: 'ec2:AssociateAddress',
      resource: `${ARN}:elastic-ip/${eip}`,
      context: expect.objectContaining({
        'aws:ResourceTag/eip-keeper:pool': 'payments',
        'aws:ResourceTag/Name': 'partner-ip',
      }),
    });
    expect(target).toEqual({
      action: 'ec2:AssociateAddress',
      resource: `${ARN}:network-interface/${eni}`,
      context: expect.objectContaining({
        'aws:ResourceTag/team': 'payments',
        'ec2:Vpc': `${ARN}:vpc/vpc-1`,
        'ec2:Subnet': `${ARN}:subnet/subnet-1`,
      }),
    });
  });

  it('finds the address a PublicIp names', () => {
    const { state, eip, ip } = world();
    expect(checksOf(state, `Action=ReleaseAddress&PublicIp=${ip}`)[0]?.resource).toBe(
      `${ARN}:elastic-ip/${eip}`,
    );
  });

  it('gives DeleteTags the keys it removes, and none when it names no key', () => {
    const { state, eip } = world();
    const withKeys = checksOf(
      state,
      `Action=DeleteTags&ResourceId.1=${eip}&Tag.1.Key=eip-keeper%3Aholder&Tag.1.Value=eni-1`,
    );
    expect(withKeys[0]?.context).toMatchObject({
      'aws:TagKeys': ['eip-keeper:holder'],
      'aws:RequestTag/eip-keeper:holder': 'eni-1',
    });
    const withoutKeys = checksOf(state, `Action=DeleteTags&ResourceId.1=${eip}`);
    expect(withoutKeys[0]?.context).not.toHaveProperty('aws:TagKeys');
  });

  it('authorizes an AllocateAddress that tags the new address as CreateTags with ec2:CreateAction too', () => {
    const { state } = world();
    const checks = checksOf(
      state,
      'Action=AllocateAddress&TagSpecification.1.ResourceType=elastic-ip&TagSpecification.1.Tag.1.Key=eip-keeper%3Apool&TagSpecification.1.Tag.1.Value=payments',
    );
    expect(checks).toEqual([
      {
        action: 'ec2:AllocateAddress',
        resource: `${ARN}:elastic-ip/*`,
        context: { 'aws:RequestTag/eip-keeper:pool': 'payments', 'aws:TagKeys': ['eip-keeper:pool'] },
      },
      {
        action: 'ec2:CreateTags',
        resource: `${ARN}:elastic-ip/*`,
        context: {
          'aws:RequestTag/eip-keeper:pool': 'payments',
          'aws:TagKeys': ['eip-keeper:pool'],
          'ec2:CreateAction': 'AllocateAddress',
        },
      },
    ]);
  });

  it('authorizes a Reachability Analyzer path on itself, its source ENI and its destination internet gateway', () => {
    const { state, eni } = world();
    const igw = state.vpcById.get('vpc-1')?.internetGatewayId as string;
    const checks = checksOf(
      state,
      `Action=CreateNetworkInsightsPath&Source=${eni}&Destination=${igw}&Protocol=tcp&DestinationPort=443`,
    );
    expect(checks.map((c) => c.resource)).toEqual([
      `${ARN}:network-insights-path/*`,
      `${ARN}:network-interface/${eni}`,
      `${ARN}:internet-gateway/${igw}`,
    ]);
    expect(checks[1]?.context).toMatchObject({ 'ec2:Vpc': `${ARN}:vpc/vpc-1` });
  });

  it('authorizes an analysis on the new analysis and on the path it runs', () => {
    const { state } = world();
    expect(
      checksOf(state, 'Action=StartNetworkInsightsAnalysis&NetworkInsightsPathId=nip-1').map(
        (c) => c.resource,
      ),
    ).toEqual([`${ARN}:network-insights-analysis/*`, `${ARN}:network-insights-path/nip-1`]);
  });

  it('authorizes Describe* on * and refuses to guess an action it has no row for', () => {
    const { state } = world();
    expect(checksOf(state, 'Action=DescribeAddresses')).toEqual([
      { action: 'ec2:DescribeAddresses', resource: '*' },
    ]);
    expect(() => checksOf(state, 'Action=TerminateInstances')).toThrow(
      /no IAM mapping for ec2:TerminateInstances/,
    );
  });
});

describe('DynamoDB', () => {
  const TABLE = `arn:aws:dynamodb:eu-west-1:111122223333:table/t`;
  const checks = (operation: string, input: unknown) =>
    dynamoDbIamChecks(env, operation, JSON.stringify(input));

  it('leads a Query of the table with the partition key value its key condition fixes', () => {
    const query = {
      TableName: 't',
      KeyConditionExpression: '#pk = :pk AND begins_with(SK, :s)',
      ExpressionAttributeNames: { '#pk': 'PK' },
      ExpressionAttributeValues: { ':pk': { S: 'POOL#payments' }, ':s': { S: 'x' } },
    };
    expect(checks('Query', query)).toEqual([
      { action: 'dynamodb:Query', resource: TABLE, context: { 'dynamodb:LeadingKeys': ['POOL#payments'] } },
    ]);
  });

  it('gives a Query of the index no leading keys: its key condition names no value of the table’s partition key', () => {
    const query = {
      TableName: 't',
      IndexName: 'GSI1',
      KeyConditionExpression: '#pk = :pk AND begins_with(GSI1SK, :s)',
      ExpressionAttributeNames: { '#pk': 'GSI1PK' },
      ExpressionAttributeValues: { ':pk': { S: 'POOL#payments#FREE' }, ':s': { S: 'x' } },
    };
    expect(checks('Query', query)).toEqual([{ action: 'dynamodb:Query', resource: `${TABLE}/index/GSI1` }]);
  });

  it('authorizes a transaction item by item, each as its own action with its own partition key', () => {
    const tx = {
      TransactItems: [
        { Put: { TableName: 't', Item: { PK: { S: 'A' }, SK: { S: '1' } } } },
        { Update: { TableName: 't', Key: { PK: { S: 'B' }, SK: { S: '1' } } } },
        { Delete: { TableName: 't', Key: { PK: { S: 'C' }, SK: { S: '1' } } } },
      ],
    };
    expect(
      checks('TransactWriteItems', tx).map((c) => [c.action, c.context?.['dynamodb:LeadingKeys']]),
    ).toEqual([
      ['dynamodb:PutItem', ['A']],
      ['dynamodb:UpdateItem', ['B']],
      ['dynamodb:DeleteItem', ['C']],
    ]);
  });

  it('gives a BatchGetItem every partition key it reads, once', () => {
    const batch = {
      RequestItems: { t: { Keys: ['A', 'A', 'B'].map((pk) => ({ PK: { S: pk }, SK: { S: '1' } })) } },
    };
    expect(checks('BatchGetItem', batch)).toEqual([
      { action: 'dynamodb:BatchGetItem', resource: TABLE, context: { 'dynamodb:LeadingKeys': ['A', 'B'] } },
    ]);
  });
});

describe('CloudFormation tokens', () => {
  it('resolves Ref, GetAtt, Join and Sub with the names the region gives', () => {
    const names = {
      partition: 'aws',
      region: 'eu-west-1',
      accountId: '111122223333',
      ref: (id: string) => `name-of-${id}`,
      getAtt: (id: string, attr: string) => `${attr}-of-${id}`,
    };
    const value = {
      Resource: [
        {
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, ':ssm:eu-west-1:1:parameter', { Ref: 'Kill' }],
          ],
        },
        { 'Fn::GetAtt': ['Table', 'Arn'] },
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Fn::Sub's own placeholders
        { 'Fn::Sub': 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:${Group.Arn}' },
      ],
    };
    expect(resolveIntrinsics(value, names)).toEqual({
      Resource: [
        'arn:aws:ssm:eu-west-1:1:parametername-of-Kill',
        'Arn-of-Table',
        'arn:aws:logs:eu-west-1:111122223333:Arn-of-Group',
      ],
    });
  });
});
