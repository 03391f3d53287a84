/**
 * The hub's ingestion on DynamoDB Local: each member event kept once under its account and region, a repeated or late
 * delivery never undoing a newer record nor alerting twice, and what is kept readable per kind across members.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoHubRecords } from '../../shared/hub/dynamo-hub-records';
import { DynamoHubStore } from '../../shared/hub/dynamo-hub-store';
import { createHubIngest } from '../../shared/hub/hub';
import { ALERT_DETAIL_TYPE, LEDGER_DETAIL_TYPE } from '../../shared/hub/model';
import type { Notification } from '../../shared/notify/notification';
import { METRIC } from '../../shared/runtime/metric-names';
import { createTestTable, recordingLog, recordingMetrics, type TestTable } from '../support/dynamo';
import { episode, memberEvent, notification } from './fixtures';

let table: TestTable;
beforeAll(async () => {
  table = await createTestTable('hub');
});
afterAll(() => table.drop());

function hub() {
  const sent: Notification[] = [];
  const metrics = recordingMetrics();
  const ingest = createHubIngest({
    store: new DynamoHubStore(table.doc, table.tableName),
    alerts: {
      async publish(n) {
        sent.push(n);
        return { messageId: `m-${sent.length}` };
      },
    },
    log: recordingLog(),
    metrics,
  });
  return { ingest, sent, metrics, records: new DynamoHubRecords(table.doc, table.tableName) };
}

describe('hub ingestion', () => {
  it('alerts once for an alert delivered twice, naming the account and region', async () => {
    const { ingest, sent } = hub();
    const event = memberEvent(ALERT_DETAIL_TYPE, notification({ dedupKey: 'twice' }));
    expect(await ingest(event)).toMatchObject({ outcome: 'kept', alerted: true });
    expect(await ingest(event)).toMatchObject({ outcome: 'stale', alerted: false });
    expect(sent.map((n) => n.subject)).toEqual([
      '[111122223333 eu-west-1] eip-keeper: orphaned Elastic IP 203.0.113.10',
    ]);
  });

  it('keeps an ended episode when an update made while it was open arrives late', async () => {
    const { ingest, records } = hub();
    const allocationId = 'eipalloc-late';
    const ended = episode({ allocationId, end: '2026-03-01T05:00:00.000Z', endReason: 'in-use' });
    const open = episode({ allocationId });
    await ingest(
      memberEvent(LEDGER_DETAIL_TYPE, { entry: 'episode', episode: ended }, { time: '2026-03-01T05:00:00Z' }),
    );
    const late = await ingest(
      memberEvent(LEDGER_DETAIL_TYPE, { entry: 'episode', episode: open }, { time: '2026-03-01T04:00:00Z' }),
    );
    expect(late.outcome).toBe('stale');
    const kept = (await records.list('episode')).filter((r) => r.data.allocationId === allocationId);
    expect(kept.map((r) => r.data.end)).toEqual(['2026-03-01T05:00:00.000Z']);
  });

  it('keeps the same address of two accounts and regions apart', async () => {
    const { ingest, records } = hub();
    const e = { entry: 'episode', episode: episode({ allocationId: 'eipalloc-same' }) };
    await ingest(memberEvent(LEDGER_DETAIL_TYPE, e));
    await ingest(memberEvent(LEDGER_DETAIL_TYPE, e, { account: '444455556666' }));
    await ingest(memberEvent(LEDGER_DETAIL_TYPE, e, { region: 'us-east-1' }));
    const kept = (await records.list('episode')).filter((r) => r.data.allocationId === 'eipalloc-same');
    expect(kept.map((r) => `${r.account} ${r.region}`).sort()).toEqual([
      '111122223333 eu-west-1',
      '111122223333 us-east-1',
      '444455556666 eu-west-1',
    ]);
  });

  it('ignores an event it cannot key, and keeps nothing of it', async () => {
    const { ingest, sent } = hub();
    const before = (await table.scanAll()).length;
    const out = await ingest(memberEvent(ALERT_DETAIL_TYPE, { subject: 'no key' }));
    expect(out.outcome).toBe('ignored');
    expect((await table.scanAll()).length).toBe(before);
    expect(sent).toEqual([]);
  });

  it('counts what it kept, what was stale, what it ignored and what it alerted, by kind only', async () => {
    const { ingest, metrics } = hub();
    const alert = memberEvent(ALERT_DETAIL_TYPE, notification({ dedupKey: 'counted' }));
    const e = { entry: 'episode', episode: episode({ allocationId: 'eipalloc-counted' }) };
    await ingest(alert);
    await ingest(alert);
    await ingest(memberEvent(LEDGER_DETAIL_TYPE, e));
    await ingest(memberEvent(ALERT_DETAIL_TYPE, { subject: 'no key' }));
    const kept = metrics.entries.filter((m) => m.name === METRIC.HubEventsKept);
    expect(kept.map((m) => m.dimensions)).toEqual([{ kind: 'alert' }, { kind: 'episode' }]);
    expect(metrics.entries.filter((m) => m.name === METRIC.HubEventsStale).map((m) => m.dimensions)).toEqual([
      { kind: 'alert' },
    ]);
    expect(metrics.total(METRIC.HubEventsIgnored)).toBe(1);
    expect(metrics.total(METRIC.HubAlertsSent)).toBe(1);
    // No account or region dimension: thousands of members would be thousands of billed custom metrics.
    for (const m of metrics.entries) expect(Object.keys(m.dimensions ?? {})).not.toContain('account');
  });
});
