/**
 * Runs a scenario on a fresh simulated region: seeds the initial state, applies the timeline (AWS-side actions go
 * through the real EC2 API as the named actor, so they emit the CloudTrail events AWS would), and collects the
 * story and the final state.
 */
import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  CreateNetworkInterfaceCommand,
  CreateTagsCommand,
  DeleteNetworkInterfaceCommand,
  DeleteTagsCommand,
  DisassociateAddressCommand,
  EC2Client,
  ReleaseAddressCommand,
  type Tag,
} from '@aws-sdk/client-ec2';
import { clientOptions } from '../../shared/aws/clients';
import type { EventBridgeEvent } from '../core/types';
import { SimulatedPods } from '../eks/controller';
import { type RegionOptions, SimulatedRegion } from '../region';
import { FAULT_LAYER_SWITCHES, type Scenario, type ScenarioStep } from './schema';
import { seedRegion } from './seed';
import { collectOutput, type ScenarioOutput, type StoryLine, StoryRecorder } from './story';

export interface ScenarioRunOptions {
  dynamoEndpoint?: string;
  echoLogs?: boolean;
  /** Called for each story line as it happens (the CLI prints them live). */
  onStory?: (line: StoryLine) => void;
  /** Override the deployed functions (tests). */
  functions?: RegionOptions['functions'];
}

export interface ScenarioResult {
  story: StoryLine[];
  output: ScenarioOutput;
}

/** Raised when a step cannot be carried out (not when an AWS call in it fails: that is part of the story). */
export class ScenarioStepError extends Error {
  override readonly name = 'ScenarioStepError';
}

export async function runScenario(
  scenario: Scenario,
  opts: ScenarioRunOptions = {},
): Promise<ScenarioResult> {
  const region = await SimulatedRegion.start({
    region: scenario.region,
    accountId: scenario.accountId,
    start: scenario.start,
    seed: scenario.seed,
    config: scenario.config,
    dynamoEndpoint: opts.dynamoEndpoint,
    concurrency: scenario.concurrency,
    functions: opts.functions,
    echoLogs: opts.echoLogs,
    faultLayer: usesFaultLayer(scenario),
  });
  try {
    return await runOn(region, scenario, opts);
  } finally {
    await region.stop();
  }
}

/** Runs a scenario's state and steps on an already started region (tests use this to inspect it afterwards). */
export async function runOn(
  region: SimulatedRegion,
  scenario: Scenario,
  opts: ScenarioRunOptions = {},
): Promise<ScenarioResult> {
  const labels = new Map<string, string>();
  const story = new StoryRecorder(region, opts.onStory);
  seedRegion(region, scenario.state, labels);
  if (scenario.faults) region.setFaults(scenario.faults);
  story.line('setup', `region ${region.regionName} (account ${region.accountId}): ${describeSeed(region)}`);
  const clients = new Map<string, EC2Client>();
  const pods = new SimulatedPods(region);
  const ec2As = (actor: string) => {
    let c = clients.get(actor);
    if (!c) {
      c = new EC2Client({ ...clientOptions(region.connection(actor), 'ec2'), maxAttempts: 10 });
      clients.set(actor, c);
    }
    return c;
  };
  try {
    let index = 0;
    const run = async (steps: ScenarioStep[], prefix: string): Promise<void> => {
      for (const [i, step] of steps.entries()) {
        index += 1;
        const where = `${prefix}${i + 1}`;
        await runStep(region, step, where, labels, { ec2As, pods }, story);
        await region.settle();
        story.collect();
      }
    };
    await run(scenario.steps, 'step ');
    void index;
  } finally {
    for (const c of clients.values()) c.destroy();
    pods.close();
  }
  const output = await collectOutput(region, scenario, labels);
  return { story: story.lines, output };
}

interface StepClients {
  ec2As: (actor: string) => EC2Client;
  /** The simulated EKS pod lifecycle (the VPC resource controller of the scenario's clusters). */
  pods: SimulatedPods;
}

async function runStep(
  region: SimulatedRegion,
  step: ScenarioStep,
  where: string,
  labels: Map<string, string>,
  clients: StepClients,
  story: StoryRecorder,
): Promise<void> {
  const { ec2As } = clients;
  const resolve = (ref: string) => labels.get(ref) ?? ref;
  if ('note' in step && step.note && !('action' in step)) story.line('note', step.note);
  if ('repeat' in step) {
    for (let n = 0; n < step.repeat; n++) {
      for (const [j, inner] of step.steps.entries()) {
        await runStep(region, inner, `${where}.${n + 1}.${j + 1}`, labels, clients, story);
        await region.settle();
        story.collect();
      }
    }
    return;
  }
  if ('advance' in step) {
    await region.advance(step.advance);
    story.line('clock', `time passes: ${formatMs(step.advance)}`);
    return;
  }
  if ('faults' in step) {
    region.setFaults(step.faults);
    story.line('faults', `fault switches: ${JSON.stringify(step.faults)}`);
    return;
  }
  if ('event' in step) {
    const event = completeEvent(region, step.event);
    story.line(
      'event',
      `raw event delivered: ${event['detail-type']} ${String((event.detail as { eventName?: string }).eventName ?? '')}`.trim(),
    );
    await region.putEvent(event);
    return;
  }
  if ('invoke' in step) {
    if (!region.functionIds().includes(step.invoke)) {
      throw new ScenarioStepError(
        `${where}: no function "${step.invoke}" (deployed: ${region.functionIds().join(', ')})`,
      );
    }
    story.line('invoke', `scheduled run of ${step.invoke}`);
    await region.invoke(step.invoke);
    return;
  }
  if (!('action' in step)) return;
  if (
    step.action === 'createBranchEni' &&
    !step.actor &&
    step.cluster &&
    region.auditor.eks.clusters.has(step.cluster)
  ) {
    // A cluster of the scenario: its VPC resource controller makes the pod's branch ENI (as EKS does).
    const pod = await clients.pods.startBranchPod({
      cluster: step.cluster,
      securityGroupIds: step.securityGroups,
      subnetId: resolve(step.subnet),
      ...(step.node ? { node: resolve(step.node) } : {}),
    });
    if (step.as) labels.set(step.as, pod.eniId);
    story.line(
      'action',
      `the VPC resource controller of ${step.cluster} created branch ENI ${pod.eniId}${step.as ? ` (${step.as})` : ''} for a pod on ${pod.node}, behind its trunk ENI, with ${step.securityGroups.join(', ')}${step.note ? ` — ${step.note}` : ''}`,
    );
    return;
  }
  const actor = step.actor ?? defaultActor(step.action);
  const ec2 = ec2As(actor);
  const say = (text: string) => story.line('action', `${actor} ${text}${step.note ? ` — ${step.note}` : ''}`);
  try {
    switch (step.action) {
      case 'createBranchEni': {
        const cluster = step.cluster;
        const tagList: Tag[] = [
          { Key: 'eks:eni:owner', Value: 'eks-vpc-resource-controller' },
          { Key: 'vpcresources.k8s.aws/trunk-eni-id', Value: 'eni-trunk' },
          { Key: 'vpcresources.k8s.aws/vlan-id', Value: '1' },
          ...(cluster ? [{ Key: `kubernetes.io/cluster/${cluster}`, Value: 'owned' }] : []),
          ...Object.entries(step.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
        ];
        const out = await ec2.send(
          new CreateNetworkInterfaceCommand({
            SubnetId: resolve(step.subnet),
            Description: 'aws-k8s-branch-eni',
            Groups: step.securityGroups,
            TagSpecifications: [{ ResourceType: 'network-interface', Tags: tagList }],
          }),
        );
        const id = out.NetworkInterface?.NetworkInterfaceId ?? '';
        if (step.as) labels.set(step.as, id);
        say(
          `created branch ENI ${id}${step.as ? ` (${step.as})` : ''} in ${resolve(step.subnet)} with ${step.securityGroups.join(', ')}`,
        );
        return;
      }
      case 'createNetworkInterface': {
        const out = await ec2.send(
          new CreateNetworkInterfaceCommand({
            SubnetId: resolve(step.subnet),
            Description: step.description,
            Groups: step.securityGroups.length ? step.securityGroups : undefined,
            SecondaryPrivateIpAddressCount: step.secondaryIpCount,
            TagSpecifications: step.tags
              ? [
                  {
                    ResourceType: 'network-interface',
                    Tags: Object.entries(step.tags).map(([Key, Value]) => ({ Key, Value })),
                  },
                ]
              : undefined,
          }),
        );
        const id = out.NetworkInterface?.NetworkInterfaceId ?? '';
        if (step.as) labels.set(step.as, id);
        say(
          `created ENI ${id}${step.as ? ` (${step.as})` : ''} "${step.description}" in ${resolve(step.subnet)}`,
        );
        return;
      }
      case 'deleteNetworkInterface':
        await ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: resolve(step.eni) }));
        say(`deleted ENI ${resolve(step.eni)}${step.eni !== resolve(step.eni) ? ` (${step.eni})` : ''}`);
        return;
      case 'allocateAddress': {
        const out = await ec2.send(
          new AllocateAddressCommand({
            Domain: 'vpc',
            TagSpecifications: step.tags
              ? [
                  {
                    ResourceType: 'elastic-ip',
                    Tags: Object.entries(step.tags).map(([Key, Value]) => ({ Key, Value })),
                  },
                ]
              : undefined,
          }),
        );
        if (step.as && out.AllocationId) labels.set(step.as, out.AllocationId);
        say(`allocated ${out.PublicIp} (${out.AllocationId})`);
        return;
      }
      case 'associateAddress': {
        const out = await ec2.send(
          new AssociateAddressCommand({
            AllocationId: resolve(step.address),
            NetworkInterfaceId: resolve(step.eni),
            PrivateIpAddress: step.privateIp,
            AllowReassociation: step.allowReassociation ?? false,
          }),
        );
        say(`associated ${resolve(step.address)} with ${resolve(step.eni)} (${out.AssociationId})`);
        return;
      }
      case 'disassociateAddress': {
        const association = region.ec2Association(resolve(step.address));
        if (!association) throw new ScenarioStepError(`${where}: ${resolve(step.address)} is not associated`);
        await ec2.send(new DisassociateAddressCommand({ AssociationId: association }));
        say(`disassociated ${resolve(step.address)}`);
        return;
      }
      case 'releaseAddress':
        await ec2.send(new ReleaseAddressCommand({ AllocationId: resolve(step.address) }));
        say(`released ${resolve(step.address)}`);
        return;
      case 'tagResource':
        await ec2.send(
          new CreateTagsCommand({
            Resources: [resolve(step.resource)],
            Tags: Object.entries(step.tags).map(([Key, Value]) => ({ Key, Value })),
          }),
        );
        say(
          `tagged ${resolve(step.resource)} ${Object.entries(step.tags)
            .map(([k, v]) => `${k}=${v}`)
            .join(', ')}`,
        );
        return;
      case 'untagResource':
        await ec2.send(
          new DeleteTagsCommand({
            Resources: [resolve(step.resource)],
            Tags: step.keys.map((Key) => ({ Key })),
          }),
        );
        say(`removed tags ${step.keys.join(', ')} from ${resolve(step.resource)}`);
        return;
    }
  } catch (err) {
    if (err instanceof ScenarioStepError) throw err;
    const e = err as Error;
    say(`tried ${step.action}, AWS answered ${e.name}: ${e.message}`);
  }
}

/** True when the scenario switches on a fault that needs the region's fault layer, at the start or in a step. */
export function usesFaultLayer(scenario: Pick<Scenario, 'faults' | 'steps'>): boolean {
  const needs = (faults: object | undefined) =>
    faults !== undefined && FAULT_LAYER_SWITCHES.some((k) => k in faults);
  const inSteps = (steps: ScenarioStep[]): boolean =>
    steps.some((s) => ('faults' in s && needs(s.faults)) || ('repeat' in s && inSteps(s.steps)));
  return needs(scenario.faults) || inSteps(scenario.steps);
}

function defaultActor(action: string): string {
  if (action === 'createBranchEni' || action === 'deleteNetworkInterface') return 'vpc-resource-controller';
  return 'admin';
}

/** Fills the envelope fields a hand-written event may leave out. */
function completeEvent(region: SimulatedRegion, raw: Record<string, unknown>): EventBridgeEvent {
  const time = region.clock
    .now()
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z');
  return {
    version: '0',
    id: `raw-${region.bus.events.length + 1}`,
    account: region.accountId,
    region: region.regionName,
    time,
    resources: [],
    ...(raw as object),
  } as unknown as EventBridgeEvent;
}

function formatMs(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms / 1000} s`;
}

function describeSeed(region: SimulatedRegion): string {
  const s = region.seedSummary();
  return Object.entries(s)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
}
