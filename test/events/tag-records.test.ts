import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { matchesPattern } from '../../local/eventbridge/match';
import { changesOfKey, parseAddressTagEvent } from '../../shared/events/cloudtrail';
import { addressTagEventPattern } from '../../shared/events/patterns';
import { cloudTrail, ORIGIN } from '../support/cloudtrail';

const tagCall = (
  eventName: 'CreateTags' | 'DeleteTags',
  resources: string[],
  tags: { key: string; value?: string }[],
  extra: Record<string, unknown> = {},
) =>
  cloudTrail(
    eventName,
    { id: '5f0c5e8e-1d1a-4f0e-9a3e-000000000001', at: '2026-01-05T10:00:00Z' },
    { resourcesSet: { items: resources.map((resourceId) => ({ resourceId })) }, tagSet: { items: tags } },
    { requestId: 'r-1', _return: true },
    extra,
  );

describe('tag changes on Elastic IPs', () => {
  it('reads who added the pool tag to which addresses', () => {
    const r = parseAddressTagEvent(
      tagCall('CreateTags', ['eipalloc-0a1', 'eni-0b2'], [{ key: 'eip-keeper:pool', value: 'payments' }]),
      ORIGIN,
    );
    expect(r.kind).toBe('ok');
    if (r.kind !== 'ok') return;
    expect(r.record.allocationIds).toEqual(['eipalloc-0a1']);
    expect(r.record.actor.arn).toBe('arn:aws:iam::111122223333:user/alice');
    expect(r.record.eventTime).toBe('2026-01-05T10:00:00.000Z');
    expect(changesOfKey(r.record, 'eip-keeper:pool')).toEqual({ kind: 'added', value: 'payments' });
    expect(changesOfKey(r.record, 'Name')).toBeUndefined();
  });

  it('tells a removal by key alone from a removal of one value', () => {
    const byKey = parseAddressTagEvent(
      tagCall('DeleteTags', ['eipalloc-0a1'], [{ key: 'eip-keeper:pool' }]),
      ORIGIN,
    );
    const byValue = parseAddressTagEvent(
      tagCall('DeleteTags', ['eipalloc-0a1'], [{ key: 'eip-keeper:pool', value: 'payments' }]),
      ORIGIN,
    );
    expect(byKey.kind === 'ok' && changesOfKey(byKey.record, 'eip-keeper:pool')).toEqual({ kind: 'removed' });
    expect(byValue.kind === 'ok' && changesOfKey(byValue.record, 'eip-keeper:pool')).toEqual({
      kind: 'removed',
      value: 'payments',
    });
  });

  it('refuses a call that touched no address, and a failed call', () => {
    expect(
      parseAddressTagEvent(tagCall('CreateTags', ['i-0abc'], [{ key: 'a', value: 'b' }]), ORIGIN),
    ).toMatchObject({
      kind: 'rejected',
      reason: 'unknown-event-name',
    });
    const failed = tagCall('CreateTags', ['eipalloc-0a1'], [{ key: 'eip-keeper:pool', value: 'x' }], {
      errorCode: 'Client.UnauthorizedOperation',
    });
    expect(parseAddressTagEvent(failed, ORIGIN)).toMatchObject({ kind: 'rejected', reason: 'failed-call' });
  });

  it('ignores resource ids that are not well-formed allocation ids', () => {
    const r = parseAddressTagEvent(
      tagCall(
        'CreateTags',
        ['eipalloc-0a1\n', `eipalloc-${'a'.repeat(200)}`, 'eipalloc-0c3'],
        [{ key: 'k', value: 'v' }],
      ),
      ORIGIN,
    );
    expect(r.kind === 'ok' && r.record.allocationIds).toEqual(['eipalloc-0c3']);
  });

  it('is routed by its rule only when an address is among the resources', () => {
    expect(
      matchesPattern(addressTagEventPattern, tagCall('CreateTags', ['eni-0b2', 'eipalloc-0a1'], [])),
    ).toBe(true);
    expect(matchesPattern(addressTagEventPattern, tagCall('CreateTags', ['eni-0b2', 'i-0c3'], []))).toBe(
      false,
    );
    expect(matchesPattern(addressTagEventPattern, tagCall('DeleteTags', ['eipalloc-0a1'], []))).toBe(true);
  });
});

describe('EventBridge matching over arrays of objects', () => {
  it('matches each field of the pattern against the field of any element, as EventBridge flattens arrays', () => {
    const pattern = { detail: { items: { a: ['x'], b: ['y'] } } };
    expect(matchesPattern(pattern, { detail: { items: [{ a: 'x' }, { b: 'y' }] } })).toBe(true);
    expect(matchesPattern(pattern, { detail: { items: [{ a: 'x' }, { b: 'z' }] } })).toBe(false);
    expect(matchesPattern(pattern, { detail: { items: [] } })).toBe(false);
  });
});

describe('the sample events', () => {
  const sample = (name: string): unknown =>
    JSON.parse(readFileSync(new URL(`../../events/${name}.json`, import.meta.url), 'utf8'));

  it('parse as the pool tag added and removed by the same user', () => {
    const added = parseAddressTagEvent(sample('create-tags-pool'), ORIGIN);
    const removed = parseAddressTagEvent(sample('delete-tags-pool'), ORIGIN);
    expect(added.kind === 'ok' && changesOfKey(added.record, 'eip-keeper:pool')).toEqual({
      kind: 'added',
      value: 'payments',
    });
    expect(removed.kind === 'ok' && changesOfKey(removed.record, 'eip-keeper:pool')).toEqual({
      kind: 'removed',
    });
    expect(matchesPattern(addressTagEventPattern, sample('create-tags-pool'))).toBe(true);
  });
});
