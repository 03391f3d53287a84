/**
 * Alert claims: an alert is claimed (conditional create) before it is published and confirmed with SNS's MessageId
 * after, so it goes out once per key while runs succeed — and again, by exactly one run, when a run died between its
 * claim and its confirmation (the claim is taken over once older than the lease, conditionally on the claim read).
 */
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { expiresAtFor } from '../../store/keys';
import type { Item } from '../../store/query';
import { TABLE_KEYS } from '../../store/table';
import { alertKey, SWEEP_ITEM_TYPE } from '../keys';
import type { AlertClaim, AlertKey, SentAlert, StoredAlertClaim } from '../sweep-store';
import { type SweepTable, writeIf } from './table';

/**
 * Claims are kept at least this long: longer than the longest notice period (90 days), so the claim of a notice is
 * still there when the release it announced is checked against it.
 */
const CLAIM_MIN_RETENTION_DAYS = 120;

/** Attempts at taking a stale claim over before giving up (each lost one means another run moved it). */
const TAKEOVER_ATTEMPTS = 3;

/** One run's claim on an alert, as it asks for it. */
export interface ClaimRequest {
  key: AlertKey;
  runId: string;
  /** The run's time. */
  at: string;
  subject: string;
  /** How long another run's unconfirmed claim stands before it is taken over. */
  leaseMs: number;
}

async function putClaim(table: SweepTable, retentionDays: number, c: ClaimRequest): Promise<boolean> {
  const { key, runId, at, subject } = c;
  return writeIf(
    table,
    new PutCommand({
      TableName: table.tableName,
      Item: {
        ...alertKey(key.scope, key.id),
        itemType: SWEEP_ITEM_TYPE.alert,
        state: 'pending',
        runId,
        at,
        subject,
        [TABLE_KEYS.ttlAttribute]: expiresAtFor(at, Math.max(retentionDays, CLAIM_MIN_RETENTION_DAYS)),
      },
      ConditionExpression: 'attribute_not_exists(PK)',
    }),
  );
}

/** Takes a stale pending claim over, if it is still exactly as read. */
function takeOver(table: SweepTable, key: AlertKey, read: StoredAlertClaim, runId: string, at: string) {
  return writeIf(
    table,
    new UpdateCommand({
      TableName: table.tableName,
      Key: alertKey(key.scope, key.id),
      UpdateExpression: 'SET runId = :run, #at = :at',
      ConditionExpression: '#state = :pending AND runId = :read AND #at = :readAt',
      ExpressionAttributeNames: { '#state': 'state', '#at': 'at' },
      ExpressionAttributeValues: {
        ':run': runId,
        ':at': at,
        ':pending': 'pending',
        ':read': read.runId,
        ':readAt': read.at,
      },
    }),
  );
}

export async function claimAlert(
  table: SweepTable,
  retentionDays: number,
  c: ClaimRequest,
): Promise<AlertClaim> {
  const { key, runId, at, leaseMs } = c;
  for (let attempt = 0; attempt < TAKEOVER_ATTEMPTS; attempt++) {
    if (await putClaim(table, retentionDays, c)) return { status: 'claimed' };
    const stored = await readAlertClaim(table, key);
    // Given back between the put and the read: claim it again.
    if (!stored) continue;
    if (stored.sent) return { status: 'sent', ...stored.sent };
    // This run's own claim, left by an attempt Lambda retries: that attempt ended before this one started.
    if (stored.runId === runId) return { status: 'claimed' };
    if (Date.parse(at) - Date.parse(stored.at) < leaseMs) {
      return { status: 'in-progress', runId: stored.runId, at: stored.at };
    }
    if (await takeOver(table, key, stored, runId, at)) return { status: 'claimed' };
  }
  throw new Error(`alert ${key.scope}#${key.id} kept changing while it was claimed`);
}

/** Confirms the claim this run holds; false when another run took it over meanwhile (it sends and confirms it). */
export async function confirmAlert(
  table: SweepTable,
  key: AlertKey,
  runId: string,
  sent: SentAlert,
): Promise<boolean> {
  return writeIf(
    table,
    new UpdateCommand({
      TableName: table.tableName,
      Key: alertKey(key.scope, key.id),
      UpdateExpression: `SET #state = :sent, messageId = :mid, sentAt = :sentAt${sent.members ? ', members = :members' : ''}`,
      ConditionExpression: 'runId = :run',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: {
        ':sent': 'sent',
        ':mid': sent.messageId,
        ':sentAt': sent.sentAt,
        ':run': runId,
        ...(sent.members ? { ':members': sent.members } : {}),
      },
    }),
  );
}

export async function dropAlertClaim(table: SweepTable, key: AlertKey, runId: string): Promise<void> {
  await writeIf(
    table,
    new DeleteCommand({
      TableName: table.tableName,
      Key: alertKey(key.scope, key.id),
      ConditionExpression: 'runId = :run AND #state = :pending',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':run': runId, ':pending': 'pending' },
    }),
  );
}

function decodeClaim(item: Item): StoredAlertClaim {
  const at = String(item.at ?? '');
  const state = item.state === 'sent' ? 'sent' : 'pending';
  const claim: StoredAlertClaim = { state, runId: String(item.runId ?? ''), at };
  if (state === 'sent') {
    // Claims confirmed by earlier versions carry no sentAt: they were confirmed in the run that claimed them.
    claim.sent = {
      messageId: String(item.messageId ?? ''),
      sentAt: typeof item.sentAt === 'string' ? item.sentAt : at,
    };
    if (Array.isArray(item.members)) claim.sent.members = item.members.map(String);
  }
  return claim;
}

export async function readAlertClaim(
  table: SweepTable,
  key: AlertKey,
): Promise<StoredAlertClaim | undefined> {
  const out = await table.doc.send(
    new GetCommand({ TableName: table.tableName, Key: alertKey(key.scope, key.id), ConsistentRead: true }),
  );
  return out.Item ? decodeClaim(out.Item) : undefined;
}
