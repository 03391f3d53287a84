/**
 * The inventory store on the single DynamoDB table (keys in `../keys.ts`, layouts in docs/data-model.md), one module
 * per item kind: EIP history, EIP state, ENI records, association maps.
 *
 * Every write is either conditional (history events, the state item) or commutative and idempotent (set-once
 * `if_not_exists` fields, string-set `ADD`), so duplicated, reordered and concurrent deliveries converge.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type {
  AddressAssociated,
  AddressDisassociated,
  EniCreated,
  EniDeleted,
} from '../../events/cloudtrail';
import type { AssociationLink, InventoryStore, NewEipState, StoredEipState } from '../inventory-store';
import type { EipHistoryEvent, EipState, EniRecord } from '../model';
import { addPendingDisassociation, linkAssociation } from './associations';
import { addEniAllocation, getEniRecord, getEniRecords, recordEniCreated, recordEniDeleted } from './enis';
import { listEipHistory, putEipHistory } from './history';
import { getEipStateItem, listEipStates, putEipState } from './state';
import type { InventoryTable } from './update';

export class DynamoInventoryStore implements InventoryStore {
  private readonly table: InventoryTable;

  constructor(doc: DynamoDBDocumentClient, tableName: string) {
    this.table = { doc, tableName };
  }

  putEipHistory(event: EipHistoryEvent, expiresAt: number): Promise<'written' | 'duplicate'> {
    return putEipHistory(this.table, event, expiresAt);
  }

  listEipHistory(allocationId: string): Promise<EipHistoryEvent[]> {
    return listEipHistory(this.table, allocationId);
  }

  getEipStateItem(allocationId: string): Promise<StoredEipState | undefined> {
    return getEipStateItem(this.table, allocationId);
  }

  putEipState(next: NewEipState, expectedVersion: number): Promise<boolean> {
    return putEipState(this.table, next, expectedVersion);
  }

  async getEipState(allocationId: string): Promise<EipState | undefined> {
    return (await getEipStateItem(this.table, allocationId))?.state;
  }

  listEipStates(): Promise<EipState[]> {
    return listEipStates(this.table);
  }

  recordEniCreated(event: EniCreated): Promise<EniRecord> {
    return recordEniCreated(this.table, event);
  }

  recordEniDeleted(event: EniDeleted, expiresAt: number): Promise<EniRecord> {
    return recordEniDeleted(this.table, event, expiresAt);
  }

  addEniAllocation(eniId: string, allocationId: string): Promise<EniRecord> {
    return addEniAllocation(this.table, eniId, allocationId);
  }

  getEniRecord(eniId: string): Promise<EniRecord | undefined> {
    return getEniRecord(this.table, eniId);
  }

  getEniRecords(eniIds: Iterable<string>): Promise<Map<string, EniRecord>> {
    return getEniRecords(this.table, eniIds);
  }

  linkAssociation(event: AddressAssociated, expiresAt: number): Promise<AssociationLink> {
    return linkAssociation(this.table, event, expiresAt);
  }

  addPendingDisassociation(event: AddressDisassociated, expiresAt: number): Promise<AssociationLink> {
    return addPendingDisassociation(this.table, event, expiresAt);
  }
}
