/**
 * Alerts about one address: the orphan alert (the pre-release notice when release is on), the release notice, the
 * release and the blocked release — and the layout every address alert shares (pool-idle's own sentences are in
 * alerts-pool-idle.ts): a header, what happened, the risk, the address's facts, what happens next.
 */
import { inlineText, markdownText, markdownValue } from '../notify/escape';
import type { FactValue, Notification, Severity } from '../notify/notification';
import { asMarkdown, asText, inline, type Sentence, sentence } from '../notify/sentence';
import type { AddressAlertSpec, AlertContext } from './alerts';
import {
  classMarkdown,
  dnsLines,
  dnsMarkdown,
  dnsNameCount,
  dnsRisk,
  formatHours,
  formatRate,
  formatTime,
  formatUsd,
  holderLines,
  holderMarkdown,
  KIND_TITLE,
  labelled,
  sourceText,
  subjectFor,
  tagsMarkdown,
  tagsText,
  usdFact,
} from './alerts-format';
import { formerPoolEvidence, formerPoolName, formerPoolTexts } from './alerts-former-pool';
import { poolIdleTexts } from './alerts-pool-idle';
import { KEEP_TAG } from './model';

/** What one kind of address alert says; the layout around it is the same for all. */
export interface AddressTexts {
  headline: Sentence;
  risk: Sentence;
  next: Sentence[];
  severity: Severity;
}

type Spec<K extends AddressAlertSpec['kind']> = Extract<AddressAlertSpec, { kind: K }>;

const keepStep = (ctx: AlertContext, allocationId: string): string =>
  `tag it ${KEEP_TAG} (any value): aws ec2 create-tags --region ${ctx.region} --resources ${allocationId} --tags Key=${KEEP_TAG},Value=true`;

const unusedRisk = (ip: string): string =>
  `${ip} is billed but unused, and anyone who still allowlists it would trust whichever AWS customer receives it once it is released.`;

/** The kill switch, when it is on: nothing is released, whatever a notice says. */
function killed(ctx: AlertContext): Sentence {
  return ctx.killSwitch.on
    ? sentence` The kill switch ${ctx.killSwitchParameter} is on (${inline(ctx.killSwitch.detail, 300)}): nothing is released while it stays on.`
    : [];
}

function orphanTexts(spec: Spec<'orphan'>, ctx: AlertContext): AddressTexts {
  const a = spec.address;
  const keep = keepStep(ctx, a.allocationId);
  return {
    headline: [
      `${a.publicIp} has been idle longer than the grace period and belongs to no pool: it is an orphan.`,
    ],
    risk: [dnsRisk(a) ?? unusedRisk(a.publicIp)],
    next: spec.releaseAfter
      ? [
          sentence`It will be released at the first sweep after ${formatTime(spec.releaseAfter)} unless it is associated or tagged by then.${killed(ctx)}`,
          [`To keep it: ${keep}`],
        ]
      : [
          [
            'Release is off (sweeper.release.enabled=false): eip-keeper will not release it. Decide: keep it, put it in a pool, or release it yourself once no partner allowlists it and no DNS record names it.',
          ],
          [`To keep it and silence this alert for good: ${keep}`],
        ],
    severity: dnsNameCount(a) > 0 ? 'high' : 'medium',
  };
}

function noticeTexts(spec: Spec<'release-notice'>, ctx: AlertContext): AddressTexts {
  const a = spec.address;
  return {
    headline:
      a.classification.kind === 'former-pool'
        ? sentence`${a.publicIp} was a member of ${formerPoolName(spec)} and its release is approved (sweeper.release.approvedFormerPoolMembers): this is the notice before its release.`
        : [`${a.publicIp} is an orphan and releasing is on: this is the notice before its release.`],
    risk: [dnsRisk(a) ?? unusedRisk(a.publicIp)],
    next: [
      sentence`Release is on: it will be released at the first sweep after ${formatTime(spec.releaseAfter)} unless it is associated or tagged by then.${killed(ctx)}`,
      [`To keep it: ${keepStep(ctx, a.allocationId)}`],
    ],
    severity: 'high',
  };
}

function releasedTexts(spec: Spec<'released'>): AddressTexts {
  const ip = spec.address.publicIp;
  return {
    headline: [`eip-keeper released ${ip} at ${formatTime(spec.releasedAt)}.`],
    risk: [
      `${ip} is back in AWS's pool and may be handed to any AWS customer: remove it from every partner allowlist, firewall rule and DNS record that still names it.`,
    ],
    next: [
      [`Remove ${ip} from partner allowlists, firewall rules and DNS records that still name it.`],
      ['Nothing else to do: the release is recorded in the cost ledger (npx eip-keeper report).'],
    ],
    severity: 'high',
  };
}

function blockedNext(spec: Spec<'release-blocked'>, ctx: AlertContext): Sentence[] {
  const a = spec.address;
  const keep = [`To keep it instead: ${keepStep(ctx, a.allocationId)}`];
  if (spec.reason === 'dangling-dns' || spec.reason === 'dns-unverified') {
    return [
      [
        spec.reason === 'dangling-dns'
          ? 'Delete or repoint the DNS records listed above; eip-keeper checks again at every sweep and releases it once none is left.'
          : 'eip-keeper could not read the Route 53 records and never releases an address it could not check; it tries again at the next sweep.',
      ],
      keep,
    ];
  }
  return [
    [
      spec.retryAfter
        ? `eip-keeper tries again after ${formatTime(spec.retryAfter)}.`
        : 'eip-keeper tries again at the next sweep.',
    ],
    [
      spec.reason === 'ptr-set'
        ? `Remove the reverse-DNS record: aws ec2 reset-address-attribute --region ${ctx.region} --allocation-id ${a.allocationId} --attribute domain-name`
        : spec.reason === 'locked'
          ? 'Ask AWS Support to unlock the address, or keep it.'
          : 'Check the sweeper role and the address tags.',
    ],
    keep,
  ];
}

function blockedTexts(spec: Spec<'release-blocked'>, ctx: AlertContext): AddressTexts {
  const a = spec.address;
  const cleared =
    spec.reason === 'locked' || spec.reason === 'ptr-set'
      ? `${a.publicIp} keeps costing money while it stays idle, and it cannot be released until a person clears the ${spec.reason === 'locked' ? 'address lock' : 'reverse-DNS record'}.`
      : undefined;
  return {
    headline: sentence`eip-keeper did not release ${a.publicIp}: ${inline(spec.detail.replace(/\.+$/, ''), 400)}.`,
    risk: [dnsRisk(a) ?? cleared ?? unusedRisk(a.publicIp)],
    next: blockedNext(spec, ctx),
    severity: spec.reason === 'dangling-dns' ? 'high' : 'medium',
  };
}

function textsOf(spec: AddressAlertSpec, ctx: AlertContext): AddressTexts {
  switch (spec.kind) {
    case 'orphan':
      return orphanTexts(spec, ctx);
    case 'release-notice':
      return noticeTexts(spec, ctx);
    case 'pool-idle':
      return poolIdleTexts(spec);
    case 'former-pool-member':
      return formerPoolTexts(spec, ctx);
    case 'released':
      return releasedTexts(spec);
    case 'release-blocked':
      return blockedTexts(spec, ctx);
  }
}

/** The address's facts as an e-mail block. */
function addressRows(spec: AddressAlertSpec, ctx: AlertContext): string[] {
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
  if (a.classification.formerPool) {
    rows.push(['Former pool', asText(sentence`${formerPoolName(spec)}: ${formerPoolEvidence(spec)}`)]);
  }
  rows.push(...holderLines(a.lastHolder));
  const dns = dnsLines(a.dns);
  rows.push(['DNS names', dns[0] as string]);
  for (const more of dns.slice(1)) rows.push(['', more]);
  if (spec.kind === 'released') {
    rows.push(['Released at', formatTime(spec.releasedAt)]);
    rows.push(['Saving', `${formatUsd(spec.projectedMonthlySavingUsd)} per 30-day month from now on`]);
  }
  return labelled(rows);
}

/** The address's facts as chat bullets. */
function addressMarkdown(spec: AddressAlertSpec, ctx: AlertContext): string[] {
  const a = spec.address;
  const idleLine = a.idle
    ? `Idle since ${formatTime(a.idle.since)} (${a.idle.source === 'history' ? 'history' : 'first observation'}), ${formatHours(a.idle.hours)}, ${formatUsd(a.costAccruedUsd)} accrued`
    : `Cost accrued while idle: ${formatUsd(a.costAccruedUsd)}`;
  return [
    `• Allocation ${markdownValue(a.allocationId, 64)}, public IP ${markdownValue(a.publicIp, 64)}, ${markdownText(`${ctx.accountId} / ${ctx.region}`)}`,
    `• Class: ${classMarkdown(a.classification)}`,
    `• Tags: ${tagsMarkdown(a.tags)}`,
    `• ${markdownText(idleLine)}`,
    `• Last holder: ${holderMarkdown(a.lastHolder)}`,
    `• DNS: ${dnsMarkdown(a.dns)}`,
    ...(spec.kind === 'released'
      ? [`• Saving: ${markdownText(`${formatUsd(spec.projectedMonthlySavingUsd)} per 30-day month`)}`]
      : []),
  ];
}

/** The address's figures and identifiers, for machines. */
function addressFacts(spec: AddressAlertSpec): Record<string, FactValue> {
  const a = spec.address;
  const h = a.lastHolder;
  const facts: Record<string, FactValue> = {
    allocationId: a.allocationId,
    publicIp: a.publicIp,
    classification: a.classification.kind,
    costAccruedUsd: usdFact(a.costAccruedUsd),
    rateUsd: a.rateUsd,
    dnsStatus: a.dns.status,
    dnsNames: dnsNameCount(a),
  };
  if (a.idle)
    Object.assign(facts, { idleSince: a.idle.since, idleSource: a.idle.source, idleHours: a.idle.hours });
  if (h?.eniId) facts.lastHolderEni = h.eniId;
  if (h?.instanceId) facts.lastHolderInstance = h.instanceId;
  if (h?.privateIp) facts.lastHolderPrivateIp = h.privateIp;
  if (h?.cluster) facts.cluster = h.cluster;
  const pool = h?.pool ?? a.classification.pool?.name;
  if (pool) facts.pool = pool;
  if (h?.ended)
    Object.assign(facts, { takenOff: h.ended.kind, takenOffBy: h.ended.by, takenOffAt: h.ended.at });
  if (spec.kind === 'orphan' && spec.releaseAfter) facts.releaseAfter = spec.releaseAfter;
  if (spec.kind === 'release-notice') facts.releaseAfter = spec.releaseAfter;
  if (spec.kind === 'released') {
    facts.releasedAt = spec.releasedAt;
    facts.projectedMonthlySavingUsd = usdFact(spec.projectedMonthlySavingUsd);
  }
  const fp = a.classification.formerPool;
  if (fp) {
    Object.assign(facts, { formerPoolEvidence: fp.evidence, releaseApproved: fp.approved });
    if (fp.pool !== null) facts.formerPool = fp.pool;
    if (fp.untaggedAt) facts.untaggedAt = fp.untaggedAt;
    if (fp.untaggedBy) facts.untaggedBy = fp.untaggedBy;
    if (fp.keeperAssociatedAt) facts.keeperAssociatedAt = fp.keeperAssociatedAt;
  }
  if (spec.kind === 'release-blocked') {
    Object.assign(facts, { blockReason: spec.reason, blockDetail: spec.detail });
    if (spec.retryAfter) facts.retryAfter = spec.retryAfter;
  }
  for (const [k, v] of Object.entries(a.tags)) facts[`tag:${k}`] = v;
  return facts;
}

export function addressNotification(
  spec: AddressAlertSpec,
  ctx: AlertContext,
  dedupKey: string,
): Notification {
  const a = spec.address;
  const t = textsOf(spec, ctx);
  const title = KIND_TITLE[spec.kind];
  return {
    source: 'sweeper',
    kind: spec.kind,
    severity: t.severity,
    subject: subjectFor(spec, ctx),
    title: `${title} ${a.publicIp} (${ctx.region})`,
    account: ctx.accountId,
    region: ctx.region,
    time: spec.kind === 'released' ? spec.releasedAt : ctx.now,
    dedupKey,
    resources: [a.allocationId, a.publicIp],
    facts: addressFacts(spec),
    body: [
      [`${title.toUpperCase()} — eip-keeper, account ${ctx.accountId}, ${ctx.region}`],
      [asText(t.headline)],
      [`Risk: ${asText(t.risk)}`],
      addressRows(spec, ctx),
      ['What happens next', ...t.next.map((l) => `  - ${asText(l)}`)],
      [
        '-- ',
        'eip-keeper sweeper. Tag keys and values above are quoted as written by whoever tagged the address; links are defanged.',
      ],
    ],
    chat: {
      description: [asMarkdown(t.headline), `Risk: ${asMarkdown(t.risk)}`, ...addressMarkdown(spec, ctx)],
      nextSteps: t.next.map(asMarkdown),
      threadId: `eip-keeper-${a.allocationId}`,
      context: {
        allocationId: a.allocationId,
        publicIp: a.publicIp,
        classification: a.classification.kind,
      },
    },
  };
}
