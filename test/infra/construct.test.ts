/**
 * The EipKeeper construct's platform options, in a stack of its own (placeholder code, no bundling): a brought
 * table, key and topic, the permissions boundary, the role-name prefix and tags. The package test
 * (package.test.ts) proves the same options from the built package.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { IncompatibleTableError } from '../../infra/constructs/core-resources';
import { EipKeeper, type EipKeeperProps } from '../../infra/constructs/eip-keeper';
import { InvalidRoleNamePrefixError } from '../../infra/constructs/role-names';
import { FUNCTIONS } from '../../shared/app/functions';
import { InvalidConfigError } from '../../shared/config/schema';
import { TABLE_KEYS } from '../../shared/store/table';
import { placeholderCode } from './helpers';

const env = { account: '123456789012', region: 'eu-west-1' };

function platformStack(): Stack {
  return new Stack(new App(), 'Platform', { env });
}

function keeperIn(stack: Stack, props: EipKeeperProps = {}): { keeper: EipKeeper; template: Template } {
  const keeper = new EipKeeper(stack, 'EipKeeper', { codeFor: placeholderCode, ...props });
  return { keeper, template: Template.fromStack(stack) };
}

const string = dynamodb.AttributeType.STRING;

describe('EipKeeper with a table the platform team brings', () => {
  it('uses a table with the keys and GSI1 the functions need, and creates none', () => {
    const stack = platformStack();
    const table = new dynamodb.Table(stack, 'TeamTable', {
      partitionKey: { name: TABLE_KEYS.partitionKey, type: string },
      sortKey: { name: TABLE_KEYS.sortKey, type: string },
    });
    table.addGlobalSecondaryIndex({
      indexName: TABLE_KEYS.gsi1.name,
      partitionKey: { name: TABLE_KEYS.gsi1.partitionKey, type: string },
      sortKey: { name: TABLE_KEYS.gsi1.sortKey, type: string },
    });
    const { template } = keeperIn(stack, { table });
    expect(Object.keys(template.findResources('AWS::DynamoDB::Table'))).toEqual([
      expect.stringMatching(/^TeamTable/),
    ]);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ EIP_KEEPER_TABLE: { Ref: Match.stringLikeRegexp('^TeamTable') } }),
      },
    });
  });

  it('refuses a table whose keys or index differ, naming each difference', () => {
    const stack = platformStack();
    const table = new dynamodb.Table(stack, 'TeamTable', {
      partitionKey: { name: 'id', type: string },
      sortKey: { name: TABLE_KEYS.sortKey, type: dynamodb.AttributeType.NUMBER },
    });
    expect(() => keeperIn(stack, { table })).toThrow(IncompatibleTableError);
    expect(() => keeperIn(platformStack(), { table })).toThrow(
      /partition key must be PK \(string\), is id \(S\)[\s\S]*sort key must be SK \(string\), is SK \(N\)[\s\S]*index GSI1 is missing/,
    );
  });

  it('takes a table imported by name as it is (CDK cannot read its keys; docs/construct.md states them)', () => {
    const stack = platformStack();
    const table = dynamodb.Table.fromTableName(stack, 'Imported', 'team-eip-keeper');
    const { template } = keeperIn(stack, { table });
    template.resourceCountIs('AWS::DynamoDB::Table', 0);
  });
});

describe('EipKeeper roles', () => {
  it('carry the permissions boundary, every one of them', () => {
    const stack = platformStack();
    const boundary = new iam.ManagedPolicy(stack, 'Boundary', {
      statements: [new iam.PolicyStatement({ actions: ['ec2:*'], resources: ['*'] })],
    });
    const { template } = keeperIn(stack, { permissionsBoundary: boundary });
    const roles = Object.values(template.findResources('AWS::IAM::Role'));
    expect(roles).toHaveLength(FUNCTIONS.length);
    for (const role of roles) {
      expect(role.Properties.PermissionsBoundary).toEqual({
        Ref: stack.getLogicalId(boundary.node.defaultChild as never),
      });
    }
  });

  it('are named <prefix><FunctionId>-<region> with a prefix, and a prefix IAM would refuse fails synth', () => {
    const { template } = keeperIn(platformStack(), { roleNamePrefix: 'team.' });
    const names = Object.values(template.findResources('AWS::IAM::Role')).map((r) => r.Properties.RoleName);
    expect(names.sort()).toEqual(FUNCTIONS.map((f) => `team.${f.id}-eu-west-1`).sort());
    expect(() => keeperIn(platformStack(), { roleNamePrefix: 'team/' })).toThrow(InvalidRoleNamePrefixError);
    expect(() => keeperIn(platformStack(), { roleNamePrefix: 'x'.repeat(40) })).toThrow(
      /longer than IAM's 64/,
    );
  });
});

describe('EipKeeper props', () => {
  it('validate the configuration like eip-keeper.yaml, naming the bad key', () => {
    const bad = { sweeper: { release: { maxPerRun: 1000 } } };
    expect(() => keeperIn(platformStack(), { config: bad })).toThrow(InvalidConfigError);
    expect(() => keeperIn(platformStack(), { config: bad })).toThrow(/sweeper\.release\.maxPerRun/);
  });

  it('tag every taggable resource eip-keeper creates', () => {
    const { template } = keeperIn(platformStack(), { tags: { team: 'network' } });
    for (const type of [
      'AWS::Lambda::Function',
      'AWS::DynamoDB::Table',
      'AWS::SNS::Topic',
      'AWS::KMS::Key',
    ]) {
      for (const r of Object.values(template.findResources(type))) {
        expect(r.Properties.Tags).toEqual(expect.arrayContaining([{ Key: 'team', Value: 'network' }]));
      }
    }
  });

  it('warn when a brought key or topic is from outside the app and its policy cannot be extended', () => {
    const stack = platformStack();
    const encryptionKey = kms.Key.fromKeyArn(
      stack,
      'Key',
      `arn:aws:kms:eu-west-1:${env.account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
    );
    const alertTopic = sns.Topic.fromTopicArn(stack, 'Topic', `arn:aws:sns:eu-west-1:${env.account}:alerts`);
    keeperIn(stack, { encryptionKey, alertTopic });
    const warnings = Annotations.fromStack(stack).findWarning(
      '*',
      Match.stringLikeRegexp('cannot be extended'),
    );
    expect(warnings.map((w) => w.entry.data)).toEqual([
      expect.stringMatching(/key policy .* events\.amazonaws\.com/),
      expect.stringMatching(/topic .* cloudwatch\.amazonaws\.com .* function roles/),
    ]);
  });

  it('admit one EipKeeper per stack: the published deployment is named after the stack', () => {
    const stack = platformStack();
    keeperIn(stack);
    expect(() => new EipKeeper(stack, 'Second', { codeFor: placeholderCode })).toThrow(/one per stack/);
  });
});
