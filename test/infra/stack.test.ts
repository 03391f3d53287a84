import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import { Capture, Match } from 'aws-cdk-lib/assertions';
import { type CfnRule, Schedule } from 'aws-cdk-lib/aws-events';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ESM_REQUIRE_BANNER, SIDECAR_MODULES } from '../../infra/constructs/bundling';
import {
  NON_SCOPABLE_ACTIONS,
  nonScopableReason,
  UnscopedPermissionError,
  WildcardActionError,
} from '../../infra/permissions';
import { INLINE_CONFIG_MAX_CHARS, REPO_ROOT } from '../../infra/stack';
import { FUNCTIONS, type FunctionSpec, tableAccess } from '../../shared/app/functions';
import { DEPLOYMENT_FORMAT, deploymentParameterName } from '../../shared/config/deployment';
import { configDigest } from '../../shared/config/environment';
import { DEFAULT_CONFIG, InvalidConfigError } from '../../shared/config/schema';
import { TABLE_KEYS } from '../../shared/store/table';
import { acknowledgements, nagViolations, removeAssemblies, type Synth, synth } from './helpers';

afterAll(removeAssemblies);

const CONFIG_PARAMETER_NAME = deploymentParameterName('EipKeeper');

const noHandler: FunctionSpec['load'] = async () => ({ createHandler: () => async () => undefined });

/** A spec that needs every symbolic resource, a schedule from config, reserved concurrency and a condition. */
const kitchenSink: FunctionSpec = {
  id: 'KitchenSink',
  entry: 'functions/kitchen-sink.ts',
  description: 'test function touching every symbolic resource',
  rules: [
    { id: 'Nodegroups', pattern: { source: ['aws.eks'], detail: { eventName: [{ prefix: 'Update' }] } } },
  ],
  scheduleMinutes: (config) => config.sweeper.scheduleMinutes,
  timeoutSeconds: 60,
  memoryMb: 512,
  reservedConcurrency: 1,
  permissions: [
    tableAccess(['GetItem', 'Query', 'PutItem'], true, 'items and the index'),
    {
      sid: 'Describe',
      actions: ['ec2:DescribeAddresses', 'ec2:Describe*'],
      resources: ['*'],
      why: 'read EC2 state',
    },
    {
      sid: 'Associate',
      actions: ['ec2:AssociateAddress', 'ec2:DisassociateAddress'],
      resources: ['elastic-ip', 'network-interface'],
      conditions: { StringLike: { 'ec2:ResourceTag/eip-keeper:pool': '*' } },
      why: 'move pool EIPs',
    },
    {
      sid: 'Eks',
      actions: ['eks:DescribeCluster', 'eks:DescribeNodegroup', 'eks:DescribeAddon'],
      resources: ['eks-cluster', 'eks-nodegroup', 'eks-addon'],
      why: 'audit readiness',
    },
    {
      sid: 'Roles',
      actions: ['iam:ListAttachedRolePolicies'],
      resources: ['iam-role'],
      why: 'cluster role policies',
    },
    {
      sid: 'Dns',
      actions: ['route53:ListResourceRecordSets'],
      resources: ['hosted-zone'],
      why: 'dangling records',
    },
    { sid: 'Alert', actions: ['sns:Publish'], resources: ['topic'], why: 'alerts' },
    { sid: 'Bus', actions: ['events:PutEvents'], resources: ['event-bus'], why: 'follow-up events' },
    {
      sid: 'Params',
      actions: ['ssm:GetParameter'],
      resources: ['kill-switch-parameter', 'config-parameter'],
      why: 'kill switch',
    },
    { sid: 'Key', actions: ['kms:Decrypt'], resources: ['topic-key'], why: 'key' },
  ],
  load: noHandler,
};

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

function statementsOf(s: Synth): Statement[] {
  const policies = s.template.findResources('AWS::IAM::Policy');
  return Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

function logicalId(construct: IConstruct): string {
  const stack = Stack.of(construct);
  return stack.resolve((construct.node.defaultChild as CfnRule).logicalId) as string;
}

describe('EipKeeperStack with the default configuration', () => {
  let s: Synth;
  beforeAll(() => {
    s = synth();
  });

  it('creates the table with the shared keys, GSI1, TTL, PITR and on-demand billing, and retains it', () => {
    s.template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        KeySchema: [
          { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: TABLE_KEYS.ttlAttribute, Enabled: true },
        DeletionProtectionEnabled: true,
        SSESpecification: { SSEEnabled: true },
        GlobalSecondaryIndexes: [
          {
            IndexName: TABLE_KEYS.gsi1.name,
            KeySchema: [
              { AttributeName: TABLE_KEYS.gsi1.partitionKey, KeyType: 'HASH' },
              { AttributeName: TABLE_KEYS.gsi1.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    });
  });

  it('deploys one nodejs22.x arm64 function per catalog entry, without X-Ray tracing', () => {
    s.template.resourceCountIs('AWS::Lambda::Function', FUNCTIONS.length);
    for (const spec of FUNCTIONS) {
      s.template.hasResourceProperties('AWS::Lambda::Function', {
        Description: spec.description,
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        MemorySize: spec.memoryMb,
        Timeout: spec.timeoutSeconds,
        TracingConfig: Match.absent(),
      });
    }
  });

  it('gives every function an encrypted on-failure DLQ, 2 async retries and a 6 h event age', () => {
    const dlq = new Capture();
    s.template.resourceCountIs('AWS::Lambda::EventInvokeConfig', FUNCTIONS.length);
    s.template.allResourcesProperties('AWS::Lambda::EventInvokeConfig', {
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [dlq, 'Arn'] } } },
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 6 * 3600,
    });
    const queue = s.template.toJSON().Resources[dlq.asString()];
    expect(queue.Type).toBe('AWS::SQS::Queue');
    expect(queue.Properties.KmsMasterKeyId).toBeDefined();
  });

  it('gives every function its own log group with one month retention', () => {
    const group = new Capture();
    s.template.allResourcesProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogGroup: { Ref: group } },
    });
    s.template.resourceCountIs('AWS::Logs::LogGroup', FUNCTIONS.length);
    s.template.hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 30 },
      DeletionPolicy: 'Retain',
    });
    expect(s.template.toJSON().Resources[group.asString()].Type).toBe('AWS::Logs::LogGroup');
  });

  it('sets the runtime environment of shared/config/environment.ts, config inline', () => {
    const common = {
      EIP_KEEPER_TABLE: Match.anyValue(),
      EIP_KEEPER_TOPIC_ARN: Match.anyValue(),
      EIP_KEEPER_ACCOUNT_ID: '123456789012',
      EIP_KEEPER_EVENT_BUS: 'default',
      EIP_KEEPER_CONFIG: JSON.stringify(DEFAULT_CONFIG),
      EIP_KEEPER_CONFIG_SHA256: configDigest(JSON.stringify(DEFAULT_CONFIG)),
      NODE_OPTIONS: '--enable-source-maps',
    };
    // No pool in the default configuration: no keeper role may associate an address, so the recorder is told none
    // (test/iam/stack-policies.test.ts: with a pool, it learns both keeper roles).
    for (const fn of s.stack.functions) {
      s.template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: Match.absent(),
        Description: fn.spec.description.slice(0, 256),
        Environment: {
          Variables: Match.objectEquals(common),
        },
      });
    }
    for (const statements of Object.values(s.template.findResources('AWS::IAM::Policy')))
      expect(JSON.stringify(statements)).not.toContain('ReadConfigParameter');
  });

  it('publishes the deployment for the CLI: configuration, account, region, table and topic, named after the stack', () => {
    const value = new Capture();
    s.template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: CONFIG_PARAMETER_NAME,
      Type: 'String',
      Tier: 'Standard',
      Value: value,
    });
    // The value joins the table name and topic ARN in at deploy time.
    const parts = (value.asObject()['Fn::Join'] as [string, unknown[]])[1];
    const text = parts.map((p) => (typeof p === 'string' ? p : '"<token>"')).join('');
    const doc = JSON.parse(text.replace(/""<token>""/g, '"<token>"'));
    expect(doc).toMatchObject({
      format: DEPLOYMENT_FORMAT,
      stack: 'EipKeeper',
      account: '123456789012',
      region: 'eu-west-1',
      config: JSON.parse(JSON.stringify(DEFAULT_CONFIG)),
    });
    expect(parts).toEqual(
      expect.arrayContaining([
        { Ref: expect.stringMatching(/^Table/) },
        { Ref: expect.stringMatching(/^AlertTopic/) },
      ]),
    );
    s.template.hasOutput('ConfigParameterName', { Value: { Ref: Match.stringLikeRegexp('^Config') } });
  });

  it("deploys each catalog rule with exactly the catalog's pattern object (local routing = deployed routing)", () => {
    const resources = s.template.toJSON().Resources;
    for (const [i, spec] of FUNCTIONS.entries()) {
      const fn = s.stack.functions[i];
      for (const rule of spec.rules) {
        const construct = fn?.node.findChild(rule.id) as IConstruct;
        expect(resources[logicalId(construct)].Properties.EventPattern).toStrictEqual(
          JSON.parse(JSON.stringify(rule.pattern)),
        );
      }
    }
  });

  it('schedules each catalog function that has a schedule at the rate its config gives', () => {
    for (const [i, spec] of FUNCTIONS.entries()) {
      const schedule = s.stack.functions[i]?.node.tryFindChild('Schedule');
      if (!spec.scheduleMinutes) {
        expect(schedule).toBeUndefined();
        continue;
      }
      const minutes = spec.scheduleMinutes(DEFAULT_CONFIG);
      // CDK renders whole hours and days in the larger unit (60 minutes → rate(1 hour)).
      const expected = Schedule.rate(Duration.minutes(minutes)).expressionString;
      expect(
        s.template.toJSON().Resources[logicalId(schedule as IConstruct)].Properties.ScheduleExpression,
      ).toBe(expected);
    }
  });

  it('sends events EventBridge cannot deliver to a rule-level DLQ, with retries and a 6 h age limit', () => {
    s.template.allResourcesProperties('AWS::Events::Rule', {
      Targets: [
        Match.objectLike({
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('DeliveryDlq'), 'Arn'] } },
          RetryPolicy: { MaximumEventAgeInSeconds: 6 * 3600, MaximumRetryAttempts: Match.anyValue() },
        }),
      ],
    });
  });

  it('encrypts every DLQ with the key, enforces TLS on it and alarms to the topic when it is not empty', () => {
    const queues = s.template.findResources('AWS::SQS::Queue');
    expect(Object.keys(queues)).toHaveLength(FUNCTIONS.length * 2);
    s.template.allResourcesProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
    });
    for (const id of Object.keys(queues)) {
      s.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
      s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id, 'QueueName'] } }],
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlertTopic') }],
      });
    }
  });

  it('encrypts the topic with a rotating key and enforces TLS on it', () => {
    s.template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    s.template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
    });
    s.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('lets only the account, CloudWatch alarms and the publishing functions use the topic', () => {
    const policies = Object.values(s.template.findResources('AWS::SNS::TopicPolicy'));
    expect(policies).toHaveLength(1);
    const statements = policies[0]?.Properties.PolicyDocument.Statement ?? [];
    const allows = (statements as Array<{ Effect: string; Principal: unknown; Action: unknown }>).filter(
      (st) => st.Effect === 'Allow',
    );
    const publishers = FUNCTIONS.filter((f) => f.permissions.some((p) => p.resources.includes('topic')));
    expect(allows.map((st) => st.Principal)).toEqual([
      { AWS: 'arn:aws:iam::123456789012:root' },
      { Service: 'cloudwatch.amazonaws.com' },
      ...(publishers.length > 0
        ? [
            {
              AWS: publishers.length === 1 ? expect.anything() : expect.arrayContaining([expect.anything()]),
            },
          ]
        : []),
    ]);
    if (publishers.length > 0) {
      expect(allows[2]?.Action).toBe('sns:Publish');
      const roles = [allows[2]?.Principal as { AWS: unknown }].flatMap((p) => p.AWS) as Array<{
        'Fn::GetAtt': [string, string];
      }>;
      expect(roles.map((r) => r['Fn::GetAtt'][0].replace(/Role[0-9A-F]{8}$/, '')).sort()).toEqual(
        publishers.map((f) => f.id).sort(),
      );
    }
  });

  it('leaves the kill switch to the operator: no parameter of the stack holds its value', () => {
    // The only parameter is the published deployment.
    expect(
      Object.values(s.template.findResources('AWS::SSM::Parameter')).map((p) => p.Properties.Name),
    ).toEqual([CONFIG_PARAMETER_NAME]);
    s.template.hasOutput('KillSwitchParameterName', { Value: DEFAULT_CONFIG.sweeper.killSwitchParameter });
  });

  it('subscribes no e-mail address unless alerts.email is set', () => {
    s.template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('never grants Resource "*" except for actions AWS does not scope', () => {
    for (const st of statementsOf(s)) {
      if (!asArray(st.Resource).includes('*')) continue;
      for (const action of asArray(st.Action)) expect(nonScopableReason(action), action).toBeDefined();
    }
  });

  it('leaves no cdk-nag AwsSolutions error or warning unacknowledged', () => {
    expect(nagViolations(s.app)).toEqual([]);
    const report = JSON.parse(readFileSync(join(s.app.outdir, 'validation-report.json'), 'utf8'));
    expect(report.pluginReports).toEqual([]);
  });

  it('writes a reason next to every acknowledgement', () => {
    const acks = acknowledgements(s.app);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) expect(ack.reason.length, ack.id).toBeGreaterThan(20);
  });
});

describe('EipKeeperStack permissions from PermissionSpec', () => {
  let s: Synth;
  beforeAll(() => {
    s = synth({ 'sweeper.scheduleMinutes': '15' }, { functions: [...FUNCTIONS, kitchenSink] });
  });

  const sinkStatements = () => {
    const policies = s.template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^KitchenSinkRole') }] },
    });
    return Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
  };
  const sid = (name: string) => sinkStatements().find((st) => st.Sid === name);

  it('maps EC2, EKS, IAM and Route 53 resources to ARNs of this account and region', () => {
    expect(sid('Associate')?.Resource).toEqual(
      expect.arrayContaining([
        'arn:aws:ec2:eu-west-1:123456789012:elastic-ip/*',
        'arn:aws:ec2:eu-west-1:123456789012:network-interface/*',
      ]),
    );
    expect(sid('Eks')?.Resource).toEqual(
      expect.arrayContaining([
        'arn:aws:eks:eu-west-1:123456789012:cluster/*',
        'arn:aws:eks:eu-west-1:123456789012:nodegroup/*/*/*',
        'arn:aws:eks:eu-west-1:123456789012:addon/*/*/*',
      ]),
    );
    expect(sid('Roles')?.Resource).toBe('arn:aws:iam::123456789012:role/*');
    expect(sid('Dns')?.Resource).toBe('arn:aws:route53:::hostedzone/*');
    expect(sid('Bus')?.Resource).toBe('arn:aws:events:eu-west-1:123456789012:event-bus/default');
  });

  it('maps stack resources to their own ARNs', () => {
    expect(sid('TableReadWrite')?.Resource).toEqual(
      expect.arrayContaining([
        { 'Fn::GetAtt': [expect.stringMatching(/^Table/), 'Arn'] },
        { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^Table/), 'Arn'] }, '/index/*']] },
      ]),
    );
    expect(sid('Alert')?.Resource).toEqual({ Ref: expect.stringMatching(/^AlertTopic/) });
    expect(sid('Key')?.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Key/), 'Arn'] });
    expect(sid('Params')?.Resource).toEqual(
      expect.arrayContaining([
        'arn:aws:ssm:eu-west-1:123456789012:parameter/eip-keeper/kill-switch',
        {
          'Fn::Join': [
            '',
            ['arn:aws:ssm:eu-west-1:123456789012:parameter', { Ref: expect.stringMatching(/^Config/) }],
          ],
        },
      ]),
    );
  });

  it('passes conditions through verbatim', () => {
    expect(sid('Associate')?.Condition).toEqual({ StringLike: { 'ec2:ResourceTag/eip-keeper:pool': '*' } });
  });

  it('uses Resource "*" only for the non-scopable Describe actions', () => {
    expect(sid('Describe')?.Resource).toBe('*');
    for (const st of statementsOf(s)) {
      if (!asArray(st.Resource).includes('*')) continue;
      for (const action of asArray(st.Action)) expect(nonScopableReason(action), action).toBeDefined();
    }
  });

  it('lets the publishing function publish through the topic policy and use the key only via SNS', () => {
    s.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'AllowEipKeeperFunctionsToPublish',
            Principal: {
              AWS: Match.arrayWith([{ 'Fn::GetAtt': [Match.stringLikeRegexp('^KitchenSinkRole'), 'Arn'] }]),
            },
            Action: 'sns:Publish',
          }),
        ]),
      },
    });
    s.template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: {
              AWS: Match.arrayWith([{ 'Fn::GetAtt': [Match.stringLikeRegexp('^KitchenSinkRole'), 'Arn'] }]),
            },
            Condition: { StringEquals: { 'kms:ViaService': 'sns.eu-west-1.amazonaws.com' } },
          }),
        ]),
      },
    });
  });

  it('schedules from config and reserves concurrency when the spec asks', () => {
    const schedule = s.stack.functions.at(-1)?.node.findChild('Schedule') as IConstruct;
    expect(s.template.toJSON().Resources[logicalId(schedule)].Properties.ScheduleExpression).toBe(
      'rate(15 minutes)',
    );
    s.template.hasResourceProperties('AWS::Lambda::Function', {
      Description: kitchenSink.description,
      ReservedConcurrentExecutions: 1,
    });
  });

  it('deploys a spec pattern with content filters verbatim', () => {
    const rule = s.stack.functions.at(-1)?.node.findChild('Nodegroups') as IConstruct;
    expect(s.template.toJSON().Resources[logicalId(rule)].Properties.EventPattern).toStrictEqual({
      source: ['aws.eks'],
      detail: { eventName: [{ prefix: 'Update' }] },
    });
  });

  it('acknowledges each wildcard with its reason so cdk-nag finds nothing unacknowledged', () => {
    expect(nagViolations(s.app)).toEqual([]);
    const ids = acknowledgements(s.app)
      .filter((a) => a.path.endsWith('KitchenSink/Role'))
      .map((a) => a.id.replace(/^Annotation::/, ''));
    expect(ids).toEqual(
      expect.arrayContaining([
        'AwsSolutions-IAM5[Resource::*]',
        'AwsSolutions-IAM5[Action::ec2:Describe*]',
        'AwsSolutions-IAM5[Resource::arn:aws:ec2:eu-west-1:123456789012:elastic-ip/*]',
        expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<Table[0-9A-F]+\.Arn>\/index\/\*\]$/),
      ]),
    );
  });

  it('acknowledges wildcards in environment-agnostic ARNs too (synth without credentials)', () => {
    const agnostic = synth({}, { functions: [kitchenSink] }, undefined);

    expect(nagViolations(agnostic.app)).toEqual([]);
  });

  it('refuses Resource "*" for an action AWS can scope', () => {
    const bad: FunctionSpec = {
      ...kitchenSink,
      permissions: [{ sid: 'Bad', actions: ['ec2:ReleaseAddress'], resources: ['*'], why: 'nope' }],
    };

    expect(() => synth({}, { functions: [bad] })).toThrow(UnscopedPermissionError);
  });

  it('refuses wildcard actions that are not a known non-scopable family', () => {
    const bad: FunctionSpec = {
      ...kitchenSink,
      permissions: [{ sid: 'Bad', actions: ['dynamodb:*'], resources: ['table'], why: 'nope' }],
    };

    expect(() => synth({}, { functions: [bad] })).toThrow(WildcardActionError);
  });

  it('knows why each non-scopable action may use "*"', () => {
    for (const reason of Object.values(NON_SCOPABLE_ACTIONS)) expect(reason.length).toBeGreaterThan(10);
    expect(nonScopableReason('ec2:DescribeNetworkInterfaces')).toBeDefined();
    expect(nonScopableReason('ec2:AssociateAddress')).toBeUndefined();
  });
});

describe('EipKeeperStack configuration switches', () => {
  it('subscribes alerts.email to the topic', () => {
    const s = synth({ 'alerts.email': 'sec@example.com' });

    s.template.resourceCountIs('AWS::SNS::Subscription', 1);
    s.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'sec@example.com',
    });
  });

  it('has the functions read a configuration longer than 2,000 characters from the parameter, and grants it', () => {
    const pools = Array.from({ length: 20 }, (_, i) => ({
      name: `partner-${i}`,
      cluster: 'prod',
      vpcId: 'vpc-0123456789abcdef0',
      members: [`198.51.100.${i + 1}`],
      selector: { securityGroupIds: ['sg-0123456789abcdef0'], descriptionPrefix: 'aws-k8s-branch-eni' },
    }));
    const s = synth({ pools: JSON.stringify(pools) });

    const param = new Capture();
    s.template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: CONFIG_PARAMETER_NAME,
      Type: 'String',
      Value: param,
    });
    const text = JSON.stringify(param.asObject());
    expect(text.length).toBeGreaterThan(INLINE_CONFIG_MAX_CHARS);
    expect(text.match(/partner-\d+/g)).toHaveLength(20);
    s.template.allResourcesProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          EIP_KEEPER_CONFIG_PARAMETER: { Ref: Match.stringLikeRegexp('^Config') },
        }),
      },
    });
    for (const fn of Object.values(s.template.findResources('AWS::Lambda::Function'))) {
      expect(fn.Properties.Environment.Variables.EIP_KEEPER_CONFIG).toBeUndefined();
    }
    const readers = statementsOf(s).filter((st) => st.Sid === 'ReadConfigParameter');
    expect(readers).toHaveLength(FUNCTIONS.length);
  });

  it('lets the Sweeper read the kill switch under the configured name, and nothing write it', () => {
    const s = synth({ 'sweeper.killSwitchParameter': '/ops/eip-keeper/stop' });

    const readers = statementsOf(s).filter((st) => st.Sid === 'ReadKillSwitch');
    expect(readers.map((st) => [st.Action, st.Resource])).toEqual([
      ['ssm:GetParameter', 'arn:aws:ssm:eu-west-1:123456789012:parameter/ops/eip-keeper/stop'],
    ]);
    const writes = statementsOf(s)
      .flatMap((st) => asArray(st.Action))
      .filter((a) => a.startsWith('ssm:Put'));
    expect(writes).toEqual([]);
  });

  it('fails synth with the bad key named', () => {
    expect(() => synth({ 'sweeper.release.maxPerRun': '1000' })).toThrow(InvalidConfigError);
    expect(() => synth({ 'sweeper.release.maxPerRun': '1000' })).toThrow(
      /sweeper\.release\.maxPerRun: Too big/,
    );
  });
});

describe('EipKeeperStack bundling', () => {
  const bundled = FUNCTIONS.find((spec) => existsSync(join(REPO_ROOT, spec.entry)));

  it.skipIf(!bundled)(
    'bundles a catalog function with local esbuild as minified ESM with the require banner',
    () => {
      const spec = bundled as FunctionSpec;
      const s = synth({}, { functions: [spec], codeFor: undefined });

      const code = new Capture();
      s.template.hasResourceProperties('AWS::Lambda::Function', {
        Handler: 'index.handler',
        Code: { S3Key: code },
      });
      const assetDir = join(s.app.outdir, `asset.${code.asString().replace(/\.zip$/, '')}`);
      const bundle = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
      expect(bundle.startsWith(ESM_REQUIRE_BANNER)).toBe(true);
      expect(bundle).toMatch(/export\s*\{[^}]*\bhandler\b/);
      expect(bundle).toContain('//# sourceMappingURL=index.mjs.map');
      expect(existsSync(join(assetDir, 'index.mjs.map'))).toBe(true);
      expect(bundle.split('\n').length).toBeLessThan(200);
    },
  );

  it('builds the auditor with yaml in a file of its own beside the bundle, the bundle loading it from there', async () => {
    const spec = FUNCTIONS.find((f) => f.id === 'Auditor') as FunctionSpec;
    const s = synth({}, { functions: [spec], codeFor: undefined });
    const code = new Capture();
    s.template.hasResourceProperties('AWS::Lambda::Function', { Code: { S3Key: code } });
    const assetDir = join(s.app.outdir, `asset.${code.asString().replace(/\.zip$/, '')}`);
    const bundle = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
    // The source map names every file bundled, packages' too: of each sidecar the function lists, none; it has its own.
    const { sources } = JSON.parse(readFileSync(join(assetDir, 'index.mjs.map'), 'utf8')) as {
      sources: string[];
    };
    expect(sources.some((f) => f.includes('node_modules/'))).toBe(true);
    for (const name of spec.sidecarModules ?? []) {
      expect(existsSync(join(assetDir, SIDECAR_MODULES[name].file))).toBe(true);
      expect(sources.filter((f) => f.includes(`node_modules/${name}/`))).toEqual([]);
    }
    expect(bundle).toContain('"./yaml.mjs"');
    // One of yaml's own parse errors: in the sidecar, not in the bundle every cold start reads.
    const yamlMessage = 'Implicit keys need to be on a single line';
    expect(bundle).not.toContain(yamlMessage);
    expect(readFileSync(join(assetDir, 'yaml.mjs'), 'utf8')).toContain(yamlMessage);
    const yaml = (await import(join(assetDir, 'yaml.mjs'))) as typeof import('yaml');
    expect(yaml.parse('env:\n  ENABLE_POD_ENI: true\n')).toEqual({ env: { ENABLE_POD_ENI: true } });
  });
});
