/**
 * Keys of the inventory's items in the single table. Layouts in docs/data-model.md.
 *
 * | Item                     | PK                     | SK                              | GSI1PK      | GSI1SK         |
 * |--------------------------|------------------------|---------------------------------|-------------|----------------|
 * | EIP state                | `EIP#<allocationId>`   | `STATE`                         | `KIND#eip`  | `<allocationId>` |
 * | EIP history event        | `EIP#<allocationId>`   | `HIST#<eventTime>#<eventId>`    |             |                |
 * | ENI record               | `ENI#<eniId>`          | `STATE`                         |             |                |
 * | Association map          | `ASSOC#<associationId>`| `MAP`                           |             |                |
 */
import { PREFIX, type TableKey } from '../store/keys';

export const INVENTORY_SK = {
  state: 'STATE',
  map: 'MAP',
} as const;

export const eipPk = (allocationId: string): string => `${PREFIX.eip}${allocationId}`;

export const eipStateKey = (allocationId: string): TableKey => ({
  PK: eipPk(allocationId),
  SK: INVENTORY_SK.state,
});

/** History sort keys order by time, then event id (CloudTrail times have one-second resolution). */
export const eipHistoryKey = (allocationId: string, eventTime: string, eventId: string): TableKey => ({
  PK: eipPk(allocationId),
  SK: `${PREFIX.history}${eventTime}#${eventId}`,
});

export const eniKey = (eniId: string): TableKey => ({ PK: `${PREFIX.eni}${eniId}`, SK: INVENTORY_SK.state });

export const associationKey = (associationId: string): TableKey => ({
  PK: `${PREFIX.association}${associationId}`,
  SK: INVENTORY_SK.map,
});

/** GSI1 partition listing every EIP state. */
export const EIP_KIND = `${PREFIX.kind}eip`;

export const eipStateGsi1 = (allocationId: string) => ({ GSI1PK: EIP_KIND, GSI1SK: allocationId });
