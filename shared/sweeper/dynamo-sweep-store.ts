/**
 * The sweeper's state and cost ledger on the single table (keys in `keys.ts`, layouts in docs/data-model.md).
 *
 * Every write is conditional, so a retried or concurrent sweep never double-counts or double-alerts:
 * - tracks carry a version (optimistic concurrency);
 * - an idle episode ends once (`attribute_not_exists(end)`), and an ended one is never reopened;
 * - a release is recorded once (`attribute_not_exists(PK)`);
 * - an alert is claimed (conditional create) before it is published.
 */
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { forEachLimit } from '../runtime/concurrency';
import { CorruptItemError, cancellationCodes, isConditionalCheckFailed } from '../store/errors';
import { expiresAtFor } from '../store/keys';
import { type Item, queryAll } from '../store/query';
import { TABLE_KEYS } from '../store/table';
import {
  alertKey,
  idleKey,
  lastRunKey,
  releaseKey,
  SWEEP_ITEM_TYPE,
  SWEEP_KIND,
  SWEEP_SK,
  sweepPk,
  TRACK_SHARDS,
  trackKey,
  trackKind,
  trackShard,
} from './keys';
import {
  type AddressTrack,
  EMPTY_TRACK_LEDGER,
  type IdleEpisodeRecord,
  type ReleaseRecord,
  type TrackLedger,
} from './model';
import type { AlertClaim, AlertKey, CommitResult, StoredTrack, SweepStore, TrackCommit } from './sweep-store';

/** A track's fields (the ones earlier versions wrote as separate attributes, and still read that way). */
const TRACK_FIELDS = [
  'allocationId',
  'publicIp',
  'firstSeenAt',
  'lastSeenAt',
  'lastRunId',
  'status',
  'classification',
  'reason',
  'tags',
  'lastSeenInUseAt',
  'lastSeenHolder',
  'episode',
  'alerts',
  'notice',
  'block',
  'releaseAttempt',
  'releasedAt',
] as const satisfies readonly (keyof AddressTrack)[];

/**
 * A track is stored as one JSON attribute (`state`): a sweep reads every track every run, and one string per item
 * costs DynamoDB and the SDK a fraction of what a nest of typed attributes does (docs/performance.md). Top-level
 * nulls, empty maps and an empty ledger are left out; `decodeTrack` puts them back.
 */
function encodeTrack(track: AddressTrack): string {
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(track)) {
    if (key === 'allocationId' || value === null || value === undefined) continue;
    if (key === 'ledger' && sameLedger(value as TrackLedger, EMPTY_TRACK_LEDGER)) continue;
    if ((key === 'tags' || key === 'alerts') && Object.keys(value as object).length === 0) continue;
    kept[key] = value;
  }
  return JSON.stringify(kept);
}

const sameLedger = (a: TrackLedger, b: TrackLedger): boolean =>
  a.month === b.month &&
  a.closedHours === b.closedHours &&
  a.closedCostUsd === b.closedCostUsd &&
  a.released === b.released;

function decodeTrack(item: Item): StoredTrack {
  if (typeof item.allocationId !== 'string' || typeof item.version !== 'number') {
    throw new CorruptItemError({ PK: item.PK, SK: item.SK }, 'track lacks allocationId or version');
  }
  const encoded = typeof item.state === 'string';
  let fields: Record<string, unknown> = item;
  if (encoded) {
    try {
      fields = JSON.parse(item.state as string) as Record<string, unknown>;
    } catch {
      throw new CorruptItemError({ PK: item.PK, SK: item.SK }, 'track state is not JSON');
    }
  }
  // The parsed state becomes the track (no copy): a sweep decodes every track of the region.
  const track: Record<string, unknown> = encoded ? fields : {};
  for (const f of TRACK_FIELDS) track[f] = fields[f] ?? null;
  track.allocationId = item.allocationId;
  track.tags = fields.tags ?? {};
  track.alerts = fields.alerts ?? {};
  const ledger = fields.ledger as Partial<TrackLedger> | undefined;
  track.ledger = ledger
    ? {
        month: ledger.month ?? null,
        closedHours: ledger.closedHours ?? 0,
        closedCostUsd: ledger.closedCostUsd ?? 0,
        released: ledger.released ?? null,
      }
    : encoded
      ? EMPTY_TRACK_LEDGER
      : legacyLedger(track as unknown as AddressTrack);
  return { track: track as unknown as AddressTrack, version: item.version };
}

/** A track written before tracks kept a ledger: its release still counts (episodes that ended this month do not). */
function legacyLedger(t: AddressTrack): TrackLedger {
  return t.status === 'released' && t.releasedAt
    ? { ...EMPTY_TRACK_LEDGER, released: { at: t.releasedAt, rateUsd: t.episode?.rateUsd ?? 0 } }
    : EMPTY_TRACK_LEDGER;
}

function decodeEpisode(item: Item): IdleEpisodeRecord {
  if (
    typeof item.allocationId !== 'string' ||
    typeof item.start !== 'string' ||
    typeof item.key !== 'string'
  ) {
    throw new CorruptItemError({ PK: item.PK, SK: item.SK }, 'idle episode lacks allocationId, key or start');
  }
  return {
    allocationId: item.allocationId,
    publicIp: String(item.publicIp ?? ''),
    key: item.key,
    start: item.start,
    source: item.source === 'history' ? 'history' : 'first-observation',
    rateUsd: typeof item.rateUsd === 'number' ? item.rateUsd : 0,
    end: typeof item.end === 'string' ? item.end : null,
    endReason: (item.endReason as IdleEpisodeRecord['endReason'] | undefined) ?? null,
    classification: (item.classification as IdleEpisodeRecord['classification'] | undefined) ?? 'idle',
  };
}

function decodeRelease(item: Item): ReleaseRecord {
  if (typeof item.allocationId !== 'string' || typeof item.releasedAt !== 'string') {
    throw new CorruptItemError({ PK: item.PK, SK: item.SK }, 'release lacks allocationId or releasedAt');
  }
  return {
    allocationId: item.allocationId,
    publicIp: String(item.publicIp ?? ''),
    releasedAt: item.releasedAt,
    runId: String(item.runId ?? ''),
    rateUsd: typeof item.rateUsd === 'number' ? item.rateUsd : 0,
    idleSince: String(item.idleSince ?? item.releasedAt),
    idleSource: item.idleSource === 'history' ? 'history' : 'first-observation',
    idleHours: typeof item.idleHours === 'number' ? item.idleHours : 0,
    idleCostUsd: typeof item.idleCostUsd === 'number' ? item.idleCostUsd : 0,
    tags: (item.tags as Record<string, string> | undefined) ?? {},
  };
}

/** DynamoDB's limit of actions in one TransactWriteItems. */
const TRANSACT_MAX_ACTIONS = 100;
/** Conditional puts, and batched transactions, in flight at once. */
const PUT_CONCURRENCY = 16;
const TRANSACT_CONCURRENCY = 4;

export class DynamoSweepStore implements SweepStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** `config.history.retentionDays`: TTL of alert claims. */
    private readonly retentionDays: number,
  ) {}

  private async queryGsi(kind: string, attributes?: readonly string[]): Promise<Item[]> {
    return queryAll(this.doc, {
      TableName: this.tableName,
      IndexName: TABLE_KEYS.gsi1.name,
      KeyConditionExpression: '#pk = :kind',
      ExpressionAttributeNames: {
        '#pk': TABLE_KEYS.gsi1.partitionKey,
        ...Object.fromEntries((attributes ?? []).map((a, i) => [`#p${i}`, a])),
      },
      ExpressionAttributeValues: { ':kind': kind },
      ...(attributes ? { ProjectionExpression: attributes.map((_, i) => `#p${i}`).join(', ') } : {}),
    });
  }

  async listTracks(): Promise<StoredTrack[]> {
    const kinds = [SWEEP_KIND.track, ...Array.from({ length: TRACK_SHARDS }, (_, i) => trackKind(i))];
    const pages = await Promise.all(
      kinds.map((kind, i) =>
        // The unsharded partition holds tracks of earlier versions: every attribute is needed to read them.
        this.queryGsi(kind, i === 0 ? undefined : ['allocationId', 'version', 'state']),
      ),
    );
    // A track moved from the unsharded partition may show in both while the index catches up: keep the newer one.
    const byId = new Map<string, StoredTrack>();
    for (const item of pages.flat()) {
      const t = decodeTrack(item);
      const seen = byId.get(t.track.allocationId);
      if (!seen || seen.version < t.version) byId.set(t.track.allocationId, t);
    }
    return [...byId.values()];
  }

  private trackPut(track: AddressTrack, expectedVersion: number) {
    return {
      TableName: this.tableName,
      Item: {
        ...trackKey(track.allocationId),
        [TABLE_KEYS.gsi1.partitionKey]: trackKind(trackShard(track.allocationId)),
        [TABLE_KEYS.gsi1.sortKey]: track.allocationId,
        itemType: SWEEP_ITEM_TYPE.track,
        allocationId: track.allocationId,
        state: encodeTrack(track),
        version: expectedVersion + 1,
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

  /** An update that creates or updates an episode unless it has ended (the first end wins). */
  private episodeUpdate(e: IdleEpisodeRecord, end?: { end: string; endReason: string }) {
    const attrs: Item = {
      [TABLE_KEYS.gsi1.partitionKey]: SWEEP_KIND.idle,
      [TABLE_KEYS.gsi1.sortKey]: `${e.start}#${e.allocationId}`,
      itemType: SWEEP_ITEM_TYPE.idle,
      allocationId: e.allocationId,
      publicIp: e.publicIp,
      key: e.key,
      start: e.start,
      source: e.source,
      rateUsd: e.rateUsd,
      classification: e.classification,
      ...(end ?? {}),
    };
    const names: Record<string, string> = { '#end': 'end' };
    const values: Item = {};
    const sets: string[] = [];
    for (const [i, [k, v]] of Object.entries(attrs).entries()) {
      names[`#a${i}`] = k;
      values[`:a${i}`] = v;
      sets.push(`#a${i} = :a${i}`);
    }
    return {
      TableName: this.tableName,
      Key: idleKey(e.allocationId, e.key),
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: 'attribute_not_exists(#end)',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    };
  }

  private releasePut(release: ReleaseRecord) {
    return {
      TableName: this.tableName,
      Item: {
        ...releaseKey(release.allocationId),
        [TABLE_KEYS.gsi1.partitionKey]: SWEEP_KIND.release,
        [TABLE_KEYS.gsi1.sortKey]: `${release.releasedAt}#${release.allocationId}`,
        itemType: SWEEP_ITEM_TYPE.release,
        ...release,
      },
      ConditionExpression: 'attribute_not_exists(PK)',
    };
  }

  async commit(c: TrackCommit): Promise<CommitResult> {
    let close = c.close;
    let upsert = c.upsert;
    let release = c.release;
    let track = c.track;
    let releaseRecorded = Boolean(release);
    for (let attempt = 0; attempt < 4; attempt++) {
      const extras: Array<{ kind: 'close' | 'upsert' | 'release'; op: Record<string, unknown> }> = [];
      if (close) {
        extras.push({
          kind: 'close',
          op: { Update: this.episodeUpdate(close, { end: close.end, endReason: close.endReason ?? 'gone' }) },
        });
      }
      if (upsert) extras.push({ kind: 'upsert', op: { Update: this.episodeUpdate(upsert) } });
      if (release) extras.push({ kind: 'release', op: { Put: this.releasePut(release) } });
      try {
        if (extras.length === 0) {
          await this.doc.send(new PutCommand(this.trackPut(track, c.expectedVersion)));
        } else {
          await this.doc.send(
            new TransactWriteCommand({
              TransactItems: [
                { Put: this.trackPut(track, c.expectedVersion) },
                ...extras.map((e) => e.op),
              ] as TransactWriteCommandInput['TransactItems'],
            }),
          );
        }
        return { ok: true, version: c.expectedVersion + 1, releaseRecorded };
      } catch (err) {
        if (extras.length === 0) {
          if (isConditionalCheckFailed(err)) return { ok: false };
          throw err;
        }
        const reasons = cancellationCodes(err);
        if (!reasons) throw err;
        if (reasons[0] === 'ConditionalCheckFailed') return { ok: false };
        // An episode already ended, or a release already recorded (a retried run): drop that part and write the rest.
        let dropped = false;
        for (const [i, e] of extras.entries()) {
          if (reasons[i + 1] !== 'ConditionalCheckFailed') continue;
          dropped = true;
          if (e.kind === 'close') {
            close = undefined;
            track = c.trackWithoutClose ?? track;
          }
          if (e.kind === 'upsert') upsert = undefined;
          if (e.kind === 'release') {
            release = undefined;
            releaseRecorded = false;
          }
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
  async commitMany(commits: readonly TrackCommit[]): Promise<PromiseSettledResult<CommitResult>[]> {
    const results: PromiseSettledResult<CommitResult>[] = new Array(commits.length);
    const one = async (i: number) => {
      try {
        results[i] = { status: 'fulfilled', value: await this.commit(commits[i] as TrackCommit) };
      } catch (reason) {
        results[i] = { status: 'rejected', reason };
      }
    };
    const plain: number[] = [];
    const batches: number[][] = [];
    let batch: number[] = [];
    let actions = 0;
    for (const [i, c] of commits.entries()) {
      const size = 1 + (c.close ? 1 : 0) + (c.upsert ? 1 : 0) + (c.release ? 1 : 0);
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

    const transact = async (indices: number[]) => {
      if (indices.length === 1) return one(indices[0] as number);
      const items = indices.flatMap((i) => this.transactItems(commits[i] as TrackCommit));
      try {
        await this.doc.send(
          new TransactWriteCommand({ TransactItems: items as TransactWriteCommandInput['TransactItems'] }),
        );
      } catch {
        for (const i of indices) await one(i);
        return;
      }
      for (const i of indices) {
        const c = commits[i] as TrackCommit;
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

  /** The actions of one commit as written by `commit`'s first attempt. */
  private transactItems(c: TrackCommit): Record<string, unknown>[] {
    return [
      { Put: this.trackPut(c.track, c.expectedVersion) },
      ...(c.close
        ? [
            {
              Update: this.episodeUpdate(c.close, {
                end: c.close.end,
                endReason: c.close.endReason ?? 'gone',
              }),
            },
          ]
        : []),
      ...(c.upsert ? [{ Update: this.episodeUpdate(c.upsert) }] : []),
      ...(c.release ? [{ Put: this.releasePut(c.release) }] : []),
    ];
  }

  async listEpisodes(allocationId?: string): Promise<IdleEpisodeRecord[]> {
    if (allocationId === undefined) return (await this.queryGsi(SWEEP_KIND.idle)).map(decodeEpisode);
    const items = await queryAll(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :idle)',
      ExpressionAttributeValues: { ':pk': sweepPk(allocationId), ':idle': SWEEP_SK.idle },
      ConsistentRead: true,
    });
    return items.map(decodeEpisode);
  }

  async claimAlert(key: AlertKey, runId: string, at: string, subject: string): Promise<AlertClaim> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...alertKey(key.scope, key.id),
            itemType: SWEEP_ITEM_TYPE.alert,
            state: 'pending',
            runId,
            at,
            subject,
            [TABLE_KEYS.ttlAttribute]: expiresAtFor(at, this.retentionDays),
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
      return { status: 'claimed' };
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: alertKey(key.scope, key.id), ConsistentRead: true }),
    );
    const item = out.Item ?? {};
    return {
      status: 'taken',
      state: item.state === 'sent' ? 'sent' : 'pending',
      runId: String(item.runId ?? ''),
      at: String(item.at ?? at),
    };
  }

  async confirmAlert(key: AlertKey, runId: string, messageId: string): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: alertKey(key.scope, key.id),
        UpdateExpression: 'SET #state = :sent, messageId = :mid',
        ConditionExpression: 'runId = :run',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':sent': 'sent', ':mid': messageId, ':run': runId },
      }),
    );
  }

  async dropAlertClaim(key: AlertKey, runId: string): Promise<void> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: alertKey(key.scope, key.id),
          ConditionExpression: 'runId = :run AND #state = :pending',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':run': runId, ':pending': 'pending' },
        }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }

  async lastRun(): Promise<{ at: string; runId: string } | null> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: lastRunKey(), ConsistentRead: true }),
    );
    const item = out.Item;
    return typeof item?.at === 'string' ? { at: item.at, runId: String(item.runId ?? '') } : null;
  }

  async recordRun(at: string, runId: string): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...lastRunKey(), itemType: SWEEP_ITEM_TYPE.run, at, runId },
          ConditionExpression: 'attribute_not_exists(#at) OR #at < :at',
          ExpressionAttributeNames: { '#at': 'at' },
          ExpressionAttributeValues: { ':at': at },
        }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }

  async listReleases(): Promise<ReleaseRecord[]> {
    return (await this.queryGsi(SWEEP_KIND.release)).map(decodeRelease);
  }
}
