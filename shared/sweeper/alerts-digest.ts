/**
 * The daily digest: every finding already alerted that is still open, in one table, instead of hourly repeats.
 * Statuses may quote AWS (a blocked release's detail): inline in e-mail, code spans in chat.
 */
import { inlineText, markdownText, markdownValue } from '../notify/escape';
import type { Notification } from '../notify/notification';
import type { AlertContext, AlertSpec } from './alerts';
import { formatHours, formatTime, formatUsd, subjectFor, usdFact } from './alerts-format';
import { KEEP_TAG } from './model';

/** Items listed in one digest; the rest are counted. */
export const DIGEST_MAX_ITEMS = 50;

type DigestSpec = Extract<AlertSpec, { kind: 'digest' }>;

/** A table with a header row, columns padded to their widest cell, indented. */
function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => cell.padEnd(widths[c] as number))
      .join('  ')
      .trimEnd();
  return [header, ...rows].map((r) => `  ${line(r)}`);
}

function digestText(spec: DigestSpec, ctx: AlertContext): string[][] {
  const shown = spec.items.slice(0, DIGEST_MAX_ITEMS);
  const more = spec.items.length - shown.length;
  const rows = shown.map((i) => [
    i.allocationId,
    i.publicIp,
    i.kind,
    i.idleSince ? formatTime(i.idleSince) : '-',
    formatHours(i.idleHours),
    formatUsd(i.costAccruedUsd),
    inlineText(i.status, 200),
  ]);
  const n = spec.items.length;
  return [
    [`DAILY DIGEST ${spec.date} — eip-keeper, account ${ctx.accountId}, ${ctx.region}`],
    [
      `${n} idle Elastic IP${n === 1 ? '' : 's'} already reported are still open. Each was alerted once; this digest replaces hourly repeats.`,
    ],
    [
      `Risk: idle addresses cost ${formatUsd(spec.monthlyCostUsd)} per 30-day month together, and any still allowlisted by a partner would be trusted by whoever receives it after a release.`,
    ],
    [
      ...table(['ALLOCATION ID', 'PUBLIC IP', 'CLASS', 'IDLE SINCE', 'IDLE', 'COST', 'NEXT'], rows),
      ...(more > 0 ? [`  … and ${more} more (npx eip-keeper report)`] : []),
    ],
    [
      `To keep an address: tag it ${KEEP_TAG} (any value). Release is ${ctx.release.enabled ? `on (at most ${ctx.release.maxPerRun} per sweep, ${ctx.release.noticeHours} h after the notice)` : 'off'}; kill switch ${ctx.killSwitch.on ? 'on' : 'off'}.`,
    ],
  ];
}

export function digestNotification(spec: DigestSpec, ctx: AlertContext, dedupKey: string): Notification {
  const shown = spec.items.slice(0, DIGEST_MAX_ITEMS);
  const more = spec.items.length - shown.length;
  return {
    source: 'sweeper',
    kind: 'digest',
    severity: 'low',
    subject: subjectFor(spec, ctx),
    title: `eip-keeper daily digest ${spec.date} (${ctx.region})`,
    account: ctx.accountId,
    region: ctx.region,
    time: ctx.now,
    dedupKey,
    resources: shown.map((i) => i.allocationId),
    facts: {
      date: spec.date,
      open: spec.items.length,
      listed: shown.length,
      monthlyCostUsd: usdFact(spec.monthlyCostUsd),
      releaseEnabled: ctx.release.enabled,
      killSwitch: ctx.killSwitch.on,
    },
    body: digestText(spec, ctx),
    chat: {
      description: [
        markdownText(
          `${spec.items.length} idle Elastic IPs already reported are still open (${formatUsd(spec.monthlyCostUsd)} per 30-day month).`,
        ),
        ...shown.map(
          (i) =>
            `• ${markdownValue(i.publicIp, 64)} ${markdownValue(i.allocationId, 64)} ${markdownText(`${i.kind}, idle ${formatHours(i.idleHours)}, ${formatUsd(i.costAccruedUsd)}:`)} ${markdownValue(i.status, 200)}`,
        ),
        ...(more > 0 ? [markdownText(`… and ${more} more`)] : []),
      ],
      nextSteps: [markdownText(`To keep an address, tag it ${KEEP_TAG}.`)],
      threadId: `eip-keeper-digest-${ctx.region}`,
    },
  };
}
