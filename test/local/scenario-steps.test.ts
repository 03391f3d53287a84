import {
  DescribeAddressesCommand,
  DescribeNetworkInterfacesCommand,
  EC2Client,
  ReleaseAddressCommand,
} from '@aws-sdk/client-ec2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { EventBridgeEvent } from '../../local/core/types';
import { SimulatedRegion } from '../../local/region';
import { regionOptionsOf, runOn } from '../../local/scenario/runner';
import { InvalidScenarioError, parseScenario } from '../../local/scenario/schema';
import { type FunctionSpec, keeperEvents } from '../../shared/app/functions';
import { clientOptions } from '../../shared/aws/clients';

const VPC = 'vpc-0a1b2c3d4e5f60001';
const SUBNET = 'subnet-0a1b2c3d4e5f60001';
const SG = 'sg-0a1b2c3d4e5f60001';
const ZONE = 'Z00000000000000000001';

const baseState = {
  vpcs: [{ id: VPC, cidr: '10.0.0.0/16' }],
  subnets: [{ id: SUBNET, vpcId: VPC, az: 'eu-west-1a', cidr: '10.0.1.0/24' }],
  securityGroups: [{ id: SG, name: 'pods', vpcId: VPC }],
  addresses: [{ as: 'partner-ip', allocationId: 'eipalloc-0000000000000a001', publicIp: '198.51.100.1' }],
  hostedZones: [{ id: ZONE, name: 'example.com', records: [] }],
  addressLimit: 20,
};

const TEST_ONLY = 'test-only';

/** A function of the test's own, on a rule for `source: test.steps`. */
function testFunction(id: string, build: FunctionSpec['load']): FunctionSpec {
  return {
    id,
    entry: TEST_ONLY,
    description: id,
    rules: [{ id: `${id}Rule`, pattern: { source: ['test.steps'] } }],
    timeoutSeconds: 60,
    memoryMb: 128,
    permissions: [],
    load: build,
  };
}

/** Reads the address, then releases it when it looked idle: a live check followed by the change it allows. */
const releaser = testFunction('Releaser', async () => ({
  createHandler: (ctx) => {
    const ec2 = new EC2Client(clientOptions(ctx.aws, 'ec2'));
    return async () => {
      const out = await ec2.send(
        new DescribeAddressesCommand({ AllocationIds: ['eipalloc-0000000000000a001'] }),
      );
      if (out.Addresses?.[0]?.AssociationId) return 'in use: left alone';
      await ec2.send(new ReleaseAddressCommand({ AllocationId: 'eipalloc-0000000000000a001' }));
      return 'released';
    };
  },
}));

/** Says which configuration it was built with, and how many times it was built. */
let builds = 0;
const configReporter = testFunction('ConfigReporter', async () => ({
  createHandler: (ctx) => {
    builds += 1;
    const build = builds;
    return async () => `build ${build}, release enabled: ${ctx.config.sweeper.release.enabled}`;
  },
}));

const publisher = testFunction('Publisher', async () => ({
  createHandler: (ctx) => {
    const sns = new SNSClient(clientOptions(ctx.aws, 'sns'));
    return async () =>
      (await sns.send(new PublishCommand({ TopicArn: ctx.env.topicArn, Message: 'hi' }))).MessageId;
  },
}));

const started: SimulatedRegion[] = [];
afterEach(async () => {
  for (const r of started.splice(0)) await r.stop();
});

async function run(steps: unknown[], opts: { functions?: FunctionSpec[]; config?: object } = {}) {
  const scenario = parseScenario(
    { name: 'steps', config: opts.config ?? {}, state: baseState, steps },
    'test',
  );
  const functions = opts.functions ?? [];
  const region = await SimulatedRegion.start({
    ...regionOptionsOf(scenario, { dynamoEndpoint: inject('dynamoEndpoint') }),
    functions,
    // The test's own functions are none of the stack's: no role of the stack's is theirs to evaluate.
    iam: functions.every((f) => f.entry !== TEST_ONLY),
  });
  started.push(region);
  const result = await runOn(region, scenario);
  return { region, ...result, texts: result.story.map((l) => l.text) };
}

const trail = (region: SimulatedRegion, eventName: string) =>
  region.bus.events.filter((e) => (e.detail as { eventName?: string }).eventName === eventName);

const event = (detail: Record<string, unknown> = {}) => ({
  source: 'test.steps',
  'detail-type': 'Test',
  detail,
});

describe('scenario step validation', () => {
  const problems = (steps: unknown[]) => {
    try {
      parseScenario({ name: 'x', state: baseState, steps }, 'x.json');
      return '';
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidScenarioError);
      return (err as Error).message;
    }
  };

  it('fails a reference to a label no earlier step defined', () => {
    expect(problems([{ action: 'deleteNetworkInterface', eni: 'pod-a' }])).toContain(
      'step 1: "pod-a" is neither a label defined earlier nor a resource id',
    );
    expect(
      problems([
        { action: 'createNetworkInterface', subnet: SUBNET, as: 'pod-a' },
        { action: 'deleteNetworkInterface', eni: 'pod-a' },
        { action: 'releaseAddress', address: 'partner-ip' },
      ]),
    ).toBe('');
  });

  it('fails an unknown {{label}} inside a raw event, naming the step', () => {
    expect(problems([{ note: 'x' }, { event: event({ eni: '{{nobody}}' }) }])).toContain(
      'step 2: unknown label "nobody" in the event',
    );
  });

  it('lets only actions run before a function’s call', () => {
    expect(
      problems([{ before: { function: 'Sweeper', call: 'ReleaseAddress' }, steps: [{ advance: '1m' }] }]),
    ).toContain("step 1 > step 1: only actions can run before a function's call");
  });

  it('validates a redeployed configuration with the stack’s schema', () => {
    expect(problems([{ redeploy: { config: { sweeper: { graceHours: -1 } } } }])).toMatch(
      /step 1 \(redeploy\.redeploy\.config\): .*sweeper\.graceHours/,
    );
  });

  it('knows every new fault switch and refuses an unknown one', () => {
    expect(problems([{ faults: { snsPublishErrors: { probability: 1, errorCode: 'KMSDisabled' } } }])).toBe(
      '',
    );
    expect(problems([{ faults: { snsPublishFailures: 1 } }])).toContain('step 1 (faults.faults)');
  });
});

describe('scenario steps that change the world mid-run', () => {
  it('puts an SSM parameter through the SSM API as the actor, recorded in CloudTrail', async () => {
    const { region, texts } = await run([
      { action: 'putParameter', name: '/eip-keeper/kill-switch', value: 'on', actor: 'bob' },
    ]);

    expect(region.ssm.get('/eip-keeper/kill-switch')?.value).toBe('on');
    const [put] = trail(region, 'PutParameter');
    expect(put?.source).toBe('aws.ssm');
    expect(put?.detail.userIdentity).toMatchObject({ userName: 'bob' });
    expect(texts).toContain('bob put SSM parameter /eip-keeper/kill-switch = "on" (version 1)');
  });

  it('points a Route 53 record at an address by its label, then deletes it', async () => {
    const { region } = await run([
      { dns: { zone: 'example.com', name: 'api.example.com', type: 'A', address: 'partner-ip' } },
    ]);
    const records = () => region.route53.snapshot()[0]?.records.filter((r) => r.type === 'A') ?? [];
    expect(records()).toEqual([
      expect.objectContaining({ name: 'api.example.com.', values: ['198.51.100.1'] }),
    ]);

    const scenario = parseScenario(
      { name: 'd', steps: [{ dns: { zone: ZONE, name: 'api.example.com', type: 'A', delete: true } }] },
      'd',
    );
    await runOn(region, { ...scenario, state: { ...scenario.state, hostedZones: [] } });

    expect(records()).toEqual([]);
  });

  it('redeploys with a new configuration: every function starts cold and runs with it', async () => {
    const { region, texts } = await run(
      [
        { event: event() },
        { redeploy: { config: { sweeper: { release: { enabled: true } } } } },
        { event: event() },
      ],
      { functions: [configReporter] },
    );

    const results = region.bus.invocations.map((i) => i.result as string);
    expect(results[0]).toMatch(/release enabled: false$/);
    expect(results[1]).toMatch(/release enabled: true$/);
    expect(Number(/build (\d+)/.exec(results[1] ?? '')?.[1])).toBe(
      Number(/build (\d+)/.exec(results[0] ?? '')?.[1]) + 1,
    );
    expect(region.config.sweeper.release.enabled).toBe(true);
    expect(texts).toContain('redeployed with a new configuration: every function starts cold');
  });

  it('makes SNS Publish fail with the error asked for, so the invocation that publishes fails', async () => {
    const { region } = await run(
      [
        { faults: { snsPublishErrors: { probability: 1, errorCode: 'KMSAccessDenied' } } },
        { event: event() },
      ],
      { functions: [publisher] },
    );

    expect(region.bus.invocations[0]).toMatchObject({
      outcome: 'error',
      error: expect.stringMatching(/^KMSAccessDenied/),
    });
    expect(region.sns.messages).toEqual([]);
  });

  it('delivers one scheduled event twice when asked', async () => {
    const scheduled: FunctionSpec = {
      ...configReporter,
      id: 'Scheduled',
      rules: [],
      scheduleMinutes: () => 60,
    };
    const { region } = await run([{ invoke: 'Scheduled', copies: 2 }], { functions: [scheduled] });

    const ids = region.bus.invocations.map((i) => i.eventId);
    expect(ids).toHaveLength(2);
    expect(ids[0]).toBe(ids[1]);
  });

  it('slips an action in between a function’s live check and its mutating call', async () => {
    const { region, texts } = await run(
      [
        { action: 'createNetworkInterface', subnet: SUBNET, as: 'intruder' },
        {
          before: { function: 'Releaser', call: 'ReleaseAddress' },
          steps: [{ action: 'associateAddress', address: 'partner-ip', eni: 'intruder', actor: 'mallory' }],
        },
        { event: event() },
      ],
      { functions: [releaser] },
    );

    // The function saw the address idle, then EC2 refused the release: it had been associated meanwhile.
    expect(region.bus.invocations[0]?.error).toMatch(/^InvalidIPAddress.InUse/);
    expect(region.ec2.addressById.get('eipalloc-0000000000000a001')?.association).toBeDefined();
    expect(texts).toContain('  Releaser is about to call ReleaseAddress: first');
    const order = region.bus.events.map((e) => (e.detail as { eventName?: string }).eventName);
    expect(order.indexOf('AssociateAddress')).toBeLessThan(order.indexOf('ReleaseAddress'));
  });

  it('warns about a hook whose call never came', async () => {
    const { texts } = await run(
      [{ before: { function: 'Releaser', call: 'ReleaseAddress' }, steps: [{ action: 'allocateAddress' }] }],
      { functions: [releaser] },
    );

    expect(texts).toContain(
      '  Releaser never called ReleaseAddress: what was to slip in before it never ran',
    );
  });

  it('replaces {{label}} inside a raw event with the id the label stands for', async () => {
    const { region } = await run([
      { action: 'createNetworkInterface', subnet: SUBNET, as: 'pod' },
      { event: event({ requestParameters: { networkInterfaceId: '{{pod}}', note: 'eni {{pod}} here' } }) },
    ]);

    const eniId = region.ec2.eniById.keys().next().value as string;
    const raw = region.bus.events.at(-1) as EventBridgeEvent;
    expect(raw.detail).toEqual({
      requestParameters: { networkInterfaceId: eniId, note: `eni ${eniId} here` },
    });
  });
});

describe('actions that emit failed and dry-run calls', () => {
  it('records a dry run as a call that failed with Client.DryRunOperation and changed nothing', async () => {
    const { region, texts } = await run([{ action: 'releaseAddress', address: 'partner-ip', dryRun: true }]);

    expect(trail(region, 'ReleaseAddress')[0]?.detail).toMatchObject({ errorCode: 'Client.DryRunOperation' });
    expect(region.ec2.addressById.has('eipalloc-0000000000000a001')).toBe(true);
    expect(texts.at(-1)).toContain('tried releaseAddress (dry run), AWS answered DryRunOperation');
  });

  it('has EC2 fail one call with the error asked for, recorded in CloudTrail', async () => {
    const { region } = await run([
      {
        action: 'createNetworkInterface',
        subnet: SUBNET,
        actor: 'aws-node',
        failWith: { code: 'InsufficientFreeAddressesInSubnet', message: 'no free addresses' },
      },
      { action: 'createNetworkInterface', subnet: SUBNET, actor: 'aws-node' },
    ]);

    const [failed, ok] = trail(region, 'CreateNetworkInterface');
    expect(failed?.detail).toMatchObject({
      errorCode: 'Client.InsufficientFreeAddressesInSubnet',
      errorMessage: 'no free addresses',
      responseElements: null,
    });
    expect(ok?.detail).not.toHaveProperty('errorCode');
    expect(region.ec2.eniById.size).toBe(1);
  });
});

describe('ENIs of other AWS services', () => {
  it.each([
    ['lambda', 'lambda', /^AWS Lambda VPC ENI-webhook-[0-9a-f-]{36}$/, '378295471011'],
    ['efs', 'efs', /^EFS mount target for fs-0123456789abcdef0 \(fsmt-[0-9a-f]{17}\)$/, '641391453216'],
    ['alb', 'interface', /^ELB app\/web\/[0-9a-f]{16}$/, 'amazon-elb'],
    ['nlb', 'network_load_balancer', /^ELB net\/ingress\/[0-9a-f]{16}$/, 'amazon-elb'],
    ['nat-gateway', 'nat_gateway', /^Interface for NAT Gateway nat-[0-9a-f]{17}$/, '223145668910'],
  ])(
    '%s: requester-managed, as %s, with its real description',
    async (service, type, description, requester) => {
      const name = { lambda: 'webhook', efs: 'fs-0123456789abcdef0', alb: 'web', nlb: 'ingress' }[service];
      const { region } = await run([
        {
          action: 'createServiceEni',
          service,
          subnet: SUBNET,
          securityGroups: [SG],
          ...(name ? { name } : {}),
        },
      ]);
      const ec2 = new EC2Client(clientOptions(region.connection('admin'), 'ec2'));
      try {
        const [eni] = (await ec2.send(new DescribeNetworkInterfacesCommand({}))).NetworkInterfaces ?? [];

        expect(eni).toMatchObject({ RequesterManaged: true, RequesterId: requester, InterfaceType: type });
        expect(eni?.Description).toMatch(description);
        const [created] = trail(region, 'CreateNetworkInterface');
        expect(created?.detail.responseElements).toMatchObject({
          networkInterface: { requesterManaged: true, interfaceType: type },
        });
        expect(created?.detail.sourceIPAddress).toMatch(/\.amazonaws\.com$/);
      } finally {
        ec2.destroy();
      }
    },
  );

  it('never invokes the keeper nor gets a pool EIP, though it has the pool’s security group', async () => {
    const { region, output } = await run(
      [{ action: 'createServiceEni', service: 'lambda', subnet: SUBNET, securityGroups: [SG] }],
      {
        functions: [keeperEvents],
        config: {
          pools: [
            {
              name: 'partners',
              cluster: 'prod',
              vpcId: VPC,
              members: ['203.0.113.10'],
              selector: { securityGroupIds: [SG] },
            },
          ],
        },
      },
    );

    // Its creation record carries no cluster tag, so the pool's content filter does not even invoke the keeper.
    expect(output.invocations.KeeperEvents?.ok ?? 0).toBe(0);
    expect([...region.ec2.addressById.values()].every((a) => a.association === undefined)).toBe(true);
  });
});
