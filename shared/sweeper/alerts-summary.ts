/**
 * The orphan summary: the orphans a sweep found beyond its limit of alerts sent one by one
 * (`sweeper.maxOrphanAlertsPerRun`), in one message — each with what happens to it next. When release is on it is
 * their pre-release notice. Names come from tags: quoted in e-mail, code spans in chat.
 */
import { markdownText, markdownValue, textValue } from '../notify/escape';
import type { Notification } from '../notify/notification';
import type { AlertContext, AlertSpec } from './alerts';
import {
  envelopeHead,
  formatHours,
  formatTime,
  formatUsd,
  subjectFor,
  table,
  usdFact,
} from './alerts-format';
import { KEEP_TAG } from './model';

type SummarySpec = Extract<AlertSpec, { kind: 'orphan-summary' }>;

function nextStep(spec: SummarySpec, ctx: AlertContext): string {
  return spec.releaseAfter
    ? `Each will be released at the first sweep after ${formatTime(spec.releaseAfter)} unless it is associated or tagged by then${ctx.killSwitch.on ? ` (the kill switch ${ctx.killSwitchParameter} is on: nothing is released while it stays on)` : ''}.`
    : 'Release is off (sweeper.release.enabled=false): eip-keeper will not release them.';
}

export function summaryNotification(spec: SummarySpec, ctx: AlertContext, dedupKey: string): Notification {
  const n = spec.items.length;
  const rows = spec.items.map((i) => [
    i.allocationId,
    i.publicIp,
    formatTime(i.idleSince),
    formatHours(i.idleHours),
    formatUsd(i.costAccruedUsd),
    i.name === null ? '-' : textValue(i.name, 60),
  ]);
  const keep = `To keep one: tag it ${KEEP_TAG} (any value): aws ec2 create-tags --region ${ctx.region} --resources <allocation id> --tags Key=${KEEP_TAG},Value=true`;
  return {
    ...envelopeHead(ctx, dedupKey),
    kind: 'orphan-summary',
    severity: 'medium',
    subject: subjectFor(spec, ctx),
    title: `${n} more orphaned Elastic IPs (${ctx.region})`,
    resources: spec.items.map((i) => i.allocationId),
    facts: {
      orphans: n,
      alertedOneByOne: spec.alertedOneByOne,
      monthlyCostUsd: usdFact(spec.monthlyCostUsd),
      ...(spec.releaseAfter ? { releaseAfter: spec.releaseAfter } : {}),
    },
    body: [
      [`ORPHANED ELASTIC IPS — eip-keeper, account ${ctx.accountId}, ${ctx.region}`],
      [
        `This sweep found ${n + spec.alertedOneByOne} orphans: ${spec.alertedOneByOne} alerted one by one, and these ${n} in this one message (at most ${spec.alertedOneByOne} alerts one by one per sweep).`,
      ],
      [
        `Risk: together they cost ${formatUsd(spec.monthlyCostUsd)} per 30-day month, and any still allowlisted by a partner would be trusted by whichever AWS customer receives it once it is released.`,
      ],
      table(['ALLOCATION ID', 'PUBLIC IP', 'IDLE SINCE', 'IDLE', 'COST', 'NAME TAG'], rows),
      ['What happens next', `  - ${nextStep(spec, ctx)}`, `  - ${keep}`],
    ],
    chat: {
      description: [
        markdownText(
          `${n} more orphans (${formatUsd(spec.monthlyCostUsd)} per 30-day month together), beyond the ${spec.alertedOneByOne} alerted one by one.`,
        ),
        ...spec.items.map(
          (i) =>
            `• ${markdownValue(i.publicIp, 64)} ${markdownValue(i.allocationId, 64)} ${markdownText(`idle ${formatHours(i.idleHours)}, ${formatUsd(i.costAccruedUsd)}`)}${i.name === null ? '' : ` ${markdownValue(i.name, 60)}`}`,
        ),
      ],
      nextSteps: [markdownText(nextStep(spec, ctx)), markdownText(keep)],
      threadId: `eip-keeper-orphans-${ctx.region}`,
    },
  };
}
