/**
 * What the hub does with one event from its bus: keep it (keyed by the member account and region the envelope names,
 * which EventBridge sets to the sender's and a member cannot choose) and, for an alert, tell the hub's topic with the
 * account and region in the subject; or ignore it, saying why. Pure: no AWS call.
 */
import { FINDING_DETAIL_TYPE } from '../auditor/alerts';
import type { Notification } from '../notify/notification';
import type { IdleEpisodeRecord, ReleaseRecord } from '../sweeper/model';
import {
  ALERT_DETAIL_TYPE,
  EVENT_SOURCE,
  type HubFinding,
  type HubItem,
  LEDGER_DETAIL_TYPE,
  type MemberEvent,
} from './model';

/** SNS subjects are at most 100 characters (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html). */
export const SNS_SUBJECT_MAX = 100;

export type IngestDecision =
  | { action: 'keep'; item: HubItem; alert?: Notification }
  | { action: 'ignore'; reason: string };

const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

export function decideIngest(event: MemberEvent): IngestDecision {
  // What EventBridge delivers is whatever was put: nothing is trusted to have the declared shape.
  if (!isObject(event)) return ignore('not an event');
  if (event.source !== EVENT_SOURCE) return ignore(`source ${event.source} is not ${EVENT_SOURCE}`);
  if (!ACCOUNT.test(event.account)) return ignore(`account ${event.account} is not an account id`);
  if (!REGION.test(event.region)) return ignore(`region ${event.region} is not a region`);
  const where = { account: event.account, region: event.region };
  const d = event.detail;
  switch (event['detail-type']) {
    case LEDGER_DETAIL_TYPE:
      return ledgerDecision(where, event.time, d);
    case FINDING_DETAIL_TYPE:
      if (!isObject(d) || !isString(d.cluster) || !isString(d.checkId) || !isString(d.at))
        return ignore('a finding without cluster, checkId or at');
      return keep({
        ...where,
        kind: 'finding',
        id: [d.cluster, d.nodegroup ?? '', d.pool ?? '', d.checkId].join('#'),
        order: d.at,
        data: d as unknown as HubFinding,
      });
    case ALERT_DETAIL_TYPE: {
      if (!isObject(d) || !isString(d.dedupKey) || !isString(d.subject) || !isString(d.time))
        return ignore('an alert without dedupKey, subject or time');
      const n = { ...(d as unknown as Notification), ...where };
      const item: HubItem = { ...where, kind: 'alert', id: n.dedupKey, order: n.time, data: n };
      return { action: 'keep', item, alert: hubAlert(n) };
    }
    default:
      return ignore(`detail-type ${event['detail-type']} is not one the hub keeps`);
  }
}

function ledgerDecision(
  where: { account: string; region: string },
  time: string,
  d: unknown,
): IngestDecision {
  if (isObject(d) && d.entry === 'episode' && isObject(d.episode)) {
    const e = d.episode as unknown as IdleEpisodeRecord;
    if (!isString(e.allocationId) || !isString(e.key) || !isString(e.start))
      return ignore('an episode without allocationId, key or start');
    // An ended episode is final: it outranks every update made while it was open, whatever their times.
    const order = `${e.end ? 1 : 0}#${time}`;
    return keep({ ...where, kind: 'episode', id: `${e.allocationId}#${e.key}`, order, data: e });
  }
  if (isObject(d) && d.entry === 'release' && isObject(d.release)) {
    const r = d.release as unknown as ReleaseRecord;
    if (!isString(r.allocationId) || !isString(r.releasedAt))
      return ignore('a release without allocationId or releasedAt');
    return keep({ ...where, kind: 'release', id: r.allocationId, order: r.releasedAt, data: r });
  }
  return ignore('a ledger entry that is neither an episode nor a release');
}

/** The member's alert as the hub's topic sends it: the same document, its subject naming account and region. */
export function hubAlert(n: Notification): Notification {
  const subject = `[${n.account} ${n.region}] ${n.subject}`;
  return {
    ...n,
    subject: subject.length > SNS_SUBJECT_MAX ? `${subject.slice(0, SNS_SUBJECT_MAX - 1)}…` : subject,
    title: `${n.account} ${n.region}: ${n.title}`,
    dedupKey: `${n.account}#${n.region}#${n.dedupKey}`,
  };
}

const keep = (item: HubItem): IngestDecision => ({ action: 'keep', item });
const ignore = (reason: string): IngestDecision => ({ action: 'ignore', reason });
