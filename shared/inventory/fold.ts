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
import type {
  Actor,
  AddressAllocated,
  AddressAssociated,
  AddressDisassociated,
  AddressReleased,
} from '../events/cloudtrail';

/** A DisassociateAddress whose allocation the recorder has resolved (through the association id). */
export interface EipDisassociation extends AddressDisassociated {
  allocationId: string;
}

/** What an EIP's history holds. */
export type EipHistoryEvent = AddressAllocated | AddressAssociated | EipDisassociation | AddressReleased;

/** A deleted ENI, as its ENI record knows it. */
export interface EniDeletion {
  at: string;
  by: Actor;
  eventId: string;
  userAgent?: string;
}

export interface EipChange {
  eventName: string;
  eventId: string;
  eventTime: string;
  actor: Actor;
  userAgent?: string;
}

export interface EipHolder {
  associationId: string;
  eniId: string | null;
  privateIp: string | null;
  instanceId: string | null;
  /** When the association was made (the AssociateAddress time). */
  since: string;
  by: Actor;
  eventId: string;
}

export type HolderEndKind = 'disassociated' | 'eni-deleted' | 'reassociated' | 'released';

/** What ended an association, when, and who did it. */
export interface HolderEnd {
  kind: HolderEndKind;
  at: string;
  by: Actor;
  eventName: string;
  eventId: string;
}

export interface PastHolder extends EipHolder {
  ended: HolderEnd;
}

export type EipStatus = 'associated' | 'idle' | 'released';

export interface EipState {
  allocationId: string;
  /** Null when the allocation predates the recorded history. */
  publicIp: string | null;
  status: EipStatus;
  allocatedAt: string | null;
  allocatedBy: Actor | null;
  releasedAt: string | null;
  releasedBy: Actor | null;
  holder: EipHolder | null;
  /**
   * When the address last became unassociated: its last association's end, or its allocation when it never was
   * associated. Null while associated, or when unknown. For a released address: when it became idle before release.
   */
  idleSince: string | null;
  /** The association before the current state, with what ended it. */
  lastHolder: PastHolder | null;
  /** The last event that changed the state. */
  lastChange: EipChange | null;
  /** History events plus ENI deletions folded (after deduplication). */
  inputCount: number;
}

/**
 * The inputs that determine a state: allocation, release, the last two associations and what ended them. The
 * recorder keeps them on the state item, so the state survives its history expiring (TTL) — see
 * docs/data-model.md.
 */
export interface EipAnchors {
  events: EipHistoryEvent[];
  eniDeletions: Array<EniDeletion & { eniId: string }>;
}

export interface EipFold {
  state: EipState;
  anchors: EipAnchors;
  /** Identity of every input folded, sorted: event ids, and `DEL#<eniId>` per ENI deletion. */
  inputIds: string[];
}

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

/** Folds one EIP's history and the deletions of the ENIs it was associated with into its state. */
export function foldEip(
  allocationId: string,
  events: Iterable<EipHistoryEvent>,
  eniDeletions: ReadonlyMap<string, EniDeletion>,
): EipFold {
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

  const endOf = (i: number): HolderEnd | null => {
    const a = associations[i] as AddressAssociated;
    const candidates: HolderEnd[] = [];
    const dis = disassociations.get(a.associationId);
    if (dis) {
      candidates.push({
        kind: 'disassociated',
        at: later(dis.eventTime, a.eventTime),
        by: dis.actor,
        eventName: dis.eventName,
        eventId: dis.eventId,
      });
    }
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
    if (next) {
      candidates.push({
        kind: 'reassociated',
        at: later(next.eventTime, a.eventTime),
        by: next.actor,
        eventName: next.eventName,
        eventId: next.eventId,
      });
    }
    if (release) {
      candidates.push({
        kind: 'released',
        at: later(release.eventTime, a.eventTime),
        by: release.actor,
        eventName: release.eventName,
        eventId: release.eventId,
      });
    }
    candidates.sort((x, y) => cmp(x.at, y.at) || END_PRIORITY[x.kind] - END_PRIORITY[y.kind]);
    return candidates[0] ?? null;
  };

  const n = associations.length;
  const last = n > 0 ? (associations[n - 1] as AddressAssociated) : undefined;
  const lastEnd = last ? endOf(n - 1) : null;
  const holder = last && !lastEnd ? holderOf(last) : null;

  let lastHolder: PastHolder | null = null;
  if (last && lastEnd) lastHolder = { ...holderOf(last), ended: lastEnd };
  else if (n >= 2) {
    const prevEnd = endOf(n - 2);
    if (prevEnd) lastHolder = { ...holderOf(associations[n - 2] as AddressAssociated), ended: prevEnd };
  }

  let lastChange: EipChange | null = null;
  if (release) lastChange = change(release);
  else if (last && lastEnd?.kind === 'disassociated') {
    lastChange = change(disassociations.get(last.associationId) as EipDisassociation);
  } else if (last && lastEnd?.kind === 'eni-deleted') {
    const del = deletions.get(last.eniId as string) as EniDeletion;
    lastChange = {
      eventName: 'DeleteNetworkInterface',
      eventId: del.eventId,
      eventTime: del.at,
      actor: del.by,
    };
    if (del.userAgent !== undefined) lastChange.userAgent = del.userAgent;
  } else if (last) lastChange = change(last);
  else if (allocation) lastChange = change(allocation);

  const idleSince = holder ? null : (lastEnd?.at ?? allocation?.eventTime ?? null);

  const state: EipState = {
    allocationId,
    publicIp: allocation?.publicIp ?? null,
    status: release ? 'released' : holder ? 'associated' : 'idle',
    allocatedAt: allocation?.eventTime ?? null,
    allocatedBy: allocation?.actor ?? null,
    releasedAt: release?.eventTime ?? null,
    releasedBy: release?.actor ?? null,
    holder,
    idleSince,
    lastHolder,
    lastChange,
    inputCount: unique.length + deletions.size,
  };

  const anchorEvents = new Map<string, EipHistoryEvent>();
  const anchorDeletions = new Map<string, EniDeletion & { eniId: string }>();
  const keep = (e: EipHistoryEvent | undefined) => {
    if (e) anchorEvents.set(e.eventId, e);
  };
  keep(allocation);
  keep(release);
  for (const a of associations.slice(-2)) {
    keep(a);
    keep(disassociations.get(a.associationId));
    const del = a.eniId === undefined ? undefined : deletions.get(a.eniId);
    if (a.eniId !== undefined && del) anchorDeletions.set(a.eniId, { eniId: a.eniId, ...del });
  }

  return {
    state,
    anchors: {
      events: [...anchorEvents.values()].sort(compareEvents),
      eniDeletions: [...anchorDeletions.values()].sort((x, y) => cmp(x.eniId, y.eniId)),
    },
    inputIds: [...unique.map((e) => e.eventId), ...[...deletions.keys()].map((id) => `DEL#${id}`)].sort(),
  };
}

/** The state alone (see `foldEip`). */
export function foldEipHistory(
  allocationId: string,
  events: Iterable<EipHistoryEvent>,
  eniDeletions: ReadonlyMap<string, EniDeletion>,
): EipState {
  return foldEip(allocationId, events, eniDeletions).state;
}
