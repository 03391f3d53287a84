/**
 * The claim store on the single DynamoDB table (keys in `keys.ts`, layouts in docs/data-model.md).
 *
 * The claim protocol is one TransactWriteItems: the EIP's claim item is updated only if it has no holder (and no
 * manual hold), and the target's holder item is created only if it does not exist. So an EIP has at most one holder
 * and a target holds at most one EIP of a pool, whatever runs concurrently. Releases are the reverse transaction,
 * conditional on the holder still being the one the caller names.
 */
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { cancellationCodes, isConditionalCheckFailed, isTransactionConflict } from '../store/errors';
import { type Item, queryAll } from '../store/query';
import { TABLE_KEYS } from '../store/table';
import type { ClaimRequest, ClaimResult, ClaimStore, ReleaseRequest } from './claim-store';
import {
  claimKey,
  exhaustionKey,
  FREE_RANK,
  freeListPk,
  holderKey,
  holderPrefixOfEni,
  KEEPER_ITEM_TYPE,
  POOL_SK,
  poolPk,
  releasedRank,
  unusedRank,
  waiterKey,
  waiterPrefixOfEni,
} from './keys';
import type {
  ClaimRecord,
  ClaimVia,
  ExhaustionRecord,
  ManualHold,
  PoolSnapshot,
  Target,
  WaiterRecord,
} from './model';

/** Attempts of a write that lost to a concurrent transaction on the same item (TransactionConflict). */
const CONFLICT_ATTEMPTS = 6;

const HOLDER_ATTRS = [
  'holderEniId',
  'holderPrivateIp',
  'claimedAt',
  'claimedVia',
  'associationId',
  'associatedAt',
];
const MANUAL_ATTRS = [
  'manualAssociationId',
  'manualEniId',
  'manualPrivateIp',
  'manualInstanceId',
  'manualSince',
  'manualDisplacedEniId',
  'manualDisplacedPrivateIp',
  'manualAlertClaimedAt',
  'manualAlertedAt',
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function str(item: Item, name: string): string | undefined {
  const v = item[name];
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** Retries `fn` while it loses to a concurrent transaction, with a small jittered back-off. */
async function retryConflicts<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isTransactionConflict(err) || attempt >= CONFLICT_ATTEMPTS) throw err;
      await sleep(Math.random() * 5 * 2 ** attempt);
    }
  }
}

export function decodeClaim(item: Item): ClaimRecord | undefined {
  const pool = str(item, 'pool');
  const allocationId = str(item, 'allocationId');
  if (!pool || !allocationId) return undefined;
  const c: ClaimRecord = { pool, allocationId };
  const publicIp = str(item, 'publicIp');
  if (publicIp) c.publicIp = publicIp;
  const eniId = str(item, 'holderEniId');
  const privateIp = str(item, 'holderPrivateIp');
  if (eniId && privateIp) {
    c.holder = {
      eniId,
      privateIp,
      claimedAt: str(item, 'claimedAt') ?? '1970-01-01T00:00:00.000Z',
      via: (str(item, 'claimedVia') as ClaimVia | undefined) ?? 'event',
    };
    const associationId = str(item, 'associationId');
    if (associationId) c.holder.associationId = associationId;
    const associatedAt = str(item, 'associatedAt');
    if (associatedAt) c.holder.associatedAt = associatedAt;
  }
  for (const k of ['lastUsedAt', 'lastReleasedAt', 'lastSelectorKey'] as const) {
    const v = str(item, k);
    if (v) c[k] = v;
  }
  const lastEni = str(item, 'lastHolderEniId');
  const lastIp = str(item, 'lastHolderPrivateIp');
  if (lastEni && lastIp) c.lastHolder = { eniId: lastEni, privateIp: lastIp };
  const manual = str(item, 'manualAssociationId');
  if (manual) {
    const hold: ManualHold = { associationId: manual, detectedAt: str(item, 'manualSince') ?? '' };
    const e = str(item, 'manualEniId');
    if (e) hold.eniId = e;
    const ip = str(item, 'manualPrivateIp');
    if (ip) hold.privateIp = ip;
    const i = str(item, 'manualInstanceId');
    if (i) hold.instanceId = i;
    const displacedEni = str(item, 'manualDisplacedEniId');
    const displacedIp = str(item, 'manualDisplacedPrivateIp');
    if (displacedEni && displacedIp) hold.displaced = { eniId: displacedEni, privateIp: displacedIp };
    const claimedAt = str(item, 'manualAlertClaimedAt');
    if (claimedAt) hold.alertClaimedAt = claimedAt;
    const alertedAt = str(item, 'manualAlertedAt');
    if (alertedAt) hold.alertedAt = alertedAt;
    c.manualHold = hold;
  }
  return c;
}

function decodeWaiter(item: Item): WaiterRecord | undefined {
  const pool = str(item, 'pool');
  const eniId = str(item, 'eniId');
  const privateIp = str(item, 'privateIp');
  const since = str(item, 'since');
  return pool && eniId && privateIp && since ? { pool, eniId, privateIp, since } : undefined;
}

function decodeExhaustion(item: Item): ExhaustionRecord {
  const e: ExhaustionRecord = {
    pool: str(item, 'pool') ?? '',
    open: item.open === true,
    episode: typeof item.episode === 'number' ? item.episode : 0,
  };
  for (const k of ['openedAt', 'closedAt', 'alertedAt'] as const) {
    const v = str(item, k);
    if (v) e[k] = v;
  }
  return e;
}

export class DynamoClaimStore implements ClaimStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** A conditional update (transaction conflicts retried): false when its condition did not hold. */
  private async updateIf(input: Omit<UpdateCommandInput, 'TableName'>): Promise<boolean> {
    try {
      await retryConflicts(() => this.doc.send(new UpdateCommand({ TableName: this.tableName, ...input })));
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }

  private async queryPool(pool: string, skPrefix?: string): Promise<Item[]> {
    return queryAll(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: skPrefix ? 'PK = :pk AND begins_with(SK, :sk)' : 'PK = :pk',
      ExpressionAttributeValues: { ':pk': poolPk(pool), ...(skPrefix ? { ':sk': skPrefix } : {}) },
      ConsistentRead: true,
    });
  }

  async loadPool(pool: string): Promise<PoolSnapshot> {
    const snapshot: PoolSnapshot = { pool, claims: [], waiters: [] };
    for (const item of await this.queryPool(pool)) {
      const sk = String(item.SK);
      if (sk.startsWith(POOL_SK.claim)) {
        const c = decodeClaim(item);
        if (c) snapshot.claims.push(c);
      } else if (sk.startsWith(POOL_SK.waiter)) {
        const w = decodeWaiter(item);
        if (w) snapshot.waiters.push(w);
      } else if (sk === POOL_SK.exhaustion) {
        snapshot.exhaustion = decodeExhaustion(item);
      }
    }
    return snapshot;
  }

  async registerMember(pool: string, allocationId: string, publicIp: string): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...claimKey(pool, allocationId),
            itemType: KEEPER_ITEM_TYPE.claim,
            pool,
            allocationId,
            publicIp,
            GSI1PK: freeListPk(pool),
            GSI1SK: unusedRank(undefined, allocationId),
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err) && !isTransactionConflict(err)) throw err;
    }
  }

  async retire(pool: string, allocationId: string): Promise<boolean> {
    try {
      await retryConflicts(() =>
        this.doc.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: claimKey(pool, allocationId),
            ConditionExpression: 'attribute_not_exists(holderEniId)',
          }),
        ),
      );
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }

  async claim(req: ClaimRequest): Promise<ClaimResult> {
    const { pool, allocationId, target, at } = req;
    const set = [
      'holderEniId = :e',
      'holderPrivateIp = :ip',
      'claimedAt = :at',
      'claimedVia = :via',
      'lastUsedAt = :at',
      'lastSelectorKey = :sk',
    ];
    const values: Item = {
      ':e': target.eniId,
      ':ip': target.privateIp,
      ':at': at,
      ':via': req.via,
      ':sk': req.selectorKey,
    };
    let update: string;
    const offFreeList = `${TABLE_KEYS.gsi1.partitionKey}, ${TABLE_KEYS.gsi1.sortKey}`;
    if (req.associationId) {
      set.push('associationId = :assoc', 'associatedAt = :at');
      values[':assoc'] = req.associationId;
      update = `SET ${set.join(', ')} REMOVE ${offFreeList}`;
    } else {
      update = `SET ${set.join(', ')} REMOVE associationId, associatedAt, ${offFreeList}`;
    }
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: claimKey(pool, allocationId),
                ConditionExpression:
                  'attribute_exists(PK) AND attribute_not_exists(holderEniId) AND attribute_not_exists(manualAssociationId)',
                UpdateExpression: update,
                ExpressionAttributeValues: values,
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...holderKey(pool, target),
                  itemType: KEEPER_ITEM_TYPE.holder,
                  pool,
                  eniId: target.eniId,
                  privateIp: target.privateIp,
                  allocationId,
                  claimedAt: at,
                },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
            { Delete: { TableName: this.tableName, Key: waiterKey(pool, target) } },
          ],
        }),
      );
      return { kind: 'claimed' };
    } catch (err) {
      const codes = cancellationCodes(err);
      if (!codes) throw err;
      if (codes[1] === 'ConditionalCheckFailed' || codes.length === 0) {
        const held = await this.holderOf(pool, target);
        if (held) return { kind: 'target-holds', allocationId: held };
        return codes.length === 0 ? { kind: 'taken' } : { kind: 'conflict' };
      }
      if (codes[0] === 'ConditionalCheckFailed') return { kind: 'taken' };
      if (codes.includes('TransactionConflict')) return { kind: 'conflict' };
      throw err;
    }
  }

  async freeCandidates(pool: string, limit: number): Promise<ClaimRecord[]> {
    const query = async (rank: string) =>
      (
        await this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: TABLE_KEYS.gsi1.name,
            KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :rank)',
            ExpressionAttributeNames: { '#pk': TABLE_KEYS.gsi1.partitionKey, '#sk': TABLE_KEYS.gsi1.sortKey },
            ExpressionAttributeValues: { ':pk': freeListPk(pool), ':rank': rank },
            Limit: limit,
          }),
        )
      ).Items ?? [];
    const [released, unused] = await Promise.all([query(FREE_RANK.released), query(FREE_RANK.unused)]);
    return [...released, ...unused].flatMap((item) => decodeClaim(item) ?? []);
  }

  heldBy(pool: string, target: Target): Promise<string | undefined> {
    return this.holderOf(pool, target);
  }

  private async holderOf(pool: string, target: Target): Promise<string | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: holderKey(pool, target), ConsistentRead: true }),
    );
    return out.Item ? str(out.Item, 'allocationId') : undefined;
  }

  async recordAssociation(
    pool: string,
    allocationId: string,
    holder: Target,
    associationId: string,
    at: string,
  ): Promise<boolean> {
    return this.updateIf({
      Key: claimKey(pool, allocationId),
      ConditionExpression: 'holderEniId = :e AND holderPrivateIp = :ip',
      UpdateExpression: 'SET associationId = :assoc, associatedAt = if_not_exists(associatedAt, :at)',
      ExpressionAttributeValues: {
        ':e': holder.eniId,
        ':ip': holder.privateIp,
        ':assoc': associationId,
        ':at': at,
      },
    });
  }

  /** The claim update and holder-item delete that let `holder` go, plus `extraSet` (e.g. a manual hold). */
  private releaseItems(
    pool: string,
    allocationId: string,
    holder: Target,
    set: string[],
    values: Item,
    withHolderItem: boolean,
    freeRank?: string,
  ) {
    if (freeRank !== undefined) {
      set = [...set, `${TABLE_KEYS.gsi1.partitionKey} = :freePk`, `${TABLE_KEYS.gsi1.sortKey} = :freeRank`];
      values = { ...values, ':freePk': freeListPk(pool), ':freeRank': freeRank };
    }
    const items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']> = [
      {
        Update: {
          TableName: this.tableName,
          Key: claimKey(pool, allocationId),
          ConditionExpression: 'holderEniId = :e AND holderPrivateIp = :ip',
          UpdateExpression: `SET lastHolderEniId = :e, lastHolderPrivateIp = :ip, ${set.join(', ')} REMOVE ${HOLDER_ATTRS.join(', ')}`,
          ExpressionAttributeValues: { ':e': holder.eniId, ':ip': holder.privateIp, ...values },
        },
      },
    ];
    if (withHolderItem) {
      items.push({
        Delete: {
          TableName: this.tableName,
          Key: holderKey(pool, holder),
          ConditionExpression: 'attribute_not_exists(PK) OR allocationId = :a',
          ExpressionAttributeValues: { ':a': allocationId },
        },
      });
    }
    return items;
  }

  /** Runs a release-shaped transaction; false when the claim no longer has that holder. */
  private async releaseTx(build: (withHolderItem: boolean) => ReturnType<DynamoClaimStore['releaseItems']>) {
    let withHolderItem = true;
    for (;;) {
      try {
        await retryConflicts(() =>
          this.doc.send(new TransactWriteCommand({ TransactItems: build(withHolderItem) })),
        );
        return true;
      } catch (err) {
        const codes = cancellationCodes(err);
        if (!codes) throw err;
        if (codes[0] === 'ConditionalCheckFailed') return false;
        // The holder item points at another EIP (it cannot, but never strand a claim on it): release the claim alone.
        if (withHolderItem && codes[1] === 'ConditionalCheckFailed') {
          withHolderItem = false;
          continue;
        }
        throw err;
      }
    }
  }

  async release(req: ReleaseRequest): Promise<boolean> {
    const set = ['lastReleaseReason = :r'];
    const values: Item = { ':r': req.reason };
    if (req.idle) {
      set.push('lastReleasedAt = :at');
      values[':at'] = req.at;
    }
    // Back on the free list: a pod's release ranks by when (its successor prefers it), an undone claim as unused.
    const rank = req.idle ? releasedRank(req.at, req.allocationId) : unusedRank(req.at, req.allocationId);
    return this.releaseTx((withHolderItem) =>
      this.releaseItems(req.pool, req.allocationId, req.holder, set, values, withHolderItem, rank),
    );
  }

  async claimsOfEni(pool: string, eniId: string): Promise<{ target: Target; allocationId: string }[]> {
    const items = await this.queryPool(pool, holderPrefixOfEni(eniId));
    return items.flatMap((item) => {
      const privateIp = str(item, 'privateIp');
      const allocationId = str(item, 'allocationId');
      return privateIp && allocationId ? [{ target: { eniId, privateIp }, allocationId }] : [];
    });
  }

  async getClaim(pool: string, allocationId: string): Promise<ClaimRecord | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: claimKey(pool, allocationId), ConsistentRead: true }),
    );
    return out.Item ? decodeClaim(out.Item) : undefined;
  }

  async markManualHold(
    pool: string,
    allocationId: string,
    hold: ManualHold,
    displaced?: Target,
  ): Promise<'recorded' | 'unchanged' | 'conflict'> {
    // Recording the hold claims its alert (confirmed by `confirmManualHoldAlert` once sent).
    const set = ['manualAssociationId = :ma', 'manualSince = :ms', 'manualAlertClaimedAt = :ms'];
    const values: Item = { ':ma': hold.associationId, ':ms': hold.detectedAt };
    const optional: [string, string | undefined][] = [
      ['manualEniId', hold.eniId],
      ['manualPrivateIp', hold.privateIp],
      ['manualInstanceId', hold.instanceId],
      ['manualDisplacedEniId', displaced?.eniId],
      ['manualDisplacedPrivateIp', displaced?.privateIp],
    ];
    const removeNow: string[] = ['manualAlertedAt'];
    for (const [attr, v] of optional) {
      if (v === undefined) {
        removeNow.push(attr);
        continue;
      }
      set.push(`${attr} = :${attr}`);
      values[`:${attr}`] = v;
    }
    let ok: boolean;
    if (displaced) {
      ok = await this.releaseTx((withHolderItem) => {
        const items = this.releaseItems(
          pool,
          allocationId,
          displaced,
          [...set, 'lastReleaseReason = :r'],
          { ...values, ':r': 'manual-hold' },
          withHolderItem,
        );
        const first = items[0]?.Update;
        if (first && removeNow.length > 0) first.UpdateExpression += `, ${removeNow.join(', ')}`;
        return items;
      });
    } else {
      try {
        await retryConflicts(() =>
          this.doc.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: claimKey(pool, allocationId),
              ConditionExpression:
                'attribute_exists(PK) AND attribute_not_exists(holderEniId) AND (attribute_not_exists(manualAssociationId) OR manualAssociationId <> :ma)',
              UpdateExpression: `SET ${set.join(', ')} REMOVE ${[...removeNow, TABLE_KEYS.gsi1.partitionKey, TABLE_KEYS.gsi1.sortKey].join(', ')}`,
              ExpressionAttributeValues: values,
            }),
          ),
        );
        ok = true;
      } catch (err) {
        if (!isConditionalCheckFailed(err)) throw err;
        ok = false;
      }
    }
    if (ok) return 'recorded';
    const now = await this.getClaim(pool, allocationId);
    return now?.manualHold?.associationId === hold.associationId ? 'unchanged' : 'conflict';
  }

  async clearManualHold(pool: string, allocationId: string, associationId: string): Promise<boolean> {
    return this.updateIf({
      Key: claimKey(pool, allocationId),
      ConditionExpression: 'manualAssociationId = :ma',
      // Back on the free list (first in line: whoever held it was not one of the pool's pods).
      UpdateExpression: `SET ${TABLE_KEYS.gsi1.partitionKey} = :freePk, ${TABLE_KEYS.gsi1.sortKey} = :freeRank REMOVE ${MANUAL_ATTRS.join(', ')}`,
      ExpressionAttributeValues: {
        ':ma': associationId,
        ':freePk': freeListPk(pool),
        ':freeRank': unusedRank(undefined, allocationId),
      },
    });
  }

  async confirmManualHoldAlert(
    pool: string,
    allocationId: string,
    associationId: string,
    at: string,
  ): Promise<void> {
    // The hold ended (or changed) meanwhile: nothing left to confirm.
    await this.updateIf({
      Key: claimKey(pool, allocationId),
      ConditionExpression: 'manualAssociationId = :ma',
      UpdateExpression: 'SET manualAlertedAt = :at',
      ExpressionAttributeValues: { ':ma': associationId, ':at': at },
    });
  }

  async reclaimManualHoldAlert(
    pool: string,
    allocationId: string,
    associationId: string,
    claimedAt: string,
    at: string,
  ): Promise<boolean> {
    return this.updateIf({
      Key: claimKey(pool, allocationId),
      ConditionExpression:
        'manualAssociationId = :ma AND manualAlertClaimedAt = :prev AND attribute_not_exists(manualAlertedAt)',
      UpdateExpression: 'SET manualAlertClaimedAt = :at',
      ExpressionAttributeValues: { ':ma': associationId, ':prev': claimedAt, ':at': at },
    });
  }

  async addWaiter(pool: string, target: Target, since: string): Promise<void> {
    await retryConflicts(() =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: waiterKey(pool, target),
          UpdateExpression:
            'SET #type = :t, #pool = :pool, #eni = :e, #ip = :ip, #since = if_not_exists(#since, :since)',
          ExpressionAttributeNames: {
            '#type': 'itemType',
            '#pool': 'pool',
            '#eni': 'eniId',
            '#ip': 'privateIp',
            '#since': 'since',
          },
          ExpressionAttributeValues: {
            ':t': KEEPER_ITEM_TYPE.waiter,
            ':pool': pool,
            ':e': target.eniId,
            ':ip': target.privateIp,
            ':since': since,
          },
        }),
      ),
    );
  }

  async removeWaiter(pool: string, target: Target): Promise<void> {
    await retryConflicts(() =>
      this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: waiterKey(pool, target) })),
    );
  }

  async waitersOfEni(pool: string, eniId: string): Promise<Target[]> {
    const items = await this.queryPool(pool, waiterPrefixOfEni(eniId));
    return items.flatMap((item) => {
      const privateIp = str(item, 'privateIp');
      return privateIp ? [{ eniId, privateIp }] : [];
    });
  }

  async markAllocating(pool: string, target: Target, at: string): Promise<boolean> {
    return this.updateIf({
      Key: waiterKey(pool, target),
      ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(allocatingAt)',
      UpdateExpression: 'SET allocatingAt = :at',
      ExpressionAttributeValues: { ':at': at },
    });
  }

  async openExhaustion(pool: string, at: string): Promise<number | undefined> {
    try {
      const out = await retryConflicts(() =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: exhaustionKey(pool),
            ConditionExpression: 'attribute_not_exists(#open) OR #open = :false',
            UpdateExpression:
              'SET #open = :true, #type = :t, #pool = :pool, openedAt = :at, episode = if_not_exists(episode, :zero) + :one REMOVE closedAt, alertedAt',
            ExpressionAttributeNames: { '#open': 'open', '#type': 'itemType', '#pool': 'pool' },
            ExpressionAttributeValues: {
              ':true': true,
              ':false': false,
              ':t': KEEPER_ITEM_TYPE.exhaustion,
              ':pool': pool,
              ':at': at,
              ':zero': 0,
              ':one': 1,
            },
            ReturnValues: 'UPDATED_NEW',
          }),
        ),
      );
      const episode = out.Attributes?.episode;
      return typeof episode === 'number' ? episode : 1;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return undefined;
      throw err;
    }
  }

  async markExhaustionAlerted(pool: string, episode: number, at: string): Promise<void> {
    await this.updateIf({
      Key: exhaustionKey(pool),
      ConditionExpression: 'episode = :ep',
      UpdateExpression: 'SET alertedAt = :at',
      ExpressionAttributeValues: { ':ep': episode, ':at': at },
    });
  }

  async abandonExhaustion(pool: string, episode: number): Promise<void> {
    await this.updateIf({
      Key: exhaustionKey(pool),
      ConditionExpression: 'episode = :ep AND attribute_not_exists(alertedAt)',
      UpdateExpression: 'SET #open = :false, episode = episode - :one',
      ExpressionAttributeNames: { '#open': 'open' },
      ExpressionAttributeValues: { ':ep': episode, ':false': false, ':one': 1 },
    });
  }

  async closeExhaustion(pool: string, at: string): Promise<boolean> {
    return this.updateIf({
      Key: exhaustionKey(pool),
      ConditionExpression: '#open = :true',
      UpdateExpression: 'SET #open = :false, closedAt = :at',
      ExpressionAttributeNames: { '#open': 'open' },
      ExpressionAttributeValues: { ':true': true, ':false': false, ':at': at },
    });
  }
}
