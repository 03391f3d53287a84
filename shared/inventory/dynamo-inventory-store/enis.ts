/**
 * ENI records: set-once creation and deletion facts (`if_not_exists`) and a string set of the EIPs ever associated
 * (`ADD`), so the creation, the deletion and the associations commute whichever order they arrive in.
 */
import { BatchGetCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { EniCreated, EniDeleted } from '../../events/cloudtrail';
import { CorruptItemError, UnprocessedKeysError } from '../../store/errors';
import { ITEM_TYPE } from '../../store/keys';
import type { Item } from '../../store/query';
import { TABLE_KEYS } from '../../store/table';
import { eniKey } from '../keys';
import type { EniRecord } from '../model';
import { keyOf, str, stringList } from './item';
import { type InventoryTable, type UpdateFields, updateExpression, updateReturningItem } from './update';

const BATCH_GET_LIMIT = 100;
const BATCH_GET_ATTEMPTS = 8;

const ENI_FIELDS = [
  'createdAt',
  'createdBy',
  'createdEventId',
  'createdUserAgent',
  'subnetId',
  'vpcId',
  'az',
  'description',
  'interfaceType',
  'privateIp',
  'privateIps',
  'securityGroupIds',
  'tags',
  'macAddress',
  'requesterManaged',
  'ownerId',
  'deletedAt',
  'deletedBy',
  'deletedEventId',
  'deletedUserAgent',
] as const satisfies ReadonlyArray<keyof EniRecord>;

function decodeEni(item: Item): EniRecord {
  const eniId = str(item, 'eniId');
  if (!eniId) throw new CorruptItemError(keyOf(item), 'ENI item lacks eniId');
  const eni: EniRecord = { eniId, allocationIds: stringList(item.allocationIds) };
  const out = eni as unknown as Item;
  for (const f of ENI_FIELDS) if (item[f] !== undefined && item[f] !== null) out[f] = item[f];
  return eni;
}

/** Updates the ENI's item (its id and item type always set) and returns the record after the update. */
async function updateEni(
  table: InventoryTable,
  eniId: string,
  fields: Omit<UpdateFields, 'set'>,
): Promise<EniRecord> {
  const update = updateExpression({ set: { eniId, itemType: ITEM_TYPE.eni }, ...fields });
  return decodeEni((await updateReturningItem(table, eniKey(eniId), update)) ?? { eniId });
}

export async function recordEniCreated(table: InventoryTable, event: EniCreated): Promise<EniRecord> {
  return updateEni(table, event.eniId, {
    setOnce: {
      createdAt: event.eventTime,
      createdBy: event.actor,
      createdEventId: event.eventId,
      createdUserAgent: event.userAgent,
      subnetId: event.subnetId,
      vpcId: event.vpcId,
      az: event.az,
      description: event.description,
      interfaceType: event.interfaceType,
      privateIp: event.privateIp,
      privateIps: event.privateIps,
      securityGroupIds: event.securityGroupIds,
      tags: event.tags,
      macAddress: event.macAddress,
      requesterManaged: event.requesterManaged,
      ownerId: event.ownerId,
    },
  });
}

/** The deletion is a tombstone: set once, and expiring with the ENI's history. */
export async function recordEniDeleted(table: InventoryTable, e: EniDeleted, expiresAt: number) {
  return updateEni(table, e.eniId, {
    setOnce: {
      deletedAt: e.eventTime,
      deletedBy: e.actor,
      deletedEventId: e.eventId,
      deletedUserAgent: e.userAgent,
      [TABLE_KEYS.ttlAttribute]: expiresAt,
    },
  });
}

export async function addEniAllocation(table: InventoryTable, eniId: string, allocationId: string) {
  return updateEni(table, eniId, { add: { allocationIds: new Set([allocationId]) } });
}

export async function getEniRecord(table: InventoryTable, eniId: string): Promise<EniRecord | undefined> {
  const out = await table.doc.send(
    new GetCommand({ TableName: table.tableName, Key: eniKey(eniId), ConsistentRead: true }),
  );
  return out.Item ? decodeEni(out.Item) : undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** BatchGetItem by pages of 100 keys, retrying unprocessed keys with jittered backoff. */
export async function getEniRecords(
  table: InventoryTable,
  eniIds: Iterable<string>,
): Promise<Map<string, EniRecord>> {
  const ids = [...new Set(eniIds)].sort();
  const found = new Map<string, EniRecord>();
  for (let i = 0; i < ids.length; i += BATCH_GET_LIMIT) {
    let keys: Item[] = ids.slice(i, i + BATCH_GET_LIMIT).map((id) => ({ ...eniKey(id) }));
    for (let attempt = 1; keys.length > 0; attempt++) {
      if (attempt > BATCH_GET_ATTEMPTS) throw new UnprocessedKeysError(keys.length);
      if (attempt > 1) await sleep(Math.min(1000, 25 * 2 ** attempt) * Math.random());
      const out = await table.doc.send(
        new BatchGetCommand({
          RequestItems: { [table.tableName]: { Keys: keys, ConsistentRead: true } },
        }),
      );
      for (const item of out.Responses?.[table.tableName] ?? []) {
        const eni = decodeEni(item);
        found.set(eni.eniId, eni);
      }
      keys = (out.UnprocessedKeys?.[table.tableName]?.Keys as Item[] | undefined) ?? [];
    }
  }
  return found;
}
