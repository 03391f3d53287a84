/**
 * Which alerts a sweep sends one by one and which it groups (pure). However many addresses become orphans at once
 * (a cluster torn down, 200 addresses freed), a sweep sends at most `sweeper.maxOrphanAlertsPerRun` orphan notices
 * one by one — the longest idle first — and one summary that lists the rest, each with what happens to it next. The
 * summary is their notice: its MessageId is what a later release of each of them is checked against.
 */
import type { AddressDecision } from './decide';

/** The alerts that announce an orphan (and, with release on, start its notice period). */
export type NoticeKind = 'orphan' | 'release-notice';

export const isNoticeKind = (kind: string): kind is NoticeKind =>
  kind === 'orphan' || kind === 'release-notice';

/** The notice an address owes, if any. */
export const noticeOwed = (d: Pick<AddressDecision, 'alerts'>): NoticeKind | undefined =>
  d.alerts.find(isNoticeKind);

/** How a summary names an address: the address and the idle episode its notice belongs to. */
export const summaryMember = (d: Pick<AddressDecision, 'allocationId' | 'track'>): string =>
  `${d.allocationId}#${d.track.episode?.key ?? 'none'}`;

export interface AlertBatch {
  /** Alerted one by one: every address owing an alert other than a notice, and the first notices up to the limit. */
  individual: AddressDecision[];
  /** Their notice goes out in this run's summary. */
  summarized: AddressDecision[];
  /** Their notice went out in this run's summary already (an earlier attempt of this run sent it). */
  covered: AddressDecision[];
  /** Over the limit while this run's summary is already sent: their notice waits for the next sweep. */
  deferred: AddressDecision[];
}

const bySince = (a: AddressDecision, b: AddressDecision): number => {
  const x = a.classification.idle?.since ?? '';
  const y = b.classification.idle?.since ?? '';
  return x < y ? -1 : x > y ? 1 : a.allocationId < b.allocationId ? -1 : 1;
};

/**
 * Splits the addresses that owe alerts. `sentSummary`: the members of the summary this run already sent (a retried
 * attempt), or null when it has sent none — a run sends one summary at most, and its members never get a second
 * notice.
 */
export function planAlertBatch(
  owed: readonly AddressDecision[],
  maxIndividual: number,
  sentSummary: ReadonlySet<string> | null,
): AlertBatch {
  const batch: AlertBatch = { individual: [], summarized: [], covered: [], deferred: [] };
  const notices: AddressDecision[] = [];
  for (const d of owed) {
    // Only orphans are grouped: a former pool member's notice always goes out on its own.
    if (!noticeOwed(d) || d.classification.kind !== 'orphan') batch.individual.push(d);
    else if (sentSummary?.has(summaryMember(d))) batch.covered.push(d);
    else notices.push(d);
  }
  notices.sort(bySince);
  batch.individual.push(...notices.slice(0, maxIndividual));
  const rest = notices.slice(maxIndividual);
  if (sentSummary) batch.deferred = rest;
  else batch.summarized = rest;
  return batch;
}
