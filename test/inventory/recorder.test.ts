import { readFileSync } from 'node:fs';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHandler } from '../../functions/inventory-recorder';
import { DynamoInventoryStore } from '../../shared/inventory/dynamo-inventory-store';
import { createInventoryRecorder, type InventoryRecorderResult } from '../../shared/inventory/inventory';
import type { InventoryStore } from '../../shared/inventory/inventory-store';
import { associationKey, eipHistoryKey } from '../../shared/inventory/keys';
import { RefoldConflictError } from '../../shared/inventory/refold';
import { ct, ORIGIN, shuffled } from '../support/cloudtrail';
import {
  createTestTable,
  recordingLog,
  recordingMetrics,
  type TestTable,
  testRuntimeContext,
} from '../support/dynamo';

const A = 'eipalloc-0aaaaaaaaaaaaaaa1';
const B = 'eipalloc-0bbbbbbbbbbbbbbb2';
const ENI1 = 'eni-01111111111111111';
const ENI2 = 'eni-02222222222222222';
const ENI3 = 'eni-03333333333333333';
const T = (hms: string) => `2026-01-05T${hms}Z`;
const ms = (hms: string) => `2026-01-05T${hms}.000Z`;

/**
 * Two EIPs and three branch ENIs: A and B sit on eni-1 until its pod dies; A moves to eni-2, is disassociated by
 * bob, re-associated, then moved to eni-3 by the keeper; B is released; eni-2 is deleted after A left it.
 */
const STORY = [
  ct.allocate({ id: 'ev-01', at: T('09:00:00') }, A, '203.0.113.10'),
  ct.allocate({ id: 'ev-02', at: T('09:00:10') }, B, '203.0.113.20'),
  ct.createEni({ id: 'ev-03', at: T('09:10:00') }, ENI1, { privateIp: '10.0.0.10' }),
  ct.associate({ id: 'ev-04', at: T('09:10:05') }, A, 'eipassoc-01', ENI1, '10.0.0.10'),
  ct.associate({ id: 'ev-05', at: T('09:10:06') }, B, 'eipassoc-02', ENI1, '10.0.0.11'),
  ct.createEni({ id: 'ev-06', at: T('09:20:00') }, ENI2, { privateIp: '10.0.0.20' }),
  ct.deleteEni({ id: 'ev-07', at: T('09:41:00') }, ENI1),
  ct.associate({ id: 'ev-08', at: T('09:42:00') }, A, 'eipassoc-03', ENI2, '10.0.0.20'),
  ct.disassociate({ id: 'ev-09', at: T('09:50:00') }, 'eipassoc-03'),
  ct.associate({ id: 'ev-10', at: T('09:55:00') }, A, 'eipassoc-04', ENI2, '10.0.0.20'),
  ct.release({ id: 'ev-11', at: T('10:00:00') }, B),
  ct.createEni({ id: 'ev-12', at: T('10:05:00') }, ENI3, { privateIp: '10.0.0.30' }),
  ct.associate({ id: 'ev-13', at: T('10:06:00') }, A, 'eipassoc-05', ENI3, '10.0.0.30'),
  ct.deleteEni({ id: 'ev-14', at: T('10:07:00') }, ENI2),
];

const tables: TestTable[] = [];
async function newTable(): Promise<TestTable> {
  const t = await createTestTable('recorder');
  tables.push(t);
  return t;
}

afterEach(async () => {
  await Promise.all(tables.splice(0).map((t) => t.drop()));
});

function handlerFor(table: TestTable) {
  const test = testRuntimeContext(table);
  return { handle: createHandler(test.ctx), ...test };
}

/** The table's items, without the optimistic-concurrency version (which counts writes, not inputs). */
async function contents(table: TestTable) {
  return (await table.scanAll()).map(({ version: _version, ...rest }) => rest);
}

async function sequentially(table: TestTable, events: unknown[]): Promise<InventoryRecorderResult[]> {
  const { handle } = handlerFor(table);
  const results: InventoryRecorderResult[] = [];
  for (const e of events) results.push(await handle(e));
  return results;
}

async function concurrently(table: TestTable, events: unknown[]): Promise<InventoryRecorderResult[]> {
  // Separate handlers, as separate Lambda execution environments would be.
  return Promise.all(events.map((e) => handlerFor(table).handle(e)));
}

describe('the inventory recorder, delivered the story in order', () => {
  let table: TestTable;
  beforeEach(async () => {
    table = await newTable();
    await sequentially(table, STORY);
  });

  it('shows the EIP that moved across three ENIs held by the last one, and who moved it', async () => {
    const store = new DynamoInventoryStore(table.doc, table.tableName);
    expect(await store.getEipState(A)).toMatchObject({
      allocationId: A,
      publicIp: '203.0.113.10',
      status: 'associated',
      allocatedAt: ms('09:00:00'),
      allocatedBy: { type: 'IAMUser', userName: 'alice' },
      holder: {
        associationId: 'eipassoc-05',
        eniId: ENI3,
        privateIp: '10.0.0.30',
        since: ms('10:06:00'),
        by: { type: 'AssumedRole', userName: 'eip-keeper-function' },
      },
      idleSince: null,
      lastHolder: {
        associationId: 'eipassoc-04',
        eniId: ENI2,
        ended: { kind: 'reassociated', at: ms('10:06:00') },
      },
      lastChange: { eventName: 'AssociateAddress', eventId: 'ev-13' },
      inputCount: 8,
    });
  });

  it('shows the released EIP, and that its pod ENI was deleted before', async () => {
    const store = new DynamoInventoryStore(table.doc, table.tableName);
    expect(await store.getEipState(B)).toMatchObject({
      status: 'released',
      releasedAt: ms('10:00:00'),
      releasedBy: { userName: 'alice' },
      holder: null,
      idleSince: ms('09:41:00'),
      lastHolder: {
        associationId: 'eipassoc-02',
        eniId: ENI1,
        privateIp: '10.0.0.11',
        ended: { kind: 'eni-deleted', at: ms('09:41:00'), by: { invokedBy: 'eks.amazonaws.com' } },
      },
      lastChange: { eventName: 'ReleaseAddress' },
    });
  });

  it('lists both EIP states and every recorded event of an EIP', async () => {
    const store = new DynamoInventoryStore(table.doc, table.tableName);
    expect((await store.listEipStates()).map((s) => s.allocationId)).toEqual([A, B]);
    expect((await store.listEipHistory(A)).map((e) => e.eventId)).toEqual([
      'ev-01',
      'ev-04',
      'ev-08',
      'ev-09',
      'ev-10',
      'ev-13',
    ]);
  });

  it('keeps each ENI with its creation, deletion and the EIPs it ever held', async () => {
    const store = new DynamoInventoryStore(table.doc, table.tableName);
    expect(await store.getEniRecord(ENI1)).toMatchObject({
      eniId: ENI1,
      createdAt: ms('09:10:00'),
      description: 'aws-k8s-branch-eni',
      securityGroupIds: ['sg-0123456789abcdef0'],
      deletedAt: ms('09:41:00'),
      allocationIds: [A, B],
    });
    expect(await store.getEniRecord(ENI3)).toMatchObject({ allocationIds: [A] });
    expect((await store.getEniRecord(ENI3))?.deletedAt).toBeUndefined();
  });
});

describe('the inventory recorder under at-least-once, out-of-order and concurrent delivery', () => {
  let reference: Awaited<ReturnType<typeof contents>>;
  beforeEach(async () => {
    const table = await newTable();
    await sequentially(table, STORY);
    reference = await contents(table);
  });

  it.each([1, 2, 3, 4, 5, 6])('ends in the same table for shuffled delivery (seed %i)', async (seed) => {
    const table = await newTable();
    await sequentially(table, shuffled(STORY, seed));
    expect(await contents(table)).toEqual(reference);
  });

  it.each([7, 8, 9])(
    'ends in the same table when every event is delivered twice, shuffled (seed %i)',
    async (seed) => {
      const table = await newTable();
      await sequentially(table, shuffled([...STORY, ...STORY], seed));
      expect(await contents(table)).toEqual(reference);
    },
  );

  it('ends in the same table when the story is delivered backwards', async () => {
    const table = await newTable();
    await sequentially(table, [...STORY].reverse());
    expect(await contents(table)).toEqual(reference);
  });

  it.each([10, 11, 12])(
    'ends in the same table when every event, duplicated, is handled at once (seed %i)',
    async (seed) => {
      const table = await newTable();
      await concurrently(table, shuffled([...STORY, ...STORY], seed));
      expect(await contents(table)).toEqual(reference);
    },
  );

  it('ends in the same table when the events of one EIP and ENI race in waves', async () => {
    const table = await newTable();
    const order = shuffled(STORY, 13);
    for (let i = 0; i < order.length; i += 4) await concurrently(table, order.slice(i, i + 4));
    expect(await contents(table)).toEqual(reference);
  });
});

describe('the inventory recorder on awkward orders', () => {
  it('records a disassociation that arrives before its association', async () => {
    const table = await newTable();
    const [dis] = await sequentially(table, [ct.disassociate({ id: 'd', at: T('09:50:00') }, 'eipassoc-03')]);
    expect(dis).toMatchObject({
      outcome: 'recorded',
      eventName: 'DisassociateAddress',
      eventId: 'd',
      allocationIds: [],
      pending: true,
    });
    const [assoc] = await sequentially(table, [
      ct.associate({ id: 'a', at: T('09:42:00') }, A, 'eipassoc-03', ENI2),
    ]);
    expect(assoc?.allocationIds).toEqual([A]);
    const store = new DynamoInventoryStore(table.doc, table.tableName);
    expect(await store.getEipState(A)).toMatchObject({
      status: 'idle',
      idleSince: ms('09:50:00'),
      lastHolder: { associationId: 'eipassoc-03', ended: { kind: 'disassociated', eventId: 'd' } },
    });
    expect((await store.listEipHistory(A)).map((e) => e.eventName)).toEqual([
      'AssociateAddress',
      'DisassociateAddress',
    ]);
  });

  it('records the deletion of an ENI that arrives before the association to it', async () => {
    const table = await newTable();
    const [del] = await sequentially(table, [ct.deleteEni({ id: 'del', at: T('09:41:00') }, ENI1)]);
    expect(del).toMatchObject({ outcome: 'recorded', allocationIds: [] });
    await sequentially(table, [ct.associate({ id: 'a', at: T('09:10:05') }, A, 'eipassoc-01', ENI1)]);
    const store = new DynamoInventoryStore(table.doc, table.tableName);
    expect(await store.getEipState(A)).toMatchObject({
      status: 'idle',
      holder: null,
      idleSince: ms('09:41:00'),
      lastHolder: { associationId: 'eipassoc-01', ended: { kind: 'eni-deleted', eventId: 'del' } },
    });
  });

  it('refolds every EIP an ENI held when the ENI is deleted', async () => {
    const table = await newTable();
    const results = await sequentially(table, [
      ct.associate({ id: 'a', at: T('09:10:05') }, A, 'eipassoc-01', ENI1),
      ct.associate({ id: 'b', at: T('09:10:06') }, B, 'eipassoc-02', ENI1, '10.0.0.11'),
      ct.deleteEni({ id: 'del', at: T('09:41:00') }, ENI1),
    ]);
    expect(results[2]).toMatchObject({ outcome: 'recorded', allocationIds: [A, B] });
    const store = new DynamoInventoryStore(table.doc, table.tableName);
    for (const id of [A, B]) expect(await store.getEipState(id)).toMatchObject({ status: 'idle' });
  });

  it('keeps the tombstone of an ENI whose deletion arrives before its creation', async () => {
    const table = await newTable();
    await sequentially(table, [ct.deleteEni({ id: 'del', at: T('09:41:00') }, ENI1)]);
    await sequentially(table, [ct.createEni({ id: 'cre', at: T('09:10:00') }, ENI1)]);
    const store = new DynamoInventoryStore(table.doc, table.tableName);
    expect(await store.getEniRecord(ENI1)).toMatchObject({
      createdAt: ms('09:10:00'),
      deletedAt: ms('09:41:00'),
    });
  });

  it('still maps a disassociation once the association link has expired, through the holder', async () => {
    const table = await newTable();
    await sequentially(table, [ct.associate({ id: 'a', at: T('09:10:05') }, A, 'eipassoc-01', ENI1)]);
    await table.doc.send(
      new DeleteCommand({ TableName: table.tableName, Key: associationKey('eipassoc-01') }),
    );
    const [dis] = await sequentially(table, [ct.disassociate({ id: 'd', at: T('09:50:00') }, 'eipassoc-01')]);
    expect(dis).toMatchObject({ allocationIds: [A] });
    const store = new DynamoInventoryStore(table.doc, table.tableName);
    expect(await store.getEipState(A)).toMatchObject({ status: 'idle', idleSince: ms('09:50:00') });
  });

  it('keeps the holder when the history that established it has expired (TTL)', async () => {
    const table = await newTable();
    await sequentially(table, STORY.slice(0, 4));
    for (const [time, id] of [
      [ms('09:00:00'), 'ev-01'],
      [ms('09:10:05'), 'ev-04'],
    ] as const) {
      await table.doc.send(
        new DeleteCommand({ TableName: table.tableName, Key: eipHistoryKey(A, time, id) }),
      );
    }
    await sequentially(table, [ct.deleteEni({ id: 'del', at: T('11:00:00') }, ENI1)]);
    const store = new DynamoInventoryStore(table.doc, table.tableName);
    expect(await store.listEipHistory(A)).toEqual([]);
    expect(await store.getEipState(A)).toMatchObject({
      publicIp: '203.0.113.10',
      allocatedAt: ms('09:00:00'),
      status: 'idle',
      idleSince: ms('11:00:00'),
      lastHolder: { associationId: 'eipassoc-01', ended: { kind: 'eni-deleted', eventId: 'del' } },
    });
  });
});

describe('the inventory recorder on failed calls and foreign events', () => {
  const sample = (name: string) =>
    JSON.parse(readFileSync(new URL(`../../events/${name}.json`, import.meta.url), 'utf8')) as unknown;
  const FAILED = [
    'allocate-address-failed',
    'create-network-interface-failed',
    'associate-address-failed',
    'disassociate-address-failed',
    'delete-network-interface-failed',
    'release-address-failed',
  ];

  it('changes nothing for failed calls, and says so', async () => {
    const table = await newTable();
    const { handle, log, metrics } = handlerFor(table);
    for (const name of FAILED) {
      expect(await handle(sample(name))).toMatchObject({
        outcome: 'skipped',
        reason: expect.stringMatching(/^failed-call: Client\./),
      });
    }
    expect(await table.scanAll()).toEqual([]);
    expect(
      log.entries.filter((e) => e.level === 'info' && e.message.startsWith('failed call skipped')),
    ).toHaveLength(6);
    expect(log.entries.find((e) => e.extra?.errorCode === 'Client.DryRunOperation')?.extra).toMatchObject({
      reason: 'failed-call',
      eventId: expect.any(String),
    });
    expect(metrics.total('InventoryEventsSkipped')).toBe(6);
  });

  it('changes nothing when a failed association follows a successful story', async () => {
    const table = await newTable();
    await sequentially(table, STORY);
    const before = await table.scanAll();
    const failed = ct.failed(
      ct.associate({ id: 'late', at: T('10:10:00') }, A, 'eipassoc-99', ENI1),
      'Client.Resource.AlreadyAssociated',
    );
    expect((await sequentially(table, [failed]))[0]?.outcome).toBe('skipped');
    expect(await table.scanAll()).toEqual(before);
  });

  it('rejects events of another account or region without recording them', async () => {
    const table = await newTable();
    const { handle, log, metrics } = handlerFor(table);
    const foreign = ct.allocate({ id: 'x', at: T('09:00:00') }, A, '203.0.113.10');
    const otherAccount = { ...foreign, account: '444455556666' };
    const otherRegion = { ...foreign, detail: { ...(foreign.detail as object), awsRegion: 'us-east-1' } };
    expect(await handle(otherAccount)).toEqual({
      outcome: 'rejected',
      reason: 'other-account',
      eventId: 'x',
      eventName: 'AllocateAddress',
    });
    expect(await handle(otherRegion)).toMatchObject({ outcome: 'rejected', reason: 'other-region' });
    expect(await handle({ hello: 'world' })).toMatchObject({ outcome: 'rejected', reason: 'missing-detail' });
    expect(await table.scanAll()).toEqual([]);
    expect(log.entries.filter((e) => e.level === 'warn')).toHaveLength(3);
    expect(
      metrics.entries.filter((m) => m.name === 'InventoryEventsRejected').map((m) => m.dimensions?.reason),
    ).toEqual(['other-account', 'other-region', 'missing-detail']);
  });

  it('throws when the table cannot be reached, so Lambda retries', async () => {
    const table = await newTable();
    const test = testRuntimeContext({
      tableName: table.tableName,
      aws: { ...table.aws, endpoints: { dynamodb: 'http://127.0.0.1:9' }, maxAttempts: 1 },
    });
    const handle = createHandler(test.ctx);
    await expect(handle(STORY[0])).rejects.toThrow();
  });

  it('counts recorded events and duplicates', async () => {
    const table = await newTable();
    const { handle, metrics } = handlerFor(table);
    await handle(STORY[0]);
    await handle(STORY[0]);
    expect(metrics.total('InventoryEventsRecorded')).toBe(2);
    expect(metrics.total('InventoryDuplicateEvents')).toBe(1);
  });
});

describe('refold under contention', () => {
  it('refolds again when another writer changed the state in between', async () => {
    const table = await newTable();
    const store = new DynamoInventoryStore(table.doc, table.tableName);
    await sequentially(table, [STORY[0]]);
    await store.putEipHistory(
      {
        eventId: 'r',
        eventTime: ms('09:30:00'),
        eventName: 'ReleaseAddress',
        actor: { type: 'Root' },
        allocationId: A,
      },
      1,
    );
    let calls = 0;
    const racing = Object.assign(Object.create(store) as InventoryStore, {
      async putEipState(next: Parameters<InventoryStore['putEipState']>[0], expected: number) {
        calls += 1;
        if (calls === 1) {
          // Another writer (which read before the release was recorded) wins between this refold's read and write.
          await store.putEipState({ ...next, inputsDigest: 'stale-writer' }, expected);
        }
        return store.putEipState(next, expected);
      },
    });
    const metrics = recordingMetrics();
    const recorder = createInventoryRecorder({
      store: racing,
      log: recordingLog(),
      metrics,
      retentionDays: 400,
      sleep: async () => {},
    });
    expect(await recorder.refold(A)).toBe('written');
    expect(calls).toBe(2);
    expect(metrics.total('InventoryRefoldConflicts')).toBe(1);
    const stored = await store.getEipStateItem(A);
    expect(stored).toMatchObject({ version: 3, state: { status: 'released', inputCount: 2 } });
    expect(stored?.inputsDigest).not.toBe('stale-writer');
  });

  it('does not rewrite a state folded from the same inputs', async () => {
    const table = await newTable();
    await sequentially(table, STORY.slice(0, 4));
    const store = new DynamoInventoryStore(table.doc, table.tableName);
    const before = await store.getEipStateItem(A);
    const recorder = createInventoryRecorder({
      store,
      log: recordingLog(),
      metrics: recordingMetrics(),
      retentionDays: 400,
    });
    expect(await recorder.refold(A)).toBe('unchanged');
    expect(await store.getEipStateItem(A)).toEqual(before);
    expect(await recorder.refold('eipalloc-0nothing')).toBe('empty');
  });

  it('gives up with RefoldConflictError after losing every race, so the event is retried', async () => {
    const table = await newTable();
    const store = new DynamoInventoryStore(table.doc, table.tableName);
    await sequentially(table, [STORY[0]]);
    await store.putEipHistory(
      {
        eventId: 'r',
        eventTime: ms('09:30:00'),
        eventName: 'ReleaseAddress',
        actor: { type: 'Root' },
        allocationId: A,
      },
      1,
    );
    const recorder = createInventoryRecorder({
      store: Object.assign(Object.create(store) as InventoryStore, { putEipState: async () => false }),
      log: recordingLog(),
      metrics: recordingMetrics(),
      retentionDays: 400,
      maxRefoldAttempts: 3,
      sleep: async () => {},
    });
    await expect(recorder.refold(A)).rejects.toBeInstanceOf(RefoldConflictError);
  });
});

describe('the recorder with parsed records', () => {
  it('records the same thing from ORIGIN-checked events as the handler does', async () => {
    const table = await newTable();
    const store = new DynamoInventoryStore(table.doc, table.tableName);
    const recorder = createInventoryRecorder({
      store,
      log: recordingLog(),
      metrics: recordingMetrics(),
      retentionDays: 400,
    });
    for (const e of STORY) await recorder.handle(e, ORIGIN);
    const viaHandler = await newTable();
    await sequentially(viaHandler, STORY);
    expect(await contents(table)).toEqual(await contents(viaHandler));
  });
});
