/**
 * Pool membership in the EIP history: the pool tag an address is born with, every pool tag added or removed later
 * (who, when), and the associations the keeper's role made — kept on the state, so the sweeper can tell a former
 * pool member from an orphan however its tags read now, and after the history items expire.
 */
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DynamoInventoryStore } from '../../shared/inventory/dynamo-inventory-store';
import { createInventoryRecorder, type InventoryRecorder } from '../../shared/inventory/inventory';
import { eipHistoryKey } from '../../shared/inventory/keys';
import { ACCOUNT, ct, ORIGIN, WHO } from '../support/cloudtrail';
import { createTestTable, recordingLog, recordingMetrics, type TestTable } from '../support/dynamo';

const A = 'eipalloc-0aaaaaaaaaaaaaaa1';
const B = 'eipalloc-0bbbbbbbbbbbbbbb2';
const T = (hms: string) => `2026-01-05T${hms}Z`;
const ms = (hms: string) => `2026-01-05T${hms}.000Z`;
const KEEPER_ROLE = `arn:aws:iam::${ACCOUNT}:role/eip-keeper-function`;

let table: TestTable;
let store: DynamoInventoryStore;
let recorder: InventoryRecorder;
beforeEach(async () => {
  table = await createTestTable('pool-tags');
  store = new DynamoInventoryStore(table.doc, table.tableName);
  recorder = createInventoryRecorder({
    store,
    log: recordingLog(),
    metrics: recordingMetrics(),
    retentionDays: 400,
    keeperRoleArns: [KEEPER_ROLE],
  });
});
afterEach(async () => {
  await table.drop();
});

const record = async (...events: unknown[]) => {
  for (const e of events) await recorder.handle(e, ORIGIN);
};

describe('pool tag history', () => {
  it('records who removed the pool tag and when, for each address the call named', async () => {
    await record(
      ct.allocate({ id: 'e1', at: T('09:00:00') }, A, '203.0.113.10'),
      ct.createTags({ id: 'e2', at: T('09:05:00') }, [A, B], { 'eip-keeper:pool': 'payments' }),
      ct.deleteTags({ id: 'e3', at: T('10:00:00') }, [A], ['eip-keeper:pool']),
    );

    const a = await store.getEipState(A);
    const b = await store.getEipState(B);

    expect(a?.pool).toMatchObject({
      tagged: false,
      first: { kind: 'added', pool: 'payments', at: ms('09:05:00'), eventName: 'CreateTags' },
      lastRemoval: { kind: 'removed', pool: null, at: ms('10:00:00'), by: { userName: 'alice' } },
    });
    expect(b?.pool).toMatchObject({ tagged: true, lastRemoval: null });
  });

  it('takes a DeleteTags that names no key for what it is: every tag removed, the pool tag too', async () => {
    await record(
      ct.createTags({ id: 'e1', at: T('09:05:00') }, [A], { 'eip-keeper:pool': 'payments' }),
      ct.deleteTags({ id: 'e2', at: T('10:00:00') }, [A], []),
    );

    expect((await store.getEipState(A))?.pool).toMatchObject({
      tagged: false,
      lastRemoval: { kind: 'removed', pool: null, at: ms('10:00:00') },
    });
  });

  it('records the pool tag an address is born with', async () => {
    await record(
      ct.allocate({ id: 'e1', at: T('09:00:00'), who: 'keeper' }, A, '203.0.113.10', {
        'eip-keeper:pool': 'payments',
      }),
    );

    expect((await store.getEipState(A))?.pool).toMatchObject({
      tagged: true,
      first: { kind: 'added', pool: 'payments', eventName: 'AllocateAddress', at: ms('09:00:00') },
    });
  });

  it('keeps no other tag: a call that changes no pool tag is skipped and writes nothing', async () => {
    const before = await table.scanAll();

    const result = await recorder.handle(
      ct.createTags({ id: 'e1', at: T('09:00:00') }, [A], { Name: 'x' }),
      ORIGIN,
    );

    expect(result).toMatchObject({ outcome: 'skipped', reason: 'no pool-tag change' });
    expect(await table.scanAll()).toEqual(before);
  });

  it('gives the same state whatever order the tag events arrive in', async () => {
    const events = [
      ct.allocate({ id: 'e1', at: T('09:00:00') }, A, '203.0.113.10'),
      ct.createTags({ id: 'e2', at: T('09:05:00') }, [A], { 'eip-keeper:pool': 'payments' }),
      ct.deleteTags({ id: 'e3', at: T('10:00:00') }, [A], ['eip-keeper:pool=payments']),
      ct.createTags({ id: 'e4', at: T('11:00:00') }, [A], { 'eip-keeper:pool': 'batch' }),
    ];
    await record(...[...events].reverse());

    expect((await store.getEipState(A))?.pool).toMatchObject({
      tagged: true,
      last: { kind: 'added', pool: 'batch' },
      lastRemoval: { pool: 'payments', at: ms('10:00:00') },
    });
  });
});

describe('the keeper’s associations', () => {
  it('are recognised by the keeper’s role, and no one else’s', async () => {
    await record(
      ct.allocate({ id: 'e1', at: T('09:00:00') }, A, '203.0.113.10'),
      ct.associate({ id: 'e2', at: T('09:10:00') }, A, 'eipassoc-01', 'eni-01111111111111111'),
      ct.allocate({ id: 'e3', at: T('09:00:00') }, B, '203.0.113.20'),
      ct.associate({ id: 'e4', at: T('09:10:00'), who: 'alice' }, B, 'eipassoc-02', 'eni-02222222222222222'),
    );

    expect((await store.getEipState(A))?.keeperAssociation).toEqual({
      at: ms('09:10:00'),
      by: expect.objectContaining({ roleArn: KEEPER_ROLE }),
      eventId: 'e2',
    });
    expect((await store.getEipState(B))?.keeperAssociation).toBeNull();
    expect(WHO.keeper.identity.sessionContext.sessionIssuer.arn).toBe(KEEPER_ROLE);
  });
});

describe('after the history expires', () => {
  it('still knows the address was a pool member and who took the tag off', async () => {
    await record(
      ct.allocate({ id: 'e1', at: T('09:00:00') }, A, '203.0.113.10'),
      ct.createTags({ id: 'e2', at: T('09:05:00') }, [A], { 'eip-keeper:pool': 'payments' }),
      ct.associate({ id: 'e3', at: T('09:10:00') }, A, 'eipassoc-01', 'eni-01111111111111111'),
      ct.deleteTags({ id: 'e4', at: T('10:00:00') }, [A], ['eip-keeper:pool']),
    );
    const before = await store.getEipState(A);
    // TTL removes every history item; a later event refolds from the state's anchors.
    for (const [id, at] of [
      ['e1', '09:00:00'],
      ['e2', '09:05:00'],
      ['e3', '09:10:00'],
      ['e4', '10:00:00'],
    ] as const) {
      await table.doc.send(
        new DeleteCommand({ TableName: table.tableName, Key: eipHistoryKey(A, ms(at), id) }),
      );
    }
    await record(ct.disassociate({ id: 'e5', at: T('11:00:00') }, 'eipassoc-01'));

    const after = await store.getEipState(A);
    expect(after?.pool).toEqual(before?.pool);
    expect(after?.keeperAssociation).toEqual(before?.keeperAssociation);
  });
});
