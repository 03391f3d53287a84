/**
 * The organization hub's plain data: what members send to the hub's event bus (custom events of source
 * `eip-keeper`), and what the hub keeps of them, keyed by the member's account and region.
 */
import { EVENT_SOURCE } from '../events/source';
import type { Notification } from '../notify/notification';
import type { IdleEpisodeRecord, ReleaseRecord } from '../sweeper/model';

export { EVENT_SOURCE };

/** A member's alert, the notification as its topic received it. */
export const ALERT_DETAIL_TYPE = 'eip-keeper Alert';
/** A member's cost-ledger change: an idle episode opened, revised or ended, or a release. */
export const LEDGER_DETAIL_TYPE = 'eip-keeper Ledger Entry';

export type LedgerEntryDetail =
  | { entry: 'episode'; episode: IdleEpisodeRecord }
  | { entry: 'release'; release: ReleaseRecord };

/** The fields of an EventBridge event the hub reads (the envelope's `account` and `region` are set by AWS). */
export interface MemberEvent {
  id?: string;
  source: string;
  'detail-type': string;
  account: string;
  region: string;
  time: string;
  detail: unknown;
}

/** A member's finding change, as the auditor put it (shared/auditor/alerts.ts `findingEvents`). */
export interface HubFinding {
  change: 'new' | 'resolved';
  cluster: string;
  nodegroup?: string;
  pool?: string;
  checkId: string;
  status: string;
  severity: string;
  title: string;
  at: string;
}

export type HubRecord =
  | { kind: 'episode'; data: IdleEpisodeRecord }
  | { kind: 'release'; data: ReleaseRecord }
  | { kind: 'finding'; data: HubFinding }
  | { kind: 'alert'; data: Notification };

/** One kept record of one member account and region. */
export type HubItem = HubRecord & {
  account: string;
  region: string;
  /** Unique within the account, region and kind. */
  id: string;
  /**
   * Orders writes of the same record: a write replaces the kept one only when its order is higher, so a late or
   * repeated delivery never undoes a newer one (an ended episode outranks any update of it while open).
   */
  order: string;
};

/** One member account and region. */
export interface MemberKey {
  account: string;
  region: string;
}

/** Every kind of record the hub keeps. */
export const HUB_KINDS = [
  'episode',
  'release',
  'finding',
  'alert',
] as const satisfies readonly HubItem['kind'][];
