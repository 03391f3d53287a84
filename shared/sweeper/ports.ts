/**
 * What the sweep needs from the outside world, as interfaces. `adapters/` implements them with the AWS SDK;
 * `dynamo-sweep-store.ts` implements the store on the single table; tests wrap or replace any of them.
 */
import type { EipState, EniRecord } from '../inventory/model';
import type { ZoneRecords } from './dns';
import type { AddressTrack, IdleEpisodeRecord, ObservedAddress, ReleaseRecord } from './model';

/** An AWS API error, reduced to what the sweep decides on. */
export class AwsCallError extends Error {
  override readonly name = 'AwsCallError';
  constructor(
    readonly code: string,
    /** AWS's own message, without the code. */
    readonly detail: string,
    override readonly cause?: unknown,
  ) {
    super(`${code}: ${detail}`);
  }
}

export interface Ec2Port {
  /** Every address in the region (one DescribeAddresses call). */
  describeAddresses(): Promise<ObservedAddress[]>;
  /** One address read live (DescribeAddresses with its AllocationId); undefined when it no longer exists. */
  describeAddress(allocationId: string): Promise<ObservedAddress | undefined>;
  /** ReleaseAddress; throws AwsCallError with EC2's error code. */
  releaseAddress(allocationId: string): Promise<void>;
}

export interface DnsPort {
  /** Every record of every hosted zone of the account (all pages). */
  listZoneRecords(): Promise<ZoneRecords[]>;
}

export interface KillSwitchPort {
  /** The parameter's value, or undefined when it does not exist; throws when it cannot be read. */
  read(name: string): Promise<string | undefined>;
}

export interface AlertPort {
  /** Publishes with `MessageStructure=json`; returns the message id. */
  publish(subject: string, message: string): Promise<string>;
}

export interface PricePort {
  /** USD per public IPv4 address-hour in the region, or undefined when the price list has none. */
  hourlyRate(region: string): Promise<number | undefined>;
}

export interface InventoryReader {
  listEipStates(): Promise<EipState[]>;
  getEniRecords(eniIds: Iterable<string>): Promise<Map<string, EniRecord>>;
}

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
