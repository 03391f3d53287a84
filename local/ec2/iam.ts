/**
 * What IAM authorizes for each EC2 action (Service Authorization Reference, "Actions defined by Amazon EC2"): every
 * resource the request names, each with its own condition keys (its tags as `aws:ResourceTag/*`, an ENI's
 * `ec2:Vpc` and `ec2:Subnet`…) plus the request's (`aws:RequestTag/*`, `aws:TagKeys`, `ec2:CreateAction`). A request
 * that tags the resource it creates is also authorized as `ec2:CreateTags` with `ec2:CreateAction`.
 *
 * A denied call is EC2's `UnauthorizedOperation` (HTTP 403) with an encoded authorization failure message, and
 * CloudTrail records it (`Client.UnauthorizedOperation`) like any failed mutating call.
 */
import type { SimResponse } from '../core/types';
import type { ConditionContext, Denial, IamCheck } from '../iam/policy';
import { type QueryObject, str, strList, tagList, tagSpecifications } from './query';
import type { Ec2State, Tag } from './state';
import { insightsOf, internetGatewaysOf } from './state/network-insights';
import { xmlError } from './xml';

type Ec2Checks = (state: Ec2State, params: QueryObject, action: string) => IamCheck[];

const arnOf = (state: Ec2State, type: string, id: string) =>
  `arn:aws:ec2:${state.env.region}:${state.env.accountId}:${type}/${id}`;

function tagContext(tags: readonly Tag[] | undefined): ConditionContext {
  const context: ConditionContext = {};
  for (const t of tags ?? []) {
    context[`aws:ResourceTag/${t.key}`] = t.value;
    context[`ec2:ResourceTag/${t.key}`] = t.value;
  }
  return context;
}

/** The request's tags: `aws:RequestTag/<key>` for each, and `aws:TagKeys` when there is any key. */
function requestTagContext(tags: readonly { key: string; value?: string }[]): ConditionContext {
  const context: ConditionContext = {};
  for (const t of tags) if (t.value !== undefined) context[`aws:RequestTag/${t.key}`] = t.value;
  if (tags.length > 0) context['aws:TagKeys'] = tags.map((t) => t.key);
  return context;
}

interface ResourceKind<T extends { tags: Tag[] }> {
  type: string;
  find(s: Ec2State, id: string): T | undefined;
  /** The resource type's condition keys besides its tags (Service Authorization Reference). */
  keys(r: T, arn: (type: string, id: string) => string): ConditionContext;
}

const kind = <T extends { tags: Tag[] }>(k: ResourceKind<T>) => k as ResourceKind<{ tags: Tag[] }>;

/** Each taggable resource type, by the prefix of its ids. */
const RESOURCE_KINDS: Readonly<Record<string, ResourceKind<{ tags: Tag[] }>>> = {
  'eipalloc-': kind({
    type: 'elastic-ip',
    find: (s, id) => s.addressById.get(id),
    keys: (a) => ({
      'ec2:AllocationId': a.allocationId,
      'ec2:Domain': a.domain,
      'ec2:PublicIpAddress': a.publicIp,
    }),
  }),
  'eni-': kind({
    type: 'network-interface',
    find: (s, id) => s.eniById.get(id),
    keys: (e, arn) => ({
      'ec2:Vpc': arn('vpc', e.vpcId),
      'ec2:Subnet': arn('subnet', e.subnetId),
      'ec2:AvailabilityZone': e.availabilityZone,
      'ec2:NetworkInterfaceID': e.networkInterfaceId,
    }),
  }),
  'subnet-': kind({
    type: 'subnet',
    find: (s, id) => s.subnetById.get(id),
    keys: (n, arn) => ({
      'ec2:Vpc': arn('vpc', n.vpcId),
      'ec2:AvailabilityZone': n.availabilityZone,
      'ec2:SubnetID': n.subnetId,
    }),
  }),
  'i-': kind({
    type: 'instance',
    find: (s, id) => s.instanceById.get(id),
    keys: (i) => ({
      'ec2:InstanceType': i.instanceType,
      'ec2:AvailabilityZone': i.availabilityZone,
      'ec2:InstanceID': i.instanceId,
    }),
  }),
  'sg-': kind({
    type: 'security-group',
    find: (s, id) => s.groupById.get(id),
    keys: (g, arn) => ({ 'ec2:Vpc': arn('vpc', g.vpcId), 'ec2:SecurityGroupID': g.groupId }),
  }),
  'vpc-': kind({ type: 'vpc', find: (s, id) => s.vpcById.get(id), keys: (v) => ({ 'ec2:VpcID': v.vpcId }) }),
  'rtb-': kind({
    type: 'route-table',
    find: (s, id) => s.routeTableById.get(id),
    keys: (r, arn) => ({ 'ec2:Vpc': arn('vpc', r.vpcId), 'ec2:RouteTableID': r.routeTableId }),
  }),
  'igw-': kind({
    type: 'internet-gateway',
    // The simulated region keeps no tags on internet gateways: only the ones a VPC uses exist.
    find: (s, id) =>
      [...s.vpcById.keys()].some((v) => internetGatewaysOf(s, v).has(id)) ? { tags: [] } : undefined,
    keys: (_g, _arn) => ({}),
  }),
  'nip-': kind({
    type: 'network-insights-path',
    find: (s, id) => insightsOf(s).paths.get(id),
    keys: () => ({}),
  }),
  'nia-': kind({
    type: 'network-insights-analysis',
    find: (s, id) => insightsOf(s).analyses.get(id),
    keys: () => ({}),
  }),
};

/** Resource type, tags and keys of an existing resource, found by its id's prefix (unknown: its ARN only). */
function resourceOf(state: Ec2State, id: string): { type: string; context: ConditionContext } {
  const prefix = id.slice(0, id.lastIndexOf('-') + 1);
  const k = Object.hasOwn(RESOURCE_KINDS, prefix) ? RESOURCE_KINDS[prefix] : undefined;
  if (!k) return { type: 'unknown', context: {} };
  const found = k.find(state, id);
  const arn = (type: string, rid: string) => arnOf(state, type, rid);
  return { type: k.type, context: found ? { ...tagContext(found.tags), ...k.keys(found, arn) } : {} };
}

function check(state: Ec2State, action: string, id: string, extra: ConditionContext = {}): IamCheck {
  const { type, context } = resourceOf(state, id);
  return { action: `ec2:${action}`, resource: arnOf(state, type, id), context: { ...context, ...extra } };
}

/** An address named by `AllocationId` or `PublicIp`. */
function addressIdOf(state: Ec2State, params: QueryObject): string {
  const id = str(params, 'AllocationId');
  if (id) return id;
  const ip = str(params, 'PublicIp');
  return (
    [...state.addressById.values()].find((a) => a.publicIp === ip)?.allocationId ?? `eipalloc-${ip ?? ''}`
  );
}

/** A resource the request creates (`elastic-ip/*`), with its tags; tagging it on create is a CreateTags too. */
const creating =
  (type: string): Ec2Checks =>
  (state, params, action) => {
    const tags = tagSpecifications(params).flatMap((s) => s.tags);
    const resource = arnOf(state, type, '*');
    const checks: IamCheck[] = [{ action: `ec2:${action}`, resource, context: requestTagContext(tags) }];
    if (tags.length > 0) {
      const context = { ...requestTagContext(tags), 'ec2:CreateAction': action };
      checks.push({ action: 'ec2:CreateTags', resource, context });
    }
    return checks;
  };

/** An action with no resource type in the Service Authorization Reference: authorized on `*` only. */
const describe: Ec2Checks = (_state, _params, action) => [{ action: `ec2:${action}`, resource: '*' }];

const onEni: Ec2Checks = (state, params, action) => [
  check(state, action, str(params, 'NetworkInterfaceId') ?? ''),
];

/**
 * A Reachability Analyzer path: created as `network-insights-path/*` with its request tags, and authorized on the
 * source and destination it names (each an optional resource type of the action, with its own condition keys).
 */
const createPath: Ec2Checks = (state, params, action) => {
  // Source and Destination are ids or ARNs (`…:network-interface/eni-…`).
  const named = ['Source', 'Destination'].flatMap((k) => str(params, k)?.split('/').pop() ?? []);
  return [
    ...creating('network-insights-path')(state, params, action),
    ...named.map((id) => check(state, action, id)),
  ];
};

/** An analysis of a path: created as `network-insights-analysis/*`, and authorized on the path it runs. */
const startAnalysis: Ec2Checks = (state, params, action) => [
  ...creating('network-insights-analysis')(state, params, action),
  check(state, action, str(params, 'NetworkInsightsPathId') ?? ''),
];

const tagging: Ec2Checks = (state, params, action) => {
  const request = requestTagContext(tagList(params));
  return strList(params, 'ResourceId').map((id) => check(state, action, id, request));
};

/** The IAM checks of each EC2 action the simulated region serves. */
export const EC2_IAM: Readonly<Record<string, Ec2Checks>> = {
  DescribeAddresses: describe,
  DescribeInstanceTypes: describe,
  DescribeInstances: describe,
  DescribeNetworkInsightsAnalyses: describe,
  DescribeNetworkInterfaces: describe,
  DescribeRouteTables: describe,
  DescribeSubnets: describe,
  DescribeTrunkInterfaceAssociations: describe,
  // Trunk associations name no resource type either (the branch and trunk ENIs are not authorized as resources).
  AssociateTrunkInterface: describe,
  DisassociateTrunkInterface: describe,
  AllocateAddress: creating('elastic-ip'),
  AssociateAddress: (state, params, action) => {
    const target = str(params, 'NetworkInterfaceId') ?? str(params, 'InstanceId') ?? '';
    return [check(state, action, addressIdOf(state, params)), check(state, action, target)];
  },
  DisassociateAddress: (state, params, action) => {
    const associationId = str(params, 'AssociationId');
    const address = [...state.addressById.values()].find(
      (a) => a.association?.associationId === associationId,
    );
    const eni = address?.association?.networkInterfaceId;
    const addressId = address?.allocationId ?? addressIdOf(state, params);
    return [check(state, action, addressId), ...(eni ? [check(state, action, eni)] : [])];
  },
  ReleaseAddress: (state, params, action) => [check(state, action, addressIdOf(state, params))],
  CreateTags: tagging,
  DeleteTags: tagging,
  CreateNetworkInterface: (state, params, action) => {
    const created = creating('network-interface')(state, params, action);
    const subnet = check(state, action, str(params, 'SubnetId') ?? '');
    const groups = strList(params, 'SecurityGroupId').map((id) => check(state, action, id));
    return [...created, subnet, ...groups];
  },
  DeleteNetworkInterface: onEni,
  // Both required: the instance and the ENI, each with its own keys (`ec2:Vpc`, `ec2:Subnet` on the ENI).
  AttachNetworkInterface: (state, params, action) => [
    check(state, action, str(params, 'InstanceId') ?? ''),
    ...onEni(state, params, action),
  ],
  AssignPrivateIpAddresses: onEni,
  UnassignPrivateIpAddresses: onEni,
  CreateNetworkInsightsPath: createPath,
  StartNetworkInsightsAnalysis: startAnalysis,
  DeleteNetworkInsightsPath: (state, params, action) => [
    check(state, action, str(params, 'NetworkInsightsPathId') ?? ''),
  ],
};

/** The checks of one EC2 request (an action missing from EC2_IAM is a gap of this table, reported loudly). */
export function ec2IamChecks(state: Ec2State, params: QueryObject, action: string): IamCheck[] {
  const checks = Object.hasOwn(EC2_IAM, action) ? EC2_IAM[action] : undefined;
  if (!checks) throw new Error(`no IAM mapping for ec2:${action} in local/ec2/iam.ts`);
  return checks(state, params, action);
}

/** EC2's refusal: `UnauthorizedOperation`, the reason, and the encoded authorization failure message. */
export function ec2AccessDenied(
  denial: Denial,
  requestId: string,
): { response: SimResponse; message: string } {
  const message = `You are not authorized to perform this operation. ${denial.message}. Encoded authorization failure message: ${denial.encoded}`;
  return { response: xmlError(403, 'UnauthorizedOperation', message, requestId), message };
}
