/**
 * The release transaction, shared by a release and by a manual hold that displaces its holder: the claim item lets
 * its holder go (only if it is still that holder) and the holder item is deleted (only if it points at this EIP).
 */
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { cancellationCodes } from '../../store/errors';
import type { Item } from '../../store/query';
import { TABLE_KEYS } from '../../store/table';
import { claimKey, freeListPk, holderKey } from '../keys';
import type { Target } from '../model';
import { type ClaimTable, retryConflicts } from './base';

const HOLDER_ATTRS = [
  'holderEniId',
  'holderPrivateIp',
  'claimedAt',
  'claimedVia',
  'associationId',
  'associatedAt',
  'provenAt',
];

/** What a release writes on the claim item besides letting the holder go. */
export interface ReleaseWrite {
  pool: string;
  allocationId: string;
  holder: Target;
  /** Further `SET` clauses (e.g. a manual hold), with their `values`. */
  set: string[];
  values: Item;
  /** Further attributes removed. */
  remove?: string[];
  /** Back on the free list at this rank (none: stays off it). */
  freeRank?: string;
}

type TransactItems = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>;

/** The claim update and holder-item delete that let `holder` go. */
function releaseItems(t: ClaimTable, w: ReleaseWrite, withHolderItem: boolean): TransactItems {
  const { pool, allocationId, holder } = w;
  let { set, values } = w;
  if (w.freeRank !== undefined) {
    set = [...set, `${TABLE_KEYS.gsi1.partitionKey} = :freePk`, `${TABLE_KEYS.gsi1.sortKey} = :freeRank`];
    values = { ...values, ':freePk': freeListPk(pool), ':freeRank': w.freeRank };
  }
  const items: TransactItems = [
    {
      Update: {
        TableName: t.tableName,
        Key: claimKey(pool, allocationId),
        ConditionExpression: 'holderEniId = :e AND holderPrivateIp = :ip',
        UpdateExpression: `SET lastHolderEniId = :e, lastHolderPrivateIp = :ip, ${set.join(', ')} REMOVE ${[...HOLDER_ATTRS, ...(w.remove ?? [])].join(', ')}`,
        ExpressionAttributeValues: { ':e': holder.eniId, ':ip': holder.privateIp, ...values },
      },
    },
  ];
  if (withHolderItem) {
    items.push({
      Delete: {
        TableName: t.tableName,
        Key: holderKey(pool, holder),
        ConditionExpression: 'attribute_not_exists(PK) OR allocationId = :a',
        ExpressionAttributeValues: { ':a': allocationId },
      },
    });
  }
  return items;
}

/** Runs the release transaction; false when the claim no longer has that holder. */
export async function releaseTx(t: ClaimTable, w: ReleaseWrite): Promise<boolean> {
  let withHolderItem = true;
  for (;;) {
    try {
      await retryConflicts(() =>
        t.doc.send(new TransactWriteCommand({ TransactItems: releaseItems(t, w, withHolderItem) })),
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
