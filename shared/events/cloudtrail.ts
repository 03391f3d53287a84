/**
 * Parsing and validation of CloudTrail records delivered by EventBridge (`detail-type: "AWS API Call via
 * CloudTrail"`). Pure: no AWS import, no I/O.
 *
 * Two layers:
 * - `parseCloudTrailEnvelope` checks what every capability needs (shape, detail-type, account, region, event id
 *   and time) and summarises who called; it keeps failed calls, because some capabilities read them as signals.
 * - `parseCloudTrailEvent` turns the six EC2 calls of the EIP inventory into typed, normalised records and rejects
 *   failed calls ("changed nothing").
 *
 * CloudTrail's request/response shapes are not a contract (DOMAIN.md §4): every field is read as optional and
 * type-checked; numbers are accepted where strings are expected; sets may be arrays, `{items:[…]}` or `{item:[…]}`.
 */
import { CLOUDTRAIL_DETAIL_TYPE, INVENTORY_EVENT_NAMES, type InventoryEventName } from './patterns';

/** Who made the call, summarised from CloudTrail's `userIdentity`. */
export interface Actor {
  /** `IAMUser`, `AssumedRole`, `Root`, `AWSService`, `FederatedUser`, ... or `Unknown` when absent. */
  type: string;
  arn?: string;
  principalId?: string;
  accountId?: string;
  /** IAM user name; for an assumed role, the role name (from `sessionContext.sessionIssuer`). */
  userName?: string;
  /** Assumed role: the role's ARN (`sessionContext.sessionIssuer.arn`). */
  roleArn?: string;
  /** Assumed role: the session name (last segment of the `assumed-role` ARN). */
  sessionName?: string;
  /** The AWS service that made the call on the principal's behalf (e.g. `eks.amazonaws.com`). */
  invokedBy?: string;
}

/** What every inventory record carries. */
export interface EventMeta {
  eventId: string;
  /** ISO 8601 with milliseconds (`Date#toISOString`), so times sort as strings. */
  eventTime: string;
  eventName: InventoryEventName;
  actor: Actor;
  userAgent?: string;
}

export interface EniCreated extends EventMeta {
  eventName: 'CreateNetworkInterface';
  eniId: string;
  subnetId?: string;
  vpcId?: string;
  az?: string;
  description?: string;
  /** `interface`, `branch`, `trunk`, ... (*unverified* for branch ENIs; identify them by description and tags). */
  interfaceType?: string;
  /** Primary private IPv4 address. */
  privateIp?: string;
  /** Every private IPv4 address the response lists (primary first when known). */
  privateIps: string[];
  securityGroupIds: string[];
  /** Tags of the response, merged over the request's network-interface tag specifications. */
  tags: Record<string, string>;
  macAddress?: string;
  requesterManaged?: boolean;
  ownerId?: string;
}

export interface EniDeleted extends EventMeta {
  eventName: 'DeleteNetworkInterface';
  eniId: string;
}

export interface AddressAllocated extends EventMeta {
  eventName: 'AllocateAddress';
  allocationId: string;
  publicIp?: string;
  publicIpv4Pool?: string;
  networkBorderGroup?: string;
}

export interface AddressAssociated extends EventMeta {
  eventName: 'AssociateAddress';
  allocationId: string;
  associationId: string;
  eniId?: string;
  privateIp?: string;
  instanceId?: string;
  allowReassociation?: boolean;
}

export interface AddressDisassociated extends EventMeta {
  eventName: 'DisassociateAddress';
  /** The only identifier DisassociateAddress carries; the recorder maps it to the allocation. */
  associationId: string;
}

export interface AddressReleased extends EventMeta {
  eventName: 'ReleaseAddress';
  allocationId: string;
}

export type InventoryRecord =
  | EniCreated
  | EniDeleted
  | AddressAllocated
  | AddressAssociated
  | AddressDisassociated
  | AddressReleased;

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
export type ParseResult = { kind: 'ok'; record: InventoryRecord } | Rejection;

// ---------------------------------------------------------------------------------------------------------------
// Tolerant readers (exported: later capabilities read other CloudTrail records the same way)

export function asObject(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

/** A non-empty string; finite numbers are accepted and stringified. */
export function readString(v: unknown): string | undefined {
  if (typeof v === 'string') return v.length > 0 ? v : undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** A string that may be empty (descriptions). */
export function readText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/**
 * Longest free text kept from a record (user agent, error message, identity fields). CloudTrail's own values are far
 * shorter; a forged or garbled record must not make the items built from it outgrow DynamoDB's 400 KB.
 */
export const MAX_FREE_TEXT_CHARS = 1024;

/** Clips `s` to `max` UTF-16 units (never splitting a surrogate pair), marking the cut with `…`. */
export function clipText(s: string, max = MAX_FREE_TEXT_CHARS): string {
  if (s.length <= max) return s;
  const cut = s.slice(0, max - 1);
  return `${/[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut}…`;
}

/** A non-empty string (or finite number), clipped to `max`. */
function readClipped(v: unknown, max = MAX_FREE_TEXT_CHARS): string | undefined {
  const s = readString(v);
  return s === undefined ? undefined : clipText(s, max);
}

export function readBoolean(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  return undefined;
}

/** The members of a CloudTrail set: an array, `{items:[…]}`, `{item:[…]}`, or a single member in place of the array. */
export function setItems(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  const o = asObject(v);
  if (!o) return [];
  for (const key of ['items', 'item'] as const) {
    const inner = o[key];
    if (Array.isArray(inner)) return inner;
    if (asObject(inner)) return [inner];
  }
  return [];
}

/** Tags from `[{key,value}]` / `{items:[…]}` (also `Key`/`Value`); keys without a string value map to `''`. */
export function readTags(v: unknown): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const item of setItems(v)) {
    const t = asObject(item);
    if (!t) continue;
    const key = readString(t.key ?? t.Key);
    if (key === undefined) continue;
    tags[key] = readText(t.value ?? t.Value) ?? '';
  }
  return tags;
}

/** Longest `detail.eventID` accepted (CloudTrail's are 36-character UUIDs). */
export const MAX_EVENT_ID_CHARS = 128;

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** An ISO 8601 timestamp normalised to `Date#toISOString` (UTC, milliseconds), or undefined. */
export function normalizeIsoTime(v: unknown): string | undefined {
  if (typeof v !== 'string' || !ISO_TIME.test(v)) return undefined;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** Summarises CloudTrail's `userIdentity`, including the role behind an assumed-role session. */
export function summarizeActor(userIdentity: unknown): Actor {
  const ui = asObject(userIdentity);
  if (!ui) return { type: 'Unknown' };
  const actor: Actor = { type: readClipped(ui.type, 64) ?? 'Unknown' };
  const arn = readClipped(ui.arn);
  if (arn) actor.arn = arn;
  const principalId = readClipped(ui.principalId);
  if (principalId) actor.principalId = principalId;
  const accountId = readClipped(ui.accountId, 64);
  if (accountId) actor.accountId = accountId;
  const userName = readClipped(ui.userName);
  if (userName) actor.userName = userName;
  const invokedBy = readClipped(ui.invokedBy);
  if (invokedBy) actor.invokedBy = invokedBy;
  const issuer = asObject(asObject(ui.sessionContext)?.sessionIssuer);
  if (issuer) {
    const roleArn = readClipped(issuer.arn);
    if (roleArn) actor.roleArn = roleArn;
    const roleName = readClipped(issuer.userName) ?? roleArn?.split('/').pop();
    if (roleName && !actor.userName) actor.userName = roleName;
  }
  const assumed = arn?.match(/:assumed-role\/([^/]+)\/(.+)$/);
  if (assumed) {
    actor.sessionName = assumed[2];
    if (!actor.userName && assumed[1]) actor.userName = assumed[1];
  }
  return actor;
}

/** A short human description: `alice`, `role eks-cluster-role (via eks.amazonaws.com)`, `service ec2.amazonaws.com`. */
export function describeActor(actor: Actor): string {
  const via = actor.invokedBy ? ` (via ${actor.invokedBy})` : '';
  switch (actor.type) {
    case 'IAMUser':
      return `${actor.userName ?? actor.arn ?? 'IAM user'}${via}`;
    case 'AssumedRole':
      return `role ${actor.userName ?? actor.arn ?? '?'}${actor.sessionName ? ` session ${actor.sessionName}` : ''}${via}`;
    case 'Root':
      return `root of ${actor.accountId ?? 'the account'}`;
    case 'AWSService':
      return `service ${actor.invokedBy ?? '?'}`;
    default:
      return `${actor.type} ${actor.arn ?? actor.principalId ?? ''}`.trim() + via;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Envelope

function reject(reason: RejectionReason, message: string, extra: Partial<Rejection> = {}): Rejection {
  return { kind: 'rejected', reason, message, ...extra };
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
  const ids = {
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

  const accounts = [
    ['detail.recipientAccountId', detail.recipientAccountId],
    ['account', ev.account],
  ] as const;
  const presentAccounts = accounts.filter(([, v]) => v !== undefined && v !== null);
  if (presentAccounts.length === 0) {
    return reject('invalid-field', 'neither detail.recipientAccountId nor account is set', {
      ...ids,
      field: 'detail.recipientAccountId',
    });
  }
  for (const [field, v] of presentAccounts) {
    const s = readString(v);
    if (s === undefined) return reject('invalid-field', `${field} is not a string`, { ...ids, field });
    if (s !== expected.accountId) {
      return reject(
        'other-account',
        `${field} is ${clipText(s, 80)}, this deployment serves ${expected.accountId}`,
        ids,
      );
    }
  }

  const regions = [
    ['detail.awsRegion', detail.awsRegion],
    ['region', ev.region],
  ] as const;
  const presentRegions = regions.filter(([, v]) => v !== undefined && v !== null);
  if (presentRegions.length === 0) {
    return reject('invalid-field', 'neither detail.awsRegion nor region is set', {
      ...ids,
      field: 'detail.awsRegion',
    });
  }
  for (const [field, v] of presentRegions) {
    const s = readString(v);
    if (s === undefined) return reject('invalid-field', `${field} is not a string`, { ...ids, field });
    if (s !== expected.region) {
      return reject(
        'other-region',
        `${field} is ${clipText(s, 80)}, this deployment serves ${expected.region}`,
        ids,
      );
    }
  }

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

  const envelope: CloudTrailEnvelope = {
    eventId,
    eventTime,
    eventName: detail.eventName,
    awsRegion: expected.region,
    accountId: expected.accountId,
    actor: summarizeActor(detail.userIdentity),
    requestParameters: asObject(detail.requestParameters) ?? {},
    responseElements: asObject(detail.responseElements) ?? {},
  };
  const eventSource = readString(detail.eventSource);
  if (eventSource) envelope.eventSource = eventSource;
  const userAgent = readClipped(detail.userAgent);
  if (userAgent) envelope.userAgent = userAgent;
  const sourceIp = readClipped(detail.sourceIPAddress, 256);
  if (sourceIp) envelope.sourceIp = sourceIp;
  // Any errorCode, even one of an unexpected type, means the call failed.
  if (detail.errorCode !== undefined && detail.errorCode !== null && detail.errorCode !== '') {
    envelope.errorCode = clipText(readString(detail.errorCode) ?? JSON.stringify(detail.errorCode), 128);
    const errorMessage = readText(detail.errorMessage);
    if (errorMessage !== undefined) envelope.errorMessage = clipText(errorMessage);
  }
  return { kind: 'ok', envelope };
}

// ---------------------------------------------------------------------------------------------------------------
// Inventory records

/** Resource ids (AWS's are 8 or 17 hex digits); bounded, because they become table keys (at most 2,048 bytes). */
const ID_PATTERNS = {
  eni: /^eni-[0-9a-zA-Z]{1,64}$/,
  allocation: /^eipalloc-[0-9a-zA-Z]{1,64}$/,
  association: /^eipassoc-[0-9a-zA-Z]{1,64}$/,
  instance: /^i-[0-9a-zA-Z]{1,64}$/,
} as const;

class FieldError {
  constructor(
    readonly field: string,
    readonly message: string,
  ) {}
}

/** Reads a required resource id from the first place that has it, or throws FieldError naming the first place. */
function requireId(
  kind: keyof typeof ID_PATTERNS,
  sources: ReadonlyArray<readonly [string, unknown]>,
): string {
  for (const [field, v] of sources) {
    if (v === undefined || v === null) continue;
    const s = readString(v);
    if (s === undefined || !ID_PATTERNS[kind].test(s)) {
      throw new FieldError(field, `${field} ${clipText(JSON.stringify(v), 80)} is not a valid ${kind} id`);
    }
    return s;
  }
  const first = sources[0]?.[0] ?? kind;
  throw new FieldError(first, `${first} is missing`);
}

function optionalId(kind: keyof typeof ID_PATTERNS, v: unknown): string | undefined {
  const s = readString(v);
  return s !== undefined && ID_PATTERNS[kind].test(s) ? s : undefined;
}

/** Copies the defined values of `extra` onto `base` (so records carry no `undefined` properties). */
function withDefined<T extends object>(base: T, extra: Record<string, unknown>): T {
  const out = base as Record<string, unknown>;
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) out[k] = v;
  return base;
}

function eniCreated(meta: EventMeta, req: Record<string, unknown>, res: Record<string, unknown>): EniCreated {
  const ni = asObject(res.networkInterface) ?? {};
  const eniId = requireId('eni', [
    ['detail.responseElements.networkInterface.networkInterfaceId', ni.networkInterfaceId],
  ]);

  const groupSource = setItems(ni.groupSet).length > 0 ? ni.groupSet : req.groupSet;
  const securityGroupIds = [
    ...new Set(
      setItems(groupSource)
        .map((g) => readString(asObject(g)?.groupId) ?? readString(g))
        .filter((g): g is string => typeof g === 'string' && g.startsWith('sg-')),
    ),
  ];

  const primary = readString(ni.privateIpAddress);
  const ips: string[] = [];
  for (const item of setItems(ni.privateIpAddressesSet)) {
    const o = asObject(item);
    const ip = readString(o?.privateIpAddress);
    if (!ip || ips.includes(ip)) continue;
    if (readBoolean(o?.primary) === true) ips.unshift(ip);
    else ips.push(ip);
  }
  if (primary && !ips.includes(primary)) ips.unshift(primary);

  const requestTags: Record<string, string> = {};
  for (const spec of setItems(req.tagSpecificationSet)) {
    const s = asObject(spec);
    const resourceType = readString(s?.resourceType);
    if (resourceType !== undefined && resourceType !== 'network-interface') continue;
    Object.assign(requestTags, readTags(s?.tags ?? s?.tagSet));
  }
  const tags = { ...requestTags, ...readTags(ni.tags), ...readTags(ni.tagSet) };

  return withDefined<EniCreated>(
    {
      ...meta,
      eventName: 'CreateNetworkInterface',
      eniId,
      privateIps: ips,
      securityGroupIds,
      tags,
    },
    {
      subnetId: readString(ni.subnetId) ?? readString(req.subnetId),
      vpcId: readString(ni.vpcId),
      az: readString(ni.availabilityZone),
      description: readText(ni.description) ?? readText(req.description),
      interfaceType: readString(ni.interfaceType) ?? readString(req.interfaceType),
      privateIp: primary ?? ips[0],
      macAddress: readString(ni.macAddress),
      requesterManaged: readBoolean(ni.requesterManaged),
      ownerId: readString(ni.ownerId),
    },
  );
}

function recordFrom(envelope: CloudTrailEnvelope, eventName: InventoryEventName): InventoryRecord {
  const meta: EventMeta = withDefined<EventMeta>(
    { eventId: envelope.eventId, eventTime: envelope.eventTime, eventName, actor: envelope.actor },
    { userAgent: envelope.userAgent },
  );
  const req = envelope.requestParameters;
  const res = envelope.responseElements;
  switch (eventName) {
    case 'CreateNetworkInterface':
      return eniCreated(meta, req, res);
    case 'DeleteNetworkInterface':
      return {
        ...meta,
        eventName,
        eniId: requireId('eni', [['detail.requestParameters.networkInterfaceId', req.networkInterfaceId]]),
      };
    case 'AllocateAddress':
      return withDefined<AddressAllocated>(
        {
          ...meta,
          eventName,
          allocationId: requireId('allocation', [['detail.responseElements.allocationId', res.allocationId]]),
        },
        {
          publicIp: readString(res.publicIp),
          publicIpv4Pool: readString(res.publicIpv4Pool),
          networkBorderGroup: readString(res.networkBorderGroup),
        },
      );
    case 'AssociateAddress':
      return withDefined<AddressAssociated>(
        {
          ...meta,
          eventName,
          allocationId: requireId('allocation', [
            ['detail.requestParameters.allocationId', req.allocationId],
          ]),
          associationId: requireId('association', [
            ['detail.responseElements.associationId', res.associationId],
          ]),
        },
        {
          eniId: optionalId('eni', req.networkInterfaceId),
          privateIp: readString(req.privateIpAddress),
          instanceId: optionalId('instance', req.instanceId),
          allowReassociation: readBoolean(req.allowReassociation),
        },
      );
    case 'DisassociateAddress':
      return {
        ...meta,
        eventName,
        associationId: requireId('association', [
          ['detail.requestParameters.associationId', req.associationId],
        ]),
      };
    case 'ReleaseAddress':
      return {
        ...meta,
        eventName,
        allocationId: requireId('allocation', [['detail.requestParameters.allocationId', req.allocationId]]),
      };
  }
}

export function isInventoryEventName(name: string): name is InventoryEventName {
  return (INVENTORY_EVENT_NAMES as readonly string[]).includes(name);
}

/**
 * Parses one EventBridge CloudTrail event into a typed inventory record, or says why it cannot be used.
 * Failed calls are rejected with reason `failed-call` (they changed nothing).
 */
export function parseCloudTrailEvent(event: unknown, expected: ExpectedOrigin): ParseResult {
  const env = parseCloudTrailEnvelope(event, expected);
  if (env.kind === 'rejected') return env;
  const { envelope } = env;
  const ids = { eventId: envelope.eventId, eventName: envelope.eventName };
  if (envelope.eventSource !== 'ec2.amazonaws.com') {
    return reject(
      'wrong-event-source',
      `eventSource is ${clipText(JSON.stringify(envelope.eventSource ?? null), 80)}, expected "ec2.amazonaws.com"`,
      ids,
    );
  }
  if (!isInventoryEventName(envelope.eventName)) {
    return reject(
      'unknown-event-name',
      `${clipText(envelope.eventName, 128)} is not an inventory event`,
      ids,
    );
  }
  if (envelope.errorCode !== undefined) {
    return reject(
      'failed-call',
      `${envelope.eventName} failed with ${envelope.errorCode}: it changed nothing`,
      {
        ...ids,
        errorCode: envelope.errorCode,
        ...(envelope.errorMessage !== undefined ? { errorMessage: envelope.errorMessage } : {}),
      },
    );
  }
  try {
    return { kind: 'ok', record: recordFrom(envelope, envelope.eventName) };
  } catch (err) {
    if (err instanceof FieldError) return reject('invalid-field', err.message, { ...ids, field: err.field });
    throw err;
  }
}
