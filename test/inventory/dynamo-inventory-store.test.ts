import { BatchWriteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  Actor,
  AddressAssociated,
  AddressDisassociated,
  EniCreated,
  EniDeleted,
} from '../../shared/events/cloudtrail';
import { foldEip } from '../../shared/inventory/decide';
import { DynamoInventoryStore } from '../../shared/inventory/dynamo-inventory-store';
import { eipHistoryKey } from '../../shared/inventory/keys';
import type { EipDisassociation } from '../../shared/inventory/model';
import { CorruptItemError } from '../../shared/store/errors';
import { expiresAtFor } from '../../shared/store/keys';
import { createTestTable, type TestTable } from '../support/dynamo';

const A = 'eipalloc-0aaaaaaaaaaaaaaa1';
const vpcRc: Actor = { type: 'AssumedRole', userName: 'eks-cluster-role', invokedBy: 'eks.amazonaws.com' };
const keeper: Actor = { type: 'AssumedRole', userName: 'eip-keeper-function' };
const T = (hms: string) => `2026-01-05T${hms}.000Z`;

const created: EniCreated = {
  eventId: 'c1',
  eventTime: T('09:10:00'),
  eventName: 'CreateNetworkInterface',
  actor: vpcRc,
  userAgent: 'eks-vpc-resource-controller/v1.6.3',
  eniId: 'eni-0111',
  subnetId: 'subnet-0aaa',
  vpcId: 'vpc-0bbb',
  az: 'eu-west-1a',
  description: 'aws-k8s-branch-eni',
  interfaceType: 'branch',
  privateIp: '10.0.0.10',
  privateIps: ['10.0.0.10'],
  securityGroupIds: ['sg-0ccc'],
  tags: { 'eks:eni:owner': 'eks-vpc-resource-controller', 'kubernetes.io/cluster/prod': 'owned' },
};
const deleted: EniDeleted = {
  eventId: 'd1',
  eventTime: T('09:41:00'),
  eventName: 'DeleteNetworkInterface',
  actor: vpcRc,
  eniId: 'eni-0111',
};
const association: AddressAssociated = {
  eventId: 'a1',
  eventTime: T('09:10:05'),
  eventName: 'AssociateAddress',
  actor: keeper,
  allocationId: A,
  associationId: 'eipassoc-0111',
  eniId: 'eni-0111',
  privateIp: '10.0.0.10',
};
const disassociation: AddressDisassociated = {
  eventId: 'x1',
  eventTime: T('09:40:00'),
  eventName: 'DisassociateAddress',
  actor: keeper,
  associationId: 'eipassoc-0111',
};

let table: TestTable;
let store: DynamoInventoryStore;

beforeEach(async () => {
  table = await createTestTable('store');
  store = new DynamoInventoryStore(table.doc, table.tableName);
});

afterEach(async () => {
  await table.drop();
});

describe('EIP history', () => {
  it('writes a history event once and reports the duplicate', async () => {
    expect(await store.putEipHistory(association, 100)).toBe('written');
    expect(await store.putEipHistory(association, 100)).toBe('duplicate');
    expect(await store.listEipHistory(A)).toEqual([association]);
  });

  it('stores history under the EIP with its time-ordered sort key and TTL', async () => {
    await store.putEipHistory(association, expiresAtFor(association.eventTime, 400));
    const [item] = await table.scanAll();
    expect(item).toMatchObject({
      PK: `EIP#${A}`,
      SK: `HIST#${T('09:10:05')}#a1`,
      itemType: 'EipHistory',
      eventName: 'AssociateAddress',
      expiresAt: Math.floor(Date.parse(T('09:10:05')) / 1000) + 400 * 86_400,
    });
  });

  it('lists history in (time, event id) order', async () => {
    const dis: EipDisassociation = { ...disassociation, allocationId: A };
    await store.putEipHistory(dis, 1);
    await store.putEipHistory({ ...association, eventId: 'a0', eventTime: T('09:40:00') }, 1);
    await store.putEipHistory(association, 1);
    expect((await store.listEipHistory(A)).map((e) => e.eventId)).toEqual(['a1', 'a0', 'x1']);
  });

  it('reads every page of a long history', async () => {
    const padding = 'x'.repeat(1500);
    const items = Array.from({ length: 900 }, (_, i) => {
      const e = { ...association, eventId: `e${String(i).padStart(4, '0')}`, userAgent: padding };
      return { ...eipHistoryKey(A, e.eventTime, e.eventId), itemType: 'EipHistory', record: e };
    });
    for (let i = 0; i < items.length; i += 25) {
      await table.doc.send(
        new BatchWriteCommand({
          RequestItems: {
            [table.tableName]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })),
          },
        }),
      );
    }
    const history = await store.listEipHistory(A);
    expect(history).toHaveLength(900);
    expect(history[899]?.eventId).toBe('e0899');
  });

  it('refuses to decode a history item without a record', async () => {
    await table.doc.send(
      new PutCommand({ TableName: table.tableName, Item: { ...eipHistoryKey(A, T('09:00:00'), 'bad') } }),
    );
    await expect(store.listEipHistory(A)).rejects.toBeInstanceOf(CorruptItemError);
  });
});

describe('EIP state', () => {
  const fold = foldEip(A, [association], new Map());
  const next = { state: fold.state, inputsDigest: 'd1', anchors: fold.anchors };

  it('writes the first state only if none exists', async () => {
    expect(await store.getEipStateItem(A)).toBeUndefined();
    expect(await store.putEipState(next, 0)).toBe(true);
    expect(await store.putEipState(next, 0)).toBe(false);
    expect(await store.getEipStateItem(A)).toEqual({ ...next, version: 1 });
  });

  it('writes a later state only over the version it read', async () => {
    await store.putEipState(next, 0);
    expect(await store.putEipState({ ...next, inputsDigest: 'd2' }, 1)).toBe(true);
    expect(await store.putEipState({ ...next, inputsDigest: 'stale' }, 1)).toBe(false);
    expect(await store.getEipStateItem(A)).toMatchObject({ version: 2, inputsDigest: 'd2' });
  });

  it('returns the state alone, and lists every state through GSI1', async () => {
    await store.putEipState(next, 0);
    const other = foldEip('eipalloc-0bbb', [], new Map()).state;
    await store.putEipState(
      { state: other, inputsDigest: 'x', anchors: { events: [], eniDeletions: [] } },
      0,
    );
    expect(await store.getEipState(A)).toEqual(fold.state);
    expect(await store.listEipStates()).toEqual([fold.state, other]);
    const items = await table.scanAll();
    expect(items.find((i) => i.SK === 'STATE' && i.PK === `EIP#${A}`)).toMatchObject({
      GSI1PK: 'KIND#eip',
      GSI1SK: A,
      itemType: 'EipState',
    });
  });
});

describe('ENI records', () => {
  it('records a creation with its set-once facts', async () => {
    const eni = await store.recordEniCreated(created);
    expect(eni).toEqual({
      eniId: 'eni-0111',
      createdAt: T('09:10:00'),
      createdBy: vpcRc,
      createdEventId: 'c1',
      createdUserAgent: 'eks-vpc-resource-controller/v1.6.3',
      subnetId: 'subnet-0aaa',
      vpcId: 'vpc-0bbb',
      az: 'eu-west-1a',
      description: 'aws-k8s-branch-eni',
      interfaceType: 'branch',
      privateIp: '10.0.0.10',
      privateIps: ['10.0.0.10'],
      securityGroupIds: ['sg-0ccc'],
      tags: created.tags,
      allocationIds: [],
    });
  });

  it('keeps a tombstone that a creation delivered after the deletion does not resurrect', async () => {
    await store.recordEniDeleted(deleted, 500);
    const eni = await store.recordEniCreated(created);
    expect(eni).toMatchObject({
      deletedAt: T('09:41:00'),
      deletedBy: vpcRc,
      deletedEventId: 'd1',
      createdAt: T('09:10:00'),
    });
  });

  it('ends in the same record whichever of creation and deletion comes first', async () => {
    await store.recordEniCreated(created);
    await store.recordEniDeleted(deleted, 500);
    const createdFirst = await table.scanAll();
    const second = await createTestTable('store');
    try {
      const other = new DynamoInventoryStore(second.doc, second.tableName);
      await other.recordEniDeleted(deleted, 500);
      await other.recordEniCreated(created);
      await other.recordEniCreated(created);
      expect(await second.scanAll()).toEqual(createdFirst);
    } finally {
      await second.drop();
    }
  });

  it('keeps the first deletion facts and TTL when a deletion is delivered twice', async () => {
    await store.recordEniDeleted(deleted, 500);
    const again = await store.recordEniDeleted({ ...deleted, eventTime: T('23:59:59') }, 999);
    expect(again.deletedAt).toBe(T('09:41:00'));
    const [item] = await table.scanAll();
    expect(item?.expiresAt).toBe(500);
  });

  it('collects the EIPs ever associated, and reports the deletion to whoever adds one later', async () => {
    await store.recordEniDeleted(deleted, 500);
    await store.addEniAllocation('eni-0111', 'eipalloc-0b');
    const eni = await store.addEniAllocation('eni-0111', 'eipalloc-0a');
    expect(eni).toMatchObject({ allocationIds: ['eipalloc-0a', 'eipalloc-0b'], deletedAt: T('09:41:00') });
    expect((await store.recordEniDeleted(deleted, 500)).allocationIds).toEqual([
      'eipalloc-0a',
      'eipalloc-0b',
    ]);
  });

  it('reads many ENI records at once, omitting unknown ones', async () => {
    const ids = Array.from({ length: 130 }, (_, i) => `eni-0${String(i).padStart(4, '0')}`);
    for (const id of ids.filter((_, i) => i % 2 === 0)) await store.addEniAllocation(id, A);
    const found = await store.getEniRecords([...ids, 'eni-0unknown']);
    expect(found.size).toBe(65);
    expect(found.get('eni-00128')).toEqual({ eniId: 'eni-00128', allocationIds: [A] });
    expect(await store.getEniRecord('eni-0unknown')).toBeUndefined();
    expect(await store.getEniRecord('eni-00000')).toEqual({ eniId: 'eni-00000', allocationIds: [A] });
  });
});

describe('association links', () => {
  it('gives the disassociation to the association that arrives after it', async () => {
    const pending = await store.addPendingDisassociation(disassociation, 300);
    expect(pending).toEqual({ associationId: 'eipassoc-0111', pendingDisassociations: [disassociation] });
    const link = await store.linkAssociation(association, 200);
    expect(link).toEqual({
      associationId: 'eipassoc-0111',
      allocationId: A,
      eniId: 'eni-0111',
      pendingDisassociations: [disassociation],
    });
  });

  it('gives the allocation to the disassociation that arrives after the association', async () => {
    await store.linkAssociation(association, 200);
    const link = await store.addPendingDisassociation(disassociation, 300);
    expect(link.allocationId).toBe(A);
  });

  it('ends in the same item whichever side arrives first, and with duplicates', async () => {
    await store.linkAssociation(association, 200);
    await store.addPendingDisassociation(disassociation, 300);
    const associationFirst = await table.scanAll();
    const second = await createTestTable('store');
    try {
      const other = new DynamoInventoryStore(second.doc, second.tableName);
      await other.addPendingDisassociation(disassociation, 300);
      await other.addPendingDisassociation({ ...disassociation }, 300);
      await other.linkAssociation(association, 200);
      await other.linkAssociation(association, 200);
      expect(await second.scanAll()).toEqual(associationFirst);
      expect(associationFirst[0]).toMatchObject({ PK: 'ASSOC#eipassoc-0111', SK: 'MAP', expiresAt: 200 });
    } finally {
      await second.drop();
    }
  });
});
