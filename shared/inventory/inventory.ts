/**
 * The inventory recorder: turns each CloudTrail record into table writes and refolds the EIP states it touches —
 * the six calls that change who holds an address, and the pool tag's additions and removals on addresses.
 *
 * Correctness under at-least-once, out-of-order and concurrent delivery rests on three rules
 * (docs/data-model.md tells the whole story):
 * 1. Every input is written idempotently and commutatively: history events with `attribute_not_exists`, ENI facts
 *    set-once (`if_not_exists`) or as string-set `ADD`s, association links on one item updated atomically.
 * 2. Whoever completes the *linking* of an input to an EIP (the second of two writes that meet on one item, read
 *    back with `ReturnValues: ALL_NEW`) refolds that EIP afterwards.
 * 3. A refold reads everything with strongly consistent reads and writes the state with optimistic concurrency
 *    (see `refold.ts`).
 */
import {
  type Actor,
  type AddressAssociated,
  type AddressDisassociated,
  describeActor,
  type ExpectedOrigin,
  type InventoryRecord,
  parseCloudTrailEvent,
  type Rejection,
} from '../events/cloudtrail';
import {
  ADDRESS_TAG_EVENT_NAMES,
  type AddressTagsChanged,
  changesOfKey,
  parseAddressTagEvent,
} from '../events/tag-records';
import { expiresAtFor } from '../store/keys';
import { type EipDisassociation, type EipHistoryEvent, POOL_TAG, type PoolTagChanged } from './model';
import { createRefold, type RefoldDeps, type RefoldOutcome } from './refold';

/** What one invocation did (returned by the handler, shown by the local story). */
export interface InventoryRecorderResult {
  outcome: 'recorded' | 'skipped' | 'rejected';
  reason?: string;
  eventName?: string;
  eventId?: string;
  /** EIPs whose state was refolded. */
  allocationIds?: string[];
  /** A DisassociateAddress waiting for its AssociateAddress (the later one records it). */
  pending?: boolean;
  /** One line for people (the local story, logs). */
  story?: string;
}

export interface InventoryRecorderDeps extends RefoldDeps {
  /** `config.history.retentionDays`: TTL of history items and deleted-ENI tombstones. */
  retentionDays: number;
}

export interface InventoryRecorder {
  /** Parses, validates and records one EventBridge event; rejections and failed calls return normally. */
  handle(event: unknown, expected: ExpectedOrigin): Promise<InventoryRecorderResult>;
  /** Records one parsed record. */
  record(record: InventoryRecord): Promise<InventoryRecorderResult>;
  /** Recomputes one EIP's state from its history. */
  refold(allocationId: string): Promise<RefoldOutcome>;
}

const resolved = (d: AddressDisassociated, allocationId: string): EipDisassociation => ({
  ...d,
  allocationId,
});

function recorded(
  rec: { eventName: string; eventId: string; actor: Actor },
  allocationIds: string[],
  pending: boolean,
): InventoryRecorderResult {
  const touched = allocationIds.length > 0 ? `; history of ${allocationIds.join(', ')} updated` : '';
  return {
    outcome: 'recorded',
    eventName: rec.eventName,
    eventId: rec.eventId,
    allocationIds,
    ...(pending ? { pending } : {}),
    story: `recorded ${rec.eventName} by ${describeActor(rec.actor)}${touched}${pending ? ' (its association is not known yet: kept pending)' : ''}`,
  };
}

/** Logs and counts a rejection; a failed call is skipped rather than rejected (it changed nothing). */
function rejected(
  r: Rejection,
  { log, metrics }: Pick<RefoldDeps, 'log' | 'metrics'>,
): InventoryRecorderResult {
  const fields = {
    reason: r.reason,
    message: r.message,
    ...(r.eventId ? { eventId: r.eventId } : {}),
    ...(r.eventName ? { eventName: r.eventName } : {}),
    ...(r.errorCode ? { errorCode: r.errorCode } : {}),
    ...(r.field ? { field: r.field } : {}),
  };
  const result: InventoryRecorderResult = {
    outcome: r.reason === 'failed-call' ? 'skipped' : 'rejected',
    reason: r.reason === 'failed-call' ? `failed-call: ${r.errorCode}` : r.reason,
    ...(r.eventId ? { eventId: r.eventId } : {}),
    ...(r.eventName ? { eventName: r.eventName } : {}),
  };
  if (result.outcome === 'skipped') {
    // A failed call is normal (dry runs, races the API refused): it changed nothing.
    log.info('failed call skipped: it changed nothing', fields);
    metrics.add('InventoryEventsSkipped', 1, 'Count', { errorCode: r.errorCode ?? 'unknown' });
  } else {
    log.warn('inventory event rejected', fields);
    metrics.add('InventoryEventsRejected', 1, 'Count', { reason: r.reason });
  }
  return result;
}

/** A CreateTags/DeleteTags event (the rule routes only those naming an Elastic IP). */
function isTagEvent(event: unknown): boolean {
  const name = (event as { detail?: { eventName?: unknown } } | null)?.detail?.eventName;
  return (ADDRESS_TAG_EVENT_NAMES as readonly unknown[]).includes(name);
}

/** What every step of the recorder works over: the dependencies, the refold and the history's time to live. */
interface RecorderCore {
  deps: InventoryRecorderDeps;
  refold: (allocationId: string) => Promise<RefoldOutcome>;
  ttl: (eventTime: string) => number;
}

async function putHistory({ deps, ttl }: RecorderCore, event: EipHistoryEvent): Promise<void> {
  const result = await deps.store.putEipHistory(event, ttl(event.eventTime));
  if (result === 'duplicate') {
    deps.metrics.add('InventoryDuplicateEvents', 1, 'Count');
    deps.log.debug('history event already recorded', {
      eventId: event.eventId,
      allocationId: event.allocationId,
    });
  }
}

async function associated(core: RecorderCore, e: AddressAssociated): Promise<string[]> {
  const { store } = core.deps;
  await putHistory(core, e);
  const link = await store.linkAssociation(e, core.ttl(e.eventTime));
  // Disassociations that arrived first wait on the link; now their allocation is known.
  for (const d of link.pendingDisassociations) await putHistory(core, resolved(d, e.allocationId));
  // The ENI side: whichever of this ADD and the ENI's deletion comes second sees the other; refolding here
  // covers the case where the deletion came first.
  if (e.eniId) await store.addEniAllocation(e.eniId, e.allocationId);
  return [e.allocationId];
}

async function disassociated(
  core: RecorderCore,
  e: AddressDisassociated,
): Promise<{ allocationIds: string[]; pending: boolean }> {
  const { store } = core.deps;
  const link = await store.addPendingDisassociation(e, core.ttl(e.eventTime));
  let allocationId = link.allocationId;
  if (!allocationId) {
    // The link item may be gone (TTL) for an association older than the retention: the EIP state still names
    // its holder's association id.
    const states = await store.listEipStates();
    allocationId = states.find((s) => s.holder?.associationId === e.associationId)?.allocationId;
  }
  if (!allocationId) return { allocationIds: [], pending: true };
  await putHistory(core, resolved(e, allocationId));
  return { allocationIds: [allocationId], pending: false };
}

/** The EIPs a record's writes link it to, and whether it waits for its association (a disassociation first). */
async function writeRecord(
  core: RecorderCore,
  rec: InventoryRecord,
): Promise<{ allocationIds: string[]; pending: boolean }> {
  const { store } = core.deps;
  switch (rec.eventName) {
    case 'AllocateAddress':
    case 'ReleaseAddress':
      await putHistory(core, rec);
      return { allocationIds: [rec.allocationId], pending: false };
    case 'AssociateAddress':
      return { allocationIds: await associated(core, rec), pending: false };
    case 'DisassociateAddress':
      return disassociated(core, rec);
    case 'CreateNetworkInterface':
      // No EIP state depends on an ENI's creation: nothing to refold.
      await store.recordEniCreated(rec);
      return { allocationIds: [], pending: false };
    case 'DeleteNetworkInterface': {
      const eni = await store.recordEniDeleted(rec, core.ttl(rec.eventTime));
      return { allocationIds: eni.allocationIds, pending: false };
    }
  }
}

async function record(core: RecorderCore, rec: InventoryRecord): Promise<InventoryRecorderResult> {
  const { allocationIds, pending } = await writeRecord(core, rec);
  for (const id of allocationIds) await core.refold(id);
  core.deps.metrics.add('InventoryEventsRecorded', 1, 'Count', { eventName: rec.eventName });
  core.deps.log.info('inventory event recorded', {
    eventName: rec.eventName,
    eventId: rec.eventId,
    actor: describeActor(rec.actor),
    allocationIds,
    ...(pending ? { pending } : {}),
  });
  return recorded(rec, allocationIds, pending);
}

/** The pool-tag changes of a CreateTags/DeleteTags, one history event per address; other tags are not kept. */
async function recordTags(core: RecorderCore, rec: AddressTagsChanged): Promise<InventoryRecorderResult> {
  // A DeleteTags that names no key deletes every tag of the addresses, the pool tag with them.
  const change =
    changesOfKey(rec, POOL_TAG) ??
    (rec.eventName === 'DeleteTags' && rec.tags.length === 0 ? { kind: 'removed' as const } : undefined);
  if (!change) {
    return {
      outcome: 'skipped',
      reason: 'no pool-tag change',
      eventName: rec.eventName,
      eventId: rec.eventId,
    };
  }
  for (const allocationId of rec.allocationIds) {
    const e: PoolTagChanged = {
      eventName: rec.eventName,
      eventId: rec.eventId,
      eventTime: rec.eventTime,
      actor: rec.actor,
      allocationId,
      change: change.kind,
      ...(change.value !== undefined ? { pool: change.value } : {}),
      ...(rec.userAgent !== undefined ? { userAgent: rec.userAgent } : {}),
    };
    await putHistory(core, e);
  }
  for (const id of rec.allocationIds) await core.refold(id);
  core.deps.metrics.add('InventoryEventsRecorded', 1, 'Count', { eventName: rec.eventName });
  core.deps.log.info('pool tag change recorded', {
    eventName: rec.eventName,
    eventId: rec.eventId,
    actor: describeActor(rec.actor),
    allocationIds: rec.allocationIds,
    change: change.kind,
  });
  return recorded(rec, rec.allocationIds, false);
}

export function createInventoryRecorder(deps: InventoryRecorderDeps): InventoryRecorder {
  const core: RecorderCore = {
    deps,
    refold: createRefold(deps),
    ttl: (eventTime) => expiresAtFor(eventTime, deps.retentionDays),
  };
  return {
    refold: core.refold,
    record: (rec) => record(core, rec),
    async handle(event, expected) {
      if (isTagEvent(event)) {
        const tags = parseAddressTagEvent(event, expected);
        return tags.kind === 'rejected' ? rejected(tags, deps) : recordTags(core, tags.record);
      }
      const parsed = parseCloudTrailEvent(event, expected);
      if (parsed.kind === 'rejected') return rejected(parsed, deps);
      return record(core, parsed.record);
    },
  };
}
