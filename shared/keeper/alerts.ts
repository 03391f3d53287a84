/**
 * The keeper's alerts as notifications (shared/notify renders them per protocol; no AWS import): one per pool
 * exhaustion episode, one per pool EIP found associated outside eip-keeper. Pool names come from the configuration,
 * addresses and ENIs from EC2; all of it still goes through shared/notify/escape.ts (inline in e-mail, code spans in
 * chat), like every capability's alerts.
 */
import { inlineText, markdownText, markdownValue, subjectLine } from '../notify/escape';
import type { Notification, NotificationKind } from '../notify/notification';
import type { PoolCounts, Target } from './model';

export interface PoolExhaustedInfo {
  pool: string;
  region: string;
  accountId: string;
  at: string;
  episode: number;
  counts: PoolCounts;
  /** The ENI targets known to wait (oldest first). */
  waiting: (Target & { since?: string })[];
  /** EIPs of the pool associated outside eip-keeper. */
  manuallyHeld: { publicIp: string; allocationId: string; heldBy?: string }[];
  allocateOnExhaustion: boolean;
}

export interface ManuallyHeldInfo {
  pool: string;
  region: string;
  accountId: string;
  at: string;
  publicIp: string;
  allocationId: string;
  associationId: string;
  eniId?: string;
  privateIp?: string;
  instanceId?: string;
  /** The pod ENI whose claim the manual association displaced (it is served with another EIP). */
  displaced?: Target;
}

/** Waiting ENIs listed in one alert; the rest are counted. */
const MAX_LISTED = 20;

/** A name or identifier inside a sentence of the e-mail. */
const v = (s: string): string => inlineText(s, 128);
/** The same in chat. */
const mv = (s: string): string => markdownValue(s, 128);

export const prefixed = (prefix: string, text: string): string =>
  subjectLine(`${prefix ? `${prefix} ` : ''}${text}`);

/** What every keeper alert shares: who sends it, how urgent, the subject as chat title, where and when. */
export function envelope(
  kind: NotificationKind,
  subject: string,
  origin: { region: string; accountId: string; at: string },
): Pick<Notification, 'source' | 'kind' | 'severity' | 'subject' | 'title' | 'account' | 'region' | 'time'> {
  return {
    source: 'keeper',
    kind,
    severity: 'high',
    subject,
    title: subject,
    account: origin.accountId,
    region: origin.region,
    time: origin.at,
  };
}

function exhaustedText(info: PoolExhaustedInfo): string[][] {
  const { counts } = info;
  const waiting = info.waiting
    .slice(0, MAX_LISTED)
    .map(
      (w) => `  - ${v(w.eniId)} (pod IP ${v(w.privateIp)})${w.since ? ` waiting since ${v(w.since)}` : ''}`,
    );
  if (info.waiting.length > MAX_LISTED) waiting.push(`  - … and ${info.waiting.length - MAX_LISTED} more`);
  const manual = info.manuallyHeld.map(
    (m) =>
      `  - ${v(m.publicIp)} (${v(m.allocationId)})${m.heldBy ? ` is on ${v(m.heldBy)}` : ''}, associated outside eip-keeper`,
  );
  return [
    [`Pool ${v(info.pool)} in ${info.region} (account ${info.accountId}) has no free Elastic IP.`],
    [
      `Members: ${counts.size} (held by pods: ${counts.held}, held outside eip-keeper: ${counts.manual}, free: ${counts.free}).`,
      `Waiting ENIs (they egress without the pool's address until served):`,
      ...(waiting.length > 0 ? waiting : ['  - (the ENI that hit the limit was served meanwhile)']),
    ],
    ...(manual.length > 0 ? [['Members eip-keeper will not take back:', ...manual]] : []),
    [
      'What happens next: a waiting ENI gets an address as soon as one frees (a pod ends, or the next reconcile).',
      info.allocateOnExhaustion
        ? 'This pool allocates new addresses on exhaustion: new IPs are on no partner allowlist until you add them.'
        : `To serve them now: tag more allowlisted EIPs eip-keeper:pool=${v(info.pool)} (and give partners their IPs), or scale the workload to the pool's size. ` +
          'eip-keeper never allocates into this pool (allocateOnExhaustion is false).',
    ],
    [
      `This is the only alert of episode ${info.episode}; the next one comes after the pool had a free address again.`,
      `Detected at ${v(info.at)}.`,
    ],
  ];
}

export function poolExhaustedAlert(prefix: string, info: PoolExhaustedInfo): Notification {
  const { counts } = info;
  const n = info.waiting.length;
  const subject = prefixed(
    prefix,
    `pool ${info.pool} exhausted: ${n} ENI${n === 1 ? '' : 's'} waiting for an Elastic IP`,
  );
  const listed = info.waiting.slice(0, MAX_LISTED);
  const waiting = listed.map((w) => `${mv(w.eniId)} (${mv(w.privateIp)})`).join(', ');
  return {
    ...envelope('pool-exhausted', subject, info),
    dedupKey: `pool-exhausted#${info.pool}#${info.episode}`,
    resources: [...listed.map((w) => w.eniId), ...info.manuallyHeld.map((m) => m.allocationId)],
    facts: {
      pool: info.pool,
      episode: info.episode,
      size: counts.size,
      held: counts.held,
      heldOutside: counts.manual,
      free: counts.free,
      waiting: n,
      allocateOnExhaustion: info.allocateOnExhaustion,
    },
    body: exhaustedText(info),
    chat: {
      description: [
        `*${counts.size}* members, *${counts.held}* held by pods, *${counts.manual}* held outside eip-keeper, *${counts.free}* free.`,
        `*Waiting:* ${waiting || 'none any more'}${n > listed.length ? markdownText(` and ${n - listed.length} more`) : ''}`,
        info.allocateOnExhaustion
          ? 'New addresses will be allocated: they are on no allowlist.'
          : `Tag more allowlisted EIPs ${mv(`eip-keeper:pool=${info.pool}`)} or scale the workload to the pool size.`,
      ],
      threadId: `eip-keeper-pool-${info.pool}`,
      keywords: [info.pool],
      context: { pool: info.pool },
    },
  };
}

function manualText(info: ManuallyHeldInfo, where: string): string[][] {
  const assoc = v(info.associationId);
  return [
    [
      `Elastic IP ${v(info.publicIp)} (${v(info.allocationId)}) of pool ${v(info.pool)} in ${info.region} (account ${info.accountId})`,
      `is associated with ${where} (association ${assoc}), which eip-keeper did not do.`,
    ],
    [
      info.displaced
        ? `It was taken from pod ENI ${v(info.displaced.eniId)} (${v(info.displaced.privateIp)}), which eip-keeper now serves with another pool address if one is free.`
        : 'No pod lost it: it was free in the pool.',
      'eip-keeper never takes an address back: it counts it as held outside the pool until it is disassociated, then',
      'gives it to pods again. If this was not intended, disassociate it (aws ec2 disassociate-address',
      `--association-id ${assoc}) or remove its eip-keeper:pool tag to take it out of the pool.`,
    ],
    [`Detected at ${v(info.at)}. CloudTrail's AssociateAddress record for ${assoc} says who did it.`],
  ];
}

export function manuallyHeldAlert(prefix: string, info: ManuallyHeldInfo): Notification {
  const target = info.eniId ?? info.instanceId;
  const where = info.eniId
    ? `${v(info.eniId)}${info.privateIp ? ` (${v(info.privateIp)})` : ''}`
    : info.instanceId
      ? v(info.instanceId)
      : 'an unknown target';
  const subject = prefixed(prefix, `pool ${info.pool}: ${info.publicIp} associated outside eip-keeper`);
  const facts: Notification['facts'] = {
    pool: info.pool,
    publicIp: info.publicIp,
    allocationId: info.allocationId,
    associationId: info.associationId,
  };
  if (info.eniId) facts.eniId = info.eniId;
  if (info.privateIp) facts.privateIp = info.privateIp;
  if (info.instanceId) facts.instanceId = info.instanceId;
  if (info.displaced)
    Object.assign(facts, {
      displacedEni: info.displaced.eniId,
      displacedPrivateIp: info.displaced.privateIp,
    });
  return {
    ...envelope('manually-held', subject, info),
    dedupKey: `manually-held#${info.pool}#${info.allocationId}#${info.associationId}`,
    resources: [info.allocationId, info.publicIp, info.associationId, ...(target ? [target] : [])],
    facts,
    body: manualText(info, where),
    chat: {
      description: [
        `${mv(info.publicIp)} (${mv(info.allocationId)}) is on ${target ? mv(target) : 'an unknown target'}, association ${mv(info.associationId)}.`,
        info.displaced ? `Taken from pod ENI ${mv(info.displaced.eniId)}.` : 'It was free in the pool.',
        'eip-keeper will not take it back.',
      ],
      threadId: `eip-keeper-pool-${info.pool}`,
      keywords: [info.pool, info.allocationId],
      context: { pool: info.pool, allocationId: info.allocationId, publicIp: info.publicIp },
    },
  };
}
