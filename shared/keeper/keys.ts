/**
 * Keys of the keeper's items in the single table: every item of a pool lives in the partition `POOL#<name>`, so one
 * strongly consistent Query reads a pool's whole state. Layouts in docs/data-model.md.
 *
 * | Item            | PK             | SK                              |
 * |-----------------|----------------|---------------------------------|
 * | Pool claim      | `POOL#<name>`  | `EIP#<allocationId>`            |
 * | Holder link     | `POOL#<name>`  | `HOLDER#<eniId>#<privateIp>`    |
 * | Waiting ENI     | `POOL#<name>`  | `WAIT#<eniId>#<privateIp>`      |
 * | Exhaustion      | `POOL#<name>`  | `EXHAUSTION`                    |
 * | Security alert  | `POOL#<name>`  | `ALERT#<key>`                   |
 */
import { PREFIX, type TableKey } from '../store/keys';
import type { Target } from './model';

export const POOL_SK = {
  claim: 'EIP#',
  holder: 'HOLDER#',
  waiter: 'WAIT#',
  exhaustion: 'EXHAUSTION',
  alert: 'ALERT#',
} as const;

export const KEEPER_ITEM_TYPE = {
  claim: 'PoolClaim',
  holder: 'PoolHolder',
  waiter: 'PoolWaiter',
  exhaustion: 'PoolExhaustion',
  alert: 'PoolAlert',
} as const;

export const poolPk = (pool: string): string => `${PREFIX.pool}${pool}`;

export const claimKey = (pool: string, allocationId: string): TableKey => ({
  PK: poolPk(pool),
  SK: `${POOL_SK.claim}${allocationId}`,
});

export const holderKey = (pool: string, t: Target): TableKey => ({
  PK: poolPk(pool),
  SK: `${POOL_SK.holder}${t.eniId}#${t.privateIp}`,
});

/** Sort-key prefix of every holder item of one ENI. */
export const holderPrefixOfEni = (eniId: string): string => `${POOL_SK.holder}${eniId}#`;

export const waiterKey = (pool: string, t: Target): TableKey => ({
  PK: poolPk(pool),
  SK: `${POOL_SK.waiter}${t.eniId}#${t.privateIp}`,
});

export const waiterPrefixOfEni = (eniId: string): string => `${POOL_SK.waiter}${eniId}#`;

export const exhaustionKey = (pool: string): TableKey => ({ PK: poolPk(pool), SK: POOL_SK.exhaustion });

export const alertKey = (pool: string, key: string): TableKey => ({
  PK: poolPk(pool),
  SK: `${POOL_SK.alert}${key}`,
});

/**
 * The free list: a claim item carries GSI1 keys only while its EIP is free, so an ENI's event reads a handful of
 * candidates instead of the whole pool. GSI1SK orders them as `rankCandidates` wants them: `R#` (released by a pod,
 * most recent first) before `U#` (least recently claimed first, never-claimed first of all).
 */
export const freeListPk = (pool: string): string => `POOLFREE#${pool}`;
export const FREE_RANK = { released: 'R#', unused: 'U#' } as const;

/** Rank of an EIP its pod let go at `at`: later releases sort first. */
export function releasedRank(at: string, allocationId: string): string {
  const inverted = String(9_999_999_999_999 - Date.parse(at)).padStart(13, '0');
  return `${FREE_RANK.released}${inverted}#${allocationId}`;
}

/** Rank of an EIP last claimed at `lastUsedAt` (never: empty, which sorts first). */
export function unusedRank(lastUsedAt: string | undefined, allocationId: string): string {
  return `${FREE_RANK.unused}${lastUsedAt ?? ''}#${allocationId}`;
}
