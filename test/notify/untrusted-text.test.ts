/**
 * Property: no untrusted text can add lines, hide text, format, mention or link, in an e-mail subject, an e-mail
 * body or chat, whatever alert of whatever capability carries it. Each case is built twice with the same shape —
 * once with seeded random Unicode in every untrusted field, once with plain placeholders — and the two renderings
 * must have the same structure.
 */
import { describe, expect, it } from 'vitest';
import { subjectProblem } from '../../local/sns/service';
import { type ChangeNotice, changeNotification } from '../../shared/auditor/alerts';
import type { Finding } from '../../shared/auditor/checks/result';
import { manuallyHeldAlert, poolExhaustedAlert } from '../../shared/keeper/alerts';
import {
  displacedAlert,
  poolTagChangedAlert,
  unapprovedMemberAlert,
  unprovenEniAlert,
} from '../../shared/keeper/alerts-security';
import { notificationDocumentSchema } from '../../shared/notify/document';
import { inlineText } from '../../shared/notify/escape';
import type { Notification } from '../../shared/notify/notification';
import { type RenderedNotification, renderNotification } from '../../shared/notify/render';
import {
  type AddressFacts,
  type AlertContext,
  type AlertSpec,
  alertNotification,
} from '../../shared/sweeper/alerts';
import { randomText, seeded } from './random-text';

const SEEDS = Array.from({ length: 150 }, (_, i) => 1000 + i);
const AT = '2026-01-06T10:00:00.000Z';

/** A case's shape comes from `pick`; every untrusted string from `text`. */
type Text = () => string;
type Pick = () => number;

const some = <T>(pick: Pick, max: number, make: (i: number) => T): T[] =>
  Array.from({ length: 1 + Math.floor(pick() * max) }, (_, i) => make(i));

function tags(pick: Pick, text: Text): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [i, [k, v]] of some(pick, 3, () => [text(), text()] as const).entries())
    out[k in out ? `${k}#${i}` : k] = v;
  return out;
}

function address(pick: Pick, text: Text, pooled: boolean): AddressFacts {
  const idle = { since: '2026-01-05T09:30:00.000Z', source: 'history' as const, hours: 24.5 };
  const pool = text();
  const dns = pick();
  return {
    allocationId: 'eipalloc-00001000000000008',
    publicIp: '3.248.0.1',
    tags: tags(pick, text),
    classification: pooled
      ? {
          kind: 'pool-idle',
          reason: `member of pool ${JSON.stringify(inlineText(pool, 63))}, idle 24.5 h: pool addresses are never released`,
          idle,
          pool: { name: pool, configured: false, idleAlertHours: 24, overLimit: true },
        }
      : { kind: 'orphan', reason: 'no pool, no exemption tag, idle longer than the 24 h grace period', idle },
    idle,
    rateUsd: 0.005,
    costAccruedUsd: 0.1225,
    lastHolder: {
      eniId: text(),
      privateIp: text(),
      instanceId: pick() < 0.5 ? text() : null,
      cluster: text(),
      pool: text(),
      securityGroupIds: some(pick, 2, () => text()),
      eniDescription: text(),
      since: '2026-01-05T09:00:00.000Z',
      ended: { kind: 'eni-deleted', at: '2026-01-05T09:30:00.000Z', by: text() },
      source: 'history',
    },
    dns:
      dns < 0.4
        ? {
            status: 'ok',
            refs: some(pick, 2, () => ({ name: text(), type: 'A', zone: text(), privateZone: pick() < 0.5 })),
          }
        : dns < 0.7
          ? { status: 'failed', error: text() }
          : { status: 'ok', refs: [] },
  };
}

function sweeperAlerts(pick: Pick, text: Text): Notification[] {
  const ctx: AlertContext = {
    accountId: '111122223333',
    region: 'eu-west-1',
    now: AT,
    subjectPrefix: '[eip-keeper]',
    release: { enabled: true, noticeHours: 24, maxPerRun: 5 },
    killSwitch: { on: pick() < 0.5, detail: text() },
    killSwitchParameter: '/eip-keeper/kill-switch',
  };
  const reasons = ['dangling-dns', 'dns-unverified', 'locked', 'ptr-set', 'release-error'] as const;
  const specs: AlertSpec[] = [
    { kind: 'orphan', address: address(pick, text, false), releaseAfter: pick() < 0.5 ? AT : null },
    { kind: 'release-notice', address: address(pick, text, false), releaseAfter: AT },
    { kind: 'pool-idle', address: address(pick, text, true) },
    { kind: 'released', address: address(pick, text, false), releasedAt: AT, projectedMonthlySavingUsd: 3.6 },
    {
      kind: 'release-blocked',
      address: address(pick, text, false),
      reason: reasons[Math.floor(pick() * reasons.length)] as (typeof reasons)[number],
      detail: text(),
      retryAfter: pick() < 0.5 ? AT : null,
    },
    {
      kind: 'digest',
      date: '2026-01-06',
      monthlyCostUsd: 7.2,
      open: 30,
      page: 1,
      pages: 2,
      items: some(pick, 3, (i) => ({
        allocationId: `eipalloc-0000000000000a00${i}`,
        publicIp: `198.51.100.${i}`,
        kind: 'orphan',
        idleSince: AT,
        idleHours: 30,
        costAccruedUsd: 0.15,
        status: text(),
      })),
    },
  ];
  const former = address(pick, text, false);
  specs.push(
    {
      kind: 'former-pool-member',
      address: {
        ...former,
        classification: {
          kind: 'former-pool',
          reason: 'former pool member: its pool tag was removed; never released by the sweep',
          idle: former.idle,
          formerPool: {
            pool: text(),
            evidence: 'tag-removed',
            untaggedAt: AT,
            untaggedBy: text(),
            keeperAssociatedAt: null,
            approved: pick() < 0.5,
            graceSince: AT,
            overGrace: true,
          },
        },
      },
    },
    {
      kind: 'orphan-summary',
      alertedOneByOne: 10,
      releaseAfter: pick() < 0.5 ? AT : null,
      monthlyCostUsd: 7.2,
      items: some(pick, 3, (i) => ({
        allocationId: `eipalloc-0000000000000b00${i}`,
        publicIp: `198.51.100.${i}`,
        idleSince: AT,
        idleHours: 30,
        costAccruedUsd: 0.15,
        name: pick() < 0.5 ? text() : null,
      })),
    },
  );
  return specs.map((s) => alertNotification(s, ctx, `${s.kind}#key`));
}

/** Pool names come from the validated configuration; everything EC2 or an event says is random here. */
function keeperAlerts(pick: Pick, text: Text): Notification[] {
  const pool = pick() < 0.5 ? 'payments' : 'batch_egress.v2';
  const origin = { pool, region: 'eu-west-1', accountId: '111122223333', at: AT };
  return [
    poolExhaustedAlert('[eip-keeper]', {
      ...origin,
      episode: 3,
      counts: { size: 2, held: 1, manual: 1, free: 0, waiting: 2 },
      waiting: some(pick, 3, () => ({ eniId: text(), privateIp: text(), since: text() })),
      manuallyHeld: some(pick, 2, () => ({ publicIp: text(), allocationId: text(), heldBy: text() })),
      allocateOnExhaustion: pick() < 0.5,
    }),
    manuallyHeldAlert('[eip-keeper]', {
      ...origin,
      publicIp: text(),
      allocationId: text(),
      associationId: text(),
      eniId: text(),
      privateIp: text(),
      instanceId: text(),
      displaced: { eniId: text(), privateIp: text() },
    }),
    unprovenEniAlert('[eip-keeper]', {
      ...origin,
      cluster: 'prod',
      eniId: text(),
      vpcId: text(),
      subnetId: text(),
      securityGroupIds: some(pick, 2, () => text()),
      description: text(),
      creator: text(),
      createdAt: text(),
      reasons: some(pick, 3, () => text()),
    }),
    poolTagChangedAlert('[eip-keeper]', {
      ...origin,
      change: pick() < 0.5 ? 'added' : 'removed',
      allocationId: text(),
      by: text(),
      eventId: text(),
      listed: pick() < 0.5,
    }),
    unapprovedMemberAlert('[eip-keeper]', {
      ...origin,
      allocationId: text(),
      publicIp: text(),
      associatedWith: text(),
    }),
    displacedAlert('[eip-keeper]', {
      ...origin,
      allocationId: text(),
      publicIp: text(),
      holder: { eniId: text(), privateIp: text() },
      nowHolds: text(),
    }),
  ];
}

/** Cluster names are EKS-validated; what the checks quote (names, ENIConfig fields, errors) is random here. */
function auditorAlerts(pick: Pick, text: Text): Notification[] {
  const finding = (): Finding => ({
    id: 'cn-eniconfig',
    status: pick() < 0.7 ? 'fail' : 'unknown',
    severity: 'high',
    cluster: 'prod',
    ...(pick() < 0.5 ? { nodegroup: text() } : { pool: text() }),
    title: text(),
    evidence: some(pick, 2, () => text()),
    // A fix is a block of command lines the check writes: its own line breaks stay, each line is escaped.
    fix: some(pick, 2, () => text().replace(/\n/g, ' ')).join('\n'),
  });
  const notice: ChangeNotice = {
    cluster: pick() < 0.5 ? 'prod' : 'team_a-prod',
    region: 'eu-west-1',
    accountId: '111122223333',
    at: AT,
    opened: some(pick, 3, finding),
    resolved: some(pick, 2, () => ({ ...finding(), firstSeenAt: AT, lastSeenAt: AT })),
  };
  return [changeNotification('[eip-keeper]', notice)];
}

/**
 * The same case twice: random untrusted text, then placeholders (`x 1`, `x 2`, ...; empty where the random text was
 * empty, since an empty value is left out of an alert).
 */
function pair(seed: number, build: (pick: Pick, text: Text) => Notification[]) {
  const random = seeded(seed * 7919);
  const said: string[] = [];
  const hostile = build(seeded(seed), () => {
    const s = randomText(random);
    said.push(s);
    return s;
  });
  let n = 0;
  const plain = build(seeded(seed), () => {
    const s = said[n++] as string;
    return s === '' ? '' : `x ${n}`;
  });
  return { hostile: hostile.map(renderNotification), plain: plain.map(renderNotification) };
}

const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;
const LINK = /:\/\/|\bwww\./gi;
/** What chat clients act on: `<!here>`, `<@U…>`, `<https://…|…>`, HTML, `@channel`, markdown links, URLs. */
const CHAT_ACTIVE = /[<>@]|\]\(|:\/\/|\bwww\./i;
const TAIL = /^… and \d+ more lines? \(see the e-mail\)$/;

/** A chat line's structure: code spans (where untrusted text lives) and plain names (letters, digits, hyphens) as `·`. */
const skeleton = (line: string) =>
  line.replace(/`[^`]*`/g, '·').replace(/\b(node group|pool) [A-Za-z0-9-]+/g, '$1 ·');

function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  if (value && typeof value === 'object') return Object.values(value).flatMap(stringsOf);
  return [];
}

function expectSafeEmail(r: RenderedNotification, plain: RenderedNotification, label: string): void {
  expect(subjectProblem(r.subject), label).toBeUndefined();
  const lines = r.email.split('\n');
  const base = plain.email.split('\n');
  expect(lines.length, `${label}: lines of the e-mail`).toBe(base.length);
  for (const [i, line] of lines.entries()) {
    const was = base[i] as string;
    expect(line, `${label}: e-mail line ${i}`).not.toMatch(HIDDEN);
    const indent = (s: string) => (/^ */.exec(s) as RegExpExecArray)[0].length;
    // Nothing starts a line further left than eip-keeper's own text, and a line at the margin starts with its words.
    expect(indent(line), `${label}: indentation of line ${i}`).toBeGreaterThanOrEqual(indent(was));
    if (indent(was) === 0) expect(line.slice(0, 6), `${label}: line ${i}`).toBe(was.slice(0, 6));
  }
  expect((r.email.match(LINK) ?? []).length, `${label}: links in the e-mail`).toBe(0);
}

function expectSafeChat(r: RenderedNotification, plain: RenderedNotification, label: string): void {
  for (const s of stringsOf(r.chat).flatMap((v) => v.split('\n'))) {
    expect(s, `${label}: chat`).not.toMatch(HIDDEN);
    expect(s, `${label}: chat`).not.toMatch(CHAT_ACTIVE);
  }
  const lines = r.chat.content.description.split('\n');
  const base = plain.chat.content.description.split('\n');
  const shown = TAIL.test(lines.at(-1) ?? '') ? lines.slice(0, -1) : lines;
  expect(shown.length, `${label}: chat lines`).toBeLessThanOrEqual(base.length);
  if (shown.length === lines.length) expect(lines.length, `${label}: chat lines`).toBe(base.length);
  shown.forEach((line, i) => {
    expect(skeleton(line), `${label}: chat line ${i}`).toBe(skeleton(base[i] as string));
  });
  const steps = r.chat.content.nextSteps ?? [];
  expect(steps.map(skeleton), `${label}: next steps`).toEqual(
    (plain.chat.content.nextSteps ?? []).map(skeleton),
  );
}

function expectSafeDocument(r: RenderedNotification, label: string): void {
  const bodies = JSON.parse(r.message) as Record<string, string>;
  const doc = notificationDocumentSchema.parse(JSON.parse(bodies.default as string));
  expect(doc.text, label).toBe(r.email);
  expect(doc.subject, label).toBe(r.subject);
  for (const s of stringsOf(doc.facts)) {
    expect(s, `${label}: fact`).not.toMatch(HIDDEN);
    expect([...s].length, `${label}: fact`).toBeLessThanOrEqual(256);
  }
  for (const s of [...stringsOf(doc), bodies.sms as string]) expect(s, label).not.toMatch(/\p{Cs}/u);
}

describe.each([
  ['sweeper', sweeperAlerts],
  ['keeper', keeperAlerts],
  ['auditor', auditorAlerts],
] as const)('untrusted text in the %s alerts', (_name, build) => {
  it('adds no line, hidden character or link to an e-mail subject or body', () => {
    for (const seed of SEEDS) {
      const { hostile, plain } = pair(seed, build);
      hostile.forEach((r, i) => {
        expectSafeEmail(r, plain[i] as RenderedNotification, `seed ${seed}, ${r.document.kind}`);
      });
    }
  });

  it('cannot format, mention, link or add lines in chat', () => {
    for (const seed of SEEDS) {
      const { hostile, plain } = pair(seed, build);
      hostile.forEach((r, i) => {
        expectSafeChat(r, plain[i] as RenderedNotification, `seed ${seed}, ${r.document.kind}`);
      });
    }
  });

  it('reaches machine subscribers as a valid document of one-line facts', () => {
    for (const seed of SEEDS) {
      for (const r of pair(seed, build).hostile) expectSafeDocument(r, `seed ${seed}, ${r.document.kind}`);
    }
  });
});
