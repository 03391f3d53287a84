/**
 * The inventory's records: the six EC2 calls that change who holds an Elastic IP, parsed from CloudTrail into
 * typed, normalised records. Failed calls are rejected ("changed nothing"). Pure: no AWS import, no I/O.
 */
import type { Actor } from './actor';
import {
  type CloudTrailEnvelope,
  type ExpectedOrigin,
  parseCloudTrailEnvelope,
  type Rejection,
  reject,
} from './envelope';
import { INVENTORY_EVENT_NAMES, type InventoryEventName } from './patterns';
import {
  asObject,
  clipText,
  ID_PATTERNS,
  readBoolean,
  readString,
  readTags,
  readText,
  setItems,
  withDefined,
} from './readers';

/** What every inventory record carries. */
export interface EventMeta {
  eventId: string;
  /** ISO 8601 with milliseconds (`Date#toISOString`), so times sort as strings. */
  eventTime: string;
  eventName: InventoryEventName;
  actor: Actor;
  userAgent?: string;
}

/** What a CreateNetworkInterface response tells about the ENI (the inventory's ENI record keeps the same facts). */
export interface EniFacts {
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

export interface EniCreated extends EventMeta, EniFacts {
  eventName: 'CreateNetworkInterface';
  eniId: string;
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
  /** The tags the address was born with (the request's `elastic-ip` tag specifications), when it had any. */
  tags?: Record<string, string>;
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

export type ParseResult = { kind: 'ok'; record: InventoryRecord } | Rejection;

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

/** The tags a create call's tag specifications give `resourceType`, or undefined when there are none. */
function bornWith(req: Record<string, unknown>, resourceType: string): Record<string, string> | undefined {
  const tags: Record<string, string> = {};
  for (const spec of setItems(req.tagSpecificationSet)) {
    const s = asObject(spec);
    if (readString(s?.resourceType) !== resourceType) continue;
    Object.assign(tags, readTags(s?.tags ?? s?.tagSet));
  }
  return Object.keys(tags).length > 0 ? tags : undefined;
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
          tags: bornWith(req, 'elastic-ip'),
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
