/**
 * The hub's records on its table, as interfaces: what ingestion writes (`HubStore`) and what the organization report
 * reads (`HubRecords`). `dynamo-hub-store.ts` and `dynamo-hub-records.ts` implement them, apart, so the ingestion
 * function's code holds no read it would need IAM for.
 */
import type { HubItem } from './model';

export interface HubStore {
  /**
   * Keeps the record unless one with the same or a higher `order` is kept already: true when written, false when the
   * kept one is as new (a repeated delivery) or newer (a late one).
   */
  put(item: HubItem): Promise<boolean>;
}

export interface HubRecords {
  /** Every record of one kind, across every account and region (GSI1 `KIND#hub-<kind>`). */
  list<K extends HubItem['kind']>(kind: K): Promise<Extract<HubItem, { kind: K }>[]>;
}
