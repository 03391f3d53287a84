/**
 * EventBridge event patterns, defined once: the CDK stack deploys these objects and the local router matches
 * these same objects, so a local run proves what AWS will route.
 *
 * Failed calls (`errorCode`) are NOT filtered out of the inventory's and the auditor's rules: the recorder logs them
 * as skipped, and the auditor reads the failures of ENI and IP calls that ran out of addresses as a subnet-exhaustion
 * signal. The keeper's rules take successful calls only, and their ENI-creation rules are built from the
 * configuration (`keeperEniCreatedPattern`), so floods of ENIs that can never be a pool's invoke nothing.
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
  /** `*` matches any run of characters; a backslash makes the `*` or backslash after it literal (event buses only). */
  | { readonly wildcard: string }
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

/** Auditor: EKS control-plane calls that change node groups, add-ons, the cluster's config or its version. */
export const auditorEksApiPattern: EventPattern = {
  source: ['aws.eks'],
  'detail-type': [CLOUDTRAIL_DETAIL_TYPE],
  detail: {
    eventSource: ['eks.amazonaws.com'],
    eventName: [
      'CreateCluster',
      'UpdateClusterConfig',
      'UpdateClusterVersion',
      'CreateNodegroup',
      'UpdateNodegroupConfig',
      'UpdateNodegroupVersion',
      'CreateAddon',
      'UpdateAddon',
      'DeleteAddon',
    ],
  },
};

/**
 * The native `aws.eks` events that can change readiness: add-on outcomes and health (EventBridge events reference,
 * Amazon EKS). Not "EKS Fargate Pod Scheduled Termination", which changes no node group.
 */
export const EKS_ADDON_DETAIL_TYPES = [
  'EKS Addon Creation Succeeded',
  'EKS Addon Creation Failed',
  'EKS Addon Update Succeeded',
  'EKS Addon Update Failed',
  'EKS Addon Deletion Succeeded',
  'EKS Addon Deletion Failed',
  'EKS Addon Health Degraded',
  'EKS Addon Health Restored',
] as const;

/** Auditor: native EKS add-on events (create/update/delete outcomes, health). */
export const auditorEksNativePattern: EventPattern = {
  source: ['aws.eks'],
  'detail-type': [...EKS_ADDON_DETAIL_TYPES],
};

/** The calls the VPC CNI makes for pod addresses, which fail when the subnet has none left. */
export const EXHAUSTION_EVENT_NAMES = [
  'CreateNetworkInterface',
  'AssignPrivateIpAddresses',
  'AttachNetworkInterface',
] as const;

/**
 * Error codes that always mean "no addresses left": the subnet is out of IPs, or (prefix delegation) out of free
 * /28 blocks. CloudTrail writes EC2 client errors as `Client.<Code>`; both spellings are matched.
 */
export const EXHAUSTION_ERROR_CODES = [
  'InsufficientFreeAddressesInSubnet',
  'Client.InsufficientFreeAddressesInSubnet',
  'InsufficientCidrBlocks',
  'Client.InsufficientCidrBlocks',
] as const;

/** The code of the VPC CNI's own failure ("There aren't sufficient free Ipv4 addresses or prefixes"). */
export const INVALID_PARAMETER_CODES = ['InvalidParameterValue', 'Client.InvalidParameterValue'] as const;

/**
 * What an exhaustion message contains ("There aren't sufficient free Ipv4 addresses or prefixes", "Insufficient free
 * addresses"): the rule filters InvalidParameterValue failures on it, so other invalid parameters wake no audit.
 */
export const EXHAUSTION_MESSAGE_PART = 'ufficient free';

const exhaustionCalls = {
  eventSource: ['ec2.amazonaws.com'],
  eventName: [...EXHAUSTION_EVENT_NAMES],
} as const;

/** Auditor: real-time pod-subnet exhaustion, from ENI / IP calls failing with an exhaustion code. */
export const auditorIpExhaustionPattern: EventPattern = {
  source: ['aws.ec2'],
  'detail-type': [CLOUDTRAIL_DETAIL_TYPE],
  detail: { ...exhaustionCalls, errorCode: [...EXHAUSTION_ERROR_CODES] },
};

/**
 * Auditor: the same calls failing with InvalidParameterValue whose message says the subnet ran out (EventBridge
 * filters a substring only with `wildcard`: content-filtering-with-event-patterns, wildcard matching).
 */
export const auditorIpExhaustionMessagePattern: EventPattern = {
  source: ['aws.ec2'],
  'detail-type': [CLOUDTRAIL_DETAIL_TYPE],
  detail: {
    ...exhaustionCalls,
    errorCode: [...INVALID_PARAMETER_CODES],
    errorMessage: [{ wildcard: `*${EXHAUSTION_MESSAGE_PART}*` }],
  },
};
