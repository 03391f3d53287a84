/**
 * The alarms that say something stopped working, each notifying the alert topic:
 *
 * - a **heartbeat** per scheduled function (the keeper reconciler, the sweeper, the auditor): no invocation for two
 *   schedule intervals. Lambda publishes `Invocations` only for minutes with invocations, so missing data is the
 *   very thing to alarm on (`treatMissingData: breaching`). CloudWatch evaluates at most 7 days (periods of a day at
 *   most): a schedule too long to be watched twice in 7 days gets no heartbeat.
 * - **pool exhausted** per configured pool: the keeper emitted `PoolExhausted` (a pod waits for an allowlisted EIP;
 *   the keeper's own alert says which ENIs wait).
 *
 * https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html (Invocations);
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html (evaluation limits).
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { AppConfig } from '../../shared/config/schema';
import { METRIC, METRICS_NAMESPACE } from '../../shared/runtime/metric-names';
import { type EventFunction, kebabCase } from './event-function';

const MINUTES_PER_DAY = 24 * 60;
/** The longest range an alarm may evaluate (periods of an hour or more). */
export const MAX_ALARM_RANGE_MINUTES = 7 * MINUTES_PER_DAY;

/** How a heartbeat watches a schedule: periods of at most a day, all breaching, covering two intervals. */
export interface HeartbeatWindow {
  periodMinutes: number;
  periods: number;
}

/**
 * The window of a schedule of `scheduleMinutes`: two intervals (one missed run, plus the slack a late datapoint
 * needs), as whole periods of at most a day; undefined when that cannot fit in CloudWatch's 7 days.
 */
export function heartbeatWindow(scheduleMinutes: number): HeartbeatWindow | undefined {
  const window = 2 * scheduleMinutes;
  if (window > MAX_ALARM_RANGE_MINUTES) return undefined;
  const periods = Math.ceil(window / MINUTES_PER_DAY);
  return { periodMinutes: Math.ceil(window / periods), periods };
}

export interface OperationalAlarmsProps {
  readonly functions: readonly EventFunction[];
  readonly config: AppConfig;
  readonly topic: sns.ITopic;
  /** Functions whose metrics carry PoolExhausted (the keeper's, by catalog id). */
  readonly keeperFunctionIds: readonly string[];
}

export class OperationalAlarms extends Construct {
  readonly heartbeats: cloudwatch.Alarm[] = [];
  readonly poolExhausted: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: OperationalAlarmsProps) {
    super(scope, id);
    const action = new SnsAction(props.topic);
    for (const fn of props.functions) {
      const minutes = fn.spec.scheduleMinutes?.(props.config);
      const window = minutes === undefined ? undefined : heartbeatWindow(minutes);
      if (minutes === undefined || !window) continue;
      const alarm = new cloudwatch.Alarm(this, `${fn.spec.id}Heartbeat`, {
        alarmDescription: `eip-keeper ${fn.spec.id} has not run for ${2 * minutes} minutes (scheduled every ${minutes}): check its EventBridge schedule rule and that the function exists. Right after the first deploy it may fire once, until the first scheduled run.`,
        metric: fn.function.metricInvocations({
          period: Duration.minutes(window.periodMinutes),
          statistic: cloudwatch.Stats.SUM,
        }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: window.periods,
        datapointsToAlarm: window.periods,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      });
      alarm.addAlarmAction(action);
      this.heartbeats.push(alarm);
    }
    const services = props.keeperFunctionIds.map(kebabCase);
    if (services.length === 0) return;
    for (const pool of props.config.pools) {
      const metrics = Object.fromEntries(
        services.map((service, i) => [
          `m${i}`,
          new cloudwatch.Metric({
            namespace: METRICS_NAMESPACE,
            metricName: METRIC.PoolExhausted,
            dimensionsMap: { service, Pool: pool.name },
            statistic: cloudwatch.Stats.SUM,
            period: Duration.minutes(5),
          }),
        ]),
      );
      const alarm = new cloudwatch.Alarm(this, `PoolExhausted${this.poolExhausted.length}`, {
        alarmDescription: `eip-keeper pool ${pool.name} is exhausted: a pod waits for an allowlisted Elastic IP (the keeper's alert names it). Add a partner-allowlisted address to the pool, or find the ENIs that hold its EIPs.`,
        metric: new cloudwatch.MathExpression({
          expression: Object.keys(metrics).join(' + '),
          usingMetrics: metrics,
          label: `${pool.name} exhausted`,
          period: Duration.minutes(5),
        }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(action);
      this.poolExhausted.push(alarm);
    }
  }
}
