/**
 * Association map items (association id → allocation id): the AssociateAddress side sets the link, the
 * DisassociateAddress side adds itself to a string set of pending disassociations. Both are atomic updates read
 * back whole, so whichever side comes second sees the other.
 */
import type { AddressAssociated, AddressDisassociated } from '../../events/cloudtrail';
import { CorruptItemError } from '../../store/errors';
import { ITEM_TYPE } from '../../store/keys';
import type { Item } from '../../store/query';
import { TABLE_KEYS } from '../../store/table';
import { compareEvents } from '../decide';
import type { AssociationLink } from '../inventory-store';
import { associationKey } from '../keys';
import { keyOf, str, stringList } from './item';
import { type InventoryTable, type UpdateFields, updateExpression, updateReturningItem } from './update';

/** JSON with sorted keys, so the same record always serialises to the same string-set member. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function decodeLink(item: Item): AssociationLink {
  const associationId = str(item, 'associationId');
  if (!associationId) throw new CorruptItemError(keyOf(item), 'association item lacks associationId');
  const byEvent = new Map<string, AddressDisassociated>();
  for (const json of stringList(item.pendingDisassociations)) {
    let parsed: AddressDisassociated;
    try {
      parsed = JSON.parse(json) as AddressDisassociated;
    } catch {
      throw new CorruptItemError(keyOf(item), 'pendingDisassociations holds invalid JSON');
    }
    if (!byEvent.has(parsed.eventId)) byEvent.set(parsed.eventId, parsed);
  }
  const link: AssociationLink = {
    associationId,
    pendingDisassociations: [...byEvent.values()].sort(compareEvents),
  };
  const allocationId = str(item, 'allocationId');
  if (allocationId) link.allocationId = allocationId;
  const eniId = str(item, 'eniId');
  if (eniId) link.eniId = eniId;
  return link;
}

/** Updates the map item (its id and item type always set) and returns the link after the update. */
async function updateLink(
  table: InventoryTable,
  associationId: string,
  fields: UpdateFields,
): Promise<AssociationLink> {
  const set = { associationId, itemType: ITEM_TYPE.associationMap, ...fields.set };
  const update = updateExpression({ ...fields, set });
  return decodeLink(
    (await updateReturningItem(table, associationKey(associationId), update)) ?? { associationId },
  );
}

export async function linkAssociation(table: InventoryTable, event: AddressAssociated, expiresAt: number) {
  // The map's TTL follows the association (deterministic whichever side arrives first).
  return updateLink(table, event.associationId, {
    set: { allocationId: event.allocationId, eniId: event.eniId, [TABLE_KEYS.ttlAttribute]: expiresAt },
  });
}

export async function addPendingDisassociation(
  table: InventoryTable,
  e: AddressDisassociated,
  expiresAt: number,
) {
  return updateLink(table, e.associationId, {
    setOnce: { [TABLE_KEYS.ttlAttribute]: expiresAt },
    add: { pendingDisassociations: new Set([canonicalJson(e)]) },
  });
}
