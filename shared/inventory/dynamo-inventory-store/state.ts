/** EIP state items: the folded state, written with optimistic concurrency, listed through GSI1. */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Actor } from '../../events/cloudtrail';
import { CorruptItemError, isConditionalCheckFailed } from '../../store/errors';
import { ITEM_TYPE } from '../../store/keys';
import { type Item, queryAll } from '../../store/query';
import { TABLE_KEYS } from '../../store/table';
import type { NewEipState, StoredEipState } from '../inventory-store';
import { EIP_KIND, eipStateGsi1, eipStateKey } from '../keys';
import type { EipAnchors, EipState } from '../model';
import { keyOf, str } from './item';
import type { InventoryTable } from './update';

function decodeEipState(item: Item): EipState {
  const allocationId = str(item, 'allocationId');
  const status = str(item, 'status');
  if (!allocationId || (status !== 'associated' && status !== 'idle' && status !== 'released')) {
    throw new CorruptItemError(keyOf(item), 'state item lacks allocationId or status');
  }
  return {
    allocationId,
    publicIp: (item.publicIp as string | null | undefined) ?? null,
    status,
    allocatedAt: (item.allocatedAt as string | null | undefined) ?? null,
    allocatedBy: (item.allocatedBy as Actor | null | undefined) ?? null,
    releasedAt: (item.releasedAt as string | null | undefined) ?? null,
    releasedBy: (item.releasedBy as Actor | null | undefined) ?? null,
    holder: (item.holder as EipState['holder'] | undefined) ?? null,
    idleSince: (item.idleSince as string | null | undefined) ?? null,
    lastHolder: (item.lastHolder as EipState['lastHolder'] | undefined) ?? null,
    lastChange: (item.lastChange as EipState['lastChange'] | undefined) ?? null,
    // States folded before pool membership was: none until the address's next event refolds it.
    pool: (item.pool as EipState['pool'] | undefined) ?? null,
    keeperAssociation: (item.keeperAssociation as EipState['keeperAssociation'] | undefined) ?? null,
    inputCount: typeof item.inputCount === 'number' ? item.inputCount : 0,
  };
}

function decodeStoredEipState(item: Item): StoredEipState {
  const anchors = (item.anchors as EipAnchors | undefined) ?? { events: [], eniDeletions: [] };
  return {
    state: decodeEipState(item),
    version: typeof item.version === 'number' ? item.version : 0,
    inputsDigest: str(item, 'inputsDigest') ?? '',
    anchors: { events: anchors.events ?? [], eniDeletions: anchors.eniDeletions ?? [] },
  };
}

export async function getEipStateItem(
  table: InventoryTable,
  allocationId: string,
): Promise<StoredEipState | undefined> {
  const out = await table.doc.send(
    new GetCommand({ TableName: table.tableName, Key: eipStateKey(allocationId), ConsistentRead: true }),
  );
  return out.Item ? decodeStoredEipState(out.Item) : undefined;
}

export async function putEipState(
  table: InventoryTable,
  next: NewEipState,
  expectedVersion: number,
): Promise<boolean> {
  const { allocationId } = next.state;
  try {
    await table.doc.send(
      new PutCommand({
        TableName: table.tableName,
        Item: {
          ...eipStateKey(allocationId),
          ...eipStateGsi1(allocationId),
          itemType: ITEM_TYPE.eipState,
          ...next.state,
          version: expectedVersion + 1,
          inputsDigest: next.inputsDigest,
          anchors: next.anchors,
        },
        ...(expectedVersion === 0
          ? { ConditionExpression: 'attribute_not_exists(PK)' }
          : {
              ConditionExpression: '#version = :expected',
              ExpressionAttributeNames: { '#version': 'version' },
              ExpressionAttributeValues: { ':expected': expectedVersion },
            }),
      }),
    );
    return true;
  } catch (err) {
    if (isConditionalCheckFailed(err)) return false;
    throw err;
  }
}

export async function listEipStates(table: InventoryTable): Promise<EipState[]> {
  const items = await queryAll(table.doc, {
    TableName: table.tableName,
    IndexName: TABLE_KEYS.gsi1.name,
    KeyConditionExpression: '#pk = :kind',
    ExpressionAttributeNames: { '#pk': TABLE_KEYS.gsi1.partitionKey },
    ExpressionAttributeValues: { ':kind': EIP_KIND },
  });
  return items.map(decodeEipState);
}
