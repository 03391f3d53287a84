/**
 * What the Sweeper's Lambda handler answers: the run's counts, alerts, releases, vanished addresses, figures and
 * story, not a decision per address, and every list cut so that the answer stays small however many addresses the
 * region has.
 */
import { describe, expect, it } from 'vitest';
import { ANSWER_LIST_MAX, sweepAnswer } from '../../shared/sweeper/result';
import type { SweepResult } from '../../shared/sweeper/run';

function result(addresses: number, vanished: number, storyLines: number): SweepResult {
  const id = (n: number) => `eipalloc-${n.toString(16).padStart(17, '0')}`;
  return {
    runId: 'r1',
    at: '2026-01-05T10:00:00.000Z',
    dryRun: false,
    addresses,
    counts: { 'in-use': addresses, orphan: 0 } as SweepResult['counts'],
    killSwitch: { on: false, detail: '"off"' },
    release: { enabled: true, maxPerRun: 5, noticeHours: 24 },
    rate: { usdPerHour: 0.005, source: 'configured' },
    decisions: Array.from({ length: addresses }, (_, n) => ({
      allocationId: id(n),
      publicIp: `198.51.${n >> 8}.${n & 255}`,
      kind: 'in-use' as const,
      reason: `associated with eni-${n.toString(16).padStart(17, '0')}`,
      idleSince: null,
      idleSource: null,
      idleHours: null,
      costAccruedUsd: 0,
    })),
    alerts: [{ kind: 'orphan', allocationId: id(1), subject: 'orphaned EIP', status: 'sent' }],
    releases: [],
    vanished: Array.from({ length: vanished }, (_, n) => ({
      allocationId: id(n),
      publicIp: '198.51.100.1',
      releasedByUs: false,
    })),
    ledger: { month: '2026-01', idleCostUsd: 1, reclaimedUsd: 0, projectedMonthlySavingUsd: 0 },
    story: Array.from({ length: storyLines }, (_, n) => `line ${n}`),
  };
}

describe("the Sweeper handler's answer", () => {
  it('leaves out the decision per address: 10,000 addresses answer in a few kilobytes', () => {
    const full = result(10_000, 3, 5);

    const answer = sweepAnswer(full);

    expect(JSON.stringify(answer).length).toBeLessThan(JSON.stringify(full).length / 400);
    expect(JSON.stringify(answer).length).toBeLessThan(5_000);
    expect(answer).not.toHaveProperty('decisions');
    expect(answer).toMatchObject({
      addresses: 10_000,
      counts: full.counts,
      alerts: full.alerts,
      vanished: full.vanished,
      ledger: full.ledger,
      story: full.story,
      omitted: { alerts: 0, releases: 0, vanished: 0, story: 0 },
    });
  });

  it('never reads the decisions, which a result builds only when read', () => {
    const full = result(3, 0, 1);
    Object.defineProperty(full, 'decisions', {
      get: () => {
        throw new Error('decisions built');
      },
    });

    expect(() => sweepAnswer(full)).not.toThrow();
  });

  it('keeps the first entries of a long list and says how many it left out', () => {
    const answer = sweepAnswer(result(10, ANSWER_LIST_MAX + 40, ANSWER_LIST_MAX + 7));

    expect(answer.vanished).toHaveLength(ANSWER_LIST_MAX);
    expect(answer.omitted).toEqual({ alerts: 0, releases: 0, vanished: 40, story: 7 });
    expect(answer.story).toHaveLength(ANSWER_LIST_MAX + 1);
    expect(answer.story.at(-1)).toBe('… and 7 more lines (the logs have the run)');
  });
});
