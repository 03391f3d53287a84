/**
 * The Sweeper in the CDK stack: schedule, concurrency, least privilege with the release guard, the dashboard. (cdk-nag
 * over the whole catalog, the Sweeper included, runs in test/infra/stack.test.ts.)
 */

import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { EipKeeperStack } from '../../infra/stack';
import { sweeper } from '../../shared/app/functions';
import { DEFAULT_CONFIG } from '../../shared/config/schema';
import { METRIC, METRICS_NAMESPACE } from '../../shared/runtime/metric-names';
import { cdkJsonContext, placeholderCode } from '../infra/helpers';

type Statement = {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
};

let s: { template: Template };
beforeAll(() => {
  // The defaults with release and the Pricing API on (their statements are deployed only when the configuration
  // uses them), without the cdk-nag pass (slow; test/infra runs it).
  const app = new App({ context: cdkJsonContext() });
  const { sweeper: defaults } = DEFAULT_CONFIG;
  const stack = new EipKeeperStack(app, 'EipKeeper', {
    env: { account: '123456789012', region: 'eu-west-1' },
    config: {
      ...DEFAULT_CONFIG,
      sweeper: { ...defaults, usePricingApi: true, release: { ...defaults.release, enabled: true } },
    },
    codeFor: placeholderCode,
  });
  s = { template: Template.fromStack(stack) };
});

function sweeperStatements(): Statement[] {
  const policies = s.template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^SweeperRole') }] },
  });
  return Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

describe('the Sweeper function', () => {
  it('runs hourly, one at a time', () => {
    s.template.hasResourceProperties('AWS::Lambda::Function', {
      Description: sweeper.description,
      ReservedConcurrentExecutions: 1,
    });
    s.template.hasResourceProperties('AWS::Events::Rule', {
      Description: 'eip-keeper Sweeper: every 60 min',
      ScheduleExpression: 'rate(1 hour)',
    });
  });

  it('may release only addresses tagged neither as a pool member nor to keep, even by a bug', () => {
    const release = sweeperStatements().find((st) => st.Sid === 'ReleaseUntaggedAddresses');
    expect(release).toMatchObject({
      Action: 'ec2:ReleaseAddress',
      Resource: 'arn:aws:ec2:eu-west-1:123456789012:elastic-ip/*',
      Condition: {
        Null: { 'aws:ResourceTag/eip-keeper:pool': 'true', 'aws:ResourceTag/eip-keeper:keep': 'true' },
      },
    });
  });

  it('gets exactly the actions it calls', () => {
    const actions = sweeperStatements()
      .filter((st) => st.Effect === 'Allow')
      .flatMap((st) => (Array.isArray(st.Action) ? st.Action : [st.Action]))
      .filter((a) => !a.startsWith('dynamodb:') && !a.startsWith('logs:') && !a.startsWith('xray:'))
      .sort();
    expect(actions).toEqual(
      [
        'ec2:DescribeAddresses',
        'ec2:ReleaseAddress',
        'kms:Decrypt',
        'kms:GenerateDataKey',
        'pricing:GetProducts',
        'route53:ListHostedZones',
        'route53:ListResourceRecordSets',
        'sns:Publish',
        'sqs:SendMessage',
        'ssm:GetParameter',
      ].sort(),
    );
    const kill = sweeperStatements().find((st) => st.Sid === 'ReadKillSwitch');
    expect(JSON.stringify(kill?.Resource)).toContain(':parameter/eip-keeper/kill-switch');
  });

  it('reads the kill switch but never owns its value: no deploy creates, writes or deletes the parameter', () => {
    const parameters = Object.values(s.template.findResources('AWS::SSM::Parameter'));
    const names = parameters.map((p) => p.Properties.Name);

    expect(names).not.toContain('/eip-keeper/kill-switch');
    expect(Object.keys(s.template.findResources('Custom::AWS'))).toEqual([]);
    s.template.hasOutput('KillSwitchParameterName', { Value: '/eip-keeper/kill-switch' });
  });
});

describe('the finance dashboard', () => {
  it('graphs idle cost, reclaimed dollars, the monthly saving and idle addresses from the Sweeper metrics', () => {
    const dashboards = Object.values(s.template.findResources('AWS::CloudWatch::Dashboard')).filter((d) =>
      JSON.stringify(d).includes('eip-keeper-idle-ip-cost-'),
    );
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0]?.Properties.DashboardBody);
    for (const metricName of [
      METRIC.IdleCostUsd,
      METRIC.ReclaimedUsd,
      METRIC.ReclaimedMonthlyUsd,
      METRIC.IdleAddresses,
      METRIC.OrphanAddresses,
      METRIC.AddressesReleased,
      METRIC.ReleasesBlocked,
    ]) {
      expect(body).toContain(`\\"${METRICS_NAMESPACE}\\",\\"${metricName}\\",\\"service\\",\\"sweeper\\"`);
    }
    for (const title of [
      'Idle cost this month (USD)',
      'Reclaimed this month (USD)',
      'Monthly saving from releases (USD per month)',
      'Idle Elastic IPs now',
    ]) {
      expect(body).toContain(title);
    }
    expect(body).toContain('$0.005 per hour');
  });
});
