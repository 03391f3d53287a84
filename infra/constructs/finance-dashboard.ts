/**
 * The CloudWatch dashboard for finance: what idle Elastic IPs cost, what eip-keeper's releases saved, and how many
 * idle addresses there are, from the metrics the Sweeper emits after every sweep (namespace `EipKeeper`, dimension
 * `service=sweeper`, written as EMF by shared/runtime/emf.ts):
 *
 * | metric                | meaning (a gauge unless noted)                                                        |
 * |-----------------------|---------------------------------------------------------------------------------------|
 * | `IdleCostUsd`         | cost of idle address-hours this calendar month so far (UTC)                           |
 * | `ReclaimedUsd`        | dollars not billed this month thanks to releases (price × hours since each release)   |
 * | `ReclaimedMonthlyUsd` | projected saving per 30-day month of every release so far                             |
 * | `IdleAddresses`       | unassociated addresses now (load-balancer owned ones excluded)                        |
 * | `OrphanAddresses`     | idle past the grace period, owned by no pool, not exempt                              |
 * | `AddressesReleased`, `ReleasesBlocked` | per sweep (summed per day)                                           |
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { METRIC, METRICS_NAMESPACE, type MetricName } from '../../shared/runtime/metric-names';

export interface FinanceDashboardProps {
  /** The `service` dimension of the Sweeper's metrics. @default 'sweeper' */
  readonly service?: string;
  /** Price shown in the explanation (USD per address-hour). */
  readonly hourlyRateUsd: number;
  /** Minutes between sweeps (the metrics' natural period). */
  readonly sweepMinutes: number;
}

export class FinanceDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: FinanceDashboardProps) {
    super(scope, id);
    const service = props.service ?? 'sweeper';
    const region = Stack.of(this).region;
    const metric = (metricName: MetricName, label: string, statistic: string, period: Duration) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service },
        statistic,
        period,
        label,
      });
    const hourly = Duration.minutes(Math.max(60, props.sweepMinutes));
    const daily = Duration.days(1);
    const usd = { label: 'US dollars', showUnits: false, min: 0 };

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `eip-keeper-idle-ip-cost-${region}`,
      defaultInterval: Duration.days(35),
    });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        width: 24,
        height: 4,
        markdown: [
          '# Idle Elastic IPs: cost and savings',
          `AWS bills every public IPv4 address **$${props.hourlyRateUsd} per hour** (about $${(props.hourlyRateUsd * 720).toFixed(2)} per 30-day month), used or not. ` +
            'An *idle* Elastic IP is one attached to nothing: pure cost. eip-keeper alerts on idle addresses and, when releasing is enabled, releases orphans after a notice period.',
          '**Idle cost** is what idle addresses cost this month so far. **Reclaimed** is what releases saved this month (price × hours since each release). ' +
            '**Monthly saving** is what all releases so far save per month from now on. Months are UTC calendar months; `npx eip-keeper report` gives the same figures per address.',
        ].join('\n\n'),
      }),
    );
    const tile = (title: string, ...metrics: cloudwatch.IMetric[]) =>
      new cloudwatch.SingleValueWidget({ title, width: 6, height: 5, metrics, fullPrecision: false });
    const graph = (
      title: string,
      left: cloudwatch.IMetric[],
      more: Partial<cloudwatch.GraphWidgetProps> = {},
    ) => new cloudwatch.GraphWidget({ title, width: 12, height: 7, left, ...more });
    const addresses = { label: 'addresses', showUnits: false, min: 0 };
    this.dashboard.addWidgets(
      tile(
        'Idle cost this month (USD)',
        metric(METRIC.IdleCostUsd, 'Idle cost, month to date', 'Maximum', hourly),
      ),
      tile(
        'Reclaimed this month (USD)',
        metric(METRIC.ReclaimedUsd, 'Reclaimed, month to date', 'Maximum', hourly),
      ),
      tile(
        'Monthly saving from releases (USD per month)',
        metric(METRIC.ReclaimedMonthlyUsd, 'Saving per 30-day month', 'Maximum', hourly),
      ),
      tile(
        'Idle Elastic IPs now',
        metric(METRIC.IdleAddresses, 'Idle addresses', 'Maximum', hourly),
        metric(METRIC.OrphanAddresses, 'of which orphans', 'Maximum', hourly),
      ),
    );
    this.dashboard.addWidgets(
      graph(
        'Idle cost vs. reclaimed, month to date (USD)',
        [
          metric(METRIC.IdleCostUsd, 'Idle cost, month to date', 'Maximum', daily),
          metric(METRIC.ReclaimedUsd, 'Reclaimed, month to date', 'Maximum', daily),
        ],
        { leftYAxis: usd, view: cloudwatch.GraphWidgetView.TIME_SERIES },
      ),
      graph(
        'Monthly saving from released addresses (USD per month)',
        [metric(METRIC.ReclaimedMonthlyUsd, 'Saving per 30-day month', 'Maximum', daily)],
        { leftYAxis: usd },
      ),
    );
    this.dashboard.addWidgets(
      graph(
        'Idle Elastic IPs',
        [
          metric(METRIC.IdleAddresses, 'Idle addresses', 'Maximum', hourly),
          metric(METRIC.OrphanAddresses, 'Orphans (idle past the grace period, no owner)', 'Maximum', hourly),
        ],
        { leftYAxis: addresses },
      ),
      graph(
        'Releases per day',
        [
          metric(METRIC.AddressesReleased, 'Released', 'Sum', daily),
          metric(METRIC.ReleasesBlocked, 'Blocked (DNS, lock, reverse DNS)', 'Sum', daily),
        ],
        { leftYAxis: addresses, view: cloudwatch.GraphWidgetView.BAR },
      ),
    );
  }
}
