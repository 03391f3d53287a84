/**
 * EventBridge event patterns, defined once: the CDK stack deploys these objects and the local router matches
 * these same objects, so a local run proves what AWS will route.
 *
 * Failed calls (`errorCode`) are deliberately NOT filtered out here: handlers log them as skipped, and the auditor
 * reads `InsufficientFreeAddressesInSubnet` failures as a subnet-exhaustion signal.
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

/** Keeper: ENI lifecycle (and secondary-IP changes for pools that target pod IPs on node ENIs). */
export const keeperEventPattern: EventPattern = {
  source: ['aws.ec2'],
  'detail-type': [CLOUDTRAIL_DETAIL_TYPE],
  detail: {
    eventSource: ['ec2.amazonaws.com'],
    eventName: [
      'CreateNetworkInterface',
      'DeleteNetworkInterface',
      'AssignPrivateIpAddresses',
      'UnassignPrivateIpAddresses',
    ],
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
