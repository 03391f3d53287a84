/**
 * The EventBridge envelope of a CloudTrail record (`detail-type: "AWS API Call via CloudTrail"`) and the record's
 * common fields: what every capability checks before reading a call (shape, detail-type, account, region, event id
 * and time), and who called. Failed calls are kept, because some capabilities read them as signals.
 * Pure: no AWS import, no I/O.
 */
import { type Actor, summarizeActor } from './actor';
import { CLOUDTRAIL_DETAIL_TYPE } from './patterns';
import {
  asObject,
  clipText,
  normalizeIsoTime,
  readClipped,
  readString,
  readText,
  withDefined,
} from './readers';

export interface ExpectedOrigin {
  accountId: string;
  region: string;
}

export type RejectionReason =
  | 'not-an-object'
  | 'missing-detail'
  | 'wrong-detail-type'
  | 'other-account'
  | 'other-region'
  | 'invalid-field'
  | 'wrong-event-source'
  | 'unknown-event-name'
  | 'failed-call';

export interface Rejection {
  kind: 'rejected';
  reason: RejectionReason;
  /** One human sentence: what was wrong. */
  message: string;
  eventId?: string;
  eventName?: string;
  /** `invalid-field`: the offending field, as a path from the event root. */
  field?: string;
  /** `failed-call`: CloudTrail's errorCode / errorMessage. */
  errorCode?: string;
  errorMessage?: string;
}

/** The validated common part of any CloudTrail API-call record. */
export interface CloudTrailEnvelope {
  eventId: string;
  eventTime: string;
  eventName: string;
  eventSource?: string;
  awsRegion: string;
  accountId: string;
  actor: Actor;
  userAgent?: string;
  sourceIp?: string;
  /** `{}` when CloudTrail sent null or nothing. */
  requestParameters: Record<string, unknown>;
  responseElements: Record<string, unknown>;
  /** Set when the call failed (including `Client.DryRunOperation`): it changed nothing. */
  errorCode?: string;
  errorMessage?: string;
}

export type EnvelopeResult = { kind: 'ok'; envelope: CloudTrailEnvelope } | Rejection;

/** Longest `detail.eventID` accepted (CloudTrail's are 36-character UUIDs). */
export const MAX_EVENT_ID_CHARS = 128;

export function reject(reason: RejectionReason, message: string, extra: Partial<Rejection> = {}): Rejection {
  return { kind: 'rejected', reason, message, ...extra };
}

/** The event's id and name as far as they can be read, clipped: a rejection names them for the logs. */
type LogIds = Pick<Rejection, 'eventId' | 'eventName'>;

/** Where an event names its account and its region: in the record, and on the EventBridge envelope. */
const ORIGIN_CHECKS = [
  { inRecord: 'recipientAccountId', onEnvelope: 'account', served: 'accountId', mismatch: 'other-account' },
  { inRecord: 'awsRegion', onEnvelope: 'region', served: 'region', mismatch: 'other-region' },
] as const;

/**
 * Checks that the origin (account or region) is this deployment's wherever the event names it: in the record
 * (`detail.…`, listed first) and on the EventBridge envelope. At least one of the two must be there.
 */
function checkOrigin(
  sources: readonly [readonly [string, unknown], readonly [string, unknown]],
  served: string,
  mismatch: 'other-account' | 'other-region',
  ids: LogIds,
): Rejection | undefined {
  const present = sources.filter(([, v]) => v !== undefined && v !== null);
  if (present.length === 0) {
    const [[first], [second]] = sources;
    return reject('invalid-field', `neither ${first} nor ${second} is set`, { ...ids, field: first });
  }
  for (const [field, v] of present) {
    const s = readString(v);
    if (s === undefined) return reject('invalid-field', `${field} is not a string`, { ...ids, field });
    if (s !== served) {
      return reject(mismatch, `${field} is ${clipText(s, 80)}, this deployment serves ${served}`, ids);
    }
  }
  return undefined;
}

interface RecordIdentity {
  eventId: string;
  eventTime: string;
  eventName: string;
}

/** The record's id, time and name, which every capability keys and orders by. */
function readIdentity(
  detail: Record<string, unknown>,
  ids: LogIds,
  nameForLog: string | undefined,
): RecordIdentity | Rejection {
  if (typeof detail.eventID !== 'string' || detail.eventID.length === 0) {
    return reject('invalid-field', 'detail.eventID is missing or not a string', {
      ...ids,
      field: 'detail.eventID',
    });
  }
  // Event ids become part of table keys (sort keys hold at most 1,024 bytes); CloudTrail's are 36-character UUIDs.
  if (detail.eventID.length > MAX_EVENT_ID_CHARS) {
    return reject(
      'invalid-field',
      `detail.eventID is ${detail.eventID.length} characters long, more than ${MAX_EVENT_ID_CHARS}`,
      {
        eventId: clipText(detail.eventID, 64),
        ...(nameForLog ? { eventName: nameForLog } : {}),
        field: 'detail.eventID',
      },
    );
  }
  const eventId = detail.eventID;
  const eventTime = normalizeIsoTime(detail.eventTime);
  if (!eventTime) {
    return reject(
      'invalid-field',
      `detail.eventTime ${clipText(JSON.stringify(detail.eventTime ?? null), 80)} is not an ISO 8601 time`,
      { ...ids, field: 'detail.eventTime' },
    );
  }
  if (typeof detail.eventName !== 'string' || detail.eventName.length === 0) {
    return reject('invalid-field', 'detail.eventName is missing or not a string', {
      ...ids,
      field: 'detail.eventName',
    });
  }
  return { eventId, eventTime, eventName: detail.eventName };
}

/** The envelope of a record whose origin and identity were checked. */
function envelopeOf(
  detail: Record<string, unknown>,
  identity: RecordIdentity,
  expected: ExpectedOrigin,
): CloudTrailEnvelope {
  const envelope: CloudTrailEnvelope = {
    ...identity,
    awsRegion: expected.region,
    accountId: expected.accountId,
    actor: summarizeActor(detail.userIdentity),
    requestParameters: asObject(detail.requestParameters) ?? {},
    responseElements: asObject(detail.responseElements) ?? {},
  };
  withDefined(envelope, {
    eventSource: readString(detail.eventSource),
    userAgent: readClipped(detail.userAgent),
    sourceIp: readClipped(detail.sourceIPAddress, 256),
  });
  // Any errorCode, even one of an unexpected type, means the call failed.
  if (detail.errorCode !== undefined && detail.errorCode !== null && detail.errorCode !== '') {
    envelope.errorCode = clipText(readString(detail.errorCode) ?? JSON.stringify(detail.errorCode), 128);
    const errorMessage = readText(detail.errorMessage);
    if (errorMessage !== undefined) envelope.errorMessage = clipText(errorMessage);
  }
  return envelope;
}

/**
 * Validates the EventBridge envelope and the CloudTrail record's common fields. Failed calls are returned (with
 * `errorCode`), not rejected: whether a failure matters is the caller's decision.
 */
export function parseCloudTrailEnvelope(event: unknown, expected: ExpectedOrigin): EnvelopeResult {
  const ev = asObject(event);
  if (!ev) return reject('not-an-object', 'the event is not a JSON object');
  const detail = asObject(ev.detail);
  if (!detail) return reject('missing-detail', 'the event has no `detail` object');
  const idForLog = readClipped(detail.eventID, 64);
  const nameForLog = readClipped(detail.eventName, 128);
  const ids: LogIds = {
    ...(idForLog ? { eventId: idForLog } : {}),
    ...(nameForLog ? { eventName: nameForLog } : {}),
  };

  const detailType = ev['detail-type'];
  if (detailType !== CLOUDTRAIL_DETAIL_TYPE) {
    return reject(
      'wrong-detail-type',
      `detail-type is ${clipText(JSON.stringify(detailType ?? null), 80)}, expected "${CLOUDTRAIL_DETAIL_TYPE}"`,
      ids,
    );
  }
  for (const check of ORIGIN_CHECKS) {
    const sources = [
      [`detail.${check.inRecord}`, detail[check.inRecord]],
      [check.onEnvelope, ev[check.onEnvelope]],
    ] as const;
    const wrongOrigin = checkOrigin(sources, expected[check.served], check.mismatch, ids);
    if (wrongOrigin) return wrongOrigin;
  }

  const identity = readIdentity(detail, ids, nameForLog);
  if ('kind' in identity) return identity;
  return { kind: 'ok', envelope: envelopeOf(detail, identity, expected) };
}
