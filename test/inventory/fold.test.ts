import { describe, expect, it } from 'vitest';
import type {
  Actor,
  AddressAllocated,
  AddressAssociated,
  AddressReleased,
} from '../../shared/events/cloudtrail';
import { foldEip, foldEipHistory } from '../../shared/inventory/decide';
import type { EipDisassociation, EipHistoryEvent, EipState, EniDeletion } from '../../shared/inventory/model';

const A = 'eipalloc-0aaaaaaaaaaaaaaa1';
const alice: Actor = { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/alice', userName: 'alice' };
const bob: Actor = { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/bob', userName: 'bob' };
const keeper: Actor = { type: 'AssumedRole', userName: 'eip-keeper-function', sessionName: 'eip-keeper' };
const vpcRc: Actor = { type: 'AssumedRole', userName: 'eks-cluster-role', invokedBy: 'eks.amazonaws.com' };

const T = (hms: string) => `2026-01-05T${hms}.000Z`;

const allocated = (eventId: string, at: string, by = alice): AddressAllocated => ({
  eventId,
  eventTime: T(at),
  eventName: 'AllocateAddress',
  actor: by,
  userAgent: 'aws-cli/2.22.0',
  allocationId: A,
  publicIp: '203.0.113.25',
});
const associated = (
  eventId: string,
  at: string,
  associationId: string,
  eniId: string,
  privateIp = '10.0.0.10',
  by = keeper,
): AddressAssociated => ({
  eventId,
  eventTime: T(at),
  eventName: 'AssociateAddress',
  actor: by,
  allocationId: A,
  associationId,
  eniId,
  privateIp,
});
const disassociated = (
  eventId: string,
  at: string,
  associationId: string,
  by = alice,
): EipDisassociation => ({
  eventId,
  eventTime: T(at),
  eventName: 'DisassociateAddress',
  actor: by,
  allocationId: A,
  associationId,
});
const released = (eventId: string, at: string, by = alice): AddressReleased => ({
  eventId,
  eventTime: T(at),
  eventName: 'ReleaseAddress',
  actor: by,
  allocationId: A,
});
const deletion = (eventId: string, at: string, by = vpcRc): EniDeletion => ({ at: T(at), by, eventId });
const none = new Map<string, EniDeletion>();

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

describe('foldEipHistory basics', () => {
  it('knows nothing about an EIP without history', () => {
    expect(foldEipHistory(A, [], none)).toEqual({
      allocationId: A,
      publicIp: null,
      status: 'idle',
      allocatedAt: null,
      allocatedBy: null,
      releasedAt: null,
      releasedBy: null,
      holder: null,
      idleSince: null,
      lastHolder: null,
      lastChange: null,
      pool: null,
      keeperAssociation: null,
      inputCount: 0,
    } satisfies EipState);
  });

  it('shows a freshly allocated EIP as idle since its allocation', () => {
    expect(foldEipHistory(A, [allocated('e1', '09:00:00')], none)).toEqual({
      allocationId: A,
      publicIp: '203.0.113.25',
      status: 'idle',
      allocatedAt: T('09:00:00'),
      allocatedBy: alice,
      releasedAt: null,
      releasedBy: null,
      holder: null,
      idleSince: T('09:00:00'),
      lastHolder: null,
      lastChange: {
        eventName: 'AllocateAddress',
        eventId: 'e1',
        eventTime: T('09:00:00'),
        actor: alice,
        userAgent: 'aws-cli/2.22.0',
      },
      pool: null,
      keeperAssociation: null,
      inputCount: 1,
    } satisfies EipState);
  });

  it('shows an associated EIP with its holder and no idle time', () => {
    const state = foldEipHistory(
      A,
      [allocated('e1', '09:00:00'), associated('e2', '09:10:05', 'eipassoc-1', 'eni-1')],
      none,
    );
    expect(state).toMatchObject({
      status: 'associated',
      idleSince: null,
      lastHolder: null,
      holder: {
        associationId: 'eipassoc-1',
        eniId: 'eni-1',
        privateIp: '10.0.0.10',
        instanceId: null,
        since: T('09:10:05'),
        by: keeper,
        eventId: 'e2',
      },
      lastChange: { eventName: 'AssociateAddress', eventId: 'e2' },
    });
  });

  it('shows who disassociated an EIP and since when it is idle', () => {
    const state = foldEipHistory(
      A,
      [
        allocated('e1', '09:00:00'),
        associated('e2', '09:10:05', 'eipassoc-1', 'eni-1'),
        disassociated('e3', '09:40:00', 'eipassoc-1', bob),
      ],
      none,
    );
    expect(state).toMatchObject({
      status: 'idle',
      holder: null,
      idleSince: T('09:40:00'),
      lastHolder: {
        associationId: 'eipassoc-1',
        eniId: 'eni-1',
        ended: {
          kind: 'disassociated',
          at: T('09:40:00'),
          by: bob,
          eventName: 'DisassociateAddress',
          eventId: 'e3',
        },
      },
      lastChange: { eventName: 'DisassociateAddress', eventId: 'e3', actor: bob },
      inputCount: 3,
    });
  });

  it('ignores duplicated events', () => {
    const events = [allocated('e1', '09:00:00'), associated('e2', '09:10:05', 'eipassoc-1', 'eni-1')];
    const once = foldEipHistory(A, events, none);
    const twice = foldEipHistory(A, [...events, ...events, events[1] as EipHistoryEvent], none);
    expect(twice).toEqual(once);
    expect(twice.inputCount).toBe(2);
  });

  it('ignores events of other EIPs that were passed in by mistake', () => {
    const other = { ...associated('x1', '09:30:00', 'eipassoc-9', 'eni-9'), allocationId: 'eipalloc-0other' };
    expect(foldEipHistory(A, [allocated('e1', '09:00:00'), other], none)).toEqual(
      foldEipHistory(A, [allocated('e1', '09:00:00')], none),
    );
  });

  it('shows an EIP allocated before the recorded history with an unknown allocation', () => {
    const state = foldEipHistory(A, [associated('e2', '09:10:05', 'eipassoc-1', 'eni-1')], none);
    expect(state).toMatchObject({
      status: 'associated',
      publicIp: null,
      allocatedAt: null,
      allocatedBy: null,
    });
  });

  it('shows an association to an instance without an ENI', () => {
    const toInstance: AddressAssociated = {
      ...associated('e2', '09:10:05', 'eipassoc-1', 'unused'),
      instanceId: 'i-0123456789abcdef0',
    };
    delete toInstance.eniId;
    delete toInstance.privateIp;
    const state = foldEipHistory(A, [toInstance], new Map([['eni-1', deletion('d', '09:20:00')]]));
    expect(state.holder).toMatchObject({ eniId: null, privateIp: null, instanceId: 'i-0123456789abcdef0' });
    expect(state.inputCount).toBe(1);
  });
});

describe('foldEipHistory and ENI deletions', () => {
  it('ends the association when the holder ENI is deleted after it', () => {
    const state = foldEipHistory(
      A,
      [allocated('e1', '09:00:00'), associated('e2', '09:10:05', 'eipassoc-1', 'eni-1')],
      new Map([['eni-1', deletion('d1', '09:41:00')]]),
    );
    expect(state).toMatchObject({
      status: 'idle',
      holder: null,
      idleSince: T('09:41:00'),
      lastHolder: {
        associationId: 'eipassoc-1',
        ended: {
          kind: 'eni-deleted',
          at: T('09:41:00'),
          by: vpcRc,
          eventName: 'DeleteNetworkInterface',
          eventId: 'd1',
        },
      },
      lastChange: {
        eventName: 'DeleteNetworkInterface',
        eventId: 'd1',
        eventTime: T('09:41:00'),
        actor: vpcRc,
      },
      inputCount: 3,
    });
  });

  it('ends an association made to an ENI already deleted, at the association time', () => {
    const state = foldEipHistory(
      A,
      [allocated('e1', '09:00:00'), associated('e2', '09:10:05', 'eipassoc-1', 'eni-1')],
      new Map([['eni-1', deletion('d1', '09:10:04')]]),
    );
    expect(state).toMatchObject({
      status: 'idle',
      holder: null,
      idleSince: T('09:10:05'),
      lastHolder: {
        associationId: 'eipassoc-1',
        ended: { kind: 'eni-deleted', at: T('09:10:05'), by: vpcRc },
      },
    });
  });

  it('ignores deletions of ENIs the EIP was never associated with', () => {
    const state = foldEipHistory(
      A,
      [allocated('e1', '09:00:00'), associated('e2', '09:10:05', 'eipassoc-1', 'eni-1')],
      new Map([['eni-2', deletion('d2', '09:20:00')]]),
    );
    expect(state).toMatchObject({ status: 'associated', inputCount: 2 });
  });

  it('does not let the deletion of a former holder ENI end the current association', () => {
    const state = foldEipHistory(
      A,
      [
        associated('e2', '09:10:05', 'eipassoc-1', 'eni-1'),
        associated('e3', '09:20:00', 'eipassoc-2', 'eni-2', '10.0.0.20', alice),
      ],
      new Map([['eni-1', deletion('d1', '09:30:00')]]),
    );
    expect(state).toMatchObject({
      status: 'associated',
      holder: { associationId: 'eipassoc-2', eniId: 'eni-2' },
      lastHolder: {
        associationId: 'eipassoc-1',
        ended: { kind: 'reassociated', at: T('09:20:00'), by: alice },
      },
      inputCount: 3,
    });
  });
});

describe('foldEipHistory, reassociation and release', () => {
  it('shows a re-association to a new ENI, and who moved the address', () => {
    const state = foldEipHistory(
      A,
      [
        allocated('e1', '09:00:00'),
        associated('e2', '09:10:05', 'eipassoc-1', 'eni-1'),
        associated('e3', '09:50:00', 'eipassoc-2', 'eni-2', '10.0.0.20', bob),
      ],
      none,
    );
    expect(state).toMatchObject({
      status: 'associated',
      holder: { associationId: 'eipassoc-2', eniId: 'eni-2', privateIp: '10.0.0.20', by: bob },
      lastHolder: {
        associationId: 'eipassoc-1',
        eniId: 'eni-1',
        ended: {
          kind: 'reassociated',
          at: T('09:50:00'),
          by: bob,
          eventName: 'AssociateAddress',
          eventId: 'e3',
        },
      },
      idleSince: null,
      lastChange: { eventId: 'e3' },
    });
  });

  it('shows a released EIP as released, holding nothing, with when it became idle', () => {
    const state = foldEipHistory(
      A,
      [
        allocated('e1', '09:00:00'),
        associated('e2', '09:10:05', 'eipassoc-1', 'eni-1'),
        disassociated('e3', '09:40:00', 'eipassoc-1'),
        released('e4', '10:00:00', bob),
      ],
      none,
    );
    expect(state).toMatchObject({
      status: 'released',
      holder: null,
      releasedAt: T('10:00:00'),
      releasedBy: bob,
      idleSince: T('09:40:00'),
      lastHolder: { associationId: 'eipassoc-1', ended: { kind: 'disassociated' } },
      lastChange: { eventName: 'ReleaseAddress', eventId: 'e4', actor: bob },
    });
  });

  it('ends a still-recorded association at the release when its disassociation was never delivered', () => {
    const state = foldEipHistory(
      A,
      [associated('e2', '09:10:05', 'eipassoc-1', 'eni-1'), released('e4', '10:00:00')],
      none,
    );
    expect(state).toMatchObject({
      status: 'released',
      holder: null,
      idleSince: T('10:00:00'),
      lastHolder: { ended: { kind: 'released', at: T('10:00:00') } },
    });
  });

  it('does not let a disassociation of a superseded association end the current one', () => {
    const state = foldEipHistory(
      A,
      [
        associated('e2', '09:10:05', 'eipassoc-1', 'eni-1'),
        associated('e3', '09:20:00', 'eipassoc-2', 'eni-2'),
        disassociated('e4', '09:30:00', 'eipassoc-1'),
      ],
      none,
    );
    expect(state).toMatchObject({
      status: 'associated',
      holder: { associationId: 'eipassoc-2' },
      lastHolder: { associationId: 'eipassoc-1', ended: { kind: 'reassociated' } },
      lastChange: { eventId: 'e3' },
    });
  });

  it('ends an association at its own time when its disassociation is stamped earlier (clock skew)', () => {
    const state = foldEipHistory(
      A,
      [associated('e2', '09:10:05', 'eipassoc-1', 'eni-1'), disassociated('e3', '09:10:04', 'eipassoc-1')],
      none,
    );
    expect(state).toMatchObject({ status: 'idle', idleSince: T('09:10:05') });
  });
});

describe('foldEipHistory within one second', () => {
  it('takes the explicitly ended one of two same-second associations as the earlier', () => {
    // Event ids sort the new association ("a…") before the old one ("b…"): the fold must not trust them.
    const events = [
      associated('b-old', '09:10:05', 'eipassoc-1', 'eni-1'),
      disassociated('c-dis', '09:10:05', 'eipassoc-1'),
      associated('a-new', '09:10:05', 'eipassoc-2', 'eni-2'),
    ];
    const state = foldEipHistory(A, events, none);
    expect(state).toMatchObject({
      status: 'associated',
      holder: { associationId: 'eipassoc-2' },
      lastHolder: { associationId: 'eipassoc-1', ended: { kind: 'disassociated' } },
    });
  });

  it('puts allocation first and release last even when all are stamped alike', () => {
    const events = [
      released('a-rel', '09:00:00'),
      disassociated('b-dis', '09:00:00', 'eipassoc-1'),
      associated('c-assoc', '09:00:00', 'eipassoc-1', 'eni-1'),
      allocated('d-alloc', '09:00:00'),
    ];
    expect(foldEipHistory(A, events, none)).toMatchObject({
      status: 'released',
      holder: null,
      lastHolder: { associationId: 'eipassoc-1', ended: { kind: 'disassociated' } },
      lastChange: { eventName: 'ReleaseAddress' },
      allocatedAt: T('09:00:00'),
    });
  });
});

describe('foldEipHistory is independent of delivery order', () => {
  // A pod's EIP moves across three branch ENIs: disassociated by hand, then its ENI deleted with the pod.
  const story: EipHistoryEvent[] = [
    allocated('e1', '09:00:00'),
    associated('e2', '09:10:05', 'eipassoc-1', 'eni-1'),
    disassociated('e3', '09:40:00', 'eipassoc-1', bob),
    associated('e4', '09:45:00', 'eipassoc-2', 'eni-2', '10.0.0.20'),
    associated('e5', '10:01:00', 'eipassoc-3', 'eni-3', '10.0.0.30'),
    disassociated('e6', '10:30:00', 'eipassoc-3', alice),
  ];
  const deletions = new Map([
    ['eni-2', deletion('d2', '10:00:00')],
    ['eni-1', deletion('d1', '09:41:00')],
  ]);
  const expected: EipState = {
    allocationId: A,
    publicIp: '203.0.113.25',
    status: 'idle',
    allocatedAt: T('09:00:00'),
    allocatedBy: alice,
    releasedAt: null,
    releasedBy: null,
    holder: null,
    idleSince: T('10:30:00'),
    lastHolder: {
      associationId: 'eipassoc-3',
      eniId: 'eni-3',
      privateIp: '10.0.0.30',
      instanceId: null,
      since: T('10:01:00'),
      by: keeper,
      eventId: 'e5',
      ended: {
        kind: 'disassociated',
        at: T('10:30:00'),
        by: alice,
        eventName: 'DisassociateAddress',
        eventId: 'e6',
      },
    },
    lastChange: { eventName: 'DisassociateAddress', eventId: 'e6', eventTime: T('10:30:00'), actor: alice },
    pool: null,
    keeperAssociation: null,
    inputCount: 8,
  };

  it('folds the story in order to the expected state', () => {
    expect(foldEipHistory(A, story, deletions)).toEqual(expected);
  });

  it('folds every one of the 720 orders of the story to the same state', () => {
    const orders = permutations(story);
    expect(orders).toHaveLength(720);
    for (const order of orders) expect(foldEipHistory(A, order, deletions)).toEqual(expected);
  });

  it('folds every order of every prefix-by-arrival to the state of the events it has', () => {
    // Whatever arrived so far, the fold depends only on which events arrived.
    for (const order of permutations(story.slice(0, 5))) {
      for (let k = 1; k <= order.length; k++) {
        const arrived = order.slice(0, k);
        const sorted = [...arrived].sort((x, y) => (x.eventId < y.eventId ? -1 : 1));
        expect(foldEipHistory(A, arrived, deletions)).toEqual(foldEipHistory(A, sorted, deletions));
      }
    }
  });

  it('shows the holder between the pod deletion and the next association correctly', () => {
    const upTo = story.slice(0, 4);
    expect(foldEipHistory(A, upTo, deletions)).toMatchObject({
      status: 'idle',
      idleSince: T('10:00:00'),
      lastHolder: { associationId: 'eipassoc-2', ended: { kind: 'eni-deleted', by: vpcRc } },
    });
  });
});

describe('foldEip anchors and input ids', () => {
  it('names every input it folded, sorted', () => {
    const fold = foldEip(
      A,
      [associated('e2', '09:10:05', 'eipassoc-1', 'eni-1'), allocated('e1', '09:00:00')],
      new Map([
        ['eni-1', deletion('d1', '09:41:00')],
        ['eni-x', deletion('dx', '09:41:00')],
      ]),
    );
    expect(fold.inputIds).toEqual(['DEL#eni-1', 'e1', 'e2']);
  });

  it('keeps allocation, release, the last two associations and what ended them as anchors', () => {
    const events: EipHistoryEvent[] = [allocated('e01', '09:00:00')];
    for (let i = 1; i <= 6; i++) {
      events.push(associated(`e${i}a`, `1${i}:00:00`, `eipassoc-${i}`, `eni-${i}`));
      events.push(disassociated(`e${i}d`, `1${i}:30:00`, `eipassoc-${i}`));
    }
    const fold = foldEip(A, events, new Map([['eni-5', deletion('d5', '15:10:00')]]));
    expect(fold.anchors.events.map((e) => e.eventId)).toEqual(['e01', 'e5a', 'e5d', 'e6a', 'e6d']);
    expect(fold.anchors.eniDeletions).toEqual([{ eniId: 'eni-5', ...deletion('d5', '15:10:00') }]);
  });

  it('folds anchors plus later events to the same state as the full history (but for the count)', () => {
    const events: EipHistoryEvent[] = [allocated('e01', '09:00:00')];
    for (let i = 1; i <= 6; i++) {
      events.push(associated(`e${i}a`, `1${i}:00:00`, `eipassoc-${i}`, `eni-${i}`));
      if (i < 6) events.push(disassociated(`e${i}d`, `1${i}:30:00`, `eipassoc-${i}`));
    }
    const deletions = new Map([['eni-6', deletion('d6', '17:00:00')]]);
    const { anchors } = foldEip(A, events, deletions);
    const anchorDeletions = new Map(anchors.eniDeletions.map(({ eniId, ...d }) => [eniId, d]));
    const later: EipHistoryEvent[] = [associated('e7a', '18:00:00', 'eipassoc-7', 'eni-7')];

    const { inputCount: _full, ...full } = foldEipHistory(A, [...events, ...later], deletions);
    const { inputCount: _anchored, ...anchored } = foldEipHistory(
      A,
      [...anchors.events, ...later],
      anchorDeletions,
    );
    expect(anchored).toEqual(full);
    expect(full).toMatchObject({
      holder: { associationId: 'eipassoc-7' },
      lastHolder: { associationId: 'eipassoc-6', ended: { kind: 'eni-deleted' } },
    });
  });
});
