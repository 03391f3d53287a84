/**
 * The sweeper's state and cost ledger on the single table (keys in `../keys.ts`, layouts in docs/data-model.md).
 *
 * Every write is conditional, so a retried or concurrent sweep never double-counts or double-alerts:
 * - tracks carry a version (optimistic concurrency): `tracks.ts`;
 * - an idle episode ends once (`attribute_not_exists(end)`), and an ended one is never reopened: `ledger-items.ts`;
 * - a release is recorded once (`attribute_not_exists(PK)`): `ledger-items.ts`;
 * - an alert is claimed (conditional create) before it is published, and confirmed with SNS's MessageId:
 *   `alert-claims.ts`;
 * - a run's releases take slots of one item per run id: `run-slots.ts`;
 * - a "released" alert waits in the outbox, put with the release: `outbox.ts`.
 *
 * Tracks are read through a packed index of them (`track-index.ts`): the store keeps what the last `listTracks`
 * read, adds its own writes to it, and `saveTrackIndex` writes it back for the next sweep.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type Clock, systemClock } from '../../runtime/context';
import type { IdleEpisodeRecord, ReleaseRecord } from '../model';
import type {
  AlertClaim,
  AlertKey,
  CommitResult,
  OutboxItem,
  SentAlert,
  StoredAlertClaim,
  StoredTrack,
  SweepStore,
  TrackCommit,
  TrackIndexReport,
} from '../sweep-store';
import { claimAlert, confirmAlert, dropAlertClaim, readAlertClaim } from './alert-claims';
import { lastRun, recordRun } from './last-run';
import { getEpisode, listEpisodes, listReleases } from './ledger-items';
import { deleteOutbox, listOutbox } from './outbox';
import { claimReleaseSlot } from './run-slots';
import type { SweepTable } from './table';
import { noteUnsure, noteWrite, type TrackIndexSession } from './track-index';
import { saveIndexes } from './track-index-items';
import { commit, commitMany, readTracks, type TrackWriteLog } from './tracks';

export class DynamoSweepStore implements SweepStore {
  private readonly table: SweepTable;
  /** What the last `listTracks` read, with this store's writes since: the index `saveTrackIndex` writes. */
  private indexSession: TrackIndexSession | undefined;

  constructor(
    doc: DynamoDBDocumentClient,
    tableName: string,
    /** `config.history.retentionDays`: TTL of alert claims and run slots. */
    private readonly retentionDays: number,
    /** Stamps track writes and dates the index of tracks; the sweep's clock. */
    clock: Clock = systemClock,
  ) {
    this.table = { doc, tableName, clock };
  }

  async listTracks(): Promise<StoredTrack[]> {
    const { tracks, session } = await readTracks(this.table);
    this.indexSession = session;
    return tracks;
  }

  async saveTrackIndex(): Promise<TrackIndexReport | undefined> {
    const session = this.indexSession;
    this.indexSession = undefined;
    return session ? saveIndexes(this.table, session) : undefined;
  }

  commit(c: TrackCommit): Promise<CommitResult> {
    return commit(this.table, c, this.writeLog());
  }

  commitMany(commits: readonly TrackCommit[]): Promise<PromiseSettledResult<CommitResult>[]> {
    return commitMany(this.table, commits, this.writeLog());
  }

  /** Where the index learns of this store's track writes (none before a listing). */
  private writeLog(): TrackWriteLog | undefined {
    const session = this.indexSession;
    if (!session) return undefined;
    return {
      writer: session.writer,
      written: (allocationId, version, state) => noteWrite(session, allocationId, version, state),
      unsure: (allocationId) => noteUnsure(session, allocationId),
    };
  }

  listEpisodes(allocationId?: string): Promise<IdleEpisodeRecord[]> {
    return listEpisodes(this.table, allocationId);
  }

  listReleases(): Promise<ReleaseRecord[]> {
    return listReleases(this.table);
  }

  claimAlert(
    key: AlertKey,
    runId: string,
    at: string,
    subject: string,
    leaseMs: number,
  ): Promise<AlertClaim> {
    return claimAlert(this.table, this.retentionDays, { key, runId, at, subject, leaseMs });
  }

  confirmAlert(key: AlertKey, runId: string, sent: SentAlert): Promise<boolean> {
    return confirmAlert(this.table, key, runId, sent);
  }

  readAlertClaim(key: AlertKey): Promise<StoredAlertClaim | undefined> {
    return readAlertClaim(this.table, key);
  }

  getEpisode(allocationId: string, episodeKey: string): Promise<IdleEpisodeRecord | undefined> {
    return getEpisode(this.table, allocationId, episodeKey);
  }

  claimReleaseSlot(runId: string, allocationId: string, max: number, at: string): Promise<boolean> {
    return claimReleaseSlot(this.table, this.retentionDays, runId, allocationId, max, at);
  }

  listOutbox(): Promise<OutboxItem[]> {
    return listOutbox(this.table);
  }

  deleteOutbox(item: OutboxItem): Promise<void> {
    return deleteOutbox(this.table, item);
  }

  dropAlertClaim(key: AlertKey, runId: string): Promise<void> {
    return dropAlertClaim(this.table, key, runId);
  }

  lastRun(): Promise<{ at: string; runId: string } | null> {
    return lastRun(this.table);
  }

  recordRun(at: string, runId: string): Promise<void> {
    return recordRun(this.table, at, runId);
  }
}
