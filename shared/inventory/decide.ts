/**
 * The EIP inventory's decision: what an Elastic IP's state is, folded from its recorded history. Pure: no AWS
 * import, no clock, no I/O, so it is tested with literal data only.
 *
 * The fold is a function of the *set* of its inputs: it deduplicates by event id and orders inputs itself, so
 * duplicated and out-of-order delivery give the same state as in-order delivery.
 *
 * Ordering. Events are ordered by (eventTime, eventId). CloudTrail times have one-second resolution (and the local
 * simulated region may stamp a whole story with one instant), so the fold also relies on what the EC2 API makes
 * certain rather than on timestamps alone:
 * - AllocateAddress comes first and ReleaseAddress last; a released address holds nothing.
 * - A DisassociateAddress ends only the association it names; a successful AssociateAddress ends the previous
 *   association (the address moved, or it was unassociated already).
 * - ENI ids are never reused and an association to an ENI cannot outlive it: a deletion of the holder ENI ends the
 *   association at the later of the two times (a deletion stamped before the association it ends means the two
 *   happened within the clock's resolution, or the association was made to an ENI that was going away).
 * - Among associations stamped with the same time, one that was explicitly ended (disassociated, or its ENI
 *   deleted) is taken as the earlier one.
 */
import type { AddressAllocated, AddressAssociated, AddressReleased } from '../events/cloudtrail';
import {
  type FoldOptions,
  lastKeeperAssociation,
  NO_KEEPER,
  poolHistoryOf,
  poolTagEvents,
} from './decide-pool';
import type {
  EipAnchors,
  EipChange,
  EipDisassociation,
  EipFold,
  EipHistoryEvent,
  EipHolder,
  EipState,
  EniDeletion,
  EniRecord,
  HolderEnd,
  HolderEndKind,
  PastHolder,
} from './model';

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const later = (a: string, b: string): string => (a > b ? a : b);

export function compareEvents(a: { eventTime: string; eventId: string }, b: typeof a): number {
  return cmp(a.eventTime, b.eventTime) || cmp(a.eventId, b.eventId);
}

/** Tie-break priority when two ends fall on the same instant: the more specific explanation wins. */
const END_PRIORITY: Record<HolderEndKind, number> = {
  disassociated: 0,
  'eni-deleted': 1,
  reassociated: 2,
  released: 3,
};

/** The deletion an ENI record holds, in the fold's terms. */
export function eniDeletionOf(eni: EniRecord): EniDeletion | undefined {
  if (eni.deletedAt === undefined) return undefined;
  const d: EniDeletion = {
    at: eni.deletedAt,
    by: eni.deletedBy ?? { type: 'Unknown' },
    eventId: eni.deletedEventId ?? `unknown-${eni.eniId}`,
  };
  if (eni.deletedUserAgent !== undefined) d.userAgent = eni.deletedUserAgent;
  return d;
}

function change(e: EipHistoryEvent): EipChange {
  const c: EipChange = { eventName: e.eventName, eventId: e.eventId, eventTime: e.eventTime, actor: e.actor };
  if (e.userAgent !== undefined) c.userAgent = e.userAgent;
  return c;
}

function holderOf(a: AddressAssociated): EipHolder {
  return {
    associationId: a.associationId,
    eniId: a.eniId ?? null,
    privateIp: a.privateIp ?? null,
    instanceId: a.instanceId ?? null,
    since: a.eventTime,
    by: a.actor,
    eventId: a.eventId,
  };
}

/** One EIP's inputs, deduplicated by event id and sorted out by kind. */
interface FoldInputs {
  unique: EipHistoryEvent[];
  allocation: AddressAllocated | undefined;
  release: AddressReleased | undefined;
  /** In the order they held the address (see the ordering rules above). */
  associations: AddressAssociated[];
  /** The first DisassociateAddress of each association id. */
  disassociations: Map<string, EipDisassociation>;
  /** The deletions of the ENIs the address was associated with. */
  deletions: Map<string, EniDeletion>;
}

function inputsOf(
  allocationId: string,
  events: Iterable<EipHistoryEvent>,
  eniDeletions: ReadonlyMap<string, EniDeletion>,
): FoldInputs {
  const byId = new Map<string, EipHistoryEvent>();
  for (const e of [...events].sort(compareEvents)) {
    if (e.allocationId === allocationId && !byId.has(e.eventId)) byId.set(e.eventId, e);
  }
  const unique = [...byId.values()];

  const allocation = unique.find((e): e is AddressAllocated => e.eventName === 'AllocateAddress');
  const release = unique.find((e): e is AddressReleased => e.eventName === 'ReleaseAddress');
  const associations = unique.filter((e): e is AddressAssociated => e.eventName === 'AssociateAddress');
  const disassociations = new Map<string, EipDisassociation>();
  for (const e of unique) {
    if (e.eventName === 'DisassociateAddress' && !disassociations.has(e.associationId)) {
      disassociations.set(e.associationId, e);
    }
  }
  const deletions = new Map<string, EniDeletion>();
  for (const a of associations) {
    const d = a.eniId === undefined ? undefined : eniDeletions.get(a.eniId);
    if (a.eniId !== undefined && d) deletions.set(a.eniId, d);
  }

  const explicitlyEnded = (a: AddressAssociated) =>
    disassociations.has(a.associationId) || (a.eniId !== undefined && deletions.has(a.eniId));
  associations.sort(
    (x, y) =>
      cmp(x.eventTime, y.eventTime) ||
      Number(!explicitlyEnded(x)) - Number(!explicitlyEnded(y)) ||
      cmp(x.eventId, y.eventId),
  );
  return { unique, allocation, release, associations, disassociations, deletions };
}

/** The end of association `a` by event `e`: never before the association itself (see the ordering rules). */
function endBy(kind: HolderEndKind, a: AddressAssociated, e: EipHistoryEvent): HolderEnd {
  return {
    kind,
    at: later(e.eventTime, a.eventTime),
    by: e.actor,
    eventName: e.eventName,
    eventId: e.eventId,
  };
}

/** What ended the `i`-th association (the earliest of its possible ends), or null while it holds. */
function endOf(inputs: FoldInputs, i: number): HolderEnd | null {
  const { associations, disassociations, deletions, release } = inputs;
  const a = associations[i] as AddressAssociated;
  const candidates: HolderEnd[] = [];
  const dis = disassociations.get(a.associationId);
  if (dis) candidates.push(endBy('disassociated', a, dis));
  const del = a.eniId === undefined ? undefined : deletions.get(a.eniId);
  if (del) {
    candidates.push({
      kind: 'eni-deleted',
      at: later(del.at, a.eventTime),
      by: del.by,
      eventName: 'DeleteNetworkInterface',
      eventId: del.eventId,
    });
  }
  const next = associations[i + 1];
  if (next) candidates.push(endBy('reassociated', a, next));
  if (release) candidates.push(endBy('released', a, release));
  candidates.sort((x, y) => cmp(x.at, y.at) || END_PRIORITY[x.kind] - END_PRIORITY[y.kind]);
  return candidates[0] ?? null;
}

/** The last event that changed the state, given the last association and what ended it. */
function lastChangeOf(
  inputs: FoldInputs,
  last: AddressAssociated | undefined,
  lastEnd: HolderEnd | null,
): EipChange | null {
  const { allocation, release, disassociations, deletions } = inputs;
  if (release) return change(release);
  if (last && lastEnd?.kind === 'disassociated') {
    return change(disassociations.get(last.associationId) as EipDisassociation);
  }
  if (last && lastEnd?.kind === 'eni-deleted') {
    const del = deletions.get(last.eniId as string) as EniDeletion;
    const lastChange: EipChange = {
      eventName: 'DeleteNetworkInterface',
      eventId: del.eventId,
      eventTime: del.at,
      actor: del.by,
    };
    if (del.userAgent !== undefined) lastChange.userAgent = del.userAgent;
    return lastChange;
  }
  if (last) return change(last);
  if (allocation) return change(allocation);
  return null;
}

/**
 * The inputs the state cannot be refolded without: allocation, release, the last two associations and their ends,
 * and what pool membership rests on (the first and last pool-tag changes, the last removal, the keeper's last
 * association).
 */
function anchorsOf(inputs: FoldInputs, membership: readonly (EipHistoryEvent | undefined)[]): EipAnchors {
  const { allocation, release, associations, disassociations, deletions } = inputs;
  const anchorEvents = new Map<string, EipHistoryEvent>();
  const anchorDeletions = new Map<string, EniDeletion & { eniId: string }>();
  const keep = (e: EipHistoryEvent | undefined) => {
    if (e) anchorEvents.set(e.eventId, e);
  };
  keep(allocation);
  keep(release);
  for (const e of membership) keep(e);
  for (const a of associations.slice(-2)) {
    keep(a);
    keep(disassociations.get(a.associationId));
    const del = a.eniId === undefined ? undefined : deletions.get(a.eniId);
    if (a.eniId !== undefined && del) anchorDeletions.set(a.eniId, { eniId: a.eniId, ...del });
  }
  return {
    events: [...anchorEvents.values()].sort(compareEvents),
    eniDeletions: [...anchorDeletions.values()].sort((x, y) => cmp(x.eniId, y.eniId)),
  };
}

/** Folds one EIP's history and the deletions of the ENIs it was associated with into its state. */
export function foldEip(
  allocationId: string,
  events: Iterable<EipHistoryEvent>,
  eniDeletions: ReadonlyMap<string, EniDeletion>,
  options: FoldOptions = NO_KEEPER,
): EipFold {
  const inputs = inputsOf(allocationId, events, eniDeletions);
  const { unique, allocation, release, associations, deletions } = inputs;
  const poolEvents = poolTagEvents(unique);
  const keeper = lastKeeperAssociation(associations, options);

  const n = associations.length;
  const last = n > 0 ? (associations[n - 1] as AddressAssociated) : undefined;
  const lastEnd = last ? endOf(inputs, n - 1) : null;
  const holder = last && !lastEnd ? holderOf(last) : null;

  let lastHolder: PastHolder | null = null;
  if (last && lastEnd) lastHolder = { ...holderOf(last), ended: lastEnd };
  else if (n >= 2) {
    const prevEnd = endOf(inputs, n - 2);
    if (prevEnd) lastHolder = { ...holderOf(associations[n - 2] as AddressAssociated), ended: prevEnd };
  }

  const state: EipState = {
    allocationId,
    publicIp: allocation?.publicIp ?? null,
    status: release ? 'released' : holder ? 'associated' : 'idle',
    allocatedAt: allocation?.eventTime ?? null,
    allocatedBy: allocation?.actor ?? null,
    releasedAt: release?.eventTime ?? null,
    releasedBy: release?.actor ?? null,
    holder,
    idleSince: holder ? null : (lastEnd?.at ?? allocation?.eventTime ?? null),
    lastHolder,
    lastChange: lastChangeOf(inputs, last, lastEnd),
    pool: poolHistoryOf(poolEvents),
    keeperAssociation: keeper ? { at: keeper.eventTime, by: keeper.actor, eventId: keeper.eventId } : null,
    inputCount: unique.length + deletions.size,
  };

  const removals = poolEvents.filter((e) => e.eventName === 'DeleteTags');
  return {
    state,
    anchors: anchorsOf(inputs, [poolEvents[0], poolEvents.at(-1), removals.at(-1), keeper]),
    inputIds: [...unique.map((e) => e.eventId), ...[...deletions.keys()].map((id) => `DEL#${id}`)].sort(),
  };
}

/** The state alone (see `foldEip`). */
export function foldEipHistory(
  allocationId: string,
  events: Iterable<EipHistoryEvent>,
  eniDeletions: ReadonlyMap<string, EniDeletion>,
  options: FoldOptions = NO_KEEPER,
): EipState {
  return foldEip(allocationId, events, eniDeletions, options).state;
}
