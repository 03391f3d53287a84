/**
 * The security alerts, rendered. Pure: facts in, an SNS subject and a `MessageStructure=json` message out — readable
 * text for e-mail, an AWS Chatbot custom notification (client-markdown) for chat, a one-liner for SMS.
 *
 * Every alert about an address says: allocation id, public IP, tags, last holder (ENI, pool, cluster) and who took
 * the address off it, idle since (and whether that comes from our history or from the first sweep that saw it
 * idle), cost accrued, the DNS names pointing at it, and the risk in one sentence. Tag keys and values, ENI
 * descriptions, cluster names and DNS names are untrusted text and go through `escape.ts`.
 */
import type { Classification, IdleFacts } from './classify';
import type { KillSwitchState } from './decide';
import { inlineText, markdownText, markdownValue, subjectText, textValue } from './escape';
import { type AlertKind, type BlockReason, type DnsReference, KEEP_TAG } from './model';

export interface LastHolderFacts {
  eniId: string | null;
  privateIp: string | null;
  instanceId: string | null;
  /** EKS cluster from the ENI's tags (untrusted). */
  cluster: string | null;
  /** The pool the address belongs to (its `eip-keeper:pool` tag, untrusted). */
  pool: string | null;
  securityGroupIds: string[];
  /** The ENI's description (untrusted). */
  eniDescription: string | null;
  /** When the association was made; null when only a sweep saw it. */
  since: string | null;
  /** How it ended, when, and who did it (a readable actor); null when unknown. */
  ended: {
    kind: 'disassociated' | 'eni-deleted' | 'reassociated' | 'released';
    at: string;
    by: string;
  } | null;
  /** `history` (CloudTrail) or `sweep` (only DescribeAddresses saw the association; who ended it is unknown). */
  source: 'history' | 'sweep';
}

export type DnsFacts =
  | { status: 'ok'; refs: DnsReference[] }
  | { status: 'failed'; error: string }
  | { status: 'not-checked' };

export interface AddressFacts {
  allocationId: string;
  publicIp: string;
  tags: Record<string, string>;
  classification: Classification;
  idle: IdleFacts | null;
  /** Price of an address-hour used for the figures. */
  rateUsd: number;
  /** Cost of the current idle episode so far. */
  costAccruedUsd: number;
  lastHolder: LastHolderFacts | null;
  dns: DnsFacts;
}

export interface AlertContext {
  accountId: string;
  region: string;
  subjectPrefix: string;
  release: { enabled: boolean; noticeHours: number; maxPerRun: number };
  killSwitch: KillSwitchState;
  killSwitchParameter: string;
}

export interface DigestItem {
  allocationId: string;
  publicIp: string;
  kind: string;
  idleSince: string | null;
  idleHours: number;
  costAccruedUsd: number;
  /** What happens next to it (e.g. "release due after 2026-01-06 10:00 UTC", "release is off"). */
  status: string;
}

export type AlertSpec =
  | { kind: 'orphan'; address: AddressFacts; releaseAfter: string | null }
  | { kind: 'release-notice'; address: AddressFacts; releaseAfter: string }
  | { kind: 'pool-idle'; address: AddressFacts }
  | { kind: 'released'; address: AddressFacts; releasedAt: string; projectedMonthlySavingUsd: number }
  | {
      kind: 'release-blocked';
      address: AddressFacts;
      reason: BlockReason;
      detail: string;
      retryAfter: string | null;
    }
  | { kind: 'digest'; date: string; items: DigestItem[]; monthlyCostUsd: number };

/** AWS Chatbot custom notification (https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html). */
export interface ChatbotNotification {
  version: '1.0';
  source: 'custom';
  id?: string;
  content: {
    textType: 'client-markdown';
    title: string;
    description: string;
    nextSteps?: string[];
    keywords?: string[];
  };
  metadata?: {
    threadId?: string;
    summary?: string;
    eventType?: string;
    relatedResources?: string[];
    additionalContext?: Record<string, string>;
  };
}

export interface RenderedAlert {
  kind: AlertKind;
  subject: string;
  /** Plain text for e-mail. */
  text: string;
  chat: ChatbotNotification;
  /** SNS `Message` for `MessageStructure=json`: `default` and `https` (Chatbot) carry the chat JSON. */
  message: string;
}

const CHAT_TITLE_MAX = 250;
const CHAT_DESCRIPTION_MAX = 8000;
/** Items listed in one digest; the rest are counted. */
export const DIGEST_MAX_ITEMS = 50;

export function formatTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** Dollars to the cent, half up (0.015 → $0.02; binary floating point would round it down). */
export function formatUsd(usd: number): string {
  return `$${(Math.round(usd * 100 + 1e-7) / 100).toFixed(2)}`;
}

export function formatRate(usd: number): string {
  return `$${usd.toFixed(4).replace(/0{1,2}$/, '')}`;
}

export function formatHours(h: number): string {
  return `${h.toFixed(1)} h`;
}

function clipText(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

const sourceText = (facts: IdleFacts) =>
  facts.source === 'history'
    ? "from eip-keeper's CloudTrail history"
    : 'first observation: the first sweep that saw it idle; eip-keeper has no history of when it became idle';

const endVerb: Record<NonNullable<LastHolderFacts['ended']>['kind'], string> = {
  disassociated: 'disassociated by',
  'eni-deleted': 'its network interface was deleted by',
  reassociated: 'moved to another target by',
  released: 'released by',
};

/** How untrusted names are shown: quoted in e-mail text, as code spans in chat markdown. */
type Quote = (value: string, max?: number) => string;
const quoteText: Quote = (v, max) => textValue(v, max);

function riskSentence(spec: Exclude<AlertSpec, { kind: 'digest' }>): string {
  const a = spec.address;
  const ip = a.publicIp;
  const names = a.dns.status === 'ok' ? a.dns.refs.length : 0;
  if (spec.kind === 'released') {
    return `${ip} is back in AWS's pool and may be handed to any AWS customer: remove it from every partner allowlist, firewall rule and DNS record that still names it.`;
  }
  if (names > 0) {
    return `${names} DNS record${names === 1 ? '' : 's'} in this account still point${names === 1 ? 's' : ''} at ${ip}: if the address were released, whoever AWS gives it to next could serve traffic for ${names === 1 ? 'that name' : 'those names'}.`;
  }
  if (spec.kind === 'pool-idle') {
    return `${ip} is allowlisted by the partners of pool ${textValue(a.classification.pool?.name ?? '?', 63)} but no workload holds it, so the workload that should send from it is down or cannot get its address.`;
  }
  if (spec.kind === 'release-blocked' && (spec.reason === 'locked' || spec.reason === 'ptr-set')) {
    return `${ip} keeps costing money while it stays idle, and it cannot be released until a person clears the ${spec.reason === 'locked' ? 'address lock' : 'reverse-DNS record'}.`;
  }
  return `${ip} is billed but unused, and anyone who still allowlists it would trust whichever AWS customer receives it once it is released.`;
}

const KIND_TITLE: Record<Exclude<AlertKind, 'digest'>, string> = {
  orphan: 'Orphaned Elastic IP',
  'release-notice': 'Elastic IP to be released',
  'pool-idle': 'Idle pool Elastic IP',
  released: 'Elastic IP released',
  'release-blocked': 'Elastic IP release blocked',
};

function subjectFor(spec: AlertSpec, ctx: AlertContext): string {
  const prefix = ctx.subjectPrefix.trim();
  const p = prefix ? `${prefix} ` : '';
  if (spec.kind === 'digest') {
    return subjectText(
      `${p}Daily digest ${spec.date}: ${spec.items.length} idle Elastic IPs open (${ctx.region})`,
    );
  }
  const a = spec.address;
  const tail =
    spec.kind === 'release-notice' || (spec.kind === 'orphan' && spec.releaseAfter)
      ? ` - release after ${formatTime(spec.releaseAfter as string)}`
      : spec.kind === 'release-blocked'
        ? ` - ${spec.reason}`
        : '';
  const full = `${p}${KIND_TITLE[spec.kind]} ${a.publicIp} (${a.allocationId})${tail}`;
  return subjectText(full.length <= 99 ? full : `${p}${KIND_TITLE[spec.kind]} ${a.publicIp}${tail}`);
}

function nextStepLines(spec: Exclude<AlertSpec, { kind: 'digest' }>, ctx: AlertContext): string[] {
  const a = spec.address;
  const keep = `tag it ${KEEP_TAG} (any value): aws ec2 create-tags --region ${ctx.region} --resources ${a.allocationId} --tags Key=${KEEP_TAG},Value=true`;
  const killed = ctx.killSwitch.on
    ? ` The kill switch ${ctx.killSwitchParameter} is on (${ctx.killSwitch.detail}): nothing is released while it stays on.`
    : '';
  switch (spec.kind) {
    case 'orphan':
      if (!spec.releaseAfter) {
        return [
          `Release is off (sweeper.release.enabled=false): eip-keeper will not release it. Decide: keep it, put it in a pool, or release it yourself once no partner allowlists it and no DNS record names it.`,
          `To keep it and silence this alert for good: ${keep}`,
        ];
      }
      return [
        `It will be released at the first sweep after ${formatTime(spec.releaseAfter)} unless it is associated or tagged by then.${killed}`,
        `To keep it: ${keep}`,
      ];
    case 'release-notice':
      return [
        `Release is on: it will be released at the first sweep after ${formatTime(spec.releaseAfter)} unless it is associated or tagged by then.${killed}`,
        `To keep it: ${keep}`,
      ];
    case 'pool-idle':
      return [
        `Pool addresses are never released. Check why no pod of pool ${textValue(a.classification.pool?.name ?? '?', 63)} holds it (the keeper's story and the pool's ENI selector).`,
        `If the pool no longer needs it, remove the ${'eip-keeper:pool'} tag; it is then treated like any other idle address.`,
      ];
    case 'released':
      return [
        `Remove ${a.publicIp} from partner allowlists, firewall rules and DNS records that still name it.`,
        'Nothing else to do: the release is recorded in the cost ledger (npx eip-keeper report).',
      ];
    case 'release-blocked':
      if (spec.reason === 'dangling-dns' || spec.reason === 'dns-unverified') {
        return [
          spec.reason === 'dangling-dns'
            ? 'Delete or repoint the DNS records listed above; eip-keeper checks again at every sweep and releases it once none is left.'
            : 'eip-keeper could not read the Route 53 records and never releases an address it could not check; it tries again at the next sweep.',
          `To keep it instead: ${keep}`,
        ];
      }
      return [
        spec.retryAfter
          ? `eip-keeper tries again after ${formatTime(spec.retryAfter)}.`
          : 'eip-keeper tries again at the next sweep.',
        spec.reason === 'ptr-set'
          ? `Remove the reverse-DNS record: aws ec2 reset-address-attribute --region ${ctx.region} --allocation-id ${a.allocationId} --attribute domain-name`
          : spec.reason === 'locked'
            ? 'Ask AWS Support to unlock the address, or keep it.'
            : 'Check the sweeper role and the address tags.',
        `To keep it instead: ${keep}`,
      ];
  }
}

function headline(spec: Exclude<AlertSpec, { kind: 'digest' }>, q: Quote = quoteText): string {
  const a = spec.address;
  switch (spec.kind) {
    case 'orphan':
      return `${a.publicIp} has been idle longer than the grace period and belongs to no pool: it is an orphan.`;
    case 'release-notice':
      return `${a.publicIp} is an orphan and releasing is on: this is the notice before its release.`;
    case 'pool-idle':
      return `${a.publicIp}, a member of pool ${q(a.classification.pool?.name ?? '?', 63)}, has been idle longer than the pool's ${a.classification.pool?.idleAlertHours ?? '?'} h limit.`;
    case 'released':
      return `eip-keeper released ${a.publicIp} at ${formatTime(spec.releasedAt)}.`;
    case 'release-blocked':
      return `eip-keeper did not release ${a.publicIp}: ${inlineText(spec.detail, 400).replace(/\.+$/, '')}.`;
  }
}

/** The classification for chat, with untrusted names (pool, exemption tag) as code spans. */
function classMarkdown(c: Classification): string {
  if (c.kind === 'pool-idle' && c.pool) {
    return `pool-idle: member of pool ${markdownValue(c.pool.name, 63)}, limit ${c.pool.idleAlertHours} h; never released`;
  }
  if (c.kind === 'exempt' && c.exemptBy)
    return `exempt: tagged ${markdownValue(c.exemptBy, 128)}; never released`;
  return `${c.kind}: ${markdownText(c.reason)}`;
}

function tagsText(tags: Record<string, string>): string {
  const entries = Object.entries(tags).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
  if (entries.length === 0) return 'none';
  return entries.map(([k, v]) => `${textValue(k, 128)} = ${textValue(v)}`).join(', ');
}

function tagsMarkdown(tags: Record<string, string>): string {
  const entries = Object.entries(tags).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
  if (entries.length === 0) return 'none';
  return entries.map(([k, v]) => `${markdownValue(k, 128)}=${markdownValue(v)}`).join(', ');
}

function dnsLines(dns: DnsFacts): string[] {
  if (dns.status === 'not-checked') return ['not checked'];
  if (dns.status === 'failed') return [`unknown: the Route 53 lookup failed (${inlineText(dns.error, 300)})`];
  if (dns.refs.length === 0) return ["none in this account's Route 53 hosted zones"];
  return dns.refs.map(
    (r) =>
      `${inlineText(r.name, 255)} (${r.type} record in ${r.privateZone ? 'private' : 'public'} zone ${inlineText(r.zone, 255)})`,
  );
}

function holderLines(h: LastHolderFacts | null): Array<[string, string]> {
  if (!h) {
    return [
      ['Last holder', 'unknown: neither eip-keeper’s history nor any sweep saw this address associated'],
    ];
  }
  const rows: Array<[string, string]> = [];
  const target = h.eniId ?? h.instanceId ?? 'unknown';
  rows.push([
    'Last holder',
    `${target}${h.privateIp ? ` (private IP ${h.privateIp})` : ''}${h.instanceId && h.eniId ? ` on ${h.instanceId}` : ''}`,
  ]);
  if (h.eniDescription) rows.push(['ENI description', textValue(h.eniDescription)]);
  rows.push(['Cluster', h.cluster ? textValue(h.cluster, 100) : 'unknown']);
  rows.push(['Pool', h.pool ? textValue(h.pool, 63) : 'none']);
  if (h.securityGroupIds.length > 0) rows.push(['Security groups', h.securityGroupIds.join(', ')]);
  if (h.since) rows.push(['Held since', formatTime(h.since)]);
  rows.push([
    'Taken off',
    h.ended
      ? `${endVerb[h.ended.kind]} ${inlineText(h.ended.by, 300)} at ${formatTime(h.ended.at)}`
      : h.source === 'sweep'
        ? 'unknown: only a sweep saw the association (no CloudTrail history of it)'
        : 'unknown',
  ]);
  return rows;
}

function holderMarkdown(h: LastHolderFacts | null): string {
  if (!h) return 'unknown (no history, never seen associated)';
  const parts = [
    `${markdownValue(h.eniId ?? h.instanceId ?? 'unknown', 64)}${h.privateIp ? ` (${markdownText(h.privateIp)})` : ''}`,
    `cluster ${h.cluster ? markdownValue(h.cluster, 100) : 'unknown'}`,
    `pool ${h.pool ? markdownValue(h.pool, 63) : 'none'}`,
  ];
  const ended = h.ended
    ? `${endVerb[h.ended.kind]} ${markdownValue(h.ended.by, 300)} at ${formatTime(h.ended.at)}`
    : 'taken off by: unknown';
  return `${parts.join(', ')}; ${ended}`;
}

function addressText(spec: Exclude<AlertSpec, { kind: 'digest' }>, ctx: AlertContext): string {
  const a = spec.address;
  const rows: Array<[string, string]> = [
    ['Allocation id', a.allocationId],
    ['Public IP', a.publicIp],
    ['Account / region', `${ctx.accountId} / ${ctx.region}`],
    ['Classification', `${a.classification.kind}: ${inlineText(a.classification.reason, 400)}`],
    ['Tags', tagsText(a.tags)],
  ];
  if (a.idle) {
    rows.push(['Idle since', `${formatTime(a.idle.since)} (${sourceText(a.idle)})`]);
    rows.push(['Idle for', formatHours(a.idle.hours)]);
  } else if (spec.kind === 'released') {
    rows.push(['Idle since', 'see the ledger (npx eip-keeper report)']);
  }
  rows.push([
    'Cost accrued',
    `${formatUsd(a.costAccruedUsd)} while idle (${formatHours(a.idle?.hours ?? 0)} × ${formatRate(a.rateUsd)} per address-hour)`,
  ]);
  rows.push(...holderLines(a.lastHolder));
  const dns = dnsLines(a.dns);
  rows.push(['DNS names', dns[0] as string]);
  for (const more of dns.slice(1)) rows.push(['', more]);
  if (spec.kind === 'released') {
    rows.push(['Released at', formatTime(spec.releasedAt)]);
    rows.push(['Saving', `${formatUsd(spec.projectedMonthlySavingUsd)} per 30-day month from now on`]);
  }
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  return rows.map(([k, v]) => `  ${k.padEnd(width)}${v}`).join('\n');
}

function renderAddressAlert(spec: Exclude<AlertSpec, { kind: 'digest' }>, ctx: AlertContext): RenderedAlert {
  const a = spec.address;
  const subject = subjectFor(spec, ctx);
  const risk = riskSentence(spec);
  const next = nextStepLines(spec, ctx);
  const text = [
    `${KIND_TITLE[spec.kind].toUpperCase()} — eip-keeper, account ${ctx.accountId}, ${ctx.region}`,
    '',
    headline(spec),
    '',
    `Risk: ${risk}`,
    '',
    addressText(spec, ctx),
    '',
    'What happens next',
    ...next.map((l) => `  - ${l}`),
    '',
    '-- ',
    'eip-keeper sweeper. Tag keys and values above are quoted as written by whoever tagged the address; links are defanged.',
  ].join('\n');

  const idleLine = a.idle
    ? `Idle since ${formatTime(a.idle.since)} (${a.idle.source === 'history' ? 'history' : 'first observation'}), ${formatHours(a.idle.hours)}, ${formatUsd(a.costAccruedUsd)} accrued`
    : `Cost accrued while idle: ${formatUsd(a.costAccruedUsd)}`;
  const dnsMd =
    a.dns.status === 'ok'
      ? a.dns.refs.length === 0
        ? 'none'
        : a.dns.refs.map((r) => `${markdownValue(r.name, 255)} (${markdownText(r.type)})`).join(', ')
      : a.dns.status === 'failed'
        ? 'unknown (lookup failed)'
        : 'not checked';
  const description = [
    spec.kind === 'pool-idle' ? headline(spec, markdownValue) : markdownText(headline(spec)),
    `Risk: ${markdownText(risk)}`,
    `• Allocation ${markdownValue(a.allocationId, 64)}, public IP ${markdownValue(a.publicIp, 64)}, ${markdownText(`${ctx.accountId} / ${ctx.region}`)}`,
    `• Class: ${classMarkdown(a.classification)}`,
    `• Tags: ${tagsMarkdown(a.tags)}`,
    `• ${markdownText(idleLine)}`,
    `• Last holder: ${holderMarkdown(a.lastHolder)}`,
    `• DNS: ${dnsMd}`,
    ...(spec.kind === 'released'
      ? [`• Saving: ${markdownText(`${formatUsd(spec.projectedMonthlySavingUsd)} per 30-day month`)}`]
      : []),
  ].join('\n');
  const chat: ChatbotNotification = {
    version: '1.0',
    source: 'custom',
    content: {
      textType: 'client-markdown',
      title: clipText(`${KIND_TITLE[spec.kind]} ${a.publicIp} (${ctx.region})`, CHAT_TITLE_MAX),
      description: clipText(description, CHAT_DESCRIPTION_MAX),
      nextSteps: next.map((l) => markdownText(l)),
      keywords: ['eip-keeper', spec.kind, ctx.region],
    },
    metadata: {
      threadId: `eip-keeper-${a.allocationId}`,
      summary: clipText(`${KIND_TITLE[spec.kind]} ${a.publicIp}`, 200),
      eventType: `eip-keeper.${spec.kind}`,
      relatedResources: [a.allocationId, a.publicIp],
      additionalContext: {
        allocationId: a.allocationId,
        publicIp: a.publicIp,
        account: ctx.accountId,
        region: ctx.region,
        classification: a.classification.kind,
      },
    },
  };
  return finish(spec.kind, subject, text, chat, `${subject}`);
}

function renderDigest(spec: Extract<AlertSpec, { kind: 'digest' }>, ctx: AlertContext): RenderedAlert {
  const subject = subjectFor(spec, ctx);
  const shown = spec.items.slice(0, DIGEST_MAX_ITEMS);
  const more = spec.items.length - shown.length;
  const header = ['ALLOCATION ID', 'PUBLIC IP', 'CLASS', 'IDLE SINCE', 'IDLE', 'COST', 'NEXT'];
  const rows = shown.map((i) => [
    i.allocationId,
    i.publicIp,
    i.kind,
    i.idleSince ? formatTime(i.idleSince) : '-',
    formatHours(i.idleHours),
    formatUsd(i.costAccruedUsd),
    inlineText(i.status, 200),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => cell.padEnd(widths[c] as number))
      .join('  ')
      .trimEnd();
  const text = [
    `DAILY DIGEST ${spec.date} — eip-keeper, account ${ctx.accountId}, ${ctx.region}`,
    '',
    `${spec.items.length} idle Elastic IP${spec.items.length === 1 ? '' : 's'} already reported are still open. Each was alerted once; this digest replaces hourly repeats.`,
    '',
    `Risk: idle addresses cost ${formatUsd(spec.monthlyCostUsd)} per 30-day month together, and any still allowlisted by a partner would be trusted by whoever receives it after a release.`,
    '',
    `  ${line(header)}`,
    ...rows.map((r) => `  ${line(r)}`),
    ...(more > 0 ? [`  … and ${more} more (npx eip-keeper report)`] : []),
    '',
    `To keep an address: tag it ${KEEP_TAG} (any value). Release is ${ctx.release.enabled ? `on (at most ${ctx.release.maxPerRun} per sweep, ${ctx.release.noticeHours} h after the notice)` : 'off'}; kill switch ${ctx.killSwitch.on ? 'on' : 'off'}.`,
  ].join('\n');
  const description = [
    markdownText(
      `${spec.items.length} idle Elastic IPs already reported are still open (${formatUsd(spec.monthlyCostUsd)} per 30-day month).`,
    ),
    ...shown.map(
      (i) =>
        `• ${markdownValue(i.publicIp, 64)} ${markdownValue(i.allocationId, 64)} ${markdownText(`${i.kind}, idle ${formatHours(i.idleHours)}, ${formatUsd(i.costAccruedUsd)}: ${i.status}`)}`,
    ),
    ...(more > 0 ? [markdownText(`… and ${more} more`)] : []),
  ].join('\n');
  const chat: ChatbotNotification = {
    version: '1.0',
    source: 'custom',
    content: {
      textType: 'client-markdown',
      title: clipText(`eip-keeper daily digest ${spec.date} (${ctx.region})`, CHAT_TITLE_MAX),
      description: clipText(description, CHAT_DESCRIPTION_MAX),
      nextSteps: [markdownText(`To keep an address, tag it ${KEEP_TAG}.`)],
      keywords: ['eip-keeper', 'digest', ctx.region],
    },
    metadata: {
      threadId: `eip-keeper-digest-${ctx.region}`,
      summary: clipText(`${spec.items.length} idle Elastic IPs still open`, 200),
      eventType: 'eip-keeper.digest',
      relatedResources: shown.map((i) => i.allocationId),
    },
  };
  return finish('digest', subject, text, chat, subject);
}

function finish(
  kind: AlertKind,
  subject: string,
  text: string,
  chat: ChatbotNotification,
  sms: string,
): RenderedAlert {
  const chatJson = JSON.stringify(chat);
  const message = JSON.stringify({ default: chatJson, https: chatJson, email: text, sms: sms.slice(0, 140) });
  return { kind, subject, text, chat, message };
}

/** Renders one alert. */
export function renderAlert(spec: AlertSpec, ctx: AlertContext): RenderedAlert {
  return spec.kind === 'digest' ? renderDigest(spec, ctx) : renderAddressAlert(spec, ctx);
}
