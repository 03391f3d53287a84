import { describe, expect, it } from 'vitest';
import { InvalidWildcardError, matchesPattern } from '../../local/eventbridge/match';
import {
  auditorEksApiPattern,
  auditorEksNativePattern,
  auditorIpExhaustionMessagePattern,
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

  // The VPC CNI sees Client.InvalidParameterValue "There aren't sufficient free Ipv4 addresses or prefixes", and
  // Client.InsufficientCidrBlocks with prefix delegation; CloudTrail records the code and message as EC2 returned them.
  it('wakes the auditor for every way a pod-address call runs out, and for no other invalid parameter', () => {
    const failed = (errorCode: string, errorMessage: string, eventName = 'AssignPrivateIpAddresses') =>
      cloudTrail({ eventName, errorCode, errorMessage });
    const routed = (e: ReturnType<typeof cloudTrail>) =>
      matchesPattern(auditorIpExhaustionPattern, e) || matchesPattern(auditorIpExhaustionMessagePattern, e);
    expect(
      [
        failed('Client.InvalidParameterValue', "There aren't sufficient free Ipv4 addresses or prefixes"),
        failed(
          'Client.InsufficientCidrBlocks',
          'There are not enough free cidr blocks in the specified subnet',
        ),
        failed('Client.InsufficientFreeAddressesInSubnet', 'x', 'CreateNetworkInterface'),
        failed('InvalidParameterValue', 'Insufficient free addresses', 'AttachNetworkInterface'),
      ].map(routed),
    ).toEqual([true, true, true, true]);
    expect(
      [
        failed('Client.InvalidParameterValue', "Network interface 'eni-1' is currently in use"),
        failed('Client.InvalidParameterValue', 'The number of private IP addresses exceeds the limit'),
        failed('Client.InvalidParameterValue', "There aren't sufficient free Ipv4 addresses", 'RunInstances'),
      ].map(routed),
    ).toEqual([false, false, false]);
  });

  it('routes the EKS add-on events by their detail-type, not Fargate terminations or API calls', () => {
    const native = (detailType: string) => ({ ...cloudTrail({}, 'aws.eks'), 'detail-type': detailType });
    expect(matchesPattern(auditorEksNativePattern, native('EKS Addon Update Failed'))).toBe(true);
    expect(matchesPattern(auditorEksNativePattern, native('EKS Addon Health Degraded'))).toBe(true);
    expect(matchesPattern(auditorEksNativePattern, native('EKS Fargate Pod Scheduled Termination'))).toBe(
      false,
    );
    expect(matchesPattern(auditorEksNativePattern, cloudTrail({}, 'aws.eks'))).toBe(false);
  });

  it('routes UpdateClusterVersion and DeleteAddon to the audit', () => {
    for (const eventName of ['UpdateClusterVersion', 'DeleteAddon'])
      expect(
        matchesPattern(
          auditorEksApiPattern,
          cloudTrail({ eventName, eventSource: 'eks.amazonaws.com' }, 'aws.eks'),
        ),
      ).toBe(true);
  });

  it('treats anything-but as not matching the excluded value and not matching a missing field', () => {
    const pattern = { 'detail-type': [{ 'anything-but': 'AWS API Call via CloudTrail' }] };
    const native = { ...cloudTrail({}, 'aws.eks'), 'detail-type': 'EKS Addon Health Degraded' };
    const { 'detail-type': _, ...missing } = native;
    expect(matchesPattern(pattern, native)).toBe(true);
    expect(matchesPattern(pattern, cloudTrail({}, 'aws.eks'))).toBe(false);
    expect(matchesPattern(pattern, missing)).toBe(false);
  });

  // EventBridge user guide, content filtering, wildcard matching; aws/event-ruler README, "Wildcard matching".
  it('matches wildcards as EventBridge does: * for any run, whole value, case-sensitive, strings only', () => {
    const m = (wildcard: string, v: unknown) => matchesPattern({ a: [{ wildcard }] }, { a: v });
    expect(m('*free*', "There aren't sufficient free Ipv4")).toBe(true);
    expect(m('Simple*Service', 'SimpleQueueService')).toBe(true);
    expect(m('Simple*Service', 'SimpleService')).toBe(true);
    expect(m('Simple*Service', 'SimpleServices')).toBe(false);
    expect(m('*FREE*', 'free')).toBe(false);
    expect(m('a.c', 'abc')).toBe(false);
    expect(m('*5*', 15)).toBe(false);
  });

  it('reads a backslash as escaping * or a backslash, and refuses what EventBridge refuses', () => {
    const m = (wildcard: string, v: string) => matchesPattern({ a: [{ wildcard }] }, { a: v });
    expect(m('a\\*b', 'a*b')).toBe(true);
    expect(m('a\\*b', 'axb')).toBe(false);
    expect(m('a\\\\*', 'a\\zz')).toBe(true);
    expect(() => m('a**b', 'ab')).toThrow(InvalidWildcardError);
    expect(() => m('a\\b', 'ab')).toThrow(InvalidWildcardError);
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
    expect(() => matchesPattern({ a: [{ cidr: '10.0.0.0/8' } as never] }, { a: '10.0.0.1' })).toThrow(
      /unsupported/,
    );
  });
});
