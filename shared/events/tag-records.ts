/**
 * Tag changes on Elastic IPs: the CloudTrail records of `CreateTags` and `DeleteTags` whose resources include an
 * address (`eipalloc-…`). They say who added or removed a tag, and when: the pool tag is what makes an address a
 * pool member, so its changes are evidence the keeper and the sweeper keep. Pure: no AWS import, no I/O.
 *
 * CloudTrail's shape: `requestParameters.resourcesSet.items[].resourceId` and `requestParameters.tagSet.items[]`
 * of `{key, value}`; a DeleteTags item may carry a key only (delete whatever the value) or a key and a value (delete
 * only if the value matches). Resources that are not addresses are ignored.
 */
import type { Actor } from './actor';
import { type ExpectedOrigin, parseCloudTrailEnvelope, type Rejection, reject } from './envelope';
import { asObject, clipText, ID_PATTERNS, readString, readText, setItems } from './readers';

export const ADDRESS_TAG_EVENT_NAMES = ['CreateTags', 'DeleteTags'] as const;
export type AddressTagEventName = (typeof ADDRESS_TAG_EVENT_NAMES)[number];

export interface TagChange {
  key: string;
  /** Absent on a DeleteTags item that names the key only. */
  value?: string;
}

export interface AddressTagsChanged {
  eventId: string;
  /** ISO 8601 with milliseconds. */
  eventTime: string;
  eventName: AddressTagEventName;
  actor: Actor;
  userAgent?: string;
  /** The addresses among the call's resources. */
  allocationIds: string[];
  tags: TagChange[];
}

export type AddressTagParseResult = { kind: 'ok'; record: AddressTagsChanged } | Rejection;

/** Most tags one call carries (EC2 allows 50 per resource); more is not a real call. */
const MAX_TAGS = 50;

function tagChanges(v: unknown): TagChange[] {
  const out: TagChange[] = [];
  for (const item of setItems(v).slice(0, MAX_TAGS)) {
    const t = asObject(item);
    const key = readText(t?.key ?? t?.Key);
    if (key === undefined) continue;
    const value = readText(t?.value ?? t?.Value);
    out.push(value === undefined ? { key } : { key, value });
  }
  return out;
}

/**
 * Parses an EventBridge CloudTrail event of CreateTags/DeleteTags into the tag changes it made on addresses, or
 * says why it cannot be used (failed calls changed nothing; a call that touched no address is `unknown-event-name`
 * for this reader).
 */
export function parseAddressTagEvent(event: unknown, expected: ExpectedOrigin): AddressTagParseResult {
  const env = parseCloudTrailEnvelope(event, expected);
  if (env.kind === 'rejected') return env;
  const { envelope } = env;
  const ids = { eventId: envelope.eventId, eventName: envelope.eventName };
  if (envelope.eventSource !== 'ec2.amazonaws.com') {
    return reject('wrong-event-source', 'eventSource is not "ec2.amazonaws.com"', ids);
  }
  const eventName = envelope.eventName;
  if (eventName !== 'CreateTags' && eventName !== 'DeleteTags') {
    return reject('unknown-event-name', `${clipText(eventName, 128)} is not a tag call`, ids);
  }
  if (envelope.errorCode !== undefined) {
    return reject('failed-call', `${eventName} failed with ${envelope.errorCode}: it changed nothing`, {
      ...ids,
      errorCode: envelope.errorCode,
      ...(envelope.errorMessage !== undefined ? { errorMessage: envelope.errorMessage } : {}),
    });
  }
  const req = envelope.requestParameters;
  const allocationIds = setItems(req.resourcesSet)
    .map((r) => readString(asObject(r)?.resourceId))
    .filter((id): id is string => id !== undefined && ID_PATTERNS.allocation.test(id));
  if (allocationIds.length === 0) {
    return reject('unknown-event-name', `${eventName} touched no Elastic IP`, ids);
  }
  const record: AddressTagsChanged = {
    eventId: envelope.eventId,
    eventTime: envelope.eventTime,
    eventName,
    actor: envelope.actor,
    allocationIds: [...new Set(allocationIds)],
    tags: tagChanges(req.tagSet),
  };
  if (envelope.userAgent !== undefined) record.userAgent = envelope.userAgent;
  return { kind: 'ok', record };
}

/** The changes of one tag key a record made: `added` with its value, or `removed`. */
export function changesOfKey(
  record: AddressTagsChanged,
  key: string,
): { kind: 'added'; value: string } | { kind: 'removed'; value?: string } | undefined {
  const change = record.tags.find((t) => t.key === key);
  if (!change) return undefined;
  if (record.eventName === 'CreateTags') return { kind: 'added', value: change.value ?? '' };
  return change.value === undefined ? { kind: 'removed' } : { kind: 'removed', value: change.value };
}
