/**
 * What the sweeper's alerts share: how times, dollars and hours read, the subject, and the parts of an address
 * alert every kind shows (tags, last holder, DNS names), in e-mail text and in chat markdown. Untrusted text goes
 * through shared/notify/escape.ts: quoted or inline in e-mail, code spans in chat.
 */
import { inlineText, markdownText, markdownValue, subjectLine, textValue } from '../notify/escape';
import type { AddressFacts, AlertContext, AlertSpec, DnsFacts, LastHolderFacts } from './alerts';
import type { Classification, IdleFacts } from './classify';
import type { AlertKind } from './model';

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

/** Dollars for machines: 6 decimals, as the ledger's CSV and JSON. */
export const usdFact = (usd: number): number => Math.round(usd * 1e6) / 1e6;

export const KIND_TITLE: Record<Exclude<AlertKind, 'digest' | 'orphan-summary'>, string> = {
  orphan: 'Orphaned Elastic IP',
  'release-notice': 'Elastic IP to be released',
  'pool-idle': 'Idle pool Elastic IP',
  'former-pool-member': 'Former pool Elastic IP',
  released: 'Elastic IP released',
  'release-blocked': 'Elastic IP release blocked',
};

/** The subject: prefix, what, which address; the allocation id left out when the whole would be too long for SNS. */
export function subjectFor(spec: AlertSpec, ctx: AlertContext): string {
  const prefix = ctx.subjectPrefix.trim();
  const p = prefix ? `${prefix} ` : '';
  if (spec.kind === 'digest') {
    const page = pageOf(spec.page, spec.pages);
    return subjectLine(
      `${p}Daily digest ${spec.date}: ${spec.open} idle Elastic IP${spec.open === 1 ? '' : 's'} open (${ctx.region})${page ? `, ${page}` : ''}`,
    );
  }
  if (spec.kind === 'orphan-summary') {
    return subjectLine(
      `${p}${spec.items.length} more orphaned Elastic IPs (${ctx.region})${spec.releaseAfter ? ` - release after ${formatTime(spec.releaseAfter)}` : ''}`,
    );
  }
  const a = spec.address;
  const tail =
    spec.kind === 'release-notice' || (spec.kind === 'orphan' && spec.releaseAfter)
      ? ` - release after ${formatTime(spec.releaseAfter as string)}`
      : spec.kind === 'release-blocked'
        ? ` - ${spec.reason}`
        : '';
  const full = subjectLine(`${p}${KIND_TITLE[spec.kind]} ${a.publicIp} (${a.allocationId})${tail}`, 200);
  return subjectLine(full.length <= 99 ? full : `${p}${KIND_TITLE[spec.kind]} ${a.publicIp}${tail}`);
}

export const sourceText = (facts: IdleFacts): string =>
  facts.source === 'history'
    ? "from eip-keeper's CloudTrail history"
    : 'first observation: the first sweep that saw it idle; eip-keeper has no history of when it became idle';

export const endVerb: Record<NonNullable<LastHolderFacts['ended']>['kind'], string> = {
  disassociated: 'disassociated by',
  'eni-deleted': 'its network interface was deleted by',
  reassociated: 'moved to another target by',
  released: 'released by',
};

/** The number of DNS records naming the address (0 when unknown). */
export const dnsNameCount = (a: AddressFacts): number => (a.dns.status === 'ok' ? a.dns.refs.length : 0);

/** The risk sentence when DNS records still name the address, else undefined. */
export function dnsRisk(a: AddressFacts): string | undefined {
  const names = dnsNameCount(a);
  if (names === 0) return undefined;
  return `${names} DNS record${names === 1 ? '' : 's'} in this account still point${names === 1 ? 's' : ''} at ${a.publicIp}: if the address were released, whoever AWS gives it to next could serve traffic for ${names === 1 ? 'that name' : 'those names'}.`;
}

/** The classification for chat, with untrusted names (pool, exemption tag) as code spans. */
export function classMarkdown(c: Classification): string {
  if (c.kind === 'pool-idle' && c.pool) {
    return `pool-idle: member of pool ${markdownValue(c.pool.name, 63)}, limit ${c.pool.idleAlertHours} h; never released`;
  }
  if (c.kind === 'former-pool' && c.formerPool) {
    const fp = c.formerPool;
    const pool = fp.pool === null ? 'a pool' : `pool ${markdownValue(fp.pool, 63)}`;
    const by = fp.untaggedBy === null ? '' : ` by ${markdownValue(fp.untaggedBy, 300)}`;
    const at = fp.untaggedAt === null ? '' : ` at ${formatTime(fp.untaggedAt)}`;
    return `former-pool: was in ${pool}, tag removed${by}${at}; ${fp.approved ? 'release approved' : 'never released by the sweep'}`;
  }
  if (c.kind === 'exempt' && c.exemptBy)
    return `exempt: tagged ${markdownValue(c.exemptBy, 128)}; never released`;
  return `${c.kind}: ${markdownText(c.reason)}`;
}

const byKey = ([x]: [string, string], [y]: [string, string]) => (x < y ? -1 : x > y ? 1 : 0);

export function tagsText(tags: Record<string, string>): string {
  const entries = Object.entries(tags).sort(byKey);
  if (entries.length === 0) return 'none';
  return entries.map(([k, v]) => `${textValue(k, 128)} = ${textValue(v)}`).join(', ');
}

export function tagsMarkdown(tags: Record<string, string>): string {
  const entries = Object.entries(tags).sort(byKey);
  if (entries.length === 0) return 'none';
  return entries.map(([k, v]) => `${markdownValue(k, 128)}=${markdownValue(v)}`).join(', ');
}

export function dnsLines(dns: DnsFacts): string[] {
  if (dns.status === 'not-checked') return ['not checked'];
  if (dns.status === 'failed') return [`unknown: the Route 53 lookup failed (${inlineText(dns.error, 300)})`];
  if (dns.refs.length === 0) return ["none in this account's Route 53 hosted zones"];
  return dns.refs.map(
    (r) =>
      `${inlineText(r.name, 255)} (${r.type} record in ${r.privateZone ? 'private' : 'public'} zone ${inlineText(r.zone, 255)})`,
  );
}

export function dnsMarkdown(dns: DnsFacts): string {
  if (dns.status === 'not-checked') return 'not checked';
  if (dns.status === 'failed') return 'unknown (lookup failed)';
  if (dns.refs.length === 0) return 'none';
  return dns.refs.map((r) => `${markdownValue(r.name, 255)} (${markdownText(r.type)})`).join(', ');
}

export function holderLines(h: LastHolderFacts | null): Array<[string, string]> {
  if (!h) {
    return [
      ['Last holder', 'unknown: neither eip-keeper’s history nor any sweep saw this address associated'],
    ];
  }
  const rows: Array<[string, string]> = [];
  const target = h.eniId ?? h.instanceId ?? 'unknown';
  rows.push([
    'Last holder',
    `${inlineText(target, 64)}${h.privateIp ? ` (private IP ${inlineText(h.privateIp, 64)})` : ''}${h.instanceId && h.eniId ? ` on ${inlineText(h.instanceId, 64)}` : ''}`,
  ]);
  if (h.eniDescription) rows.push(['ENI description', textValue(h.eniDescription)]);
  rows.push(['Cluster', h.cluster ? textValue(h.cluster, 100) : 'unknown']);
  rows.push(['Pool', h.pool ? textValue(h.pool, 63) : 'none']);
  if (h.securityGroupIds.length > 0)
    rows.push(['Security groups', h.securityGroupIds.map((g) => inlineText(g, 64)).join(', ')]);
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

export function holderMarkdown(h: LastHolderFacts | null): string {
  if (!h) return 'unknown (no history, never seen associated)';
  const parts = [
    `${markdownValue(h.eniId ?? h.instanceId ?? 'unknown', 64)}${h.privateIp ? ` (${markdownValue(h.privateIp, 64)})` : ''}`,
    `cluster ${h.cluster ? markdownValue(h.cluster, 100) : 'unknown'}`,
    `pool ${h.pool ? markdownValue(h.pool, 63) : 'none'}`,
  ];
  const ended = h.ended
    ? `${endVerb[h.ended.kind]} ${markdownValue(h.ended.by, 300)} at ${formatTime(h.ended.at)}`
    : 'taken off by: unknown';
  return `${parts.join(', ')}; ${ended}`;
}

/** A table with a header row, columns padded to their widest cell, indented. */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => cell.padEnd(widths[c] as number))
      .join('  ')
      .trimEnd();
  return [header, ...rows].map((r) => `  ${line(r)}`);
}

/** What every sweeper notification's envelope says of where and when it comes from. */
export function envelopeHead(ctx: AlertContext, dedupKey: string) {
  return {
    source: 'sweeper' as const,
    account: ctx.accountId,
    region: ctx.region,
    time: ctx.now,
    dedupKey,
  };
}

/** "page 2 of 8" when a message is one of several, else nothing. */
export const pageOf = (page: number, pages: number): string => (pages > 1 ? `page ${page} of ${pages}` : '');

/** Label/value rows as an indented two-column block (an empty label continues the row above). */
export function labelled(rows: Array<[string, string]>): string[] {
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  return rows.map(([k, v]) => `  ${k.padEnd(width)}${v}`);
}
