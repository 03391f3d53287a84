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
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { CorruptItemError, isConditionalCheckFailed } from '../store/errors';
import { expiresAtFor } from '../store/keys';
import { TABLE_KEYS } from '../store/table';
import {
  alertKey,
  idleKey,
  releaseKey,
  SWEEP_ITEM_TYPE,
  SWEEP_KIND,
  SWEEP_SK,
  sweepPk,
  trackKey,
} from './keys';
import type { AddressTrack, IdleEpisodeRecord, ReleaseRecord } from './model';
import type { AlertClaim, AlertKey, CommitResult, StoredTrack, SweepStore, TrackCommit } from './ports';

type Item = Record<string, unknown>;

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

function decodeTrack(item: Item): StoredTrack {
  if (typeof item.allocationId !== 'string' || typeof item.version !== 'number') {
    throw new CorruptItemError({ PK: item.PK, SK: item.SK }, 'track lacks allocationId or version');
  }
  const track = {} as Record<string, unknown>;
  for (const f of TRACK_FIELDS) track[f] = item[f] ?? null;
  track.tags = (item.tags as Record<string, string> | undefined) ?? {};
  track.alerts = (item.alerts as Record<string, string> | undefined) ?? {};
  return { track: track as unknown as AddressTrack, version: item.version };
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

/** The per-item codes of a cancelled transaction (`None`, `ConditionalCheckFailed`, ...), or undefined. */
function cancellationReasons(err: unknown): string[] | undefined {
  const e = err as { name?: string; CancellationReasons?: { Code?: string }[] };
  if (e?.name !== 'TransactionCanceledException' || !Array.isArray(e.CancellationReasons)) return undefined;
  return e.CancellationReasons.map((r) => r.Code ?? 'None');
}

export class DynamoSweepStore implements SweepStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** `config.history.retentionDays`: TTL of alert claims. */
    private readonly retentionDays: number,
  ) {}

  private async queryGsi(kind: string): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: TABLE_KEYS.gsi1.name,
          KeyConditionExpression: '#pk = :kind',
          ExpressionAttributeNames: { '#pk': TABLE_KEYS.gsi1.partitionKey },
          ExpressionAttributeValues: { ':kind': kind },
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(out.Items ?? []));
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  async listTracks(): Promise<StoredTrack[]> {
    return (await this.queryGsi(SWEEP_KIND.track)).map(decodeTrack);
  }

  private trackPut(track: AddressTrack, expectedVersion: number) {
    return {
      TableName: this.tableName,
      Item: {
        ...trackKey(track.allocationId),
        [TABLE_KEYS.gsi1.partitionKey]: SWEEP_KIND.track,
        [TABLE_KEYS.gsi1.sortKey]: track.allocationId,
        itemType: SWEEP_ITEM_TYPE.track,
        ...track,
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
          await this.doc.send(new PutCommand(this.trackPut(c.track, c.expectedVersion)));
        } else {
          await this.doc.send(
            new TransactWriteCommand({
              TransactItems: [
                { Put: this.trackPut(c.track, c.expectedVersion) },
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
        const reasons = cancellationReasons(err);
        if (!reasons) throw err;
        if (reasons[0] === 'ConditionalCheckFailed') return { ok: false };
        // An episode already ended, or a release already recorded (a retried run): drop that part and write the rest.
        let dropped = false;
        for (const [i, e] of extras.entries()) {
          if (reasons[i + 1] !== 'ConditionalCheckFailed') continue;
          dropped = true;
          if (e.kind === 'close') close = undefined;
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

  async listEpisodes(allocationId?: string): Promise<IdleEpisodeRecord[]> {
    if (allocationId === undefined) return (await this.queryGsi(SWEEP_KIND.idle)).map(decodeEpisode);
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :idle)',
          ExpressionAttributeValues: { ':pk': sweepPk(allocationId), ':idle': SWEEP_SK.idle },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(out.Items ?? []));
      startKey = out.LastEvaluatedKey;
    } while (startKey);
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

  async listReleases(): Promise<ReleaseRecord[]> {
    return (await this.queryGsi(SWEEP_KIND.release)).map(decodeRelease);
  }
}
