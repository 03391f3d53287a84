/**
 * The inventory recorder: turns each CloudTrail record into table writes and refolds the EIP states it touches.
 *
 * Correctness under at-least-once, out-of-order and concurrent delivery rests on three rules
 * (docs/data-model.md tells the whole story):
 * 1. Every input is written idempotently and commutatively: history events with `attribute_not_exists`, ENI facts
 *    set-once (`if_not_exists`) or as string-set `ADD`s, association links on one item updated atomically.
 * 2. Whoever completes the *linking* of an input to an EIP (the second of two writes that meet on one item, read
 *    back with `ReturnValues: ALL_NEW`) refolds that EIP afterwards.
 * 3. A refold reads everything with strongly consistent reads and writes the state with optimistic concurrency
 *    (see `refold`).
 */
import { createHash } from 'node:crypto';
import {
  type AddressAssociated,
  type AddressDisassociated,
  describeActor,
  type ExpectedOrigin,
  type InventoryRecord,
  parseCloudTrailEvent,
  type Rejection,
} from '../events/cloudtrail';
import type { Log, MetricsSink } from '../runtime/context';
import { eniDeletionOf, type InventoryStore } from '../store/inventory-store';
import { expiresAtFor } from '../store/keys';
import { type EipDisassociation, type EipHistoryEvent, type EniDeletion, foldEip } from './fold';

/** Bump when the fold's output for the same inputs changes, so stored states are refolded once. */
export const FOLD_VERSION = 1;

const DEFAULT_REFOLD_ATTEMPTS = 10;

/** Optimistic concurrency kept failing: many writers on one EIP. Thrown so Lambda retries the event later. */
export class RefoldConflictError extends Error {
  override readonly name = 'RefoldConflictError';
  constructor(
    readonly allocationId: string,
    readonly attempts: number,
  ) {
    super(`the state of ${allocationId} changed under ${attempts} consecutive refolds`);
  }
}

export type RefoldOutcome = 'written' | 'unchanged' | 'empty';

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

export interface InventoryRecorderDeps {
  store: InventoryStore;
  log: Log;
  metrics: MetricsSink;
  /** `config.history.retentionDays`: TTL of history items and deleted-ENI tombstones. */
  retentionDays: number;
  maxRefoldAttempts?: number;
  /** Backoff between refold attempts (tests pass a no-op). */
  sleep?: (ms: number) => Promise<void>;
}

export interface InventoryRecorder {
  /** Parses, validates and records one EventBridge event; rejections and failed calls return normally. */
  handle(event: unknown, expected: ExpectedOrigin): Promise<InventoryRecorderResult>;
  /** Records one parsed record. */
  record(record: InventoryRecord): Promise<InventoryRecorderResult>;
  /** Recomputes one EIP's state from its history. */
  refold(allocationId: string): Promise<RefoldOutcome>;
}

function digest(inputIds: readonly string[]): string {
  return createHash('sha256')
    .update(`fold-v${FOLD_VERSION}\n${inputIds.join('\n')}`)
    .digest('hex');
}

export function createInventoryRecorder(deps: InventoryRecorderDeps): InventoryRecorder {
  const { store, log, metrics, retentionDays } = deps;
  const maxAttempts = deps.maxRefoldAttempts ?? DEFAULT_REFOLD_ATTEMPTS;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const ttl = (eventTime: string) => expiresAtFor(eventTime, retentionDays);

  /**
   * Folds the EIP's current inputs and writes its state.
   *
   * Why the final state reflects every input, however writers interleave: each refold reads the state item
   * (version v) first, then the history and the referenced ENI records, all strongly consistent, and writes only if
   * the item is still at version v. So the successful writes form a chain, and each of them read its inputs after
   * the previous write was made. Every input is linked before its linker refolds (rule 2 above); that refold either
   * writes (having read after the link), or finds the stored state already folded from the same input set (which
   * then included the input), or loses the race to a write that — being later in the chain — read after it, and
   * retries. Hence, once every linker's refold has returned, the latest state was folded from every input. A lost
   * race is not an error; only `maxAttempts` consecutive losses are (the event is then retried by Lambda).
   *
   * The state item also keeps the fold's anchors (allocation, release, the last two associations and what ended
   * them), which are folded back in: when TTL removes old history, the state does not forget who holds the address.
   */
  async function refold(allocationId: string): Promise<RefoldOutcome> {
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      // Read order matters: the state item first, then the inputs (see above).
      const current = await store.getEipStateItem(allocationId);
      const history = await store.listEipHistory(allocationId);
      const events: EipHistoryEvent[] = [...history, ...(current?.anchors.events ?? [])];
      const eniIds = new Set<string>();
      for (const e of events) if (e.eventName === 'AssociateAddress' && e.eniId) eniIds.add(e.eniId);
      const enis = await store.getEniRecords(eniIds);
      const deletions = new Map<string, EniDeletion>();
      for (const eni of enis.values()) {
        const d = eniDeletionOf(eni);
        if (d) deletions.set(eni.eniId, d);
      }
      for (const { eniId, ...d } of current?.anchors.eniDeletions ?? []) {
        if (!deletions.has(eniId)) deletions.set(eniId, d);
      }

      const fold = foldEip(allocationId, events, deletions);
      if (fold.inputIds.length === 0) return 'empty';
      const inputsDigest = digest(fold.inputIds);
      if (current?.inputsDigest === inputsDigest) return 'unchanged';
      const written = await store.putEipState(
        { state: fold.state, inputsDigest, anchors: fold.anchors },
        current?.version ?? 0,
      );
      if (written) return 'written';
      metrics.add('InventoryRefoldConflicts', 1, 'Count');
      log.debug('refold lost a race; refolding again', { allocationId, attempt });
      await sleep(Math.min(200, 10 * 2 ** attempt) * Math.random());
    }
    throw new RefoldConflictError(allocationId, maxAttempts);
  }

  async function putHistory(event: EipHistoryEvent): Promise<void> {
    const result = await store.putEipHistory(event, ttl(event.eventTime));
    if (result === 'duplicate') {
      metrics.add('InventoryDuplicateEvents', 1, 'Count');
      log.debug('history event already recorded', {
        eventId: event.eventId,
        allocationId: event.allocationId,
      });
    }
  }

  const resolved = (d: AddressDisassociated, allocationId: string): EipDisassociation => ({
    ...d,
    allocationId,
  });

  async function associated(e: AddressAssociated): Promise<string[]> {
    await putHistory(e);
    const link = await store.linkAssociation(e, ttl(e.eventTime));
    // Disassociations that arrived first wait on the link; now their allocation is known.
    for (const d of link.pendingDisassociations) await putHistory(resolved(d, e.allocationId));
    // The ENI side: whichever of this ADD and the ENI's deletion comes second sees the other; refolding here
    // covers the case where the deletion came first.
    if (e.eniId) await store.addEniAllocation(e.eniId, e.allocationId);
    return [e.allocationId];
  }

  async function disassociated(
    e: AddressDisassociated,
  ): Promise<{ allocationIds: string[]; pending: boolean }> {
    const link = await store.addPendingDisassociation(e, ttl(e.eventTime));
    let allocationId = link.allocationId;
    if (!allocationId) {
      // The link item may be gone (TTL) for an association older than the retention: the EIP state still names
      // its holder's association id.
      const states = await store.listEipStates();
      allocationId = states.find((s) => s.holder?.associationId === e.associationId)?.allocationId;
    }
    if (!allocationId) return { allocationIds: [], pending: true };
    await putHistory(resolved(e, allocationId));
    return { allocationIds: [allocationId], pending: false };
  }

  async function record(rec: InventoryRecord): Promise<InventoryRecorderResult> {
    let allocationIds: string[] = [];
    let pending = false;
    switch (rec.eventName) {
      case 'AllocateAddress':
      case 'ReleaseAddress':
        await putHistory(rec);
        allocationIds = [rec.allocationId];
        break;
      case 'AssociateAddress':
        allocationIds = await associated(rec);
        break;
      case 'DisassociateAddress':
        ({ allocationIds, pending } = await disassociated(rec));
        break;
      case 'CreateNetworkInterface':
        // No EIP state depends on an ENI's creation: nothing to refold.
        await store.recordEniCreated(rec);
        break;
      case 'DeleteNetworkInterface': {
        const eni = await store.recordEniDeleted(rec, ttl(rec.eventTime));
        allocationIds = eni.allocationIds;
        break;
      }
    }
    for (const id of allocationIds) await refold(id);
    metrics.add('InventoryEventsRecorded', 1, 'Count', { eventName: rec.eventName });
    log.info('inventory event recorded', {
      eventName: rec.eventName,
      eventId: rec.eventId,
      actor: describeActor(rec.actor),
      allocationIds,
      ...(pending ? { pending } : {}),
    });
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

  function rejected(r: Rejection): InventoryRecorderResult {
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

  return {
    refold,
    record,
    async handle(event, expected) {
      const parsed = parseCloudTrailEvent(event, expected);
      if (parsed.kind === 'rejected') return rejected(parsed);
      return record(parsed.record);
    },
  };
}
