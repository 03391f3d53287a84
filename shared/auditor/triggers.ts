/**
 * What an auditor invocation was asked to do, read from its event: the daily schedule, an EKS change (CloudTrail or
 * a native `aws.eks` event), or a failed ENI/IP call that signals pod-subnet exhaustion. Pure: no AWS import.
 */
import { asObject, parseCloudTrailEnvelope, readString } from '../events/cloudtrail';
import { CLOUDTRAIL_DETAIL_TYPE } from '../events/patterns';

export type Trigger =
  | { kind: 'schedule' }
  /** `cluster` undefined: the event does not say which cluster; audit them all. */
  | { kind: 'cluster-change'; cluster?: string; what: string }
  | {
      kind: 'ip-exhaustion';
      eventId: string;
      at: string;
      eventName: string;
      subnetId?: string;
      networkInterfaceId?: string;
      errorMessage?: string;
    }
  | { kind: 'ignored'; reason: string };

const EXHAUSTION_CODES = new Set([
  'InsufficientFreeAddressesInSubnet',
  'Client.InsufficientFreeAddressesInSubnet',
]);

/** Cluster name from an EKS ARN (`…:cluster/<name>`, `…:nodegroup/<cluster>/…`, `…:addon/<cluster>/…`). */
export function clusterFromEksArn(arn: string): string | undefined {
  const m =
    /^arn:aws[a-z-]*:eks:[^:]*:\d*:(?:cluster|nodegroup|addon|fargateprofile|identityproviderconfig)\/([^/]+)/.exec(
      arn,
    );
  return m?.[1];
}

export function parseTrigger(event: unknown, origin: { accountId: string; region: string }): Trigger {
  const ev = asObject(event);
  if (!ev) return { kind: 'ignored', reason: 'the event is not an object' };
  const source = readString(ev.source);
  const detailType = readString(ev['detail-type']);
  if (source === 'aws.events' || detailType === 'Scheduled Event') return { kind: 'schedule' };

  if (detailType === CLOUDTRAIL_DETAIL_TYPE) {
    const parsed = parseCloudTrailEnvelope(event, origin);
    if (parsed.kind === 'rejected') return { kind: 'ignored', reason: parsed.message };
    const env = parsed.envelope;
    if (source === 'aws.ec2') {
      if (!env.errorCode || !EXHAUSTION_CODES.has(env.errorCode))
        return {
          kind: 'ignored',
          reason: `${env.eventName} did not fail with InsufficientFreeAddressesInSubnet`,
        };
      const subnetId = readString(env.requestParameters.subnetId);
      const networkInterfaceId = readString(env.requestParameters.networkInterfaceId);
      return {
        kind: 'ip-exhaustion',
        eventId: env.eventId,
        at: env.eventTime,
        eventName: env.eventName,
        ...(subnetId ? { subnetId } : {}),
        ...(networkInterfaceId ? { networkInterfaceId } : {}),
        ...(env.errorMessage ? { errorMessage: env.errorMessage } : {}),
      };
    }
    if (source === 'aws.eks') {
      if (env.errorCode)
        return { kind: 'ignored', reason: `${env.eventName} failed (${env.errorCode}): nothing changed` };
      const req = env.requestParameters;
      const res = env.responseElements;
      const cluster =
        readString(req.clusterName) ??
        readString(req.name) ??
        readString(asObject(res.cluster)?.name) ??
        readString(asObject(res.nodegroup)?.clusterName) ??
        readString(asObject(res.addon)?.clusterName);
      return { kind: 'cluster-change', ...(cluster ? { cluster } : {}), what: env.eventName };
    }
    return { kind: 'ignored', reason: `unexpected CloudTrail source ${source ?? '(none)'}` };
  }

  if (source === 'aws.eks') {
    const detail = asObject(ev.detail) ?? {};
    const fromDetail = readString(detail.clusterName) ?? readString(detail.cluster);
    const resources = Array.isArray(ev.resources)
      ? ev.resources.filter((r): r is string => typeof r === 'string')
      : [];
    const fromArn = resources.map(clusterFromEksArn).find((c) => c !== undefined);
    const cluster = fromDetail ?? fromArn;
    return { kind: 'cluster-change', ...(cluster ? { cluster } : {}), what: detailType ?? 'EKS event' };
  }
  return {
    kind: 'ignored',
    reason: `not an auditor event (source ${source ?? '(none)'}, detail-type ${detailType ?? '(none)'})`,
  };
}
