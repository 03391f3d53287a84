/**
 * The CloudWatch dashboard for the security team, beside the finance one: what reached the alert topic, the events
 * and ENIs eip-keeper refused to trust, releases and blocked releases, pools that ran out, what waits in a
 * dead-letter queue, and whether each scheduled function runs.
 *
 * | widget | source |
 * |---|---|
 * | Alerts sent | the topic's `NumberOfMessagesPublished` (every function's alerts and every alarm), the sweeper's `AlertsSent` |
 * | Refused events | `KeeperEventsRejected`, `InventoryEventsRejected` (malformed, spoofed or foreign CloudTrail records) |
 * | Releases and blocks | `AddressesReleased`, `ReleasesBlocked` |
 * | Pools exhausted | `PoolExhausted` per pool |
 * | Dead-letter queues | `ApproximateNumberOfMessagesVisible` of each function's two DLQs |
 * | Scheduled runs | Lambda `Invocations` of each scheduled function (the heartbeat alarms watch the same) |
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { METRIC, METRICS_NAMESPACE, type MetricName } from '../../shared/runtime/metric-names';
import type { OperationalAlarms } from './alarms';
import { type EventFunction, kebabCase } from './event-function';

export interface SecurityDashboardProps {
  readonly topic: sns.ITopic;
  readonly functions: readonly EventFunction[];
  readonly alarms: OperationalAlarms;
}

const HOUR = Duration.hours(1);

/** Every series of a metric the functions emit, whatever its dimensions (a dashboard may SEARCH; an alarm may not). */
function searchAll(metricName: MetricName, label: string): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: `SUM(SEARCH('{${METRICS_NAMESPACE}} MetricName="${metricName}"', 'Sum', 3600))`,
    label,
    period: HOUR,
  });
}

export class SecurityDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: SecurityDashboardProps) {
    super(scope, id);
    const region = Stack.of(this).region;
    const metric = (metricName: MetricName, service: string, label: string) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service },
        statistic: cloudwatch.Stats.SUM,
        period: HOUR,
        label,
      });
    const counts = { label: 'count', showUnits: false, min: 0 };
    const graph = (title: string, left: cloudwatch.IMetric[], width = 12) =>
      new cloudwatch.GraphWidget({ title, width, height: 6, left, leftYAxis: counts });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `eip-keeper-security-${region}`,
      defaultInterval: Duration.days(14),
    });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        width: 24,
        height: 3,
        markdown: [
          '# eip-keeper: security',
          'Every alert goes to the alert topic (subscribe e-mail or chat to it: docs/operating.md). **Refused events** are CloudTrail records eip-keeper would not trust (malformed, spoofed source, another account). A **blocked release** is an orphan kept because something still points at it. Anything in a **dead-letter queue** is an event no function could handle: inspect and redrive it.',
        ].join('\n\n'),
      }),
    );
    this.dashboard.addWidgets(
      graph('Alerts sent', [
        props.topic.metricNumberOfMessagesPublished({ period: HOUR, label: 'to the alert topic (all)' }),
        metric(METRIC.AlertsSent, 'sweeper', 'by the sweeper'),
      ]),
      graph('Refused events (untrusted ENI and EIP records)', [
        metric(METRIC.KeeperEventsRejected, 'keeper-events', 'keeper'),
        searchAll(METRIC.InventoryEventsRejected, 'inventory recorder'),
      ]),
    );
    this.dashboard.addWidgets(
      graph('Releases and blocked releases', [
        metric(METRIC.AddressesReleased, 'sweeper', 'released'),
        metric(METRIC.ReleasesBlocked, 'sweeper', 'blocked'),
      ]),
      graph('Pools exhausted (a pod waits for an allowlisted EIP)', [
        searchAll(METRIC.PoolExhausted, 'exhaustion episodes'),
      ]),
    );
    this.dashboard.addWidgets(
      graph(
        'Events waiting in dead-letter queues',
        props.functions.flatMap((f) =>
          [f.asyncDlq, f.deliveryDlq].map((q) =>
            q.metricApproximateNumberOfMessagesVisible({
              period: Duration.minutes(5),
              statistic: cloudwatch.Stats.MAXIMUM,
              label: `${kebabCase(f.spec.id)} ${q.node.id === 'AsyncDlq' ? 'async' : 'delivery'}`,
            }),
          ),
        ),
      ),
      new cloudwatch.AlarmStatusWidget({
        title: 'Heartbeats and pool alarms',
        width: 12,
        height: 6,
        alarms: [...props.alarms.heartbeats, ...props.alarms.poolExhausted],
      }),
    );
  }
}

/** The console address of a dashboard. */
export function dashboardUrl(region: string, dashboardName: string): string {
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards:name=${dashboardName}`;
}
