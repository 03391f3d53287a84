/**
 * Reading and writing the index of tracks (`track-index.ts` decides; this file only talks to the table): the 8
 * index items, a new body or `asOf` moved on per shard, and the stamp a track of an earlier version lacks.
 */
import { randomUUID } from 'node:crypto';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { forEachLimit } from '../../runtime/concurrency';
import { queryPrefix } from '../../store/query';
import { TABLE_KEYS } from '../../store/table';
import {
  SWEEP_ITEM_TYPE,
  SWEEP_SK,
  sweepPk,
  TRACK_INDEX_SCOPE,
  trackIndexKey,
  trackKey,
  trackStamp,
} from '../keys';
import type { TrackIndexReport } from '../sweep-store';
import { type SweepTable, writeIf } from './table';
import {
  indexLabels,
  MAX_INDEX_BODY_BYTES,
  packBody,
  type ShardIndex,
  type ShardSession,
  saveAction,
  shardIndexOf,
  type TrackIndexSession,
  unpackBody,
} from './track-index';

/** Restamping updates in flight at once. */
const RESTAMP_CONCURRENCY = 16;

/** Every shard's index item, strongly consistent; an unreadable body is left out (its shard is read in full). */
export async function readIndexes(table: SweepTable): Promise<Map<number, ShardIndex>> {
  // Every page: 8 bodies of up to 350 KB are more than one 1 MB page.
  const items = await queryPrefix(
    table.doc,
    table.tableName,
    sweepPk(TRACK_INDEX_SCOPE),
    SWEEP_SK.trackIndex,
  );
  const indexes = new Map<number, ShardIndex>();
  for (const item of items) {
    const index = shardIndexOf(item);
    if (index) indexes.set(index.shard, index);
  }
  return indexes;
}

/** Brings every shard's index up to date with the session, and stamps the tracks of earlier versions it read. */
export async function saveIndexes(table: SweepTable, session: TrackIndexSession): Promise<TrackIndexReport> {
  const report: TrackIndexReport = {
    fromIndex: session.shards.filter((s) => s.plan.mode === 'since').length,
    readInFull: session.shards.flatMap((s) =>
      s.plan.mode === 'full' ? [{ shard: s.shard, reason: s.plan.reason }] : [],
    ),
    tracksRead: session.shards.reduce((n, s) => n + s.read, 0),
    written: 0,
    advanced: 0,
    tooLarge: [],
    restamped: 0,
    errors: [],
  };
  await Promise.all(
    session.shards.map(async (s) => {
      try {
        const action = saveAction(s);
        if (action === 'put') {
          if (await putIndex(table, session, s)) report.written++;
          else report.tooLarge.push(s.shard);
        } else if (action === 'advance' && (await advanceIndex(table, session.readAt, s))) report.advanced++;
      } catch (err) {
        report.errors.push(`index of shard ${s.shard}: ${String(err)}`);
      }
    }),
  );
  const unstamped = session.shards.flatMap((s) => s.unstamped);
  await forEachLimit(unstamped, RESTAMP_CONCURRENCY, async (t) => {
    try {
      if (await restamp(table, t.allocationId, t.version)) report.restamped++;
    } catch (err) {
      report.errors.push(`stamp of ${t.allocationId}: ${String(err)}`);
    }
  });
  return report;
}

async function putIndex(table: SweepTable, session: TrackIndexSession, s: ShardSession): Promise<boolean> {
  // From the body as read, not from the rows: those became the run's tracks, which the run may have changed.
  const body = packBody(s.index ? unpackBody(s.index.body) : undefined, s.updates);
  if (body.byteLength > MAX_INDEX_BODY_BYTES) return false;
  await table.doc.send(
    new PutCommand({
      TableName: table.tableName,
      Item: {
        ...trackIndexKey(s.shard),
        itemType: SWEEP_ITEM_TYPE.trackIndex,
        shard: s.shard,
        ...indexLabels(session, s),
        generation: randomUUID(),
        body,
      },
    }),
  );
  return true;
}

/** Moves `asOf` on when the body is still the one read: false when another run replaced it meanwhile. */
function advanceIndex(table: SweepTable, readAt: string, s: ShardSession): Promise<boolean> {
  return writeIf(
    table,
    new UpdateCommand({
      TableName: table.tableName,
      Key: trackIndexKey(s.shard),
      UpdateExpression: 'SET asOf = :asOf',
      ConditionExpression: 'generation = :generation AND asOf < :asOf',
      ExpressionAttributeValues: { ':asOf': readAt, ':generation': s.index?.generation },
    }),
  );
}

/** Gives a track of an earlier version a stamp, if it is still at the version read (its state is unchanged). */
function restamp(table: SweepTable, allocationId: string, version: number): Promise<boolean> {
  return writeIf(
    table,
    new UpdateCommand({
      TableName: table.tableName,
      Key: trackKey(allocationId),
      UpdateExpression: 'SET #sk = :stamp',
      ConditionExpression: '#version = :version',
      ExpressionAttributeNames: { '#sk': TABLE_KEYS.gsi1.sortKey, '#version': 'version' },
      ExpressionAttributeValues: {
        ':stamp': trackStamp(table.clock.now().toISOString(), allocationId),
        ':version': version,
      },
    }),
  );
}
