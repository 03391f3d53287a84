/**
 * Manual holds on the single table: recorded on the EIP's claim item (one writer per association, so one alert per
 * hold), confirmed once alerted, cleared when the association ends.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Item } from '../../store/query';
import { TABLE_KEYS } from '../../store/table';
import type { ManualHoldStore } from '../claim-store';
import { claimKey, freeListPk, unusedRank } from '../keys';
import type { ManualHold, Target } from '../model';
import type { ClaimTable } from './base';
import { decodeClaim } from './codec';
import { releaseTx } from './release-tx';

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

export class DynamoManualHolds implements ManualHoldStore {
  constructor(private readonly t: ClaimTable) {}

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
    const ok = displaced
      ? await releaseTx(this.t, {
          pool,
          allocationId,
          holder: displaced,
          set: [...set, 'lastReleaseReason = :r'],
          values: { ...values, ':r': 'manual-hold' },
          remove: removeNow,
        })
      : await this.t.writeIf(() =>
          this.t.doc.send(
            new UpdateCommand({
              TableName: this.t.tableName,
              Key: claimKey(pool, allocationId),
              ConditionExpression:
                'attribute_exists(PK) AND attribute_not_exists(holderEniId) AND (attribute_not_exists(manualAssociationId) OR manualAssociationId <> :ma)',
              UpdateExpression: `SET ${set.join(', ')} REMOVE ${[...removeNow, TABLE_KEYS.gsi1.partitionKey, TABLE_KEYS.gsi1.sortKey].join(', ')}`,
              ExpressionAttributeValues: values,
            }),
          ),
        );
    if (ok) return 'recorded';
    const item = await this.t.getItem(claimKey(pool, allocationId));
    const now = item ? decodeClaim(item) : undefined;
    return now?.manualHold?.associationId === hold.associationId ? 'unchanged' : 'conflict';
  }

  async clearManualHold(pool: string, allocationId: string, associationId: string): Promise<boolean> {
    return this.t.updateIf({
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
    await this.t.updateIf({
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
    return this.t.updateIf({
      Key: claimKey(pool, allocationId),
      ConditionExpression:
        'manualAssociationId = :ma AND manualAlertClaimedAt = :prev AND attribute_not_exists(manualAlertedAt)',
      UpdateExpression: 'SET manualAlertClaimedAt = :at',
      ExpressionAttributeValues: { ':ma': associationId, ':prev': claimedAt, ':at': at },
    });
  }
}
