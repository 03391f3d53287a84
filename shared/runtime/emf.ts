/**
 * Metrics as CloudWatch embedded metric format (EMF) lines on stdout, which Lambda's log delivery turns into metrics
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
 * Every metric carries the `service` dimension (the function's service name, which the dashboards and alarms
 * select); one added with its own dimensions is written at once in a document of its own, the rest together at the
 * end of the invocation (`flush`). A document holds at most 100 metrics and 100 values of each (the format's limits).
 */
import type { MetricsSink, MetricUnit } from './context';

const MAX_METRICS_PER_DOCUMENT = 100;
const MAX_VALUES_PER_METRIC = 100;

interface Pending {
  unit: MetricUnit;
  values: number[];
}

function emfDocument(
  namespace: string,
  dimensions: Record<string, string>,
  metrics: ReadonlyArray<[string, Pending]>,
  timestamp: number,
): string {
  const body: Record<string, unknown> = {
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [
        {
          Namespace: namespace,
          Dimensions: [Object.keys(dimensions)],
          Metrics: metrics.map(([Name, { unit }]) => ({ Name, Unit: unit })),
        },
      ],
    },
    ...dimensions,
  };
  for (const [name, { values }] of metrics) body[name] = values.length === 1 ? values[0] : values;
  return `${JSON.stringify(body)}\n`;
}

export function emfMetrics(
  namespace: string,
  service: string,
  write: (line: string) => void = (line) => process.stdout.write(line),
  now: () => number = Date.now,
): MetricsSink {
  let pending = new Map<string, Pending>();
  const flushFull = () => {
    const entries = [...pending.entries()];
    pending = new Map();
    for (let i = 0; i < entries.length; i += MAX_METRICS_PER_DOCUMENT) {
      write(emfDocument(namespace, { service }, entries.slice(i, i + MAX_METRICS_PER_DOCUMENT), now()));
    }
  };
  return {
    add(name, value, unit = 'Count', dimensions) {
      if (dimensions && Object.keys(dimensions).length > 0) {
        write(emfDocument(namespace, { service, ...dimensions }, [[name, { unit, values: [value] }]], now()));
        return;
      }
      const metric = pending.get(name) ?? { unit, values: [] };
      metric.values.push(value);
      pending.set(name, metric);
      if (metric.values.length >= MAX_VALUES_PER_METRIC) flushFull();
    },
    flush() {
      if (pending.size > 0) flushFull();
    },
  };
}
