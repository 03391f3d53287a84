/**
 * Tracks and their commits. A track carries a version (optimistic concurrency); a commit writes it together with the
 * ledger items that change with it (an episode's start, revision or end, a release), in one transaction.
 */
import { randomUUID } from 'node:crypto';
import { PutCommand, TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { forEachLimit } from '../../runtime/concurrency';
import { cancellationCodes, isConditionalCheckFailed } from '../../store/errors';
import { TABLE_KEYS } from '../../store/table';
import {
  SWEEP_ITEM_TYPE,
  SWEEP_KIND,
  TRACK_SHARDS,
  trackKey,
  trackKind,
  trackShard,
  trackStamp,
} from '../keys';
import type { AddressTrack } from '../model';
import type { CommitResult, StoredTrack, TrackCommit } from '../sweep-store';
import { episodeUpdate, releasePut } from './ledger-items';
import { outboxPut } from './outbox';
import { queryKind, queryKindCounted, type SweepTable } from './table';
import { encodeTrack } from './track-codec';
import { listingOf, shardReadPlan, shardSession, type TrackIndexSession } from './track-index';
import { readIndexes } from './track-index-items';

/** DynamoDB's limit of actions in one TransactWriteItems. */
const TRANSACT_MAX_ACTIONS = 100;
/** Conditional puts, and batched transactions, in flight at once. */
const PUT_CONCURRENCY = 16;
const TRANSACT_CONCURRENCY = 4;

/** What the index of tracks learns from the store's writes of tracks (`track-index.ts`). */
export interface TrackWriteLog {
  /** Names the writer on each track it writes, so that the next read can leave out what the index holds already. */
  readonly writer?: string | undefined;
  /** The track is stored at `version` with `state`. */
  written(allocationId: string, version: number, state: string): void;
  /**
   * A write that did not succeed, which may still have been made: a refused condition can be the writer's own write
   * found by the SDK's retry after a timeout.
   */
  unsure(allocationId: string): void;
}

const NO_WRITE_LOG: TrackWriteLog = { written: () => {}, unsure: () => {} };

/**
 * Every track, with the session the index is saved from: per shard, the index and the tracks stamped since it (or
 * every track of the shard, see `shardReadPlan`), and the unsharded partition of earlier versions in full.
 */
export async function readTracks(
  table: SweepTable,
): Promise<{ tracks: StoredTrack[]; session: TrackIndexSession }> {
  const now = table.clock.now();
  const [indexes, unsharded] = await Promise.all([
    readIndexes(table),
    // The unsharded partition holds tracks of earlier versions: every attribute is needed to read them.
    queryKind(table, SWEEP_KIND.track),
  ]);
  const shards = await Promise.all(
    Array.from({ length: TRACK_SHARDS }, async (_, shard) => {
      const index = indexes.get(shard);
      const plan = shardReadPlan(index, now);
      const { items, scanned } = await queryKindCounted(table, trackKind(shard), SHARD_ATTRIBUTES, {
        after: plan.mode === 'since' ? plan.since : undefined,
        notWrittenBy: plan.mode === 'since' ? plan.skipWriter : undefined,
      });
      return shardSession(shard, plan, index, items, scanned);
    }),
  );
  return {
    tracks: listingOf(unsharded, shards),
    session: { readAt: now.toISOString(), writer: randomUUID(), shards },
  };
}

/** What a sweep reads of a sharded track: its state and version, and its stamp (to tell those never stamped). */
const SHARD_ATTRIBUTES = ['allocationId', 'version', 'state', TABLE_KEYS.gsi1.sortKey];

function trackPut(
  table: SweepTable,
  track: AddressTrack,
  expectedVersion: number,
  state: string,
  writer: string | undefined,
) {
  return {
    TableName: table.tableName,
    Item: {
      ...trackKey(track.allocationId),
      [TABLE_KEYS.gsi1.partitionKey]: trackKind(trackShard(track.allocationId)),
      [TABLE_KEYS.gsi1.sortKey]: trackStamp(table.clock.now().toISOString(), track.allocationId),
      itemType: SWEEP_ITEM_TYPE.track,
      allocationId: track.allocationId,
      state,
      version: expectedVersion + 1,
      ...(writer ? { writer } : {}),
    },
    ...(expectedVersion === 0
      ? { ConditionExpression: 'attribute_not_exists(PK)' }
      : {
          ConditionExpression: '#version = :expected',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':expected': expectedVersion },
        }),
  };
}

type LedgerPart = 'close' | 'upsert' | 'release' | 'outbox';

interface LedgerAction {
  kind: LedgerPart;
  op: Record<string, unknown>;
}

/** The actions that go with the track's put: the episode's end, its start or revision, the release and its alert. */
function ledgerActions(table: SweepTable, c: Pick<TrackCommit, LedgerPart>): LedgerAction[] {
  const actions: LedgerAction[] = [];
  if (c.close) {
    actions.push({
      kind: 'close',
      op: {
        Update: episodeUpdate(table, c.close, { end: c.close.end, endReason: c.close.endReason ?? 'gone' }),
      },
    });
  }
  if (c.upsert) actions.push({ kind: 'upsert', op: { Update: episodeUpdate(table, c.upsert) } });
  if (c.release) actions.push({ kind: 'release', op: { Put: releasePut(table, c.release) } });
  if (c.outbox) actions.push({ kind: 'outbox', op: { Put: outboxPut(table, c.outbox) } });
  return actions;
}

export async function commit(
  table: SweepTable,
  c: TrackCommit,
  log: TrackWriteLog = NO_WRITE_LOG,
): Promise<CommitResult> {
  let result: CommitResult | undefined;
  try {
    result = await attemptCommit(table, c, log);
    return result;
  } finally {
    if (!result?.ok) log.unsure(c.track.allocationId);
  }
}

async function attemptCommit(table: SweepTable, c: TrackCommit, log: TrackWriteLog): Promise<CommitResult> {
  const parts: Pick<TrackCommit, LedgerPart> = {
    close: c.close,
    upsert: c.upsert,
    release: c.release,
    outbox: c.outbox,
  };
  let track = c.track;
  let releaseRecorded = Boolean(parts.release);
  for (let attempt = 0; attempt < 4; attempt++) {
    const extras = ledgerActions(table, parts);
    const state = encodeTrack(track);
    try {
      if (extras.length === 0) {
        await table.doc.send(new PutCommand(trackPut(table, track, c.expectedVersion, state, log.writer)));
      } else {
        await table.doc.send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: trackPut(table, track, c.expectedVersion, state, log.writer) },
              ...extras.map((e) => e.op),
            ] as TransactWriteCommandInput['TransactItems'],
          }),
        );
      }
      log.written(track.allocationId, c.expectedVersion + 1, state);
      return { ok: true, version: c.expectedVersion + 1, releaseRecorded };
    } catch (err) {
      if (extras.length === 0) {
        if (isConditionalCheckFailed(err)) return { ok: false };
        throw err;
      }
      const reasons = cancellationCodes(err);
      if (!reasons) throw err;
      if (reasons[0] === 'ConditionalCheckFailed') return { ok: false };
      // An episode already ended, a release (and its alert) already recorded (a retried run): drop that part and
      // write the rest.
      let dropped = false;
      for (const [i, e] of extras.entries()) {
        if (reasons[i + 1] !== 'ConditionalCheckFailed') continue;
        dropped = true;
        parts[e.kind] = undefined;
        if (e.kind === 'close') track = c.trackWithoutClose ?? track;
        if (e.kind === 'release') releaseRecorded = false;
      }
      if (!dropped) throw err;
    }
  }
  throw new Error(`commit of ${c.track.allocationId} kept failing its conditions`);
}

/**
 * Many commits, each with `commit`'s outcome. A commit that writes ledger items (a transaction either way) shares a
 * TransactWriteItems of up to 100 actions with others: one request instead of one each, which is what makes the
 * first sweep of many addresses affordable. A commit of a track alone stays a conditional PutItem (in a transaction
 * it would cost twice the write units). A batch that a condition (or anything else) cancels is done again one
 * commit at a time, so what each commit does never depends on its neighbours.
 */
export async function commitMany(
  table: SweepTable,
  commits: readonly TrackCommit[],
  log: TrackWriteLog = NO_WRITE_LOG,
): Promise<PromiseSettledResult<CommitResult>[]> {
  const results: PromiseSettledResult<CommitResult>[] = new Array(commits.length);
  const one = async (i: number) => {
    try {
      results[i] = { status: 'fulfilled', value: await commit(table, commits[i] as TrackCommit, log) };
    } catch (reason) {
      results[i] = { status: 'rejected', reason };
    }
  };
  const { plain, batches } = batchesOf(commits);
  const transact = async (indices: number[]) => {
    if (indices.length === 1) return one(indices[0] as number);
    // Each commit's actions as `commit`'s first attempt writes them.
    const states = indices.map((i) => encodeTrack((commits[i] as TrackCommit).track));
    const items = indices.flatMap((i, k) => {
      const c = commits[i] as TrackCommit;
      return [
        { Put: trackPut(table, c.track, c.expectedVersion, states[k] as string, log.writer) },
        ...ledgerActions(table, c).map((e) => e.op),
      ];
    });
    try {
      await table.doc.send(
        new TransactWriteCommand({ TransactItems: items as TransactWriteCommandInput['TransactItems'] }),
      );
    } catch {
      // Made or not (a timeout): each commit is done again alone, its outcome unsure until then.
      for (const i of indices) log.unsure((commits[i] as TrackCommit).track.allocationId);
      for (const i of indices) await one(i);
      return;
    }
    for (const [k, i] of indices.entries()) {
      const c = commits[i] as TrackCommit;
      log.written(c.track.allocationId, c.expectedVersion + 1, states[k] as string);
      results[i] = {
        status: 'fulfilled',
        value: { ok: true, version: c.expectedVersion + 1, releaseRecorded: Boolean(c.release) },
      };
    }
  };
  await Promise.all([
    forEachLimit(plain, PUT_CONCURRENCY, one),
    forEachLimit(batches, TRANSACT_CONCURRENCY, transact),
  ]);
  return results;
}

/** Indices of the commits of a track alone, and of the others grouped into transactions of at most 100 actions. */
function batchesOf(commits: readonly TrackCommit[]): { plain: number[]; batches: number[][] } {
  const plain: number[] = [];
  const batches: number[][] = [];
  let batch: number[] = [];
  let actions = 0;
  for (const [i, c] of commits.entries()) {
    const size = 1 + (c.close ? 1 : 0) + (c.upsert ? 1 : 0) + (c.release ? 1 : 0) + (c.outbox ? 1 : 0);
    if (size === 1) {
      plain.push(i);
      continue;
    }
    if (actions + size > TRANSACT_MAX_ACTIONS) {
      batches.push(batch);
      batch = [];
      actions = 0;
    }
    batch.push(i);
    actions += size;
  }
  if (batch.length > 0) batches.push(batch);
  return { plain, batches };
}
