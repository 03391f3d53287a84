/**
 * The EC2 actions of a timeline: real EC2 API calls made by an actor, so they change the region's state and emit the
 * CloudTrail events AWS would, with that actor's identity. A step may make its call a dry run or have EC2 fail it:
 * either way CloudTrail records the call with its `errorCode`, and the story says what AWS answered.
 */
import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  CreateNetworkInterfaceCommand,
  CreateTagsCommand,
  DeleteNetworkInterfaceCommand,
  DeleteTagsCommand,
  DisassociateAddressCommand,
  ReleaseAddressCommand,
  type Tag,
} from '@aws-sdk/client-ec2';
import type { ActionStep } from '../steps-schema';
import { ScenarioStepError, type StepContext } from './context';

type Ec2Step = Exclude<ActionStep, { action: 'putParameter' }>;
type StepOf<A extends Ec2Step['action']> = Extract<Ec2Step, { action: A }>;
/** Makes the step's call as `actor` and returns what the story says it did. */
type Ec2ActionRunner<A extends Ec2Step['action']> = (
  step: StepOf<A>,
  ctx: StepContext,
  actor: string,
) => Promise<string>;

const tagList = (tags: Record<string, string> = {}): Tag[] =>
  Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

/** The API action each step calls (a `failWith` applies to it). */
export const EC2_API_OF: Record<Ec2Step['action'], string> = {
  createBranchEni: 'CreateNetworkInterface',
  createNetworkInterface: 'CreateNetworkInterface',
  createServiceEni: 'CreateNetworkInterface',
  deleteNetworkInterface: 'DeleteNetworkInterface',
  allocateAddress: 'AllocateAddress',
  associateAddress: 'AssociateAddress',
  disassociateAddress: 'DisassociateAddress',
  releaseAddress: 'ReleaseAddress',
  tagResource: 'CreateTags',
  untagResource: 'DeleteTags',
};

/** Who makes a step's call when it names no actor. */
export function defaultActor(step: Ec2Step): string {
  if (step.action === 'createServiceEni') return step.service;
  if (step.action === 'createBranchEni' || step.action === 'deleteNetworkInterface')
    return 'vpc-resource-controller';
  return 'admin';
}

/** The description AWS gives the ENI of a service's resource (`name` or a generated id). */
function serviceEniDescription(step: StepOf<'createServiceEni'>, ctx: StepContext): string {
  const id = (prefix: string) => ctx.region.ec2.env.ids.next(prefix);
  const hex16 = () => id('x').slice(2, 18);
  switch (step.service) {
    case 'lambda':
      return `AWS Lambda VPC ENI-${step.name ?? 'function'}-${ctx.region.ec2.env.ids.uuid()}`;
    case 'efs': {
      const fs = step.name ?? id('fs');
      return `EFS mount target for ${fs} (${id('fsmt')})`;
    }
    case 'alb':
      return `ELB app/${step.name ?? 'alb'}/${hex16()}`;
    case 'nlb':
      return `ELB net/${step.name ?? 'nlb'}/${hex16()}`;
    case 'nat-gateway':
      return `Interface for NAT Gateway ${step.name ?? id('nat')}`;
  }
}

async function createEni(
  ctx: StepContext,
  actor: string,
  step: Ec2Step & { subnet: string; as?: string; dryRun?: boolean },
  input: { Description?: string; Groups?: string[]; SecondaryPrivateIpAddressCount?: number; Tags?: Tag[] },
): Promise<string> {
  const out = await ctx.ec2As(actor).send(
    new CreateNetworkInterfaceCommand({
      SubnetId: ctx.resolve(step.subnet),
      Description: input.Description,
      Groups: input.Groups?.length ? input.Groups : undefined,
      SecondaryPrivateIpAddressCount: input.SecondaryPrivateIpAddressCount,
      DryRun: step.dryRun,
      TagSpecifications: input.Tags?.length
        ? [{ ResourceType: 'network-interface', Tags: input.Tags }]
        : undefined,
    }),
  );
  const id = out.NetworkInterface?.NetworkInterfaceId ?? '';
  if (step.as) ctx.labels.set(step.as, id);
  return `${id}${step.as ? ` (${step.as})` : ''}`;
}

const RUNNERS: { [A in Ec2Step['action']]: Ec2ActionRunner<A> } = {
  async createBranchEni(step, ctx, actor) {
    const tags = [
      { Key: 'eks:eni:owner', Value: 'eks-vpc-resource-controller' },
      { Key: 'vpcresources.k8s.aws/trunk-eni-id', Value: 'eni-trunk' },
      { Key: 'vpcresources.k8s.aws/vlan-id', Value: '1' },
      ...(step.cluster ? [{ Key: `kubernetes.io/cluster/${step.cluster}`, Value: 'owned' }] : []),
      ...tagList(step.tags),
    ];
    const eni = await createEni(ctx, actor, step, {
      Description: 'aws-k8s-branch-eni',
      Groups: step.securityGroups,
      Tags: tags,
    });
    return `created branch ENI ${eni} in ${ctx.resolve(step.subnet)} with ${step.securityGroups.join(', ')}`;
  },
  async createNetworkInterface(step, ctx, actor) {
    const eni = await createEni(ctx, actor, step, {
      Description: step.description,
      Groups: step.securityGroups,
      SecondaryPrivateIpAddressCount: step.secondaryIpCount,
      Tags: tagList(step.tags),
    });
    return `created ENI ${eni} "${step.description}" in ${ctx.resolve(step.subnet)}`;
  },
  async createServiceEni(step, ctx, actor) {
    const description = serviceEniDescription(step, ctx);
    const eni = await createEni(ctx, actor, step, { Description: description, Groups: step.securityGroups });
    return `created its ENI ${eni} "${description}" in ${ctx.resolve(step.subnet)}`;
  },
  async deleteNetworkInterface(step, ctx, actor) {
    await ctx
      .ec2As(actor)
      .send(
        new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: ctx.resolve(step.eni), DryRun: step.dryRun }),
      );
    return `deleted ENI ${ctx.named(step.eni)}`;
  },
  async allocateAddress(step, ctx, actor) {
    const out = await ctx.ec2As(actor).send(
      new AllocateAddressCommand({
        Domain: 'vpc',
        DryRun: step.dryRun,
        TagSpecifications: step.tags ? [{ ResourceType: 'elastic-ip', Tags: tagList(step.tags) }] : undefined,
      }),
    );
    if (step.as && out.AllocationId) ctx.labels.set(step.as, out.AllocationId);
    return `allocated ${out.PublicIp} (${out.AllocationId})`;
  },
  async associateAddress(step, ctx, actor) {
    const out = await ctx.ec2As(actor).send(
      new AssociateAddressCommand({
        AllocationId: ctx.resolve(step.address),
        NetworkInterfaceId: ctx.resolve(step.eni),
        PrivateIpAddress: step.privateIp,
        AllowReassociation: step.allowReassociation ?? false,
        DryRun: step.dryRun,
      }),
    );
    return `associated ${ctx.resolve(step.address)} with ${ctx.resolve(step.eni)} (${out.AssociationId})`;
  },
  async disassociateAddress(step, ctx, actor) {
    const association = ctx.region.ec2Association(ctx.resolve(step.address));
    if (!association) throw new ScenarioStepError(`${ctx.resolve(step.address)} is not associated`);
    await ctx
      .ec2As(actor)
      .send(new DisassociateAddressCommand({ AssociationId: association, DryRun: step.dryRun }));
    return `disassociated ${ctx.resolve(step.address)}`;
  },
  async releaseAddress(step, ctx, actor) {
    await ctx
      .ec2As(actor)
      .send(new ReleaseAddressCommand({ AllocationId: ctx.resolve(step.address), DryRun: step.dryRun }));
    return `released ${ctx.resolve(step.address)}`;
  },
  async tagResource(step, ctx, actor) {
    await ctx.ec2As(actor).send(
      new CreateTagsCommand({
        Resources: [ctx.resolve(step.resource)],
        Tags: tagList(step.tags),
        DryRun: step.dryRun,
      }),
    );
    const list = Object.entries(step.tags)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    return `tagged ${ctx.resolve(step.resource)} ${list}`;
  },
  async untagResource(step, ctx, actor) {
    await ctx.ec2As(actor).send(
      new DeleteTagsCommand({
        Resources: [ctx.resolve(step.resource)],
        Tags: step.keys.map((Key) => ({ Key })),
        DryRun: step.dryRun,
      }),
    );
    return `removed tags ${step.keys.join(', ')} from ${ctx.resolve(step.resource)}`;
  },
};

/**
 * A branch ENI for a pod of a cluster of the scenario, made by that cluster's VPC resource controller as EKS does it
 * (its cluster role, tied to a node's trunk ENI); false when the step names an actor, a failure or a dry run, or a
 * cluster the scenario lacks: the step's own call is made then.
 */
async function startBranchPod(step: Ec2Step, ctx: StepContext): Promise<boolean> {
  if (step.action !== 'createBranchEni' || step.actor || step.failWith || step.dryRun) return false;
  if (!step.cluster || !ctx.region.auditor.eks.clusters.has(step.cluster)) return false;
  const pod = await ctx.pods.startBranchPod({
    cluster: step.cluster,
    securityGroupIds: step.securityGroups,
    subnetId: ctx.resolve(step.subnet),
    ...(step.node ? { node: ctx.resolve(step.node) } : {}),
  });
  if (step.as) ctx.labels.set(step.as, pod.eniId);
  ctx.story.line(
    'action',
    `the VPC resource controller of ${step.cluster} created branch ENI ${pod.eniId}${step.as ? ` (${step.as})` : ''} for a pod on ${pod.node}, behind its trunk ENI, with ${step.securityGroups.join(', ')}`,
  );
  return true;
}

/** Runs one EC2 action and tells it; a call AWS refuses is told too, and the timeline goes on. */
export async function runEc2Action(step: Ec2Step, ctx: StepContext, where: string): Promise<void> {
  if (await startBranchPod(step, ctx)) return;
  const actor = ('actor' in step ? step.actor : undefined) ?? defaultActor(step);
  const say = (text: string) => ctx.story.line('action', `${actor} ${text}`);
  if (step.failWith) {
    const { code, message = `${code} (a failure the scenario asked EC2 for)` } = step.failWith;
    ctx.region.ec2.failNext(actor, EC2_API_OF[step.action], code, message);
  }
  try {
    const run = RUNNERS[step.action] as Ec2ActionRunner<Ec2Step['action']>;
    say(await run(step, ctx, actor));
  } catch (err) {
    if (err instanceof ScenarioStepError) throw new ScenarioStepError(`${where}: ${err.message}`);
    const e = err as Error;
    say(`tried ${step.action}${step.dryRun ? ' (dry run)' : ''}, AWS answered ${e.name}: ${e.message}`);
  }
}
