/**
 * What an auditor invocation was asked to do, read from its event: the daily schedule, an EKS change (CloudTrail or
 * a native `aws.eks` event), or a failed ENI/IP call that signals pod-subnet exhaustion. Pure: no AWS import.
 */
import { asObject, clipText, parseCloudTrailEnvelope, readString } from '../events/cloudtrail';
import {
  CLOUDTRAIL_DETAIL_TYPE,
  EXHAUSTION_ERROR_CODES,
  EXHAUSTION_MESSAGE_PART,
  INVALID_PARAMETER_CODES,
} from '../events/patterns';
import { inlineText } from '../notify/escape';

export type Trigger =
  | { kind: 'schedule' }
  /** `cluster` undefined: the event does not say which cluster; audit them all. */
  | { kind: 'cluster-change'; cluster?: string; what: string }
  | {
      kind: 'ip-exhaustion';
      eventId: string;
      at: string;
      eventName: string;
      errorCode: string;
      subnetId?: string;
      networkInterfaceId?: string;
      errorMessage?: string;
    }
  | { kind: 'ignored'; reason: string };

const EXHAUSTION_CODES: ReadonlySet<string> = new Set(EXHAUSTION_ERROR_CODES);
const INVALID_PARAMETER: ReadonlySet<string> = new Set(INVALID_PARAMETER_CODES);

/** Whether a failed call ran out of addresses: an exhaustion code, or the VPC CNI's InvalidParameterValue message. */
export function isExhaustion(errorCode: string | undefined, errorMessage: string | undefined): boolean {
  if (!errorCode) return false;
  if (EXHAUSTION_CODES.has(errorCode)) return true;
  return INVALID_PARAMETER.has(errorCode) && (errorMessage ?? '').includes(EXHAUSTION_MESSAGE_PART);
}

const SUBNET_ID = /^subnet-[0-9a-zA-Z]{1,64}$/;
const ENI_ID = /^eni-[0-9a-zA-Z]{1,64}$/;

/** The error message of a failed call, as alerts quote it: one line, no controls, links defanged, clipped. */
export function errorMessageLine(s: string): string {
  return inlineText(s, 300);
}

/** An untrusted envelope value, for a log line: JSON unless a string, clipped. */
function shown(v: unknown): string {
  return clipText(typeof v === 'string' ? v : (JSON.stringify(v) ?? typeof v), 64);
}

/** A resource id of the expected shape, else undefined (it is looked up, stored and quoted in alerts). */
function optional(pattern: RegExp, v: unknown): string | undefined {
  const s = readString(v);
  return s !== undefined && pattern.test(s) ? s : undefined;
}

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
      if (!isExhaustion(env.errorCode, env.errorMessage) || !env.errorCode)
        return {
          kind: 'ignored',
          reason: `${env.eventName} did not fail for want of addresses${env.errorCode ? ` (${shown(env.errorCode)})` : ''}`,
        };
      const subnetId = optional(SUBNET_ID, env.requestParameters.subnetId);
      const networkInterfaceId = optional(ENI_ID, env.requestParameters.networkInterfaceId);
      return {
        kind: 'ip-exhaustion',
        eventId: env.eventId,
        at: env.eventTime,
        eventName: env.eventName,
        errorCode: clipText(env.errorCode, 80),
        ...(subnetId ? { subnetId } : {}),
        ...(networkInterfaceId ? { networkInterfaceId } : {}),
        ...(env.errorMessage ? { errorMessage: errorMessageLine(env.errorMessage) } : {}),
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
    return { kind: 'ignored', reason: `unexpected CloudTrail source ${shown(source ?? '(none)')}` };
  }

  if (source === 'aws.eks') {
    // A bus that aggregates other accounts' or regions' events may forward EKS's own events here too. (EventBridge
    // always sets both fields; a hand-made event without them is read as this account's.)
    const what = clipText(detailType ?? 'EKS event', 80);
    const account = ev.account ?? origin.accountId;
    const region = ev.region ?? origin.region;
    if (account !== origin.accountId)
      return {
        kind: 'ignored',
        reason: `${what} of account ${shown(account)}, this deployment serves ${origin.accountId}`,
      };
    if (region !== origin.region)
      return {
        kind: 'ignored',
        reason: `${what} of region ${shown(region)}, this deployment serves ${origin.region}`,
      };
    const detail = asObject(ev.detail) ?? {};
    const fromDetail = readString(detail.clusterName) ?? readString(detail.cluster);
    const resources = Array.isArray(ev.resources)
      ? ev.resources.filter((r): r is string => typeof r === 'string')
      : [];
    const fromArn = resources.map(clusterFromEksArn).find((c) => c !== undefined);
    const cluster = fromDetail ?? fromArn;
    return { kind: 'cluster-change', ...(cluster ? { cluster: clipText(cluster, 100) } : {}), what };
  }
  return {
    kind: 'ignored',
    reason: `not an auditor event (source ${shown(source ?? '(none)')}, detail-type ${shown(detailType ?? '(none)')})`,
  };
}
