/**
 * The organization hub's CloudWatch dashboard: what the hub took in from every member account and region, by kind,
 * the members' alerts it sent again, what it refused or failed to ingest, and what waits in its dead-letter queues.
 *
 * | widget | source |
 * |---|---|
 * | Member events kept | `HubEventsKept` per kind (episode, release, finding, alert), `HubEventsStale` (repeats) |
 * | Alerts sent | `HubAlertsSent`, the hub topic's `NumberOfMessagesPublished` (alerts and alarms) |
 * | Refused or failed | `HubEventsIgnored`, the function's Lambda `Errors`, the rule's EventBridge `FailedInvocations` |
 * | Dead-letter queues | `ApproximateNumberOfMessagesVisible` of the function's two DLQs |
 *
 * The hub's metrics carry no account or region dimension: in an organization of a thousand accounts in two regions
 * that would be thousands of custom metrics, each billed every month (https://aws.amazon.com/cloudwatch/pricing/).
 * Per-member figures, and the organization's idle cost and reclaimed savings, come from `eip-keeper report --org`:
 * the ingestion sees one event at a time and has no organization total to emit.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { HUB_KINDS } from '../../shared/hub/model';
import { METRIC, METRICS_NAMESPACE, type MetricName } from '../../shared/runtime/metric-names';
import { type EventFunction, kebabCase } from './event-function';

export interface HubDashboardProps {
  readonly topic: sns.ITopic;
  readonly ingest: EventFunction;
}

const HOUR = Duration.hours(1);

const HEADER = `# eip-keeper: organization hub

Every member account and region sends its alerts, readiness findings and cost-ledger changes to the hub's bus. **Stale** events are repeated or late deliveries the hub already had newer. **Ignored** events are not eip-keeper's or not of its shape. Per account and region, and for the organization's idle cost and reclaimed savings: \`npx eip-keeper report --org --table <HubTableName>\`.`;

export class HubDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: HubDashboardProps) {
    super(scope, id);
    const region = Stack.of(this).region;
    // Every metric a function writes carries its service name (shared/runtime/emf.ts).
    const service = kebabCase(props.ingest.spec.id);
    const metric = (metricName: MetricName, label: string, dims: Record<string, string> = {}) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service, ...dims },
        statistic: cloudwatch.Stats.SUM,
        period: HOUR,
        label,
      });
    const counts = { label: 'count', showUnits: false, min: 0 };
    const graph = (title: string, left: cloudwatch.IMetric[]) =>
      new cloudwatch.GraphWidget({ title, width: 12, height: 6, left, leftYAxis: counts });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `eip-keeper-hub-${region}`,
      defaultInterval: Duration.days(14),
    });
    this.dashboard.addWidgets(new cloudwatch.TextWidget({ width: 24, height: 3, markdown: HEADER }));
    this.dashboard.addWidgets(
      graph('Member events kept, by kind', [
        ...HUB_KINDS.map((kind) => metric(METRIC.HubEventsKept, kind, { kind })),
        ...HUB_KINDS.map((kind) => metric(METRIC.HubEventsStale, `${kind} (stale)`, { kind })),
      ]),
      graph("Members' alerts sent on the hub's topic", [
        metric(METRIC.HubAlertsSent, "members' alerts"),
        props.topic.metricNumberOfMessagesPublished({ period: HOUR, label: 'to the hub topic (all)' }),
      ]),
    );
    const rules = props.ingest.rules.map(
      (rule) =>
        new cloudwatch.Metric({
          namespace: 'AWS/Events',
          metricName: 'FailedInvocations',
          dimensionsMap: { RuleName: rule.ruleName },
          statistic: cloudwatch.Stats.SUM,
          period: HOUR,
          label: 'deliveries to the function that failed',
        }),
    );
    this.dashboard.addWidgets(
      graph('Refused or failed ingestion', [
        metric(METRIC.HubEventsIgnored, 'ignored (not eip-keeper, or malformed)'),
        props.ingest.function.metricErrors({ period: HOUR, label: 'function errors' }),
        ...rules,
      ]),
      graph(
        'Events waiting in dead-letter queues',
        [props.ingest.asyncDlq, props.ingest.deliveryDlq].map((q) =>
          q.metricApproximateNumberOfMessagesVisible({
            period: Duration.minutes(5),
            statistic: cloudwatch.Stats.MAXIMUM,
            label: q.node.id === 'AsyncDlq' ? 'async' : 'delivery',
          }),
        ),
      ),
    );
  }
}
