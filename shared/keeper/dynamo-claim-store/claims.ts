/**
 * Claims on the single table. The claim protocol is one TransactWriteItems: the EIP's claim item is updated only if
 * it has no holder (and no manual hold), and the target's holder item is created only if it does not exist. So an
 * EIP has at most one holder and a target holds at most one EIP of a pool, whatever runs concurrently. Releases are
 * the reverse transaction, conditional on the holder still being the one the caller names.
 */
import { DeleteCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { cancellationCodes, isConditionalCheckFailed, isTransactionConflict } from '../../store/errors';
import type { Item } from '../../store/query';
import { TABLE_KEYS } from '../../store/table';
import type { ClaimRequest, ClaimResult, ClaimsStore, ReleaseRequest } from '../claim-store';
import {
  claimKey,
  FREE_RANK,
  freeListPk,
  holderKey,
  holderPrefixOfEni,
  KEEPER_ITEM_TYPE,
  POOL_SK,
  releasedRank,
  unusedRank,
  waiterKey,
} from '../keys';
import type { ClaimRecord, PoolSnapshot, Target } from '../model';
import type { ClaimTable } from './base';
import { decodeClaim, decodeExhaustion, decodeUnsentAlert, decodeWaiter, str } from './codec';
import { releaseTx } from './release-tx';

export class DynamoClaims implements ClaimsStore {
  constructor(private readonly t: ClaimTable) {}

  async loadPool(pool: string): Promise<PoolSnapshot> {
    const snapshot: PoolSnapshot = { pool, claims: [], waiters: [] };
    for (const item of await this.t.queryPool(pool)) {
      const sk = String(item.SK);
      if (sk.startsWith(POOL_SK.claim)) {
        const c = decodeClaim(item);
        if (c) snapshot.claims.push(c);
      } else if (sk.startsWith(POOL_SK.waiter)) {
        const w = decodeWaiter(item);
        if (w) snapshot.waiters.push(w);
      } else if (sk === POOL_SK.exhaustion) {
        snapshot.exhaustion = decodeExhaustion(item);
      } else if (sk.startsWith(POOL_SK.alert)) {
        const a = decodeUnsentAlert(item);
        if (a) (snapshot.unsentAlerts ??= []).push(a);
      }
    }
    return snapshot;
  }

  async registerMember(
    pool: string,
    allocationId: string,
    publicIp: string,
    allocatedByKeeper?: boolean,
  ): Promise<void> {
    try {
      await this.t.doc.send(
        new PutCommand({
          TableName: this.t.tableName,
          Item: {
            ...claimKey(pool, allocationId),
            itemType: KEEPER_ITEM_TYPE.claim,
            pool,
            allocationId,
            publicIp,
            GSI1PK: freeListPk(pool),
            GSI1SK: unusedRank(undefined, allocationId),
            ...(allocatedByKeeper ? { allocatedByKeeper: true } : {}),
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err) && !isTransactionConflict(err)) throw err;
    }
  }

  async retire(pool: string, allocationId: string): Promise<boolean> {
    return this.t.writeIf(() =>
      this.t.doc.send(
        new DeleteCommand({
          TableName: this.t.tableName,
          Key: claimKey(pool, allocationId),
          ConditionExpression: 'attribute_not_exists(holderEniId)',
        }),
      ),
    );
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
      'provenAt = :proven',
    ];
    const values: Item = {
      ':e': target.eniId,
      ':ip': target.privateIp,
      ':at': at,
      ':via': req.via,
      ':sk': req.selectorKey,
      ':proven': req.provenAt,
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
      await this.t.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.t.tableName,
                Key: claimKey(pool, allocationId),
                ConditionExpression:
                  'attribute_exists(PK) AND attribute_not_exists(holderEniId) AND attribute_not_exists(manualAssociationId)',
                UpdateExpression: update,
                ExpressionAttributeValues: values,
              },
            },
            {
              Put: {
                TableName: this.t.tableName,
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
            { Delete: { TableName: this.t.tableName, Key: waiterKey(pool, target) } },
          ],
        }),
      );
      return { kind: 'claimed' };
    } catch (err) {
      const codes = cancellationCodes(err);
      if (!codes) throw err;
      if (codes[1] === 'ConditionalCheckFailed' || codes.length === 0) {
        const held = await this.heldBy(pool, target);
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
        await this.t.doc.send(
          new QueryCommand({
            TableName: this.t.tableName,
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

  async heldBy(pool: string, target: Target): Promise<string | undefined> {
    const item = await this.t.getItem(holderKey(pool, target));
    return item ? str(item, 'allocationId') : undefined;
  }

  async recordAssociation(
    pool: string,
    allocationId: string,
    holder: Target,
    associationId: string,
    at: string,
  ): Promise<boolean> {
    return this.t.updateIf({
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

  async release(req: ReleaseRequest): Promise<boolean> {
    const set = ['lastReleaseReason = :r'];
    const values: Item = { ':r': req.reason };
    if (req.idle) {
      set.push('lastReleasedAt = :at');
      values[':at'] = req.at;
    }
    // Back on the free list: a pod's release ranks by when (its successor prefers it), an undone claim as unused.
    const rank = req.idle ? releasedRank(req.at, req.allocationId) : unusedRank(req.at, req.allocationId);
    return releaseTx(this.t, {
      pool: req.pool,
      allocationId: req.allocationId,
      holder: req.holder,
      set,
      values,
      freeRank: rank,
    });
  }

  async claimsOfEni(pool: string, eniId: string): Promise<{ target: Target; allocationId: string }[]> {
    const items = await this.t.queryPool(pool, holderPrefixOfEni(eniId));
    return items.flatMap((item) => {
      const privateIp = str(item, 'privateIp');
      const allocationId = str(item, 'allocationId');
      return privateIp && allocationId ? [{ target: { eniId, privateIp }, allocationId }] : [];
    });
  }

  async getClaim(pool: string, allocationId: string): Promise<ClaimRecord | undefined> {
    const item = await this.t.getItem(claimKey(pool, allocationId));
    return item ? decodeClaim(item) : undefined;
  }
}
