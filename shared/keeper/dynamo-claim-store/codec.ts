/** The claim store's items decoded into the keeper's plain records (attribute names in docs/data-model.md). */

import type { Actor } from '../../events/actor';
import type { Item } from '../../store/query';
import type {
  ClaimRecord,
  ClaimVia,
  CreationRecord,
  ExhaustionRecord,
  ManualHold,
  PendingAlert,
  WaiterRecord,
} from '../model';

/** A non-empty string attribute, or undefined. */
export function str(item: Item, name: string): string | undefined {
  const v = item[name];
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

export function decodeClaim(item: Item): ClaimRecord | undefined {
  const pool = str(item, 'pool');
  const allocationId = str(item, 'allocationId');
  if (!pool || !allocationId) return undefined;
  const c: ClaimRecord = { pool, allocationId };
  const publicIp = str(item, 'publicIp');
  if (publicIp) c.publicIp = publicIp;
  const eniId = str(item, 'holderEniId');
  const privateIp = str(item, 'holderPrivateIp');
  if (eniId && privateIp) {
    c.holder = {
      eniId,
      privateIp,
      claimedAt: str(item, 'claimedAt') ?? '1970-01-01T00:00:00.000Z',
      via: (str(item, 'claimedVia') as ClaimVia | undefined) ?? 'event',
    };
    const associationId = str(item, 'associationId');
    if (associationId) c.holder.associationId = associationId;
    const associatedAt = str(item, 'associatedAt');
    if (associatedAt) c.holder.associatedAt = associatedAt;
    const provenAt = str(item, 'provenAt');
    if (provenAt) c.holder.provenAt = provenAt;
  }
  if (item.allocatedByKeeper === true) c.allocatedByKeeper = true;
  for (const k of ['lastUsedAt', 'lastReleasedAt', 'lastSelectorKey'] as const) {
    const v = str(item, k);
    if (v) c[k] = v;
  }
  const lastEni = str(item, 'lastHolderEniId');
  const lastIp = str(item, 'lastHolderPrivateIp');
  if (lastEni && lastIp) c.lastHolder = { eniId: lastEni, privateIp: lastIp };
  const manual = str(item, 'manualAssociationId');
  if (manual) {
    const hold: ManualHold = { associationId: manual, detectedAt: str(item, 'manualSince') ?? '' };
    const e = str(item, 'manualEniId');
    if (e) hold.eniId = e;
    const ip = str(item, 'manualPrivateIp');
    if (ip) hold.privateIp = ip;
    const i = str(item, 'manualInstanceId');
    if (i) hold.instanceId = i;
    const displacedEni = str(item, 'manualDisplacedEniId');
    const displacedIp = str(item, 'manualDisplacedPrivateIp');
    if (displacedEni && displacedIp) hold.displaced = { eniId: displacedEni, privateIp: displacedIp };
    const claimedAt = str(item, 'manualAlertClaimedAt');
    if (claimedAt) hold.alertClaimedAt = claimedAt;
    const alertedAt = str(item, 'manualAlertedAt');
    if (alertedAt) hold.alertedAt = alertedAt;
    c.manualHold = hold;
  }
  return c;
}

/** A creation record as a map attribute (written by `addWaiter`). */
export function decodeCreation(v: unknown): CreationRecord | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const m = v as Item;
  const actor = m.actor as Actor | undefined;
  const at = str(m, 'at');
  const eventId = str(m, 'eventId');
  if (!actor || typeof actor !== 'object' || typeof actor.type !== 'string' || !at || !eventId)
    return undefined;
  return { actor, at, eventId };
}

export function decodeWaiter(item: Item): WaiterRecord | undefined {
  const pool = str(item, 'pool');
  const eniId = str(item, 'eniId');
  const privateIp = str(item, 'privateIp');
  const since = str(item, 'since');
  if (!pool || !eniId || !privateIp || !since) return undefined;
  const creation = decodeCreation(item.creation);
  return { pool, eniId, privateIp, since, ...(creation ? { creation } : {}) };
}

/** A security alert item not confirmed sent (undefined once sent, or when unreadable). */
export function decodeUnsentAlert(item: Item): PendingAlert | undefined {
  const pool = str(item, 'pool');
  const key = str(item, 'alertKey');
  const claimedAt = str(item, 'claimedAt');
  const notification = str(item, 'notification');
  if (!pool || !key || !claimedAt || !notification || str(item, 'sentAt')) return undefined;
  return { pool, key, claimedAt, notification };
}

export function decodeExhaustion(item: Item): ExhaustionRecord {
  const e: ExhaustionRecord = {
    pool: str(item, 'pool') ?? '',
    open: item.open === true,
    episode: typeof item.episode === 'number' ? item.episode : 0,
  };
  for (const k of ['openedAt', 'closedAt', 'alertedAt'] as const) {
    const v = str(item, k);
    if (v) e[k] = v;
  }
  return e;
}
