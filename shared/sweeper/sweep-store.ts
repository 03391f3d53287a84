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

export type AlertClaim =
  | { status: 'claimed' }
  | { status: 'taken'; state: 'pending' | 'sent'; runId: string; at: string };

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
}

export type CommitResult =
  | { ok: true; version: number; releaseRecorded: boolean }
  /** The track changed since it was read (a concurrent sweep): nothing was written. */
  | { ok: false };

export interface SweepStore {
  /** Every tracked address (GSI1 `KIND#sweep#<shard>`, in no particular order), each with its share of the month. */
  listTracks(): Promise<StoredTrack[]>;
  /** Writes a track and its ledger changes atomically, if the track is still at `expectedVersion`. */
  commit(commit: TrackCommit): Promise<CommitResult>;
  /** `commit` for many tracks at once (batched where that is cheaper); one outcome per commit, in order. */
  commitMany(commits: readonly TrackCommit[]): Promise<PromiseSettledResult<CommitResult>[]>;
  /** Every idle episode (GSI1 `KIND#sweep-idle`), of one address when given. For the report: a sweep never reads them. */
  listEpisodes(allocationId?: string): Promise<IdleEpisodeRecord[]>;
  /** Claims an alert before publishing it (conditional create). */
  claimAlert(key: AlertKey, runId: string, at: string, subject: string): Promise<AlertClaim>;
  /** Marks a claimed alert as published. */
  confirmAlert(key: AlertKey, runId: string, messageId: string): Promise<void>;
  /** Gives a claim back after a failed publish, so a retry sends it. */
  dropAlertClaim(key: AlertKey, runId: string): Promise<void>;
  /** The last sweep that read every address (the latest recorded), or null before the first. */
  lastRun(): Promise<{ at: string; runId: string } | null>;
  /** Records a sweep that read every address, unless a later one is recorded already. */
  recordRun(at: string, runId: string): Promise<void>;
  /** Every release (GSI1 `KIND#sweep-release`). */
  listReleases(): Promise<ReleaseRecord[]>;
}
