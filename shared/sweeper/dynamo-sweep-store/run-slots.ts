/**
 * The release slots of a run: one item per run id holding the addresses it released, grown by a conditional write
 * that refuses a new address once `max` are in. Lambda's retries of a scheduled event carry its id, so a retried or
 * concurrent invocation of one run can never release more than `maxPerRun` in all.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { expiresAtFor } from '../../store/keys';
import { TABLE_KEYS } from '../../store/table';
import { runSlotsKey, SWEEP_ITEM_TYPE } from '../keys';
import { type SweepTable, writeIf } from './table';

export async function claimReleaseSlot(
  table: SweepTable,
  retentionDays: number,
  runId: string,
  allocationId: string,
  max: number,
  at: string,
): Promise<boolean> {
  return writeIf(
    table,
    new UpdateCommand({
      TableName: table.tableName,
      Key: runSlotsKey(runId),
      UpdateExpression: 'ADD #ids :one SET itemType = :type, runId = :run, #ttl = if_not_exists(#ttl, :ttl)',
      // A slot this address already holds is its own (a retry finishing what it started).
      ConditionExpression: 'attribute_not_exists(#ids) OR size(#ids) < :max OR contains(#ids, :id)',
      ExpressionAttributeNames: { '#ids': 'allocationIds', '#ttl': TABLE_KEYS.ttlAttribute },
      ExpressionAttributeValues: {
        ':one': new Set([allocationId]),
        ':id': allocationId,
        ':max': max,
        ':type': SWEEP_ITEM_TYPE.runSlots,
        ':run': runId,
        ':ttl': expiresAtFor(at, retentionDays),
      },
    }),
  );
}
