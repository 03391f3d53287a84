/**
 * What the keys of every item in the single table share: the partition-key prefixes (one list, so no two
 * capabilities collide), the key shape and the TTL. Each capability builds its own keys from these in its `keys.ts`;
 * layouts are documented in docs/data-model.md.
 */

export const PREFIX = {
  eip: 'EIP#',
  eni: 'ENI#',
  association: 'ASSOC#',
  history: 'HIST#',
  kind: 'KIND#',
  /** The keeper's pool claims (`shared/keeper/keys.ts`). */
  pool: 'POOL#',
  /** The sweeper's ledger (`shared/sweeper/keys.ts`). */
  sweep: 'SWEEP#',
  /** The auditor's findings. */
  audit: 'AUDIT#',
  /** What the organization hub keeps of its members (`shared/hub/keys.ts`). */
  hub: 'HUB#',
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

const DAY_SECONDS = 86_400;

/** TTL value (`expiresAt`, epoch seconds) for something that happened at `isoTime`, kept `retentionDays`. */
export function expiresAtFor(isoTime: string, retentionDays: number): number {
  return Math.floor(Date.parse(isoTime) / 1000) + retentionDays * DAY_SECONDS;
}
