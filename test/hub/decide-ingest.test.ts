/** What the hub keeps of each member event, and what it tells its topic (pure). */
import { describe, expect, it } from 'vitest';
import { FINDING_DETAIL_TYPE } from '../../shared/auditor/alerts';
import { decideIngest, hubAlert, SNS_SUBJECT_MAX } from '../../shared/hub/decide-ingest';
import { ALERT_DETAIL_TYPE, LEDGER_DETAIL_TYPE } from '../../shared/hub/model';
import { episode, MEMBER, memberEvent, notification, release } from './fixtures';

const kept = (d: ReturnType<typeof decideIngest>) => {
  if (d.action !== 'keep') throw new Error(`ignored: ${d.reason}`);
  return d;
};

describe('decideIngest', () => {
  it("keeps a member's alert under the envelope's account and region, and tells the hub topic naming both", () => {
    const d = kept(decideIngest(memberEvent(ALERT_DETAIL_TYPE, notification())));
    expect(d.item).toMatchObject({ kind: 'alert', ...MEMBER, id: 'orphan#eipalloc-0a#2026-03-01' });
    expect(d.item.data).toMatchObject(MEMBER);
    expect(d.alert?.subject).toBe('[111122223333 eu-west-1] eip-keeper: orphaned Elastic IP 203.0.113.10');
    expect(d.alert?.title).toBe('111122223333 eu-west-1: Orphaned Elastic IP 203.0.113.10');
    expect(d.alert?.dedupKey).toBe('111122223333#eu-west-1#orphan#eipalloc-0a#2026-03-01');
  });

  it('keeps episodes by address and episode key; an ended one outranks any update made while open', () => {
    const open = kept(
      decideIngest(
        memberEvent(
          LEDGER_DETAIL_TYPE,
          { entry: 'episode', episode: episode() },
          { time: '2026-03-01T01:00:00Z' },
        ),
      ),
    );
    const ended = kept(
      decideIngest(
        memberEvent(
          LEDGER_DETAIL_TYPE,
          { entry: 'episode', episode: episode({ end: '2026-03-01T05:00:00Z', endReason: 'in-use' }) },
          { time: '2026-03-01T05:00:00Z' },
        ),
      ),
    );
    const lateOpen = kept(
      decideIngest(
        memberEvent(
          LEDGER_DETAIL_TYPE,
          { entry: 'episode', episode: episode() },
          // Put at 04:00 while the episode was open, delivered after its end.
          { time: '2026-03-01T04:00:00Z' },
        ),
      ),
    );
    expect(open.item.id).toBe('eipalloc-0a#2026-03-01T00:00:00.000Z');
    expect(ended.item.id).toBe(open.item.id);
    expect(ended.item.order > lateOpen.item.order).toBe(true);
    expect(lateOpen.item.order > open.item.order).toBe(true);
    expect(open.alert).toBeUndefined();
  });

  it('keeps a release by address, and a finding by cluster, node group, pool and check', () => {
    const r = kept(decideIngest(memberEvent(LEDGER_DETAIL_TYPE, { entry: 'release', release: release() })));
    expect(r.item).toMatchObject({ kind: 'release', id: 'eipalloc-0a', order: '2026-03-02T00:00:00.000Z' });
    const f = kept(
      decideIngest(
        memberEvent(FINDING_DETAIL_TYPE, {
          change: 'new',
          cluster: 'prod',
          nodegroup: 'ng-1',
          checkId: 'sgp-enabled',
          status: 'fail',
          severity: 'high',
          title: 'x',
          at: '2026-03-01T10:00:00Z',
        }),
      ),
    );
    expect(f.item).toMatchObject({
      kind: 'finding',
      id: 'prod#ng-1##sgp-enabled',
      order: '2026-03-01T10:00:00Z',
    });
  });

  it.each([
    ['another source', memberEvent(ALERT_DETAIL_TYPE, notification(), { source: 'aws.ec2' }), /source/],
    ['a malformed account', memberEvent(ALERT_DETAIL_TYPE, notification(), { account: 'me' }), /account/],
    ['a malformed region', memberEvent(ALERT_DETAIL_TYPE, notification(), { region: 'x' }), /region/],
    ['an unknown detail-type', memberEvent('Something Else', {}), /detail-type/],
    ['an alert without a dedupKey', memberEvent(ALERT_DETAIL_TYPE, { subject: 's', time: 't' }), /dedupKey/],
    ['a ledger entry of no kind', memberEvent(LEDGER_DETAIL_TYPE, { entry: 'track' }), /neither/],
    [
      'an episode without a key',
      memberEvent(LEDGER_DETAIL_TYPE, { entry: 'episode', episode: {} }),
      /episode/,
    ],
  ])('ignores %s, saying why', (_, event, why) => {
    const d = decideIngest(event);
    expect(d.action).toBe('ignore');
    if (d.action === 'ignore') expect(d.reason).toMatch(why);
  });
});

describe('hubAlert', () => {
  it('keeps the subject within the SNS limit', () => {
    const n = hubAlert({ ...notification(), ...MEMBER, subject: 'x'.repeat(99) });
    expect(n.subject).toHaveLength(SNS_SUBJECT_MAX);
    expect(n.subject.startsWith('[111122223333 eu-west-1] x')).toBe(true);
  });
});
