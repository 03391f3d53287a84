/**
 * A track as stored and read back: from a track item's `state`, from a row of the index of tracks (by position, or
 * by name when another version wrote the body), and from the separate attributes of earlier versions. Every field of
 * a track comes back, in one object shape.
 */
import { describe, expect, it } from 'vitest';
import {
  decodeRow,
  decodeTrack,
  encodeTrack,
  rowLayout,
  rowValues,
  STATE_FIELDS,
} from '../../shared/sweeper/dynamo-sweep-store/track-codec';
import { type AddressTrack, EMPTY_TRACK_LEDGER } from '../../shared/sweeper/model';
import { EVERY_FIELD_SET } from './support/plan';

/** Every field set; the tags not ASCII (a body is UTF-8). */
const FULL: AddressTrack = { ...EVERY_FIELD_SET, status: 'present', tags: { Name: 'batch', team: 'wëb' } };

const asRow = (t: AddressTrack, fields: readonly string[] = STATE_FIELDS) => [
  t.allocationId,
  7,
  ...rowValues(JSON.parse(encodeTrack(t)), fields),
];

describe('a stored track', () => {
  it('reads back whole from its item', () => {
    const read = decodeTrack({ allocationId: FULL.allocationId, version: 7, state: encodeTrack(FULL) });

    expect(read).toEqual({ track: FULL, version: 7 });
    expect(Object.keys(read.track)).toEqual(Object.keys(FULL));
  });

  it('reads back whole from an index row, in the same shape', () => {
    const read = decodeRow(asRow(FULL), rowLayout(STATE_FIELDS));

    expect(read).toEqual({ track: FULL, version: 7 });
    expect(Object.keys(read.track)).toEqual(Object.keys(FULL));
  });

  it('reads back whole from a row of a body that orders its fields otherwise', () => {
    const reversed = [...STATE_FIELDS].reverse();

    expect(rowLayout(reversed).native).toBe(false);
    expect(decodeRow(asRow(FULL, reversed), rowLayout(reversed))).toEqual({ track: FULL, version: 7 });
  });

  it('fills what a state leaves out with the empty values', () => {
    const bare = { allocationId: FULL.allocationId, publicIp: FULL.publicIp } as AddressTrack;
    const fromItem = decodeTrack({ allocationId: bare.allocationId, version: 1, state: encodeTrack(bare) });
    const fromRow = decodeRow([bare.allocationId, 1, bare.publicIp], rowLayout(STATE_FIELDS));

    expect(fromRow).toEqual(fromItem);
    expect(fromItem.track).toMatchObject({ tags: {}, alerts: {}, episode: null, ledger: EMPTY_TRACK_LEDGER });
  });

  it("keeps a field a later version wrote, from its item and from its body's row", () => {
    const later = { ...FULL, leaseOwner: 'run-9' } as AddressTrack;
    const fields = [...STATE_FIELDS, 'leaseOwner'];

    expect(
      decodeTrack({ allocationId: FULL.allocationId, version: 7, state: encodeTrack(later) }).track,
    ).toEqual(later);
    expect(decodeRow(asRow(later, fields), rowLayout(fields)).track).toEqual(later);
  });

  it('reads the separate attributes of earlier versions, a release counted in its ledger', () => {
    const { ledger: _ledger, ...attributes } = FULL;
    const read = decodeTrack({ ...attributes, status: 'released', version: 2 });

    expect(read.track.ledger.released).toEqual({ at: FULL.releasedAt, rateUsd: 0.005 });
  });
});
