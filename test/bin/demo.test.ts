/**
 * The demo people read: a curated story (one line per meaningful event, stamped with when it happened), every event
 * with --verbose, a closing summary, one alert and the finance report; run once on the suite's DynamoDB Local.
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { tellDemo } from '../../bin/commands/demo';
import { clip, curateStory, MAX_LINE } from '../../bin/demo/curate';
import type { DemoOutcome } from '../../bin/demo/summary';
import type { StoryLine } from '../../local/scenario/story';

const START = '2026-01-05T09:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(START) + minutes * 60_000).toISOString();
const line = (minutes: number, kind: StoryLine['kind'], text: string): StoryLine => ({
  at: at(minutes),
  kind,
  text,
});
const KEEPER = ['KeeperEvents', 'KeeperReconciler'];
const curate = (lines: StoryLine[], tells = KEEPER, labels: Record<string, string> = {}) =>
  curateStory(lines, labels, { start: START, verbose: false, tells });

describe('the curated story', () => {
  it('merges what one function gave at one instant, and reads ids as the scenario labels them', () => {
    const lines = curate(
      [
        line(
          0,
          'handler',
          '  KeeperEvents ← CreateNetworkInterface: pool payments: gave 3.248.0.1 to eni-0000000000000a001 (pod IP 10.0.1.4)',
        ),
        line(
          0,
          'handler',
          '  KeeperEvents ← CreateNetworkInterface: pool payments: gave 3.248.0.2 to eni-0000000000000a002 (pod IP 10.0.1.5)',
        ),
        line(
          1,
          'handler',
          '  KeeperEvents ← CreateNetworkInterface: pool payments: gave 3.248.0.3 to eni-0000000000000a003 (pod IP 10.0.1.6)',
        ),
      ],
      KEEPER,
      { 'pod-1': 'eni-0000000000000a001', 'pod-2': 'eni-0000000000000a002' },
    );

    expect(lines).toEqual([
      '    09:00  keeper gave 3.248.0.1 to pod-1, 3.248.0.2 to pod-2',
      '    09:01  keeper gave 3.248.0.3 to eni-0000000000000a003',
    ]);
  });

  it('tells an EIP freed and given at once as moved, and a waiting pod with its alert as one line', () => {
    const lines = curate([
      line(
        16,
        'handler',
        '  KeeperEvents ← DeleteNetworkInterface: pool p: freed 3.248.0.1 from pod-1 (pod IP 10.0.1.4): ENI deleted, idle since 2026-01-05T09:16:00.000Z',
      ),
      line(
        16,
        'handler',
        '  KeeperEvents ← DeleteNetworkInterface: pool p: gave 3.248.0.1 to pod-5 (pod IP 10.0.1.8)',
      ),
      line(
        13,
        'handler',
        '  KeeperEvents ← CreateNetworkInterface: pool p: no free EIP for pod-5 (pod IP 10.0.1.8): pool exhausted (3 EIPs, 1 ENI waiting); alert sent',
      ),
      line(13, 'alert', '  SNS alert: [eip-keeper] pool p exhausted: 1 ENI waiting for an Elastic IP'),
      line(
        16,
        'handler',
        '  KeeperEvents ← CreateNetworkInterface: pool p: no free EIP for pod-6 (pod IP 10.0.1.4) (pool exhausted, already alerted)',
      ),
    ]);

    expect(lines).toEqual([
      '    09:16  keeper moved 3.248.0.1 from pod-1 to pod-5 (ENI deleted)',
      '    09:13  keeper: pod-5 waits, pool exhausted (3 EIPs, 1 ENI waiting); alerted',
    ]);
  });

  it('leaves routine sweeps, bookkeeping, API actions and clock steps to --verbose', () => {
    const story = [
      line(0, 'setup', 'region eu-west-1 (account 111122223333): 1 VPCs'),
      line(0, 'action', 'admin associated eipalloc-0000000000000a001 with eni-0000000000000a001'),
      line(0, 'handler', '  InventoryRecorder ← AssociateAddress: recorded AssociateAddress by alice'),
      line(60, 'clock', 'time passes: 1 h'),
      line(
        60,
        'handler',
        '  Sweeper ← schedule: sweep at 2026-01-05 10:00 UTC: 1 address (1 in-use); release off',
      ),
      line(60, 'note', 'An operator looks.'),
    ];

    expect(curate(story, ['Sweeper'])).toEqual(['    10:00  An operator looks.']);
    expect(curateStory(story, {}, { start: START, verbose: true, tells: [] })).toHaveLength(story.length);
  });

  it('groups the orphan alerts of one sweep, says times as the stamps do, and tells a lost event once', () => {
    const lines = curate(
      [
        line(
          1500,
          'handler',
          '  Sweeper ← schedule: alert sent: [eip-keeper] Orphaned Elastic IP 3.248.0.2 - release after 2026-01-06 22:00 UTC',
        ),
        line(
          1500,
          'handler',
          '  Sweeper ← schedule: alert sent: [eip-keeper] Orphaned Elastic IP 3.248.0.1 - release after 2026-01-06 22:00 UTC',
        ),
        line(
          1500,
          'handler',
          '  Sweeper ← schedule: alert sent: [eip-keeper] Elastic IP released 3.248.0.9 (eipalloc-0000000000000a009)',
        ),
        line(
          1500,
          'handler',
          '  Sweeper ← schedule: released: 3.248.0.9 (eipalloc-0000000000000a009) — released after every check passed',
        ),
        line(1501, 'dropped', '  (fault) event DeleteNetworkInterface was never delivered'),
        line(1501, 'dropped', '  (fault) event DeleteNetworkInterface was never delivered'),
      ],
      ['Sweeper'],
    );

    expect(lines).toEqual([
      'd+1 10:00  alert: orphaned Elastic IPs 3.248.0.1, 3.248.0.2, release after d+1 22:00',
      'd+1 10:00  sweeper released 3.248.0.9',
      'd+1 10:01  EventBridge never delivered DeleteNetworkInterface',
    ]);
  });

  it('clips a long line at a word, with an ellipsis', () => {
    const text = `${'word '.repeat(40)}end`;

    expect(clip(text).length).toBeLessThanOrEqual(MAX_LINE);
    expect(clip(text)).toMatch(/word…$/);
    expect(clip('short')).toBe('short');
  });
});

describe('npm start (eip-keeper demo)', () => {
  let out: string[];
  let outcomes: DemoOutcome[];

  beforeAll(async () => {
    out = [];
    outcomes = await tellDemo({
      dynamoEndpoint: inject('dynamoEndpoint'),
      verbose: false,
      write: (lines) => out.push(...lines),
    });
    // The command prints one header line before the stories.
    out.unshift('eip-keeper demo: …');
  }, 180_000);

  it('is read in about 60 lines, none longer than the terminal-friendly maximum', () => {
    expect(out.length).toBeLessThanOrEqual(62);
    for (const l of out) expect(l.length, l).toBeLessThanOrEqual(MAX_LINE);
  });

  it('tells the four stories, each line stamped with when it happened, in order', () => {
    const titles = out.filter((l) => /^== \d\/4 /.test(l));
    expect(titles.map((t) => t.split(' ')[2])).toEqual(['EIP', 'EIP', 'Orphaned-EIP', 'Node-group']);
    for (const story of out
      .join('\n')
      .split(/\n== \d\/4 [^\n]*\n/)
      .slice(1, 5)) {
      const minutes = story.split('\n').flatMap((l) => {
        const m = /^(?:d\+(\d+) | {4})(\d\d):(\d\d) {2}\S/.exec(l);
        return m ? [Number(m[1] ?? 0) * 1440 + Number(m[2]) * 60 + Number(m[3])] : [];
      });
      expect(minutes.length).toBeGreaterThan(1);
      expect(minutes).toEqual([...minutes].sort((a, b) => a - b));
    }
  });

  it('leaves out the routine sweeps and the recorder bookkeeping, and tells each alert once', () => {
    const text = out.join('\n');
    expect(text).not.toMatch(/sweep at|InventoryRecorder|recorded AssociateAddress|time passes/);
    const alerts = out.filter((l) => / {2}alert: /.test(l)).map((l) => l.replace(/^.*? {2}alert: /, ''));
    expect(new Set(alerts).size).toBe(alerts.length);
  });

  it('closes with the summary, one alert as e-mail shows it, and the finance report', () => {
    const text = out.join('\n');
    expect(text).toMatch(/^keeper {5}6 pods given an allowlisted EIP, never a new IP/m);
    expect(text).toMatch(/^sweeper {4}5 orphans found; 2 released; 2 blocked \(dangling dns, locked\)/m);
    expect(text).toMatch(/^savings {4}\$7\.20 a month saved by the releases/m);
    expect(text).toMatch(/^auditor {4}6 findings \(1 critical\)/m);
    expect(text).toContain(
      'Subject: [eip-keeper] Orphaned Elastic IP 3.248.0.1 - release after 2026-01-06 22:00 UTC',
    );
    expect(text).toMatch(/Taken off +its network interface was deleted by role eks-cluster-role/);
    expect(text).toMatch(/^ {2}Monthly saving from releases +\$7\.20/m);
  });

  it("includes the auditor's findings, gravest first", () => {
    expect(out.join('\n')).toMatch(
      / {4}critical Cluster role prod-cluster-role lacks AmazonEKSVPCResourceController/,
    );
  });

  it('has nothing in a dead-letter queue', () => {
    for (const o of outcomes) expect(o.output.dlq).toEqual([]);
  });
});
