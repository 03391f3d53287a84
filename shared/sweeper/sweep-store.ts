/**
 * The sweeper's own state on the table, as an interface: tracks with their ledger, idle episodes, releases, alert
 * claims and the last run. `dynamo-sweep-store/` implements it; tests wrap it.
 */
import type { AddressTrack, IdleEpisodeRecord, ReleaseRecord } from './model';

export interface StoredTrack {
  track: AddressTrack;
  version: number;
}

/** An alert's dedupe key: `scope` is the allocation id (or `DIGEST`), `id` names the alert within it. */
export interface AlertKey {
  scope: string;
  id: string;
}

/** An alert SNS accepted: when, its MessageId, and (for a summary) the `<allocationId>#<episodeKey>` it covers. */
export interface SentAlert {
  sentAt: string;
  messageId: string;
  members?: string[];
}

export type AlertClaim =
  /** This run holds the claim: publish, then confirm (or give it back). */
  | { status: 'claimed' }
  /** SNS accepted it (confirmed): never sent again. */
  | ({ status: 'sent' } & SentAlert)
  /** Another run claimed it moments ago and may be publishing: not sent yet, not to be sent now either. */
  | { status: 'in-progress'; runId: string; at: string };

/** What a claim looks like on the table (for the checks before a release). */
export interface StoredAlertClaim {
  state: 'pending' | 'sent';
  runId: string;
  /** When it was claimed. */
  at: string;
  sent?: SentAlert;
}

/** The "released" alert, waiting in the outbox until it is confirmed sent (`SWEEP#<id> / OUTBOX#…`). */
export interface OutboxItem {
  allocationId: string;
  /** Its alert claim: the outbox item goes once the claim is sent. */
  key: AlertKey;
  /** The notification, as built when the release was recorded (JSON). */
  notification: string;
  createdAt: string;
  runId: string;
}

/** What saving the index of tracks did (`SweepStore.saveTrackIndex`), for the run's log. */
export interface TrackIndexReport {
  /** Shards read from their index (only tracks written since), and read in full with the reason. */
  fromIndex: number;
  readInFull: { shard: number; reason: string }[];
  /** Track items the queries returned (the index saves reading the others). */
  tracksRead: number;
  /** Index items rewritten, and moved on without a new body. */
  written: number;
  advanced: number;
  /** Shards whose body would exceed the item limit: read from the older index (or in full) until it fits. */
  tooLarge: number[];
  /** Tracks of an earlier version given a stamp. */
  restamped: number;
  /** Index writes and restamps that failed (the next run reads more; nothing is lost). */
  errors: string[];
}

/** One atomic write of a track, with the ledger items that change with it. */
export interface TrackCommit {
  track: AddressTrack;
  /** The version read (0: the track is not stored yet). */
  expectedVersion: number;
  /** An idle episode that ended (the first end wins). */
  close?: IdleEpisodeRecord & { end: string };
  /**
   * The track to write instead when `close` finds the episode already ended: `track` without this end counted into
   * its ledger (an end is counted once, by the write that made it). Defaults to `track`.
   */
  trackWithoutClose?: AddressTrack;
  /** The open idle episode, created or updated (never reopened once ended). */
  upsert?: IdleEpisodeRecord;
  /** A release by eip-keeper, recorded once. */
  release?: ReleaseRecord;
  /** Its "released" alert, put in the outbox in the same transaction (once, with the release). */
  outbox?: OutboxItem;
}

export type CommitResult =
  | { ok: true; version: number; releaseRecorded: boolean }
  /** The track changed since it was read (a concurrent sweep): nothing was written. */
  | { ok: false };

export interface SweepStore {
  /** Every tracked address (GSI1 `KIND#sweep#<shard>`, in no particular order), each with its share of the month. */
  listTracks(): Promise<StoredTrack[]>;
  /**
   * Writes back the index of tracks (what the last `listTracks` read, with the writes since), so that the next sweep
   * reads only the tracks written after it; undefined when nothing was listed since the last save. Failures are in
   * the report, never thrown: the index only saves reads.
   */
  saveTrackIndex(): Promise<TrackIndexReport | undefined>;
  /** Writes a track and its ledger changes atomically, if the track is still at `expectedVersion`. */
  commit(commit: TrackCommit): Promise<CommitResult>;
  /** `commit` for many tracks at once (batched where that is cheaper); one outcome per commit, in order. */
  commitMany(commits: readonly TrackCommit[]): Promise<PromiseSettledResult<CommitResult>[]>;
  /** Every idle episode (GSI1 `KIND#sweep-idle`), of one address when given. For the report: a sweep never reads them. */
  listEpisodes(allocationId?: string): Promise<IdleEpisodeRecord[]>;
  /**
   * Claims an alert before publishing it (conditional create). A claim another run left unconfirmed for longer than
   * `leaseMs` (the run died between claim and publish, or before confirming) is taken over, conditionally on the claim
   * as read, so exactly one run sends it again.
   */
  claimAlert(key: AlertKey, runId: string, at: string, subject: string, leaseMs: number): Promise<AlertClaim>;
  /**
   * Marks a claimed alert as published, with SNS's MessageId (and, for a summary, the members it covers); false when
   * another run took the claim over meanwhile (that run confirms it).
   */
  confirmAlert(key: AlertKey, runId: string, sent: SentAlert): Promise<boolean>;
  /** Gives a claim back after a failed publish, so a retry sends it. */
  dropAlertClaim(key: AlertKey, runId: string): Promise<void>;
  /** An alert's claim as stored (strongly consistent), or undefined. */
  readAlertClaim(key: AlertKey): Promise<StoredAlertClaim | undefined>;
  /** The idle episode item of an address (strongly consistent), or undefined. */
  getEpisode(allocationId: string, episodeKey: string): Promise<IdleEpisodeRecord | undefined>;
  /**
   * Takes one of the run's `max` release slots for the address (conditional write on the run's item): true when the
   * address has (or already had) a slot, false when the run's slots are spent. Retries and concurrent invocations of
   * one run share the slots.
   */
  claimReleaseSlot(runId: string, allocationId: string, max: number, at: string): Promise<boolean>;
  /** Every "released" alert still in the outbox (GSI1 `KIND#sweep-outbox`). */
  listOutbox(): Promise<OutboxItem[]>;
  /** Removes a delivered alert from the outbox. */
  deleteOutbox(item: OutboxItem): Promise<void>;
  /** The last sweep that read every address (the latest recorded), or null before the first. */
  lastRun(): Promise<{ at: string; runId: string } | null>;
  /** Records a sweep that read every address, unless a later one is recorded already. */
  recordRun(at: string, runId: string): Promise<void>;
  /** Every release (GSI1 `KIND#sweep-release`). */
  listReleases(): Promise<ReleaseRecord[]>;
}
