/**
 * The refold: recomputes one EIP's state from everything recorded about it and writes it with optimistic
 * concurrency, so that concurrent recorders converge on the state of every input (docs/data-model.md).
 */
import { createHash } from 'node:crypto';
import type { Log, MetricsSink } from '../runtime/context';
import { eniDeletionOf, foldEip } from './decide';
import type { InventoryStore, StoredEipState } from './inventory-store';
import type { EipHistoryEvent, EniDeletion } from './model';

/** Bump when the fold's output for the same inputs changes, so stored states are refolded once. */
export const FOLD_VERSION = 2;

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

export interface RefoldDeps {
  store: InventoryStore;
  log: Log;
  metrics: MetricsSink;
  maxRefoldAttempts?: number;
  /** ARNs of the keeper's roles: an association one of them made proves the address was a pool member. */
  keeperRoleArns?: readonly string[];
  /** Backoff between refold attempts (tests pass a no-op). */
  sleep?: (ms: number) => Promise<void>;
}

/** The identity of a fold: its version, the keeper's roles it recognised, and its inputs. */
function digest(inputIds: readonly string[], keeperRoleArns: readonly string[]): string {
  const keeper = [...keeperRoleArns].sort().join(',');
  return createHash('sha256')
    .update(`fold-v${FOLD_VERSION}\nkeeper ${keeper}\n${inputIds.join('\n')}`)
    .digest('hex');
}

interface RefoldInputs {
  current: StoredEipState | undefined;
  events: EipHistoryEvent[];
  deletions: Map<string, EniDeletion>;
}

/** Reads the state item first, then the inputs, all strongly consistent (the order matters: see `createRefold`). */
async function readInputs(store: InventoryStore, allocationId: string): Promise<RefoldInputs> {
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
  return { current, events, deletions };
}

/**
 * Builds the refold: folds the EIP's current inputs and writes its state.
 *
 * Why the final state reflects every input, however writers interleave: each refold reads the state item
 * (version v) first, then the history and the referenced ENI records, all strongly consistent, and writes only if
 * the item is still at version v. So the successful writes form a chain, and each of them read its inputs after
 * the previous write was made. Every input is linked before its linker refolds (see `inventory.ts`); that refold
 * either writes (having read after the link), or finds the stored state already folded from the same input set
 * (which then included the input), or loses the race to a write that — being later in the chain — read after it,
 * and retries. Hence, once every linker's refold has returned, the latest state was folded from every input. A lost
 * race is not an error; only `maxAttempts` consecutive losses are (the event is then retried by Lambda).
 *
 * The state item also keeps the fold's anchors (allocation, release, the last two associations and what ended
 * them), which are folded back in: when TTL removes old history, the state does not forget who holds the address.
 */
export function createRefold(deps: RefoldDeps): (allocationId: string) => Promise<RefoldOutcome> {
  const { store, log, metrics } = deps;
  const maxAttempts = deps.maxRefoldAttempts ?? DEFAULT_REFOLD_ATTEMPTS;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));

  return async function refold(allocationId: string): Promise<RefoldOutcome> {
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const { current, events, deletions } = await readInputs(store, allocationId);
      const keeperRoleArns = deps.keeperRoleArns ?? [];
      const fold = foldEip(allocationId, events, deletions, { keeperRoleArns });
      if (fold.inputIds.length === 0) return 'empty';
      const inputsDigest = digest(fold.inputIds, keeperRoleArns);
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
  };
}
