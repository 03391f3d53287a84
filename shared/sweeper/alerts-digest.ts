/**
 * The daily digest: every finding already alerted that is still open, instead of hourly repeats — every one of them,
 * paged over several messages when there are many (a page fits a chat message). Statuses may quote AWS (a blocked
 * release's detail): inline in e-mail, code spans in chat.
 */
import { inlineText, markdownText, markdownValue } from '../notify/escape';
import type { Notification } from '../notify/notification';
import type { AlertContext, AlertSpec } from './alerts';
import {
  envelopeHead,
  formatHours,
  formatTime,
  formatUsd,
  pageOf,
  subjectFor,
  table,
  usdFact,
} from './alerts-format';
import { KEEP_TAG } from './model';

/** Rows of one digest message: each row is a line in chat, and a chat message holds about 3,500 characters. */
export const DIGEST_PAGE_ROWS = 20;

type DigestSpec = Extract<AlertSpec, { kind: 'digest' }>;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function digestText(spec: DigestSpec, ctx: AlertContext): string[][] {
  const rows = spec.items.map((i) => [
    i.allocationId,
    i.publicIp,
    i.kind,
    i.idleSince ? formatTime(i.idleSince) : '-',
    formatHours(i.idleHours),
    formatUsd(i.costAccruedUsd),
    inlineText(i.status, 200),
  ]);
  const page = pageOf(spec.page, spec.pages);
  return [
    [
      `DAILY DIGEST ${spec.date}${page ? ` (${page})` : ''} — eip-keeper, account ${ctx.accountId}, ${ctx.region}`,
    ],
    [
      `${plural(spec.open, 'idle Elastic IP')} already reported ${spec.open === 1 ? 'is' : 'are'} still open${page ? `; this message lists ${spec.items.length} of them` : ''}. Each was alerted once; this digest replaces hourly repeats.`,
    ],
    [
      `Risk: idle addresses cost ${formatUsd(spec.monthlyCostUsd)} per 30-day month together, and any still allowlisted by a partner would be trusted by whoever receives it after a release.`,
    ],
    table(['ALLOCATION ID', 'PUBLIC IP', 'CLASS', 'IDLE SINCE', 'IDLE', 'COST', 'NEXT'], rows),
    [
      `To keep an address: tag it ${KEEP_TAG} (any value). Release is ${ctx.release.enabled ? `on (at most ${ctx.release.maxPerRun} per sweep, ${ctx.release.noticeHours} h after the notice)` : 'off'}; kill switch ${ctx.killSwitch.on ? 'on' : 'off'}.`,
    ],
  ];
}

export function digestNotification(spec: DigestSpec, ctx: AlertContext, dedupKey: string): Notification {
  const page = pageOf(spec.page, spec.pages);
  return {
    ...envelopeHead(ctx, dedupKey),
    kind: 'digest',
    severity: 'low',
    subject: subjectFor(spec, ctx),
    title: `eip-keeper daily digest ${spec.date} (${ctx.region})${page ? `, ${page}` : ''}`,
    resources: spec.items.map((i) => i.allocationId),
    facts: {
      date: spec.date,
      open: spec.open,
      listed: spec.items.length,
      page: spec.page,
      pages: spec.pages,
      monthlyCostUsd: usdFact(spec.monthlyCostUsd),
      releaseEnabled: ctx.release.enabled,
      killSwitch: ctx.killSwitch.on,
    },
    body: digestText(spec, ctx),
    chat: {
      description: [
        markdownText(
          `${plural(spec.open, 'idle Elastic IP')} already reported still open (${formatUsd(spec.monthlyCostUsd)} per 30-day month)${page ? `, ${page}` : ''}.`,
        ),
        ...spec.items.map(
          (i) =>
            `• ${markdownValue(i.publicIp, 64)} ${markdownValue(i.allocationId, 64)} ${markdownText(`${i.kind}, idle ${formatHours(i.idleHours)}, ${formatUsd(i.costAccruedUsd)}:`)} ${markdownValue(i.status, 200)}`,
        ),
      ],
      nextSteps: [markdownText(`To keep an address, tag it ${KEEP_TAG}.`)],
      threadId: `eip-keeper-digest-${ctx.region}`,
    },
  };
}
