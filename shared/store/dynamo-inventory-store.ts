/**
 * The inventory store on the single DynamoDB table (keys in `keys.ts`, layouts in docs/data-model.md).
 *
 * Every write is either conditional (history events, the state item) or commutative and idempotent (set-once
 * `if_not_exists` fields, string-set `ADD`), so duplicated, reordered and concurrent deliveries converge.
 */
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type {
  Actor,
  AddressAssociated,
  AddressDisassociated,
  EniCreated,
  EniDeleted,
} from '../events/cloudtrail';
import { compareEvents, type EipAnchors, type EipHistoryEvent, type EipState } from '../inventory/fold';
import { CorruptItemError, isConditionalCheckFailed, UnprocessedKeysError } from './errors';
import type {
  AssociationLink,
  EniRecord,
  InventoryStore,
  NewEipState,
  StoredEipState,
} from './inventory-store';
import {
  associationKey,
  EIP_KIND,
  eipHistoryKey,
  eipPk,
  eipStateGsi1,
  eipStateKey,
  eniKey,
  ITEM_TYPE,
  PREFIX,
} from './keys';
import { type Item, queryAll } from './query';
import { TABLE_KEYS } from './table';

const BATCH_GET_LIMIT = 100;
const BATCH_GET_ATTEMPTS = 8;

const HISTORY_EVENT_NAMES = new Set([
  'AllocateAddress',
  'AssociateAddress',
  'DisassociateAddress',
  'ReleaseAddress',
]);

/** JSON with sorted keys, so the same record always serialises to the same string-set member. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function keyOf(item: Item): { PK: unknown; SK: unknown } {
  return { PK: item.PK, SK: item.SK };
}

function str(item: Item, name: string): string | undefined {
  const v = item[name];
  return typeof v === 'string' ? v : undefined;
}

function stringList(v: unknown): string[] {
  if (v instanceof Set) return [...v].filter((x): x is string => typeof x === 'string').sort();
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return [];
}

function decodeHistoryEvent(item: Item): EipHistoryEvent {
  const record = item.record as Item | undefined;
  if (
    typeof record !== 'object' ||
    record === null ||
    !HISTORY_EVENT_NAMES.has(String(record.eventName)) ||
    typeof record.eventId !== 'string' ||
    typeof record.eventTime !== 'string' ||
    typeof record.allocationId !== 'string'
  ) {
    throw new CorruptItemError(keyOf(item), 'history item has no valid `record`');
  }
  return record as unknown as EipHistoryEvent;
}

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

function decodeLink(item: Item): AssociationLink {
  const associationId = str(item, 'associationId');
  if (!associationId) throw new CorruptItemError(keyOf(item), 'association item lacks associationId');
  const byEvent = new Map<string, AddressDisassociated>();
  for (const json of stringList(item.pendingDisassociations)) {
    let parsed: AddressDisassociated;
    try {
      parsed = JSON.parse(json) as AddressDisassociated;
    } catch {
      throw new CorruptItemError(keyOf(item), 'pendingDisassociations holds invalid JSON');
    }
    if (!byEvent.has(parsed.eventId)) byEvent.set(parsed.eventId, parsed);
  }
  const link: AssociationLink = {
    associationId,
    pendingDisassociations: [...byEvent.values()].sort(compareEvents),
  };
  const allocationId = str(item, 'allocationId');
  if (allocationId) link.allocationId = allocationId;
  const eniId = str(item, 'eniId');
  if (eniId) link.eniId = eniId;
  return link;
}

/** Builds `SET #a = :a, #b = if_not_exists(#b, :b)` from plain and set-once fields, skipping undefined values. */
function setExpression(
  plain: Item,
  setOnce: Item,
): { parts: string[]; names: Record<string, string>; values: Item } {
  const parts: string[] = [];
  const names: Record<string, string> = {};
  const values: Item = {};
  for (const [k, v] of Object.entries(plain)) {
    if (v === undefined) continue;
    names[`#${k}`] = k;
    values[`:${k}`] = v;
    parts.push(`#${k} = :${k}`);
  }
  for (const [k, v] of Object.entries(setOnce)) {
    if (v === undefined) continue;
    names[`#${k}`] = k;
    values[`:${k}`] = v;
    parts.push(`#${k} = if_not_exists(#${k}, :${k})`);
  }
  return { parts, names, values };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class DynamoInventoryStore implements InventoryStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async putEipHistory(event: EipHistoryEvent, expiresAt: number): Promise<'written' | 'duplicate'> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...eipHistoryKey(event.allocationId, event.eventTime, event.eventId),
            itemType: ITEM_TYPE.eipHistory,
            allocationId: event.allocationId,
            eventName: event.eventName,
            eventTime: event.eventTime,
            eventId: event.eventId,
            record: event,
            [TABLE_KEYS.ttlAttribute]: expiresAt,
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
      return 'written';
    } catch (err) {
      if (isConditionalCheckFailed(err)) return 'duplicate';
      throw err;
    }
  }

  async listEipHistory(allocationId: string): Promise<EipHistoryEvent[]> {
    const items = await queryAll(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :hist)',
      ExpressionAttributeValues: { ':pk': eipPk(allocationId), ':hist': PREFIX.history },
      ConsistentRead: true,
    });
    return items.map(decodeHistoryEvent);
  }

  async getEipStateItem(allocationId: string): Promise<StoredEipState | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: eipStateKey(allocationId), ConsistentRead: true }),
    );
    return out.Item ? decodeStoredEipState(out.Item) : undefined;
  }

  async putEipState(next: NewEipState, expectedVersion: number): Promise<boolean> {
    const { allocationId } = next.state;
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
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

  async getEipState(allocationId: string): Promise<EipState | undefined> {
    return (await this.getEipStateItem(allocationId))?.state;
  }

  async listEipStates(): Promise<EipState[]> {
    const items = await queryAll(this.doc, {
      TableName: this.tableName,
      IndexName: TABLE_KEYS.gsi1.name,
      KeyConditionExpression: '#pk = :kind',
      ExpressionAttributeNames: { '#pk': TABLE_KEYS.gsi1.partitionKey },
      ExpressionAttributeValues: { ':kind': EIP_KIND },
    });
    return items.map(decodeEipState);
  }

  async recordEniCreated(event: EniCreated): Promise<EniRecord> {
    const { parts, names, values } = setExpression(
      { eniId: event.eniId, itemType: ITEM_TYPE.eni },
      {
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
    );
    return this.updateEni(event.eniId, `SET ${parts.join(', ')}`, names, values);
  }

  async recordEniDeleted(event: EniDeleted, expiresAt: number): Promise<EniRecord> {
    const { parts, names, values } = setExpression(
      { eniId: event.eniId, itemType: ITEM_TYPE.eni },
      {
        deletedAt: event.eventTime,
        deletedBy: event.actor,
        deletedEventId: event.eventId,
        deletedUserAgent: event.userAgent,
        [TABLE_KEYS.ttlAttribute]: expiresAt,
      },
    );
    return this.updateEni(event.eniId, `SET ${parts.join(', ')}`, names, values);
  }

  async addEniAllocation(eniId: string, allocationId: string): Promise<EniRecord> {
    return this.updateEni(
      eniId,
      'SET #eniId = :eniId, #itemType = :itemType ADD #allocationIds :allocation',
      { '#eniId': 'eniId', '#itemType': 'itemType', '#allocationIds': 'allocationIds' },
      { ':eniId': eniId, ':itemType': ITEM_TYPE.eni, ':allocation': new Set([allocationId]) },
    );
  }

  private async updateEni(
    eniId: string,
    expression: string,
    names: Record<string, string>,
    values: Item,
  ): Promise<EniRecord> {
    const out = await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: eniKey(eniId),
        UpdateExpression: expression,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return decodeEni(out.Attributes ?? { eniId });
  }

  async getEniRecord(eniId: string): Promise<EniRecord | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: eniKey(eniId), ConsistentRead: true }),
    );
    return out.Item ? decodeEni(out.Item) : undefined;
  }

  async getEniRecords(eniIds: Iterable<string>): Promise<Map<string, EniRecord>> {
    const ids = [...new Set(eniIds)].sort();
    const found = new Map<string, EniRecord>();
    for (let i = 0; i < ids.length; i += BATCH_GET_LIMIT) {
      let keys: Item[] = ids.slice(i, i + BATCH_GET_LIMIT).map((id) => ({ ...eniKey(id) }));
      for (let attempt = 1; keys.length > 0; attempt++) {
        if (attempt > BATCH_GET_ATTEMPTS) throw new UnprocessedKeysError(keys.length);
        if (attempt > 1) await sleep(Math.min(1000, 25 * 2 ** attempt) * Math.random());
        const out = await this.doc.send(
          new BatchGetCommand({
            RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } },
          }),
        );
        for (const item of out.Responses?.[this.tableName] ?? []) {
          const eni = decodeEni(item);
          found.set(eni.eniId, eni);
        }
        keys = (out.UnprocessedKeys?.[this.tableName]?.Keys as Item[] | undefined) ?? [];
      }
    }
    return found;
  }

  async linkAssociation(event: AddressAssociated, expiresAt: number): Promise<AssociationLink> {
    // The map's TTL follows the association (deterministic whichever side arrives first).
    const { parts, names, values } = setExpression(
      {
        associationId: event.associationId,
        itemType: ITEM_TYPE.associationMap,
        allocationId: event.allocationId,
        eniId: event.eniId,
        [TABLE_KEYS.ttlAttribute]: expiresAt,
      },
      {},
    );
    return this.updateLink(event.associationId, `SET ${parts.join(', ')}`, names, values);
  }

  async addPendingDisassociation(event: AddressDisassociated, expiresAt: number): Promise<AssociationLink> {
    const { parts, names, values } = setExpression(
      { associationId: event.associationId, itemType: ITEM_TYPE.associationMap },
      { [TABLE_KEYS.ttlAttribute]: expiresAt },
    );
    names['#pending'] = 'pendingDisassociations';
    values[':pending'] = new Set([canonicalJson(event)]);
    return this.updateLink(
      event.associationId,
      `SET ${parts.join(', ')} ADD #pending :pending`,
      names,
      values,
    );
  }

  private async updateLink(
    associationId: string,
    expression: string,
    names: Record<string, string>,
    values: Item,
  ): Promise<AssociationLink> {
    const out = await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: associationKey(associationId),
        UpdateExpression: expression,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return decodeLink(out.Attributes ?? { associationId });
  }
}
