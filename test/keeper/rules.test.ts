/**
 * The keeper's rules, built from the configuration: what their content filters let through (matched the way the
 * local router and EventBridge match), and that the stack deploys exactly those pattern objects.
 */
import { Stack } from 'aws-cdk-lib';
import type { CfnRule } from 'aws-cdk-lib/aws-events';
import type { IConstruct } from 'constructs';
import { afterAll, describe, expect, it } from 'vitest';
import { matchesPattern } from '../../local/eventbridge/match';
import { keeperEvents, rulesFor } from '../../shared/app/functions';
import { keeperRules } from '../../shared/app/keeper-catalog';
import { parseAppConfig } from '../../shared/config/schema';
import { removeAssemblies, synth } from '../infra/helpers';
import { ct } from '../support/cloudtrail';

afterAll(removeAssemblies);

const logicalId = (construct: IConstruct): string =>
  Stack.of(construct).resolve((construct.node.defaultChild as CfnRule).logicalId) as string;

const VPC = 'vpc-0f1e2d3c4b5a69788';
const SG = 'sg-0123456789abcdef0';
const POOLS = [
  {
    name: 'payments',
    cluster: 'prod',
    vpcId: VPC,
    members: ['198.51.100.1'],
    selector: { securityGroupIds: [SG], descriptionPrefix: 'aws-k8s-branch-eni' },
  },
  {
    name: 'batch',
    cluster: 'prod',
    vpcId: VPC,
    members: ['198.51.100.2'],
    target: 'secondary-ip',
    kubernetesAccess: true,
    podSelector: { namespace: 'batch' },
    selector: { descriptionPrefix: 'aws-K8S-' },
  },
];
const CONFIG = parseAppConfig({ pools: POOLS }, 'test');
const rules = keeperRules(CONFIG);
const routed = (event: unknown) => rules.filter((r) => matchesPattern(r.pattern, event)).map((r) => r.id);

/** A pod's branch ENI creation (the sample builder's) with the cluster tag in the creation call. */
function podCreation(over: { vpcId?: string; sg?: string; tags?: { key: string; value: string }[] } = {}) {
  const e = ct.createEni({ id: 'ev-1', at: '2026-01-05T09:00:00Z' }, 'eni-0a', { sg: over.sg ?? SG });
  const d = e.detail as {
    requestParameters: Record<string, unknown>;
    responseElements: { networkInterface: Record<string, unknown> };
  };
  d.responseElements.networkInterface.vpcId = over.vpcId ?? VPC;
  d.requestParameters.tagSpecificationSet = {
    items: [
      {
        resourceType: 'network-interface',
        tags: over.tags ?? [{ key: 'kubernetes.io/cluster/prod', value: 'owned' }],
      },
    ],
  };
  return e;
}

describe('the keeper rules of a configuration', () => {
  it('routes a pod ENI creation of a pool, its deletion and pool tag changes', () => {
    expect(routed(podCreation())).toEqual(['KeeperEniCreated-payments']);
    expect(routed(ct.deleteEni({ id: 'ev-2', at: '2026-01-05T09:00:00Z' }, 'eni-0a'))).toEqual([
      'KeeperEniDeleted',
    ]);
    const tag = ct.createEni({ id: 'ev-3', at: '2026-01-05T09:00:00Z' }, 'eni-0x');
    const tagged = {
      ...tag,
      detail: {
        ...(tag.detail as object),
        eventName: 'CreateTags',
        requestParameters: {
          resourcesSet: { items: [{ resourceId: 'eipalloc-0123456789abcdef0' }] },
          tagSet: { items: [{ key: 'eip-keeper:pool', value: 'payments' }] },
        },
        responseElements: { _return: true },
      },
    };
    expect(routed(tagged)).toEqual(['KeeperPoolTags']);
  });

  it('routes no creation that can never be a pool ENI: another VPC, another group, no cluster tag, a failed call', () => {
    expect(routed(podCreation({ vpcId: 'vpc-0bad0000000000001' }))).toEqual([]);
    expect(routed(podCreation({ sg: 'sg-0ffffffffffffffff' }))).toEqual([]);
    expect(routed(podCreation({ tags: [{ key: 'Name', value: 'x' }] }))).toEqual([]);
    expect(routed(ct.failed(podCreation(), 'Client.UnauthorizedOperation'))).toEqual([]);
  });

  it('has no rule at all without pools, and the secondary-IP rule only with a secondary-IP pool', () => {
    expect(keeperRules(parseAppConfig({}, 'test'))).toEqual([]);
    expect(rules.map((r) => r.id)).toContain('KeeperPodIps');
    expect(keeperRules(parseAppConfig({ pools: POOLS.slice(0, 1) }, 'test')).map((r) => r.id)).not.toContain(
      'KeeperPodIps',
    );
  });

  it('is deployed by the stack with exactly these pattern objects (local routing = deployed routing)', () => {
    const s = synth({ pools: JSON.stringify(POOLS) }, {}, undefined, { nag: false });
    const resources = s.template.toJSON().Resources;
    const fn = s.stack.functions.find((f) => f.spec.id === keeperEvents.id);
    const deployed = rulesFor(keeperEvents, CONFIG);

    expect(deployed.map((r) => r.id)).toEqual(rules.map((r) => r.id));
    for (const rule of deployed) {
      const construct = fn?.node.findChild(rule.id) as IConstruct;
      expect(resources[logicalId(construct)].Properties.EventPattern).toStrictEqual(
        JSON.parse(JSON.stringify(rule.pattern)),
      );
    }
  });
});
