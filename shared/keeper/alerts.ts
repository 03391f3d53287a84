/**
 * The keeper's SNS alerts, formatted as plain data (no AWS import): one per pool exhaustion episode, one per EIP
 * found associated outside eip-keeper. Sent with `MessageStructure=json`: plain text for e-mail (and `default`),
 * an AWS Chatbot custom notification for `https` subscribers (DOMAIN.md §9).
 */
import type { PoolCounts, Target } from './model';

export interface KeeperAlert {
  subject: string;
  /** The JSON `Message` for `MessageStructure=json`. */
  message: string;
  /** The plain-text body (also inside `message`). */
  text: string;
}

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

/** SNS subjects: ASCII, under 100 characters. */
export function subjectLine(prefix: string, text: string): string {
  const ascii = `${prefix ? `${prefix} ` : ''}${text}`.replace(/[^\x20-\x7e]/g, '-');
  return ascii.length < 100 ? ascii : `${ascii.slice(0, 96)}...`;
}

function chatbot(title: string, description: string, keywords: string[], threadId: string): string {
  return JSON.stringify({
    version: '1.0',
    source: 'custom',
    content: {
      textType: 'client-markdown',
      title,
      description: description.length > 8000 ? `${description.slice(0, 7999)}…` : description,
      keywords: keywords.slice(0, 10),
    },
    metadata: { threadId, summary: title },
  });
}

function envelope(
  subject: string,
  text: string,
  markdown: string,
  keywords: string[],
  thread: string,
): KeeperAlert {
  return {
    subject,
    text,
    message: JSON.stringify({
      default: text,
      email: text,
      https: chatbot(subject, markdown, keywords, thread),
    }),
  };
}

export function poolExhaustedAlert(prefix: string, info: PoolExhaustedInfo): KeeperAlert {
  const { counts } = info;
  const n = info.waiting.length;
  const subject = subjectLine(
    prefix,
    `pool ${info.pool} exhausted: ${n} ENI${n === 1 ? '' : 's'} waiting for an Elastic IP`,
  );
  const waitingLines = info.waiting
    .slice(0, 20)
    .map((w) => `  - ${w.eniId} (pod IP ${w.privateIp})${w.since ? ` waiting since ${w.since}` : ''}`);
  if (info.waiting.length > 20) waitingLines.push(`  - … and ${info.waiting.length - 20} more`);
  const manualLines = info.manuallyHeld.map(
    (m) =>
      `  - ${m.publicIp} (${m.allocationId})${m.heldBy ? ` is on ${m.heldBy}` : ''}, associated outside eip-keeper`,
  );
  const text = [
    `Pool ${info.pool} in ${info.region} (account ${info.accountId}) has no free Elastic IP.`,
    '',
    `Members: ${counts.size} (held by pods: ${counts.held}, held outside eip-keeper: ${counts.manual}, free: ${counts.free}).`,
    `Waiting ENIs (they egress without the pool's address until served):`,
    ...(waitingLines.length > 0 ? waitingLines : ['  - (the ENI that hit the limit was served meanwhile)']),
    ...(manualLines.length > 0 ? ['', 'Members eip-keeper will not take back:', ...manualLines] : []),
    '',
    'What happens next: a waiting ENI gets an address as soon as one frees (a pod ends, or the next reconcile).',
    info.allocateOnExhaustion
      ? 'This pool allocates new addresses on exhaustion: new IPs are on no partner allowlist until you add them.'
      : 'To serve them now: tag more allowlisted EIPs eip-keeper:pool=' +
        `${info.pool} (and give partners their IPs), or scale the workload to the pool's size. ` +
        'eip-keeper never allocates into this pool (allocateOnExhaustion is false).',
    '',
    `This is the only alert of episode ${info.episode}; the next one comes after the pool had a free address again.`,
    `Detected at ${info.at}.`,
  ].join('\n');
  const markdown = [
    `*${counts.size}* members, *${counts.held}* held by pods, *${counts.manual}* held outside eip-keeper, *${counts.free}* free.`,
    `*Waiting:* ${info.waiting.map((w) => `\`${w.eniId}\` (${w.privateIp})`).join(', ') || 'none any more'}`,
    info.allocateOnExhaustion
      ? 'New addresses will be allocated: they are on no allowlist.'
      : `Tag more allowlisted EIPs \`eip-keeper:pool=${info.pool}\` or scale the workload to the pool size.`,
  ].join('\n');
  return envelope(
    subject,
    text,
    markdown,
    [info.pool, info.region, 'pool-exhausted'],
    `eip-keeper-pool-${info.pool}`,
  );
}

export function manuallyHeldAlert(prefix: string, info: ManuallyHeldInfo): KeeperAlert {
  const where = info.eniId
    ? `${info.eniId}${info.privateIp ? ` (${info.privateIp})` : ''}`
    : (info.instanceId ?? 'an unknown target');
  const subject = subjectLine(prefix, `pool ${info.pool}: ${info.publicIp} associated outside eip-keeper`);
  const text = [
    `Elastic IP ${info.publicIp} (${info.allocationId}) of pool ${info.pool} in ${info.region} (account ${info.accountId})`,
    `is associated with ${where} (association ${info.associationId}), which eip-keeper did not do.`,
    '',
    info.displaced
      ? `It was taken from pod ENI ${info.displaced.eniId} (${info.displaced.privateIp}), which eip-keeper now serves with another pool address if one is free.`
      : 'No pod lost it: it was free in the pool.',
    'eip-keeper never takes an address back: it counts it as held outside the pool until it is disassociated, then',
    'gives it to pods again. If this was not intended, disassociate it (aws ec2 disassociate-address',
    `--association-id ${info.associationId}) or remove its eip-keeper:pool tag to take it out of the pool.`,
    '',
    `Detected at ${info.at}. CloudTrail's AssociateAddress record for ${info.associationId} says who did it.`,
  ].join('\n');
  const markdown = [
    `\`${info.publicIp}\` (${info.allocationId}) is on ${where}, association \`${info.associationId}\`.`,
    info.displaced ? `Taken from pod ENI \`${info.displaced.eniId}\`.` : 'It was free in the pool.',
    'eip-keeper will not take it back.',
  ].join('\n');
  return envelope(
    subject,
    text,
    markdown,
    [info.pool, info.region, 'manually-held', info.allocationId],
    `eip-keeper-pool-${info.pool}`,
  );
}
