import { describe, expect, it } from 'vitest';
import {
  type ChangeNotice,
  changeNotification,
  changeSubject,
  findingEvents,
} from '../../shared/auditor/alerts';
import type { Finding } from '../../shared/auditor/checks/result';
import { diffFindings, type StoredFinding, summaryStory } from '../../shared/auditor/findings';
import { subjectLine } from '../../shared/notify/escape';
import { renderNotification } from '../../shared/notify/render';

const finding = (id: string, extra: Partial<Finding> = {}): Finding => ({
  id,
  status: 'fail',
  severity: 'high',
  cluster: 'prod',
  nodegroup: 'general',
  title: `${id} is not ready`,
  evidence: ['fact one'],
  fix: `fix ${id}`,
  ...extra,
});
const stored = (f: Finding): StoredFinding => ({
  ...f,
  firstSeenAt: '2026-01-04T09:00:00.000Z',
  lastSeenAt: '2026-01-04T09:00:00.000Z',
});

describe('diffFindings', () => {
  it('opens new findings, resolves missing ones and keeps the rest', () => {
    const d = diffFindings(
      [stored(finding('a')), stored(finding('b'))],
      [finding('b'), finding('c'), { ...finding('d'), status: 'pass' }],
    );
    expect(d.opened.map((f) => f.id)).toEqual(['c']);
    expect(d.resolved.map((f) => f.id)).toEqual(['a']);
    expect(d.persisting.map((p) => p.finding.id)).toEqual(['b']);
  });

  it('treats the same check on another node group as another finding', () => {
    const d = diffFindings([stored(finding('a'))], [finding('a', { nodegroup: 'other' })]);
    expect([d.opened.length, d.resolved.length]).toEqual([1, 1]);
  });

  it('announces an unknown that is now a failure, but not a failure that became unknown', () => {
    expect(diffFindings([stored(finding('a', { status: 'unknown' }))], [finding('a')]).opened).toHaveLength(
      1,
    );
    const quiet = diffFindings([stored(finding('a'))], [finding('a', { status: 'unknown' })]);
    expect([quiet.opened.length, quiet.resolved.length, quiet.persisting.length]).toEqual([0, 0, 1]);
  });
});

describe('summaryStory', () => {
  it('tells what changed in one line', () => {
    expect(
      summaryStory({
        cluster: 'prod',
        nodegroups: 2,
        results: 14,
        failing: 1,
        unknown: 0,
        opened: [finding('sgp-instance-type', { nodegroup: 't3-workers' })],
        resolved: [],
      }),
    ).toBe(
      'cluster prod: 2 node groups, 1 new finding (sgp-instance-type on t3-workers), 0 resolved, 1 failing, 0 unknown of 14 checks',
    );
  });
});

const notice = (extra: Partial<ChangeNotice> = {}): ChangeNotice => ({
  cluster: 'prod',
  clusterArn: 'arn:aws:eks:eu-west-1:111122223333:cluster/prod',
  region: 'eu-west-1',
  accountId: '111122223333',
  at: '2026-01-05T09:00:00.000Z',
  opened: [finding('sgp-instance-type', { title: 'Node group t3 runs t3.medium — “no trunk” …' })],
  resolved: [stored(finding('cn-eniconfig'))],
  ...extra,
});

describe('SNS message', () => {
  it('has an ASCII subject under 100 characters', () => {
    expect(changeSubject('[eip-keeper]', notice())).toBe(
      '[eip-keeper] prod: 1 new, 1 resolved readiness findings',
    );
    const long = changeSubject('[eip-keeper]', notice({ cluster: `é${'x'.repeat(120)}` }));
    expect(long.length).toBeLessThan(100);
    expect(long).toMatch(/^[\x20-\x7e]+$/);
  });

  it('sends text to e-mail, the versioned JSON by default and a Chatbot custom notification to https', () => {
    const { message } = renderNotification(changeNotification('[eip-keeper]', notice()));
    const parsed = JSON.parse(message) as Record<string, string>;
    expect(Object.keys(parsed).sort()).toEqual(['default', 'email', 'https', 'sms']);
    expect(parsed.email).toContain('NEW (1)');
    expect(parsed.email).toContain('RESOLVED (1)');
    expect(parsed.email).toContain('  Fix:\n    fix sgp-instance-type');
    expect(JSON.parse(parsed.default as string)).toMatchObject({
      source: 'auditor',
      kind: 'audit-finding',
      severity: 'high',
      facts: { cluster: 'prod', opened: 1, resolved: 1 },
      text: parsed.email,
    });
    const chatbot = JSON.parse(parsed.https as string);
    expect(chatbot).toMatchObject({
      version: '1.0',
      source: 'custom',
      content: { textType: 'client-markdown' },
    });
    expect(chatbot.content.description).toContain('*sgp-instance-type* (node group general)');
  });

  it('keeps the Chatbot description short', () => {
    const many = Array.from({ length: 200 }, (_, i) => finding(`check-${i}`, { title: 'x'.repeat(100) }));
    const { chat } = renderNotification(changeNotification('[eip-keeper]', notice({ opened: many })));
    expect(chat.content.description.length).toBeLessThanOrEqual(3500);
    expect(chat.content.description).toMatch(/… and \d+ more lines \(see the e-mail\)$/);
  });

  it('turns typographic characters into ASCII', () => {
    expect(subjectLine('a — “b” … c’s')).toBe('a - "b" ... c\'s');
  });
});

describe('EventBridge entries', () => {
  it('emits one eip-keeper event per change', () => {
    const entries = findingEvents(notice());
    expect(
      entries.map((e) => [e.Source, e.DetailType, JSON.parse(e.Detail).change, JSON.parse(e.Detail).checkId]),
    ).toEqual([
      ['eip-keeper', 'Node Group Readiness Finding', 'new', 'sgp-instance-type'],
      ['eip-keeper', 'Node Group Readiness Finding', 'resolved', 'cn-eniconfig'],
    ]);
    expect(entries[0]?.Resources).toEqual(['arn:aws:eks:eu-west-1:111122223333:cluster/prod']);
  });
});
