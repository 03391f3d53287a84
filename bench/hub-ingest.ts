/**
 * `hubIngest`: the organization hub's ingestion throughput on the simulated region. Member events as many accounts
 * would forward them (per account and region: idle episodes opened, some ended, releases, and one alert each) are
 * put on the hub's bus at once and delivered to the hub's function (the same handler Lambda runs, up to the router's
 * concurrency) over DynamoDB Local; the figure is events kept per second of wall time, with what was kept and alerted
 * checked against what was sent.
 */
import { randomUUID } from 'node:crypto';
import type { EventBridgeEvent } from '../local/core/types';
import { SimulatedRegion } from '../local/region';
import { DynamoHubRecords } from '../shared/hub/dynamo-hub-records';
import { hubIngest } from '../shared/hub/function-spec';
import { ALERT_DETAIL_TYPE, EVENT_SOURCE, LEDGER_DETAIL_TYPE } from '../shared/hub/model';
import { createDocumentClient } from '../shared/store/client';
import { formatTable } from './measure';

export interface HubIngestResult {
  accounts: number;
  events: number;
  wallMs: number;
  eventsPerSecond: number;
  /** Distinct records the events name, and the records the hub's table holds after. */
  expectedRecords: number;
  keptRecords: number;
  alertsSent: number;
  failedInvocations: number;
}

const REGIONS = ['eu-west-1', 'us-east-1'];
const START = '2026-03-01T00:00:00.000Z';

/** The events one member account and region sends: `addresses` episodes (half ended), a release, an alert. */
function memberEvents(account: string, region: string, addresses: number): EventBridgeEvent[] {
  const event = (detailType: string, detail: Record<string, unknown>): EventBridgeEvent => ({
    version: '0',
    id: randomUUID(),
    'detail-type': detailType,
    source: EVENT_SOURCE,
    account,
    region,
    time: START,
    resources: [],
    detail,
  });
  const out: EventBridgeEvent[] = [];
  for (let i = 0; i < addresses; i++) {
    const allocationId = `eipalloc-${account.slice(0, 8)}${String(i).padStart(9, '0')}`;
    const episode = {
      allocationId,
      publicIp: `198.51.100.${i % 250}`,
      key: START,
      start: START,
      source: 'first-observation',
      rateUsd: 0.005,
      end: i % 2 === 0 ? '2026-03-01T06:00:00.000Z' : null,
      endReason: i % 2 === 0 ? 'in-use' : null,
      classification: 'orphan',
    };
    out.push(event(LEDGER_DETAIL_TYPE, { entry: 'episode', episode }));
  }
  const alert = {
    source: 'sweeper',
    kind: 'orphan',
    severity: 'high',
    subject: 'eip-keeper: orphaned Elastic IP',
    title: 'Orphaned Elastic IP',
    account,
    region,
    time: START,
    dedupKey: `orphan#${account}#${region}`,
    resources: [],
    facts: {},
    body: [['An address is idle.']],
    chat: { description: ['An address is idle.'], threadId: 'orphan' },
  };
  out.push(event(ALERT_DETAIL_TYPE, alert));
  return out;
}

export async function runHubIngest(opts: {
  accounts: number;
  addressesPerMember: number;
  dynamoEndpoint: string;
  log: (line: string) => void;
}): Promise<HubIngestResult> {
  const hub = await SimulatedRegion.start({
    accountId: '999988887777',
    functions: [hubIngest],
    iam: false,
    dynamoEndpoint: opts.dynamoEndpoint,
    start: START,
  });
  try {
    const events: EventBridgeEvent[] = [];
    for (let a = 0; a < opts.accounts; a++) {
      const account = String(100000000000 + a);
      for (const region of REGIONS) events.push(...memberEvents(account, region, opts.addressesPerMember));
    }
    opts.log(`hubIngest: ${events.length} events from ${opts.accounts} accounts × ${REGIONS.length} regions`);
    const started = performance.now();
    for (const e of events) hub.bus.put(e);
    await hub.settle();
    const wallMs = performance.now() - started;
    const invocations = hub.bus.invocations.filter((i) => i.functionId === hubIngest.id);
    return {
      accounts: opts.accounts,
      events: events.length,
      wallMs: Math.round(wallMs),
      eventsPerSecond: Math.round((events.length / wallMs) * 1000),
      expectedRecords: events.length,
      keptRecords: await keptRecords(hub),
      alertsSent: hub.sns.messages.length,
      failedInvocations: invocations.filter((i) => i.outcome !== 'ok').length,
    };
  } finally {
    await hub.stop();
  }
}

async function keptRecords(hub: SimulatedRegion): Promise<number> {
  const doc = createDocumentClient(hub.connection());
  try {
    const records = new DynamoHubRecords(doc, hub.tableName);
    const kinds = await Promise.all(
      (['episode', 'release', 'finding', 'alert'] as const).map((k) => records.list(k)),
    );
    return kinds.reduce((n, k) => n + k.length, 0);
  } finally {
    doc.destroy();
  }
}

export function renderHubIngest(r: HubIngestResult): string[] {
  return [
    '',
    `hubIngest: ${r.events} member events (${r.accounts} accounts × ${REGIONS.length} regions) through the hub's bus and function, DynamoDB Local`,
    formatTable(
      ['figure', 'value'],
      [
        ['eventsPerSecond (wall)', r.eventsPerSecond],
        ['wallMs', r.wallMs],
        ['records kept / expected', `${r.keptRecords} / ${r.expectedRecords}`],
        ['alerts sent', r.alertsSent],
        ['failed invocations', r.failedInvocations],
      ],
    ),
  ];
}
