/**
 * CloudTrail records delivered by EventBridge (`detail-type: "AWS API Call via CloudTrail"`), one import for every
 * capability. Pure: no AWS import, no I/O.
 *
 * - `readers.ts`: tolerant readers of untrusted fields (CloudTrail's request/response shapes are not a contract).
 * - `actor.ts`: who called, summarised from `userIdentity`.
 * - `envelope.ts`: `parseCloudTrailEnvelope`, what every capability checks (shape, detail-type, account, region,
 *   event id and time); it keeps failed calls, because some capabilities read them as signals.
 * - `inventory-records.ts`: `parseCloudTrailEvent`, the six EC2 calls of the EIP inventory as typed records.
 * - `tag-records.ts`: `parseAddressTagEvent`, tags added to or removed from Elastic IPs, and by whom.
 */
export { type Actor, describeActor, summarizeActor } from './actor';
export {
  type CloudTrailEnvelope,
  type EnvelopeResult,
  type ExpectedOrigin,
  MAX_EVENT_ID_CHARS,
  parseCloudTrailEnvelope,
  type Rejection,
  type RejectionReason,
} from './envelope';
export {
  type AddressAllocated,
  type AddressAssociated,
  type AddressDisassociated,
  type AddressReleased,
  type EniCreated,
  type EniDeleted,
  type EniFacts,
  type EventMeta,
  type InventoryRecord,
  isInventoryEventName,
  type ParseResult,
  parseCloudTrailEvent,
} from './inventory-records';
export {
  asObject,
  clipText,
  MAX_FREE_TEXT_CHARS,
  normalizeIsoTime,
  readBoolean,
  readString,
  readTags,
  readText,
  setItems,
} from './readers';
export {
  ADDRESS_TAG_EVENT_NAMES,
  type AddressTagEventName,
  type AddressTagParseResult,
  type AddressTagsChanged,
  changesOfKey,
  parseAddressTagEvent,
  type TagChange,
} from './tag-records';
