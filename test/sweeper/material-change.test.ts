/**
 * Which changes of a track a sweep writes: every field's but the "last seen" bookkeeping and the wording, compared by
 * value whatever the order of keys. An hourly sweep of addresses in use and unchanged writes nothing because of it.
 */
import { describe, expect, it } from 'vitest';
import type { AddressTrack } from '../../shared/sweeper/model';
import { materiallyDifferent } from '../../shared/sweeper/track-writes';
import { EVERY_FIELD_SET, track as trackOf } from './support/plan';

const AT = '2026-01-05T10:00:00.000Z';

const track = trackOf({
  firstSeenAt: AT,
  lastSeenAt: AT,
  classification: 'idle',
  tags: { Name: 'batch', team: 'data' },
  poolSeen: { pool: 'p', at: AT, goneAt: null },
  lastSeenInUseAt: AT,
  lastSeenHolder: { networkInterfaceId: 'eni-0a', privateIp: '10.0.0.4', instanceId: null },
  episode: { key: AT, start: AT, source: 'first-observation', rateUsd: 0.005 },
  alerts: { orphan: AT },
});

/** A value of each field unlike `track`'s. */
const CHANGED = EVERY_FIELD_SET;

const BOOKKEEPING = new Set<keyof AddressTrack>(['lastSeenAt', 'lastRunId', 'lastSeenInUseAt', 'reason']);
const fields = Object.keys(CHANGED) as (keyof AddressTrack)[];

describe('a material change of a track', () => {
  it.each(fields.filter((f) => !BOOKKEEPING.has(f)))('is a change of %s', (field) => {
    expect(materiallyDifferent(track, { ...track, [field]: CHANGED[field] })).toBe(true);
  });

  it.each([...BOOKKEEPING])('is not a change of %s alone', (field) => {
    expect(materiallyDifferent(track, { ...track, [field]: CHANGED[field] })).toBe(false);
  });

  it('is not the same values in other objects, in another key order', () => {
    const copy = JSON.parse(JSON.stringify(track)) as AddressTrack;
    copy.tags = { team: 'data', Name: 'batch' };

    expect(materiallyDifferent(track, copy)).toBe(false);
  });

  it('is a key added or removed, even with an undefined or null value', () => {
    expect(materiallyDifferent(track, { ...track, tags: { ...track.tags, extra: '' } })).toBe(true);
    expect(materiallyDifferent(track, { ...track, tags: { Name: 'batch' } })).toBe(true);
    expect(materiallyDifferent(track, { ...track, episode: null })).toBe(true);
  });
});
