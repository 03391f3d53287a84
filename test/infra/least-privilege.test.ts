/**
 * Least privilege per function, checked against the code: each role allows every AWS action its handler's bundle can
 * call and nothing else (beyond logging and its dead-letter queue), and statements tied to a configuration
 * switch exist only when the switch is on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../shared/app/functions';
import {
  allowedActions,
  asArray,
  EVERY_SWITCH_ON,
  type PolicyStatement,
  removeAssemblies,
  roleStatements,
  synth,
} from './helpers';
import { type ReachableCalls, reachableCalls } from './reachable-actions';

afterAll(removeAssemblies);

const IDS = FUNCTIONS.map((f) => f.id);
/** Only the template is read here; test/infra/stack.test.ts and security-doc.test.ts run cdk-nag. */
const NO_NAG = { nag: false };

/** What the Lambda platform does with the role, not the code: logs and the on-failure DLQ. */
const PLATFORM_ACTIONS = new Set([
  'logs:CreateLogStream',
  'logs:PutLogEvents',
  'sqs:SendMessage',
  'kms:GenerateDataKey',
  'kms:Decrypt',
]);

const reached = new Map<string, ReachableCalls>();
let everySwitchOn: Map<string, PolicyStatement[]>;
let defaults: Map<string, PolicyStatement[]>;

beforeAll(async () => {
  for (const spec of FUNCTIONS) reached.set(spec.id, await reachableCalls(spec.entry));
  everySwitchOn = roleStatements(synth(EVERY_SWITCH_ON, {}, undefined, NO_NAG).template, IDS);
  defaults = roleStatements(synth({}, {}, undefined, NO_NAG).template, IDS);
});

const sorted = (s: Iterable<string>) => [...s].sort();

describe.each(IDS)('the %s role', (id) => {
  it('allows every action the handler bundle can call (every configuration switch on)', () => {
    const calls = reached.get(id) as ReachableCalls;
    const allowed = allowedActions(everySwitchOn.get(id) ?? []);

    expect(calls.actions.size).toBeGreaterThan(0);
    expect(sorted(calls.actions).filter((a) => !allowed.has(a))).toEqual([]);
  });

  it('allows nothing else but logging and its dead-letter queue', () => {
    const calls = reached.get(id) as ReachableCalls;
    const allowed = allowedActions(everySwitchOn.get(id) ?? []);

    expect(sorted(allowed).filter((a) => !calls.actions.has(a) && !PLATFORM_ACTIONS.has(a))).toEqual([]);
  });

  it('reaches the table index only if its code queries an index', () => {
    const calls = reached.get(id) as ReachableCalls;
    const resources = (everySwitchOn.get(id) ?? [])
      .filter((s) => asArray(s.Action).some((a) => a.startsWith('dynamodb:')))
      .flatMap((s) => asArray(s.Resource));

    expect(JSON.stringify(resources).includes('/index/*')).toBe(calls.queriesIndex);
  });
});

describe('configuration switches in IAM', () => {
  const allows = (roles: Map<string, PolicyStatement[]>, id: string, action: string) =>
    allowedActions(roles.get(id) ?? []).has(action);

  it('grants ec2:ReleaseAddress only while sweeper.release.enabled is on', () => {
    expect(allows(defaults, 'Sweeper', 'ec2:ReleaseAddress')).toBe(false);
    expect(allows(everySwitchOn, 'Sweeper', 'ec2:ReleaseAddress')).toBe(true);
  });

  it('grants the Pricing API only while sweeper.usePricingApi is on', () => {
    expect(allows(defaults, 'Sweeper', 'pricing:GetProducts')).toBe(false);
    expect(allows(everySwitchOn, 'Sweeper', 'pricing:GetProducts')).toBe(true);
  });

  it('lets the keeper allocate only while some pool has allocateOnExhaustion', () => {
    for (const id of ['KeeperEvents', 'KeeperReconciler']) {
      expect(allows(defaults, id, 'ec2:AllocateAddress')).toBe(false);
      expect(allows(everySwitchOn, id, 'ec2:AllocateAddress')).toBe(true);
      const tagOnCreate = (roles: Map<string, PolicyStatement[]>) =>
        (roles.get(id) ?? []).some((s) => s.Condition?.StringEquals?.['ec2:CreateAction'] !== undefined);
      expect(tagOnCreate(defaults)).toBe(false);
      expect(tagOnCreate(everySwitchOn)).toBe(true);
    }
  });

  it('lets the keeper write the holder tag only while some pool has tagHolder, and only that key', () => {
    const untagged = roleStatements(
      synth(
        {
          pools: JSON.stringify([
            {
              name: 'quiet',
              cluster: 'prod',
              vpcId: 'vpc-0123456789abcdef0',
              members: ['198.51.100.1'],
              tagHolder: false,
              selector: { subnetIds: ['subnet-0123456789abcdef0'] },
            },
          ]),
        },
        {},
        undefined,
        NO_NAG,
      ).template,
      IDS,
    );
    for (const id of ['KeeperEvents', 'KeeperReconciler']) {
      expect(allows(defaults, id, 'ec2:DeleteTags')).toBe(false);
      expect(allows(untagged, id, 'ec2:DeleteTags')).toBe(false);
      const holder = (everySwitchOn.get(id) ?? []).find((s) => s.Sid === 'TagPoolAddressHolder');
      expect(holder?.Condition).toEqual({
        // Only addresses tagged with a configured pool's name.
        StringEquals: {
          'aws:ResourceTag/eip-keeper:pool': Array.from({ length: 20 }, (_, i) => `partner-${i}`),
        },
        'ForAllValues:StringEquals': { 'aws:TagKeys': ['eip-keeper:holder'] },
        Null: { 'aws:TagKeys': 'false' },
      });
    }
  });

  it('grants Security Hub only while securityHub.enabled is on, only to the functions that import, on their own product and hub', () => {
    const importers = ['Sweeper', 'Auditor', 'KeeperEvents', 'KeeperReconciler'];
    for (const id of IDS) {
      for (const action of ['securityhub:BatchImportFindings', 'securityhub:GetFindings']) {
        expect(allows(defaults, id, action)).toBe(false);
        expect(allows(everySwitchOn, id, action)).toBe(importers.includes(id));
      }
    }
    const resourcesOf = (sid: string) =>
      JSON.stringify((everySwitchOn.get('Sweeper') ?? []).find((s) => s.Sid === sid)?.Resource);
    expect(resourcesOf('ImportFindings')).toMatch(/:securityhub:.*:product\/.*\/default/);
    expect(resourcesOf('ReadOwnFindings')).toMatch(/:securityhub:.*:hub\/default/);
  });

  it('grants reading the configuration parameter only when the configuration lives in SSM', () => {
    for (const id of IDS) {
      expect(allows(defaults, id, 'ssm:GetParameter')).toBe(id === 'Sweeper'); // the kill switch
      expect(allows(everySwitchOn, id, 'ssm:GetParameter')).toBe(true);
    }
  });
});
