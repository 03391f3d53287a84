/**
 * EventBridge event patterns, defined once: the CDK stack deploys these objects and the local router matches
 * these same objects, so a local run proves what AWS will route.
 *
 * Failed calls (`errorCode`) are NOT filtered out of the inventory's and the auditor's rules: the recorder logs them
 * as skipped, and the auditor reads `InsufficientFreeAddressesInSubnet` failures as a subnet-exhaustion signal. The
 * keeper's rules take successful calls only, and their ENI-creation rules are built from the configuration
 * (`keeperEniCreatedPattern`), so floods of ENIs that can never be a pool's invoke nothing.
 */

/** A plain EventBridge pattern (the JSON the rule holds). */
export type EventPattern = { readonly [key: string]: EventPattern | readonly PatternValue[] };
export type PatternValue =
  | string
  | number
  | boolean
  | null
  | { readonly prefix: string }
  | { readonly suffix: string }
  | { readonly 'anything-but': string | number | readonly (string | number)[] | { readonly prefix: string } }
  | { readonly exists: boolean }
  | { readonly 'equals-ignore-case': string }
  | { readonly numeric: readonly (string | number)[] };

export const CLOUDTRAIL_DETAIL_TYPE = 'AWS API Call via CloudTrail';

/** The EC2 calls whose CloudTrail records change who holds an EIP. */
export const INVENTORY_EVENT_NAMES = [
  'CreateNetworkInterface',
  'DeleteNetworkInterface',
  'AllocateAddress',
  'AssociateAddress',
  'DisassociateAddress',
  'ReleaseAddress',
] as const;
export type InventoryEventName = (typeof INVENTORY_EVENT_NAMES)[number];

/** Inventory recorder: every EIP/ENI call (failed ones too, to log them as skipped). */
export const inventoryEventPattern: EventPattern = {
  source: ['aws.ec2'],
  'detail-type': [CLOUDTRAIL_DETAIL_TYPE],
  detail: {
    eventSource: ['ec2.amazonaws.com'],
    eventName: [...INVENTORY_EVENT_NAMES],
  },
};

/**
 * Tag changes on Elastic IPs (CreateTags/DeleteTags naming an `eipalloc-` resource): the pool tag's additions and
 * removals, with who made them. Calls on other resources never match.
 */
export const addressTagEventPattern: EventPattern = {
  source: ['aws.ec2'],
  'detail-type': [CLOUDTRAIL_DETAIL_TYPE],
  detail: {
    eventSource: ['ec2.amazonaws.com'],
    eventName: ['CreateTags', 'DeleteTags'],
    requestParameters: { resourcesSet: { items: { resourceId: [{ prefix: 'eipalloc-' }] } } },
  },
};

/**
 * What a pool's selector says that a CreateNetworkInterface record carries, for the keeper's content filter: every
 * ENI the pool could ever serve is in one VPC, and (when the selector says so) in one of its subnets, carries its
 * first security group, starts with its description and carries the cluster's tag.
 */
export interface PoolEniFilter {
  vpcId: string;
  securityGroupId?: string;
  subnetIds?: readonly string[];
  descriptionPrefix?: string;
  /** Tag keys one of which the creation call carries (a branch ENI's cluster tag). */
  clusterTagKeys?: readonly string[];
}

/** Successful calls only: a failed call changed nothing, so it never invokes the keeper. */
const SUCCEEDED = { errorCode: [{ exists: false }] } as const;

/**
 * Keeper: the creation of an ENI one pool could serve (a superset of its selector, built from the configuration), so
 * the creation of ENIs that can never be a pool's invokes nothing. One rule per pool.
 */
export function keeperEniCreatedPattern(f: PoolEniFilter): EventPattern {
  const eni: Record<string, EventPattern | readonly PatternValue[]> = { vpcId: [f.vpcId] };
  if (f.securityGroupId) eni.groupSet = { items: { groupId: [f.securityGroupId] } };
  if (f.subnetIds) eni.subnetId = [...f.subnetIds];
  if (f.descriptionPrefix !== undefined) eni.description = [{ prefix: f.descriptionPrefix }];
  const detail: Record<string, EventPattern | readonly PatternValue[]> = {
    eventSource: ['ec2.amazonaws.com'],
    eventName: ['CreateNetworkInterface'],
    ...SUCCEEDED,
    responseElements: { networkInterface: eni },
  };
  if (f.clusterTagKeys)
    detail.requestParameters = { tagSpecificationSet: { items: { tags: { key: [...f.clusterTagKeys] } } } };
  return { source: ['aws.ec2'], 'detail-type': [CLOUDTRAIL_DETAIL_TYPE], detail };
}

/**
 * Keeper: ENI deletions (successful). The record names the ENI only, so no content filter can tell a pod's from
 * another: a deletion of an ENI that holds nothing costs one invocation and a few table reads, no EC2 call.
 */
export const keeperEniDeletedPattern: EventPattern = {
  source: ['aws.ec2'],
  'detail-type': [CLOUDTRAIL_DETAIL_TYPE],
  detail: { eventSource: ['ec2.amazonaws.com'], eventName: ['DeleteNetworkInterface'], ...SUCCEEDED },
};

/** Keeper (secondary-IP pools): private IPs assigned to or unassigned from ENIs (successful). */
export const keeperPodIpPattern: EventPattern = {
  source: ['aws.ec2'],
  'detail-type': [CLOUDTRAIL_DETAIL_TYPE],
  detail: {
    eventSource: ['ec2.amazonaws.com'],
    eventName: ['AssignPrivateIpAddresses', 'UnassignPrivateIpAddresses'],
    ...SUCCEEDED,
  },
};

/** Keeper: the pool tag added to or removed from an Elastic IP (successful calls naming the `eip-keeper:pool` key). */
export const keeperPoolTagPattern: EventPattern = {
  source: ['aws.ec2'],
  'detail-type': [CLOUDTRAIL_DETAIL_TYPE],
  detail: {
    eventSource: ['ec2.amazonaws.com'],
    eventName: ['CreateTags', 'DeleteTags'],
    ...SUCCEEDED,
    requestParameters: {
      resourcesSet: { items: { resourceId: [{ prefix: 'eipalloc-' }] } },
      tagSet: { items: { key: ['eip-keeper:pool'] } },
    },
  },
};

/** Auditor: EKS control-plane calls that change node groups, add-ons or cluster config. */
export const auditorEksApiPattern: EventPattern = {
  source: ['aws.eks'],
  'detail-type': [CLOUDTRAIL_DETAIL_TYPE],
  detail: {
    eventSource: ['eks.amazonaws.com'],
    eventName: [
      'CreateCluster',
      'UpdateClusterConfig',
      'CreateNodegroup',
      'UpdateNodegroupConfig',
      'UpdateNodegroupVersion',
      'CreateAddon',
      'UpdateAddon',
    ],
  },
};

/** Auditor: native EKS add-on events (create/update/delete outcomes, health). */
export const auditorEksNativePattern: EventPattern = {
  source: ['aws.eks'],
  'detail-type': [{ 'anything-but': CLOUDTRAIL_DETAIL_TYPE }],
};

/** Auditor: real-time pod-subnet exhaustion, from failed ENI / IP-assignment calls. */
export const auditorIpExhaustionPattern: EventPattern = {
  source: ['aws.ec2'],
  'detail-type': [CLOUDTRAIL_DETAIL_TYPE],
  detail: {
    eventSource: ['ec2.amazonaws.com'],
    eventName: ['CreateNetworkInterface', 'AssignPrivateIpAddresses'],
    errorCode: ['InsufficientFreeAddressesInSubnet', 'Client.InsufficientFreeAddressesInSubnet'],
  },
};
