/**
 * Every key of the single table, built in one place. Layouts are documented in docs/data-model.md.
 *
 * | Item                     | PK                     | SK                              | GSI1PK      | GSI1SK         |
 * |--------------------------|------------------------|---------------------------------|-------------|----------------|
 * | EIP state                | `EIP#<allocationId>`   | `STATE`                         | `KIND#eip`  | `<allocationId>` |
 * | EIP history event        | `EIP#<allocationId>`   | `HIST#<eventTime>#<eventId>`    |             |                |
 * | ENI record               | `ENI#<eniId>`          | `STATE`                         |             |                |
 * | Association map          | `ASSOC#<associationId>`| `MAP`                           |             |                |
 */

export const PREFIX = {
  eip: 'EIP#',
  eni: 'ENI#',
  association: 'ASSOC#',
  history: 'HIST#',
  kind: 'KIND#',
  /** Reserved for the keeper's pool claims (not designed yet). */
  pool: 'POOL#',
  /** Reserved for the sweeper's ledger (not designed yet). */
  sweep: 'SWEEP#',
  /** Reserved for the auditor's findings (not designed yet). */
  audit: 'AUDIT#',
} as const;

export const SK = {
  state: 'STATE',
  map: 'MAP',
} as const;

/** Values of the `itemType` attribute every item carries (for humans reading the table, and for decoding). */
export const ITEM_TYPE = {
  eipState: 'EipState',
  eipHistory: 'EipHistory',
  eni: 'Eni',
  associationMap: 'AssociationMap',
} as const;

export interface TableKey {
  PK: string;
  SK: string;
}

export const eipPk = (allocationId: string): string => `${PREFIX.eip}${allocationId}`;

export const eipStateKey = (allocationId: string): TableKey => ({ PK: eipPk(allocationId), SK: SK.state });

/** History sort keys order by time, then event id (CloudTrail times have one-second resolution). */
export const eipHistoryKey = (allocationId: string, eventTime: string, eventId: string): TableKey => ({
  PK: eipPk(allocationId),
  SK: `${PREFIX.history}${eventTime}#${eventId}`,
});

export const eniKey = (eniId: string): TableKey => ({ PK: `${PREFIX.eni}${eniId}`, SK: SK.state });

export const associationKey = (associationId: string): TableKey => ({
  PK: `${PREFIX.association}${associationId}`,
  SK: SK.map,
});

/** GSI1 partition listing every EIP state. */
export const EIP_KIND = `${PREFIX.kind}eip`;

export const eipStateGsi1 = (allocationId: string) => ({ GSI1PK: EIP_KIND, GSI1SK: allocationId });

const DAY_SECONDS = 86_400;

/** TTL value (`expiresAt`, epoch seconds) for something that happened at `isoTime`, kept `retentionDays`. */
export function expiresAtFor(isoTime: string, retentionDays: number): number {
  return Math.floor(Date.parse(isoTime) / 1000) + retentionDays * DAY_SECONDS;
}
