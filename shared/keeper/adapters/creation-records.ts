/**
 * The keeper's creation-record port (`ports.ts`) on the inventory's ENI records: the InventoryRecorder writes each
 * ENI's creation facts (who, when, which event) from the CloudTrail CreateNetworkInterface record EventBridge
 * delivers from `aws.ec2`, set once. The keeper only reads them, for ENIs whose creation event it did not handle
 * itself (a pod found by the reconciler).
 */
import type { InventoryStore } from '../../inventory/inventory-store';
import type { CreationRecord } from '../model';
import type { CreationRecordPort } from '../ports';

export class InventoryCreationRecords implements CreationRecordPort {
  constructor(private readonly inventory: Pick<InventoryStore, 'getEniRecords'>) {}

  async creations(eniIds: readonly string[]): Promise<Map<string, CreationRecord>> {
    const out = new Map<string, CreationRecord>();
    if (eniIds.length === 0) return out;
    for (const [id, r] of await this.inventory.getEniRecords(eniIds)) {
      if (r.createdBy && r.createdAt && r.createdEventId)
        out.set(id, { actor: r.createdBy, at: r.createdAt, eventId: r.createdEventId });
    }
    return out;
  }
}
