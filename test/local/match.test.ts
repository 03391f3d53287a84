import { describe, expect, it } from 'vitest';
import { matchesPattern } from '../../local/eventbridge/match';
import {
  auditorEksNativePattern,
  auditorIpExhaustionPattern,
  inventoryEventPattern,
} from '../../shared/events/patterns';

const cloudTrail = (detail: Record<string, unknown>, source = 'aws.ec2') => ({
  version: '0',
  id: 'x',
  'detail-type': 'AWS API Call via CloudTrail',
  source,
  account: '111122223333',
  time: '2026-01-05T09:00:00Z',
  region: 'eu-west-1',
  resources: [],
  detail: { eventSource: 'ec2.amazonaws.com', ...detail },
});

describe('EventBridge pattern matching', () => {
  it('routes an inventory event name to the inventory rule', () => {
    expect(matchesPattern(inventoryEventPattern, cloudTrail({ eventName: 'AssociateAddress' }))).toBe(true);
  });

  it('does not route an EC2 call the inventory does not track', () => {
    expect(matchesPattern(inventoryEventPattern, cloudTrail({ eventName: 'RunInstances' }))).toBe(false);
  });

  it('does not route an event from another source', () => {
    expect(
      matchesPattern(inventoryEventPattern, cloudTrail({ eventName: 'AssociateAddress' }, 'aws.eks')),
    ).toBe(false);
  });

  it('does not match when a nested field the pattern needs is missing', () => {
    const event = { ...cloudTrail({}), detail: undefined };
    expect(matchesPattern(inventoryEventPattern, event)).toBe(false);
  });

  it('matches a subnet-exhaustion failure only when errorCode is the exhaustion code', () => {
    const failed = cloudTrail({
      eventName: 'CreateNetworkInterface',
      errorCode: 'InsufficientFreeAddressesInSubnet',
    });
    const other = cloudTrail({ eventName: 'CreateNetworkInterface', errorCode: 'UnauthorizedOperation' });
    const ok = cloudTrail({ eventName: 'CreateNetworkInterface' });
    expect([failed, other, ok].map((e) => matchesPattern(auditorIpExhaustionPattern, e))).toEqual([
      true,
      false,
      false,
    ]);
  });

  it('treats anything-but as not matching the excluded value and not matching a missing field', () => {
    const native = { ...cloudTrail({}, 'aws.eks'), 'detail-type': 'EKS Add-on Health' };
    const apiCall = cloudTrail({}, 'aws.eks');
    const { 'detail-type': _, ...missing } = native;
    expect(matchesPattern(auditorEksNativePattern, native)).toBe(true);
    expect(matchesPattern(auditorEksNativePattern, apiCall)).toBe(false);
    expect(matchesPattern(auditorEksNativePattern, missing)).toBe(false);
  });

  it('supports prefix, suffix, exists, equals-ignore-case and numeric matchers', () => {
    const event = { detail: { a: 'aws-k8s-branch-eni', n: 5, tags: ['x', 'y'] } };
    expect(matchesPattern({ detail: { a: [{ prefix: 'aws-k8s-' }] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { a: [{ suffix: '-eni' }] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { missing: [{ exists: false }] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { a: [{ exists: false }] } }, event)).toBe(false);
    expect(matchesPattern({ detail: { a: [{ 'equals-ignore-case': 'AWS-K8S-BRANCH-ENI' }] } }, event)).toBe(
      true,
    );
    expect(matchesPattern({ detail: { n: [{ numeric: ['>', 1, '<=', 5] }] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { n: [{ numeric: ['>', 5] }] } }, event)).toBe(false);
  });

  it('matches an array field when any element matches', () => {
    expect(matchesPattern({ detail: { tags: ['y'] } }, { detail: { tags: ['x', 'y'] } })).toBe(true);
    expect(matchesPattern({ detail: { tags: ['z'] } }, { detail: { tags: ['x', 'y'] } })).toBe(false);
  });

  it('refuses a matcher it does not implement instead of guessing', () => {
    expect(() => matchesPattern({ a: [{ wildcard: '*' } as never] }, { a: 'x' })).toThrow(/unsupported/);
  });
});
