/**
 * The CloudTrail records the keeper acts on, parsed on top of `shared/events/cloudtrail.ts` (pure). Create and
 * delete reuse the inventory parser, tag changes on addresses the tag parser; the secondary-IP calls (for pools that
 * target pod IPs on node ENIs) are read here with the same tolerant readers.
 */
import {
  type AddressTagsChanged,
  asObject,
  clipText,
  type ExpectedOrigin,
  parseAddressTagEvent,
  parseCloudTrailEnvelope,
  parseCloudTrailEvent,
  type Rejection,
  readString,
  setItems,
} from '../events/cloudtrail';
import type { CreationRecord, EniView } from './model';

export type KeeperRecord =
  | { kind: 'eni-created'; eventId: string; eventTime: string; eni: EniView; creation: CreationRecord }
  | { kind: 'eni-deleted'; eventId: string; eventTime: string; eniId: string }
  | { kind: 'tags-changed'; eventId: string; eventTime: string; tags: AddressTagsChanged }
  | { kind: 'ips-assigned'; eventId: string; eventTime: string; eniId: string; privateIps: string[] }
  | { kind: 'ips-unassigned'; eventId: string; eventTime: string; eniId: string; privateIps: string[] };

export type KeeperParseResult = { kind: 'ok'; record: KeeperRecord } | Rejection;

/** As the inventory parser: bounded, because the id becomes part of table keys. */
const ENI_ID = /^eni-[0-9a-zA-Z]{1,64}$/;

function ipsOf(set: unknown): string[] {
  return [
    ...new Set(
      setItems(set).flatMap((item) => {
        const ip = readString(asObject(item)?.privateIpAddress) ?? readString(item);
        return ip ? [ip] : [];
      }),
    ),
  ];
}

/** Parses one EventBridge event into what the keeper acts on, or says why it cannot be used. */
export function parseKeeperEvent(event: unknown, expected: ExpectedOrigin): KeeperParseResult {
  const env = parseCloudTrailEnvelope(event, expected);
  if (env.kind === 'rejected') return env;
  const { envelope } = env;
  const ids = { eventId: envelope.eventId, eventName: envelope.eventName };
  const base = { eventId: envelope.eventId, eventTime: envelope.eventTime };
  if (envelope.eventName === 'CreateNetworkInterface' || envelope.eventName === 'DeleteNetworkInterface') {
    const parsed = parseCloudTrailEvent(event, expected);
    if (parsed.kind === 'rejected') return parsed;
    const r = parsed.record;
    if (r.eventName === 'DeleteNetworkInterface')
      return { kind: 'ok', record: { kind: 'eni-deleted', ...base, eniId: r.eniId } };
    if (r.eventName !== 'CreateNetworkInterface') throw new Error('unreachable');
    const eni: EniView = {
      eniId: r.eniId,
      description: r.description ?? '',
      securityGroupIds: r.securityGroupIds,
      tags: r.tags,
      secondaryIps: r.privateIps.filter((ip) => ip !== r.privateIp),
    };
    if (r.subnetId) eni.subnetId = r.subnetId;
    if (r.vpcId) eni.vpcId = r.vpcId;
    if (r.interfaceType) eni.interfaceType = r.interfaceType;
    if (r.requesterManaged !== undefined) eni.requesterManaged = r.requesterManaged;
    if (r.privateIp) eni.privateIp = r.privateIp;
    const creation: CreationRecord = { actor: r.actor, at: r.eventTime, eventId: r.eventId };
    return { kind: 'ok', record: { kind: 'eni-created', ...base, eni, creation } };
  }
  if (envelope.eventName === 'CreateTags' || envelope.eventName === 'DeleteTags') {
    const parsed = parseAddressTagEvent(event, expected);
    if (parsed.kind === 'rejected') return parsed;
    return { kind: 'ok', record: { kind: 'tags-changed', ...base, tags: parsed.record } };
  }
  if (
    envelope.eventName !== 'AssignPrivateIpAddresses' &&
    envelope.eventName !== 'UnassignPrivateIpAddresses'
  ) {
    return {
      kind: 'rejected',
      reason: 'unknown-event-name',
      message: `${clipText(envelope.eventName, 128)} is not a keeper event`,
      ...ids,
    };
  }
  if (envelope.eventSource !== 'ec2.amazonaws.com') {
    return {
      kind: 'rejected',
      reason: 'wrong-event-source',
      message: `eventSource is ${clipText(JSON.stringify(envelope.eventSource ?? null), 80)}, expected "ec2.amazonaws.com"`,
      ...ids,
    };
  }
  if (envelope.errorCode !== undefined) {
    return {
      kind: 'rejected',
      reason: 'failed-call',
      message: `${envelope.eventName} failed with ${envelope.errorCode}: it changed nothing`,
      errorCode: envelope.errorCode,
      ...ids,
    };
  }
  const req = envelope.requestParameters;
  const res = envelope.responseElements;
  const eniId = readString(req.networkInterfaceId) ?? readString(res.networkInterfaceId);
  if (!eniId || !ENI_ID.test(eniId)) {
    return {
      kind: 'rejected',
      reason: 'invalid-field',
      message: `detail.requestParameters.networkInterfaceId ${clipText(JSON.stringify(req.networkInterfaceId ?? null), 80)} is not a valid eni id`,
      field: 'detail.requestParameters.networkInterfaceId',
      ...ids,
    };
  }
  if (envelope.eventName === 'AssignPrivateIpAddresses') {
    const assigned = ipsOf(res.assignedPrivateIpAddressesSet);
    const privateIps = assigned.length > 0 ? assigned : ipsOf(req.privateIpAddressesSet);
    return { kind: 'ok', record: { kind: 'ips-assigned', ...base, eniId, privateIps } };
  }
  return {
    kind: 'ok',
    record: { kind: 'ips-unassigned', ...base, eniId, privateIps: ipsOf(req.privateIpAddressesSet) },
  };
}
