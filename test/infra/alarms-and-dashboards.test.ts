/** The heartbeat and pool-exhaustion alarms, the security dashboard beside the finance one, and their outputs. */
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heartbeatWindow, MAX_ALARM_RANGE_MINUTES } from '../../infra/constructs/alarms';
import { METRIC } from '../../shared/runtime/metric-names';
import { removeAssemblies, type Synth, synth } from './helpers';

afterAll(removeAssemblies);

const pool = (name: string, sg: string, member: string) => ({
  name,
  cluster: 'prod',
  vpcId: 'vpc-0123456789abcdef0',
  members: [member],
  selector: { securityGroupIds: [sg] },
});
const POOLS = JSON.stringify([
  pool('partner-a', 'sg-0123456789abcdef0', '203.0.113.10'),
  pool('partner-b', 'sg-0123456789abcdef1', '203.0.113.11'),
]);

type Resource = { Properties: Record<string, unknown> };

describe('a heartbeat window', () => {
  it.each([
    [5, { periodMinutes: 10, periods: 1 }],
    [60, { periodMinutes: 120, periods: 1 }],
    [24 * 60, { periodMinutes: 1440, periods: 2 }],
    [30 * 60, { periodMinutes: 1200, periods: 3 }],
    [84 * 60, { periodMinutes: 1440, periods: 7 }],
  ])('covers two intervals of a %i-minute schedule in periods of at most a day', (minutes, window) => {
    const w = heartbeatWindow(minutes);

    expect(w).toEqual(window);
    expect((w?.periodMinutes ?? 0) * (w?.periods ?? 0)).toBeGreaterThanOrEqual(2 * minutes);
    expect((w?.periodMinutes ?? 0) * (w?.periods ?? 0)).toBeLessThanOrEqual(MAX_ALARM_RANGE_MINUTES);
  });

  it('is none for a schedule CloudWatch cannot watch twice in 7 days', () => {
    expect(heartbeatWindow(168 * 60)).toBeUndefined();
  });
});

describe('the stack', () => {
  let s: Synth;
  let alarms: Resource[];
  beforeAll(() => {
    s = synth({ pools: POOLS }, {}, undefined, { nag: false });
    alarms = Object.values(s.template.findResources('AWS::CloudWatch::Alarm')) as Resource[];
  });

  const alarmOf = (description: RegExp) =>
    alarms.filter((a) => description.test(String(a.Properties.AlarmDescription)));

  it('raises a heartbeat alarm on the topic when a scheduled function has not run for two intervals', () => {
    const expected = { KeeperReconciler: [600, 1], Sweeper: [7200, 1], Auditor: [86400, 2] };
    for (const [id, [period, periods]] of Object.entries(expected)) {
      const [alarm] = alarmOf(new RegExp(`^eip-keeper ${id} has not run`));
      expect(alarm?.Properties).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'Invocations',
        Statistic: 'Sum',
        Period: period,
        EvaluationPeriods: periods,
        DatapointsToAlarm: periods,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'breaching',
        AlarmActions: [{ Ref: expect.stringMatching(/^AlertTopic/) }],
      });
    }
    expect(alarmOf(/has not run/)).toHaveLength(3);
  });

  it('raises an alarm per pool when the keeper reports it exhausted, from either keeper function', () => {
    const pools = alarmOf(/^eip-keeper pool partner-[ab] is exhausted/);

    expect(pools).toHaveLength(2);
    const metrics = pools[0]?.Properties.Metrics as Array<{
      Expression?: string;
      MetricStat?: { Metric: { MetricName: string; Dimensions: Array<{ Name: string; Value: string }> } };
    }>;
    expect(metrics.find((m) => m.Expression)?.Expression).toBe('m0 + m1');
    const dims = metrics.flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric] : []));
    expect(dims.map((m) => m.MetricName)).toEqual([METRIC.PoolExhausted, METRIC.PoolExhausted]);
    expect(dims.map((m) => Object.fromEntries(m.Dimensions.map((d) => [d.Name, d.Value])))).toEqual([
      { service: 'keeper-events', Pool: 'partner-a' },
      { service: 'keeper-reconciler', Pool: 'partner-a' },
    ]);
    expect(pools[0]?.Properties).toMatchObject({
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it('has a security dashboard beside the finance one, with alerts, refused events, releases, blocks and DLQs', () => {
    const dashboards = s.template.findResources('AWS::CloudWatch::Dashboard');
    const security = Object.values(dashboards).find((d) =>
      JSON.stringify(d).includes('eip-keeper-security-'),
    ) as Resource;
    const body = JSON.stringify(security.Properties.DashboardBody);

    expect(Object.keys(dashboards)).toHaveLength(2);
    for (const name of [
      'NumberOfMessagesPublished',
      METRIC.AlertsSent,
      METRIC.KeeperEventsRejected,
      METRIC.InventoryEventsRejected,
      METRIC.AddressesReleased,
      METRIC.ReleasesBlocked,
      METRIC.PoolExhausted,
      'ApproximateNumberOfMessagesVisible',
    ])
      expect(body, name).toContain(name);
  });

  it('links both dashboards from the stack outputs', () => {
    for (const output of ['FinanceDashboardUrl', 'SecurityDashboardUrl']) {
      s.template.hasOutput(output, {
        Value: Match.objectLike({ 'Fn::Join': Match.anyValue() }),
      });
      const value = JSON.stringify(s.template.toJSON().Outputs[output].Value);
      expect(value).toContain('.console.aws.amazon.com/cloudwatch/home?region=');
      expect(value).toContain('#dashboards:name=');
    }
  });
});
