/**
 * The finding store on the single DynamoDB table (item layout in keys.ts): the latest item of each finding, written
 * conditionally on its revision, a history item per opening and resolution, and the exhaustion signals.
 */ import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed, lostConditionalRace } from '../store/errors';
import { expiresAtFor } from '../store/keys';
import { type Item, queryAll } from '../store/query';
import type { Finding } from './checks/result';
import type { AuditRecord, FindingStore } from './finding-store';
import {
  auditPk,
  FINDING_SK_PREFIX,
  findingGsi1,
  findingHistoryKey,
  findingItemKey,
  SIGNALS_PK,
  signalKey,
} from './keys';
import type { ExhaustionSignal } from './model';

/** What a finding says, as both its latest item and each history item store it. */
function findingAttributes(r: AuditRecord): Item {
  return {
    cluster: r.cluster,
    ...(r.nodegroup !== undefined ? { nodegroup: r.nodegroup } : {}),
    ...(r.pool !== undefined ? { pool: r.pool } : {}),
    checkId: r.id,
    status: r.status,
    severity: r.severity,
    title: r.title,
    evidence: r.evidence,
    fix: r.fix,
  };
}

function toItem(r: AuditRecord): Item {
  return {
    ...findingItemKey(r),
    ...findingGsi1(r),
    itemType: 'AuditFinding',
    kind: 'audit-finding',
    ...findingAttributes(r),
    state: r.state,
    announced: r.announced,
    rev: r.rev,
    firstSeenAt: r.firstSeenAt,
    lastSeenAt: r.lastSeenAt,
    ...(r.resolvedAt ? { resolvedAt: r.resolvedAt } : {}),
    ...(r.claim ? { claimToken: r.claim.token, claimUntil: r.claim.until } : {}),
  };
}

function fromItem(i: Item): AuditRecord {
  return {
    id: String(i.checkId),
    status: i.status === 'unknown' ? 'unknown' : 'fail',
    severity: (i.severity as AuditRecord['severity']) ?? 'info',
    cluster: String(i.cluster),
    ...(typeof i.nodegroup === 'string' ? { nodegroup: i.nodegroup } : {}),
    ...(typeof i.pool === 'string' ? { pool: i.pool } : {}),
    title: String(i.title ?? ''),
    evidence: Array.isArray(i.evidence) ? i.evidence.map(String) : [],
    fix: String(i.fix ?? ''),
    state: i.state === 'resolved' ? 'resolved' : 'open',
    announced: i.announced === 'open' ? 'open' : 'none',
    rev: Number(i.rev ?? 0),
    firstSeenAt: String(i.firstSeenAt ?? ''),
    lastSeenAt: String(i.lastSeenAt ?? ''),
    ...(typeof i.resolvedAt === 'string' ? { resolvedAt: i.resolvedAt } : {}),
    ...(typeof i.claimToken === 'string' && typeof i.claimUntil === 'string'
      ? { claim: { token: i.claimToken, until: i.claimUntil } }
      : {}),
  };
}

export class DynamoFindingStore implements FindingStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionDays: number,
  ) {}

  async listRecords(cluster: string): Promise<AuditRecord[]> {
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sk)',
      ExpressionAttributeValues: { ':pk': auditPk(cluster), ':sk': FINDING_SK_PREFIX },
      ConsistentRead: true,
    });
    return items.map(fromItem);
  }

  private history(r: AuditRecord, at: string, change: 'opened' | 'resolved'): Item {
    return {
      ...findingHistoryKey(r, at, change),
      itemType: 'AuditHistory',
      kind: 'audit-history',
      change,
      ...findingAttributes(r),
      at,
      expiresAt: expiresAtFor(at, this.retentionDays),
    };
  }

  /** Writes `next` if the stored revision is still `previousRev` (absent for a new record), plus a history item. */
  private async write(
    next: AuditRecord,
    previousRev: number | undefined,
    history?: Item,
  ): Promise<AuditRecord | undefined> {
    const condition =
      previousRev === undefined
        ? { ConditionExpression: 'attribute_not_exists(PK)' }
        : { ConditionExpression: 'rev = :rev', ExpressionAttributeValues: { ':rev': previousRev } };
    try {
      if (history) {
        await this.db.send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: { TableName: this.tableName, Item: toItem(next), ...condition } },
              { Put: { TableName: this.tableName, Item: history } },
            ],
          }),
        );
      } else {
        await this.db.send(new PutCommand({ TableName: this.tableName, Item: toItem(next), ...condition }));
      }
      return next;
    } catch (err) {
      if (lostConditionalRace(err)) return undefined;
      throw err;
    }
  }

  async open(finding: Finding, at: string, previous?: AuditRecord): Promise<AuditRecord | undefined> {
    const reopenedQuietly = previous?.state === 'resolved' && previous.announced === 'open';
    const next: AuditRecord = {
      ...finding,
      state: 'open',
      // A resolution never announced: the open announcement still stands. Otherwise announce anew.
      announced: reopenedQuietly ? 'open' : 'none',
      rev: (previous?.rev ?? 0) + 1,
      firstSeenAt: reopenedQuietly || previous?.state === 'open' ? (previous?.firstSeenAt ?? at) : at,
      lastSeenAt: at,
    };
    return this.write(next, previous?.rev, reopenedQuietly ? undefined : this.history(next, at, 'opened'));
  }

  async refresh(finding: Finding, previous: AuditRecord, at: string): Promise<AuditRecord | undefined> {
    const next: AuditRecord = {
      ...finding,
      state: 'open',
      announced: previous.announced,
      rev: previous.rev + 1,
      firstSeenAt: previous.firstSeenAt,
      lastSeenAt: at,
      ...(previous.claim ? { claim: previous.claim } : {}),
    };
    return this.write(next, previous.rev);
  }

  async resolve(previous: AuditRecord, at: string): Promise<AuditRecord | undefined> {
    const next: AuditRecord = { ...previous, state: 'resolved', rev: previous.rev + 1, resolvedAt: at };
    return this.write(next, previous.rev, this.history(next, at, 'resolved'));
  }

  async claim(record: AuditRecord, at: string, until: string): Promise<AuditRecord | undefined> {
    const token = `${at}#${Math.random().toString(36).slice(2)}`;
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: findingItemKey(record),
          UpdateExpression: 'SET claimToken = :token, claimUntil = :until, rev = :next',
          ConditionExpression: 'rev = :rev AND (attribute_not_exists(claimToken) OR claimUntil <= :at)',
          ExpressionAttributeValues: {
            ':token': token,
            ':until': until,
            ':next': record.rev + 1,
            ':rev': record.rev,
            ':at': at,
          },
        }),
      );
      return { ...record, rev: record.rev + 1, claim: { token, until } };
    } catch (err) {
      if (isConditionalCheckFailed(err)) return undefined;
      throw err;
    }
  }

  async release(record: AuditRecord): Promise<void> {
    if (!record.claim) return;
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: findingItemKey(record),
          UpdateExpression: 'REMOVE claimToken, claimUntil',
          ConditionExpression: 'claimToken = :token',
          ExpressionAttributeValues: { ':token': record.claim.token },
        }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }

  async markAnnounced(record: AuditRecord, _at: string): Promise<void> {
    if (!record.claim)
      throw new Error(`markAnnounced needs a claimed record (${record.cluster} ${record.id})`);
    const key = findingItemKey(record);
    const condition = { ConditionExpression: 'claimToken = :token' };
    try {
      if (record.state === 'resolved') {
        await this.db.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: key,
            ...condition,
            ExpressionAttributeValues: { ':token': record.claim.token },
          }),
        );
      } else {
        await this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: key,
            UpdateExpression: 'SET announced = :open, rev = rev + :one REMOVE claimToken, claimUntil',
            ...condition,
            ExpressionAttributeValues: { ':token': record.claim.token, ':open': 'open', ':one': 1 },
          }),
        );
      }
    } catch (err) {
      // Another audit took the record over since: it announces what it sees.
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }

  async forget(record: AuditRecord): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: findingItemKey(record),
          ConditionExpression: 'rev = :rev',
          ExpressionAttributeValues: { ':rev': record.rev },
        }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }

  async recordSignal(signal: ExhaustionSignal & { eventId: string }, retentionHours: number): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...signalKey(signal.at, signal.eventId),
          itemType: 'AuditSignal',
          kind: 'audit-signal',
          subnetId: signal.subnetId,
          at: signal.at,
          eventName: signal.eventName,
          ...(signal.errorCode ? { errorCode: signal.errorCode } : {}),
          ...(signal.errorMessage ? { errorMessage: signal.errorMessage } : {}),
          expiresAt: Math.floor(Date.parse(signal.at) / 1000) + Math.ceil(retentionHours * 3600),
        },
      }),
    );
  }

  async recentSignals(sinceIso: string): Promise<ExhaustionSignal[]> {
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'PK = :pk AND SK >= :since',
      ExpressionAttributeValues: { ':pk': SIGNALS_PK, ':since': sinceIso },
      ConsistentRead: true,
    });
    return items.map((i) => ({
      subnetId: String(i.subnetId),
      at: String(i.at),
      eventName: String(i.eventName),
      ...(typeof i.errorCode === 'string' ? { errorCode: i.errorCode } : {}),
      ...(typeof i.errorMessage === 'string' ? { errorMessage: i.errorMessage } : {}),
    }));
  }
}
