/** Alert rendering: what each alert says, SNS's subject rules, the Chatbot format, and hostile tag text. */
import { describe, expect, it } from 'vitest';
import { subjectProblem } from '../../local/sns/service';
import type { ChatbotNotification } from '../../shared/notify/chat';
import { markdownValue, subjectLine, textValue } from '../../shared/notify/escape';
import { type RenderedNotification, renderNotification } from '../../shared/notify/render';
import {
  type AddressFacts,
  type AlertContext,
  type AlertSpec,
  alertNotification,
} from '../../shared/sweeper/alerts';
import { DIGEST_PAGE_ROWS } from '../../shared/sweeper/alerts-digest';

const CTX: AlertContext = {
  accountId: '111122223333',
  region: 'eu-west-1',
  now: '2026-01-06T10:00:00.000Z',
  subjectPrefix: '[eip-keeper]',
  release: { enabled: true, noticeHours: 24, maxPerRun: 5 },
  killSwitch: { on: false, detail: '"off"' },
  killSwitchParameter: '/eip-keeper/kill-switch',
};

const HOSTILE =
  'ok\nSubject: [eip-keeper] all clear\r\n<!channel> @here [click](https://evil.example/x) `rm -rf` **bold** \u202eevil\u200b';

function facts(over: Partial<AddressFacts> = {}): AddressFacts {
  return {
    allocationId: 'eipalloc-0a1b2c3d4e5f60718',
    publicIp: '203.0.113.25',
    tags: { Name: 'payments egress', team: 'payments' },
    classification: {
      kind: 'orphan',
      reason: 'no pool, no exemption tag, idle longer than the 24 h grace period',
      idle: { since: '2026-01-05T09:41:00.000Z', source: 'history', hours: 26.3 },
    },
    idle: { since: '2026-01-05T09:41:00.000Z', source: 'history', hours: 26.3 },
    rateUsd: 0.005,
    costAccruedUsd: 0.1315,
    lastHolder: {
      eniId: 'eni-0b1a2c3d4e5f60718',
      privateIp: '10.0.12.34',
      instanceId: null,
      cluster: 'prod',
      pool: null,
      securityGroupIds: ['sg-0123456789abcdef0'],
      eniDescription: 'aws-k8s-branch-eni',
      since: '2026-01-05T09:10:05.000Z',
      ended: {
        kind: 'eni-deleted',
        at: '2026-01-05T09:41:00.000Z',
        by: 'role eks-cluster-role (via eks.amazonaws.com)',
      },
      source: 'history',
    },
    dns: { status: 'ok', refs: [] },
    ...over,
  };
}

/** A former pool member's classification: its tag removed by `by`. */
function formerClass(pool: string, by: string): AddressFacts['classification'] {
  return {
    kind: 'former-pool',
    reason: 'former pool member: its pool tag was removed; never released by the sweep',
    idle: { since: '2026-01-05T09:41:00.000Z', source: 'history', hours: 26.3 },
    formerPool: {
      pool,
      evidence: 'tag-removed',
      untaggedAt: '2026-01-05T09:41:00.000Z',
      untaggedBy: by,
      keeperAssociatedAt: null,
      approved: false,
      graceSince: '2026-01-05T09:41:00.000Z',
      overGrace: true,
    },
  };
}

/** An alert as published; the dedupe key is the sweep's claim (send-alerts.ts), any string here. */
const renderAlert = (spec: AlertSpec, ctx: AlertContext): RenderedNotification =>
  renderNotification(alertNotification(spec, ctx, 'test#alert'));

/** The body AWS Chatbot receives (`https`). */
const chatOf = (r: RenderedNotification): ChatbotNotification => {
  const m = JSON.parse(r.message) as Record<string, string>;
  return JSON.parse(m.https as string) as ChatbotNotification;
};

const ALL_KINDS: AlertSpec[] = [
  { kind: 'orphan', address: facts(), releaseAfter: '2026-01-07T10:00:00.000Z' },
  { kind: 'orphan', address: facts(), releaseAfter: null },
  { kind: 'release-notice', address: facts(), releaseAfter: '2026-01-07T10:00:00.000Z' },
  {
    kind: 'pool-idle',
    address: facts({
      classification: {
        kind: 'pool-idle',
        reason: 'member of pool "payments"',
        idle: null,
        pool: { name: 'payments', configured: true, idleAlertHours: 6, overLimit: true },
      },
    }),
  },
  {
    kind: 'released',
    address: facts(),
    releasedAt: '2026-01-07T10:00:00.000Z',
    projectedMonthlySavingUsd: 3.6,
  },
  {
    kind: 'release-blocked',
    address: facts({
      dns: {
        status: 'ok',
        refs: [{ name: 'api.example.com.', type: 'A', zone: 'example.com.', privateZone: false }],
      },
    }),
    reason: 'dangling-dns',
    detail: '1 DNS record points at it: api.example.com.',
    retryAfter: null,
  },
  {
    kind: 'release-blocked',
    address: facts(),
    reason: 'locked',
    detail: 'AWS has locked the address',
    retryAfter: '2026-01-08T10:00:00.000Z',
  },
  {
    kind: 'digest',
    date: '2026-01-07',
    monthlyCostUsd: 7.2,
    open: 1,
    page: 1,
    pages: 1,
    items: [
      {
        allocationId: 'eipalloc-0a1b2c3d4e5f60718',
        publicIp: '203.0.113.25',
        kind: 'orphan',
        idleSince: '2026-01-05T09:41:00.000Z',
        idleHours: 40,
        costAccruedUsd: 0.2,
        status: 'release is off',
      },
    ],
  },
  {
    kind: 'former-pool-member',
    address: facts({
      tags: { Name: 'payments egress' },
      classification: formerClass('payments', 'role deployer session ci-42'),
    }),
  },
  {
    kind: 'orphan-summary',
    alertedOneByOne: 10,
    releaseAfter: '2026-01-07T10:00:00.000Z',
    monthlyCostUsd: 7.2,
    items: [
      {
        allocationId: 'eipalloc-0a1b2c3d4e5f60719',
        publicIp: '203.0.113.26',
        idleSince: '2026-01-05T09:41:00.000Z',
        idleHours: 26.3,
        costAccruedUsd: 0.13,
        name: 'batch',
      },
    ],
  },
];

describe('every alert', () => {
  for (const spec of ALL_KINDS) {
    it(`${spec.kind}${'reason' in spec ? ` (${spec.reason})` : ''}: a subject SNS accepts and a MessageStructure=json body`, () => {
      const r = renderAlert(spec, CTX);
      expect(subjectProblem(r.subject)).toBeUndefined();
      expect(r.subject.startsWith('[eip-keeper] ')).toBe(true);
      const m = JSON.parse(r.message) as Record<string, unknown>;
      expect(Object.keys(m).sort()).toEqual(['default', 'email', 'https', 'sms']);
      for (const v of Object.values(m)) expect(typeof v).toBe('string');
      expect(m.email).toBe(r.email);
      expect(JSON.parse(m.default as string)).toMatchObject({
        schema: 'eip-keeper.notification',
        version: 1,
        source: 'sweeper',
        kind: spec.kind,
        text: r.email,
      });
      const chat = chatOf(r);
      expect(chat).toMatchObject({
        version: '1.0',
        source: 'custom',
        content: { textType: 'client-markdown' },
      });
      expect(chat.content.title.length).toBeLessThanOrEqual(250);
      expect(chat.content.description.length).toBeLessThanOrEqual(8000);
      expect(r.email).toMatch(/^Risk: [^\n]+\.$/m);
    });
  }
});

describe('an address alert', () => {
  const r = renderAlert(ALL_KINDS[0] as AlertSpec, CTX);

  it('says everything a security team asks for', () => {
    for (const needle of [
      'eipalloc-0a1b2c3d4e5f60718',
      '203.0.113.25',
      '"Name" = "payments egress"',
      '"team" = "payments"',
      'eni-0b1a2c3d4e5f60718 (private IP 10.0.12.34)',
      'Cluster',
      '"prod"',
      'Pool',
      'Taken off         its network interface was deleted by role eks-cluster-role (via eks.amazonaws.com) at 2026-01-05 09:41 UTC',
      "2026-01-05 09:41 UTC (from eip-keeper's CloudTrail history)",
      '26.3 h',
      '$0.13 while idle (26.3 h × $0.005 per address-hour)',
      '111122223333 / eu-west-1',
      'eip-keeper:keep',
      'released at the first sweep after 2026-01-07 10:00 UTC',
    ]) {
      expect(r.email).toContain(needle);
    }
    expect(r.email).toMatch(/DNS names +none in this account's Route 53 hosted zones/);
  });

  it('says when the idle time comes from the first observation, not from history', () => {
    const idle = { since: '2026-01-05T10:00:00.000Z', source: 'first-observation' as const, hours: 25 };
    const t = renderAlert(
      { kind: 'orphan', address: facts({ idle, lastHolder: null }), releaseAfter: null },
      CTX,
    ).email;
    expect(t).toContain('first observation: the first sweep that saw it idle');
    expect(t).toContain('Last holder');
    expect(t).toContain('unknown');
  });

  it('names the DNS records pointing at the address and says the takeover risk', () => {
    const t = renderAlert(ALL_KINDS[5] as AlertSpec, CTX).email;
    expect(t).toContain('api.example.com. (A record in public zone example.com.)');
    expect(t).toMatch(/Risk: 1 DNS record in this account still points at 203\.0\.113\.25/);
  });

  it('says release is off and nothing will be released when it is off', () => {
    expect(renderAlert(ALL_KINDS[1] as AlertSpec, CTX).email).toContain('Release is off');
  });

  it('mentions the kill switch when it is on', () => {
    const t = renderAlert(ALL_KINDS[0] as AlertSpec, {
      ...CTX,
      killSwitch: { on: true, detail: '"on"' },
    }).email;
    expect(t).toContain('The kill switch /eip-keeper/kill-switch is on');
  });

  it('threads chat messages per address', () => {
    expect(chatOf(r).metadata?.threadId).toBe('eip-keeper-eipalloc-0a1b2c3d4e5f60718');
  });
});

describe('untrusted tag text', () => {
  const hostile = facts({
    tags: { [HOSTILE.slice(0, 40)]: HOSTILE },
    lastHolder: {
      ...(facts().lastHolder as NonNullable<AddressFacts['lastHolder']>),
      cluster: HOSTILE,
      pool: HOSTILE,
    },
  });
  const r = renderAlert({ kind: 'orphan', address: hostile, releaseAfter: null }, CTX);

  it('cannot add lines, links or a fake subject to the e-mail', () => {
    const tagLine = r.email.split('\n').find((l) => l.trimStart().startsWith('Tags')) as string;
    expect(tagLine).toContain('Subject: [eip-keeper] all clear');
    expect(r.email).not.toMatch(/^Subject:/m);
    expect(r.email).not.toContain('https://evil');
    expect(r.email).toContain('https[:]//evil.example/x');
    expect(r.email).not.toMatch(/[\u202e\u200b\r]/);
    expect(r.subject).not.toContain('all clear');
  });

  it('cannot mention, link or format in chat', () => {
    const d = chatOf(r).content.description;
    expect(d).not.toContain('<!channel>');
    expect(d).not.toContain('@here');
    expect(d).not.toContain('](https://');
    expect(d).not.toMatch(/[\u202e\u200b\r]/);
    // Every hostile value sits inside one code span: an odd number of backticks would break out of it.
    for (const line of d.split('\n')) expect((line.match(/`/g) ?? []).length % 2).toBe(0);
  });

  it('cannot forge anything through a pool name either', () => {
    const pooled = renderAlert(
      {
        kind: 'pool-idle',
        address: facts({
          tags: { 'eip-keeper:pool': HOSTILE },
          classification: {
            kind: 'pool-idle',
            reason: 'member of pool',
            idle: null,
            pool: { name: HOSTILE, configured: false, idleAlertHours: 24, overLimit: true },
          },
        }),
      },
      CTX,
    );
    expect(pooled.email).not.toMatch(/^Subject:/m);
    expect(pooled.email).not.toContain('https://evil');
    const chat = chatOf(pooled);
    const all = [chat.content.description, ...(chat.content.nextSteps ?? [])].join('\n');
    expect(all).not.toContain('<!channel>');
    expect(all).not.toContain('@here');
    expect(all).not.toMatch(/[\u202e\u200b\r]/);
  });

  it('escapes values as quoted text and as code spans', () => {
    expect(textValue('a"b\\c\nd')).toBe('"a\\"b\\\\c?d"');
    expect(markdownValue('<!here> `x` @all')).toBe("`&lt;!here&gt; 'x' (at)all`");
    expect(markdownValue('')).toBe('` `');
    expect(textValue('x'.repeat(300)).length).toBeLessThanOrEqual(258);
  });
});

describe('a pool name or actor taken from tags and CloudTrail, per channel', () => {
  const MARKUP = '`*payments*` _x_ ~y~ [partner](https://evil.example) <@U123> @channel';
  const alerts = [
    renderAlert(
      {
        kind: 'pool-idle',
        address: facts({
          tags: { 'eip-keeper:pool': MARKUP },
          classification: {
            kind: 'pool-idle',
            reason: 'member of pool',
            idle: facts().idle,
            pool: { name: MARKUP, configured: false, idleAlertHours: 24, overLimit: true },
          },
        }),
      },
      CTX,
    ),
    renderAlert(
      { kind: 'former-pool-member', address: facts({ classification: formerClass(MARKUP, MARKUP) }) },
      CTX,
    ),
  ];
  /** Chat text outside code spans. */
  const outsideSpans = (line: string) => line.replace(/`[^`]*`/g, '');

  it('chat: only ever inside a code span, its own backticks replaced, so it formats nothing', () => {
    for (const r of alerts) {
      const chat = chatOf(r);
      for (const line of [chat.content.description, ...(chat.content.nextSteps ?? [])]
        .join('\n')
        .split('\n')) {
        expect((line.match(/`/g) ?? []).length % 2, line).toBe(0);
        expect(outsideSpans(line)).not.toMatch(/\*payments\*|_x_|~y~|\]\(|<@|@channel/);
      }
      expect(chat.content.description).toContain("'*payments*'");
    }
  });

  it('e-mail: quoted or inline, on its own line, links defanged', () => {
    for (const r of alerts) {
      // Plain text: markup is just characters there; quoted so where the name ends is never in doubt.
      expect(r.email).toContain('"`*payments*` _x_');
      expect(r.email).not.toContain('https://evil');
      expect(r.email).not.toMatch(/^(Subject|@channel)/m);
    }
    expect(alerts[1]?.email).toMatch(
      /^ {2}Former pool +pool "`\*payments\*` _x_ ~y~ \[partner\]\(https\[:\]\/\/evil/m,
    );
  });

  it('subject: never carries it', () => {
    for (const r of alerts) {
      expect(r.subject).not.toContain('payments');
      expect(subjectProblem(r.subject)).toBeUndefined();
    }
  });

  it('JSON document: one line, as written, for machines', () => {
    const doc = JSON.parse(JSON.parse(alerts[1]?.message ?? '{}').default);
    expect(doc.facts.formerPool).toBe(MARKUP);
    expect(doc.facts.untaggedBy).toBe(MARKUP);
  });
});

describe('subjects', () => {
  it('stay under 100 ASCII characters with a long prefix', () => {
    const ctx = { ...CTX, subjectPrefix: `[${'ü'.repeat(38)}]` };
    for (const spec of ALL_KINDS) {
      const s = renderAlert(spec, ctx).subject;
      expect(s.length).toBeLessThan(100);
      expect(subjectProblem(s)).toBeUndefined();
    }
  });

  it('are made ASCII and start with a letter, digit or punctuation', () => {
    expect(subjectLine('  é\u0007x')).toMatch(/^[-A-Za-z0-9\p{P}]/u);
    expect(subjectLine('a'.repeat(150))).toHaveLength(99);
  });
});

describe('the digest', () => {
  it('lists every row of its page, and says which page of how many', () => {
    const item = (ALL_KINDS[7] as Extract<AlertSpec, { kind: 'digest' }>).items[0] as NonNullable<
      Extract<AlertSpec, { kind: 'digest' }>['items'][number]
    >;
    const items = Array.from({ length: DIGEST_PAGE_ROWS }, (_, i) => ({
      ...item,
      allocationId: `eipalloc-${String(i).padStart(17, '0')}`,
    }));
    const r = renderAlert(
      { kind: 'digest', date: '2026-01-07', monthlyCostUsd: 216, items, open: 60, page: 2, pages: 3 },
      CTX,
    );
    expect(r.email.match(/eipalloc-/g)).toHaveLength(DIGEST_PAGE_ROWS);
    expect(r.chat.content.description).not.toContain('more line');
    expect(r.subject).toBe(
      '[eip-keeper] Daily digest 2026-01-07: 60 idle Elastic IPs open (eu-west-1), page 2 of 3',
    );
  });
});
