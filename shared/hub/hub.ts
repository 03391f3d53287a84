/**
 * The hub's ingestion: one member event in, kept in the organization-wide table and, for a member's alert, told on
 * the hub's topic with its account and region. The decision is `decideIngest`; this shell only stores and publishes.
 * An alert is published only by the delivery that first stored it, so EventBridge's at-least-once delivery does not
 * send it twice. Its metrics are dimensioned by kind only: per account and region they would be thousands of custom
 * metrics in a large organization, each billed monthly (docs/hub.md); the report gives the per-member figures.
 */
import type { Log, MetricsSink } from '../runtime/context';
import { METRIC } from '../runtime/metric-names';
import { decideIngest } from './decide-ingest';
import type { HubStore } from './hub-store';
import type { MemberEvent } from './model';
import type { HubAlertPort } from './ports';

export interface HubIngestDeps {
  store: HubStore;
  alerts: HubAlertPort;
  log: Log;
  metrics: MetricsSink;
}

export type HubIngestResult =
  | { outcome: 'kept' | 'stale'; kind: string; account: string; region: string; alerted: boolean }
  | { outcome: 'ignored'; reason: string };

export function createHubIngest(deps: HubIngestDeps): (event: MemberEvent) => Promise<HubIngestResult> {
  return async (event) => {
    const decision = decideIngest(event);
    if (decision.action === 'ignore') {
      deps.log.warn('hub: event ignored', { reason: decision.reason, id: event.id });
      deps.metrics.add(METRIC.HubEventsIgnored, 1);
      return { outcome: 'ignored', reason: decision.reason };
    }
    const { item, alert } = decision;
    const written = await deps.store.put(item);
    const alerted = written && alert !== undefined;
    if (alerted) await deps.alerts.publish(alert);
    deps.metrics.add(written ? METRIC.HubEventsKept : METRIC.HubEventsStale, 1, 'Count', { kind: item.kind });
    if (alerted) deps.metrics.add(METRIC.HubAlertsSent, 1);
    const where = { kind: item.kind, account: item.account, region: item.region };
    return { outcome: written ? 'kept' : 'stale', ...where, alerted };
  };
}
