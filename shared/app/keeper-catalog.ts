/**
 * The keeper's part of the function catalog (`functions.ts`): the IAM statements both keeper functions get, and the
 * EventBridge rules built from the configuration (content filters), so events that can never concern a pool invoke
 * nothing. Plain data and pure functions; the stack and the local region use them through the catalog.
 */
import type { AppConfig, PoolConfig } from '../config/schema';
import {
  keeperEniCreatedPattern,
  keeperEniDeletedPattern,
  keeperPodIpPattern,
  keeperPoolTagPattern,
} from '../events/patterns';
import { SECURITY_HUB_PERMISSIONS } from '../securityhub/permissions';
import { type Conditions, type PermissionSpec, type RuleSpec, tableAccess } from './function-spec';

const poolNames = (pools: readonly PoolConfig[]) => pools.map((p) => p.name);
/** Addresses tagged with one of the configured pools' names (`StringEquals`: a tag anyone could write on an address
 * of theirs is worth nothing unless it names a configured pool, and the code hands out approved members only). */
const poolMember = (pools: readonly PoolConfig[]): Conditions => ({
  StringEquals: { 'aws:ResourceTag/eip-keeper:pool': poolNames(pools) },
});

/** Some pool allocates on exhaustion: only then may the keeper allocate. */
const anyPoolAllocates = (c: AppConfig) => c.pools.some((p) => p.allocateOnExhaustion);
/** Some pool tags its members with their holder (`tagHolder`, the default): only then may the keeper write a tag. */
const anyPoolTagsHolder = (c: AppConfig) => c.pools.some((p) => p.tagHolder);
const anyPool = (c: AppConfig) => c.pools.length > 0;

export const KEEPER_PERMISSIONS: PermissionSpec[] = [
  tableAccess(
    ['GetItem', 'BatchGetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'],
    true,
    "pool claims, holder links, waiting ENIs, exhaustion episodes and security alert claims (GSI1 lists the free EIPs of a pool); the inventory's ENI records, read for their creation facts",
  ),
  {
    sid: 'DescribePoolState',
    actions: [
      'ec2:DescribeNetworkInterfaces',
      'ec2:DescribeAddresses',
      'ec2:DescribeTrunkInterfaceAssociations',
      'ec2:DescribeInstances',
    ],
    resources: ['*'],
    why: "the ENIs a pool selector matches, the pool members, and the evidence that an ENI is a pod's (its trunk association, the trunk ENI's instance)",
  },
  {
    sid: 'ReadPoolClusters',
    actions: ['eks:DescribeCluster'],
    resources: ['pool-clusters'],
    why: "each pool's cluster: its IAM role (the VPC resource controller's identity), its VPC and its Kubernetes endpoint",
    when: anyPool,
  },
  {
    sid: 'AssociatePoolAddresses',
    actions: ['ec2:AssociateAddress', 'ec2:DisassociateAddress'],
    resources: ['elastic-ip'],
    conditions: (c) => poolMember(c.pools),
    why: 'associate pool members only (always with AllowReassociation=false); disassociate one only from a holder no longer proven a pod (a secondary IP whose pod went)',
    when: anyPool,
  },
  {
    sid: 'AssociateWithPodEnis',
    actions: ['ec2:AssociateAddress', 'ec2:DisassociateAddress'],
    resources: ['network-interface'],
    conditions: (c, arns) => ({
      StringEquals: { 'ec2:Vpc': [...new Set(c.pools.map((p) => arns.vpc(p.vpcId)))] },
    }),
    why: "the pod's ENI is the other resource of the association, and only in the pools' VPCs",
    when: anyPool,
  },
  {
    sid: 'TagPoolAddressHolder',
    actions: ['ec2:CreateTags', 'ec2:DeleteTags'],
    resources: ['elastic-ip'],
    conditions: (c) => ({
      ...poolMember(c.pools),
      'ForAllValues:StringEquals': { 'aws:TagKeys': ['eip-keeper:holder'] },
      // ForAllValues holds for an empty key list, and a DeleteTags without keys deletes every tag (the pool tag too).
      Null: { 'aws:TagKeys': 'false' },
    }),
    why: 'write and remove the eip-keeper:holder tag (the holder ENI, for humans) on pool members, and no other tag',
    when: anyPoolTagsHolder,
  },
  {
    sid: 'AllocateIntoPool',
    actions: ['ec2:AllocateAddress'],
    resources: ['elastic-ip'],
    conditions: (c) => ({
      StringEquals: {
        'aws:RequestTag/eip-keeper:pool': poolNames(c.pools.filter((p) => p.allocateOnExhaustion)),
      },
    }),
    why: 'only for pools with allocateOnExhaustion: a new address, born tagged into its pool',
    when: anyPoolAllocates,
  },
  {
    sid: 'TagOnAllocate',
    actions: ['ec2:CreateTags'],
    resources: ['elastic-ip'],
    conditions: {
      StringEquals: { 'ec2:CreateAction': 'AllocateAddress' },
      'ForAllValues:StringEquals': { 'aws:TagKeys': ['eip-keeper:pool'] },
    },
    why: 'the pool tag of an address allocated on exhaustion is written by AllocateAddress itself',
    when: anyPoolAllocates,
  },
  {
    sid: 'PublishAlerts',
    actions: ['sns:Publish'],
    resources: ['topic'],
    why: 'pool exhaustion, pool addresses associated outside eip-keeper, and security alerts (unproven ENIs, pool tag changes, unapproved members, displacements)',
  },
  ...SECURITY_HUB_PERMISSIONS,
];

/** The tag keys of a branch ENI's cluster (what the VPC resource controller writes in the creation call). */
const clusterTagKeys = (cluster: string) => [
  `kubernetes.io/cluster/${cluster}`,
  'cluster.k8s.amazonaws.com/name',
];

/**
 * The keeper's rules under a configuration: per pool, the creation of ENIs that pool could serve (its VPC, first
 * security group, subnets, description prefix and, for branch ENIs, cluster tag); deletions; pool tag changes; and
 * secondary-IP changes when a pool targets them. No pool, no rule: nothing invokes the keeper.
 */
export function keeperRules(config: AppConfig): RuleSpec[] {
  if (config.pools.length === 0) return [];
  const created = config.pools.map(
    (p): RuleSpec => ({
      id: `KeeperEniCreated-${p.name}`,
      pattern: keeperEniCreatedPattern({
        vpcId: p.vpcId,
        ...(p.selector.securityGroupIds?.[0] ? { securityGroupId: p.selector.securityGroupIds[0] } : {}),
        ...(p.selector.subnetIds ? { subnetIds: p.selector.subnetIds } : {}),
        ...(p.selector.descriptionPrefix !== undefined
          ? { descriptionPrefix: p.selector.descriptionPrefix }
          : {}),
        ...(p.target === 'primary-ip' ? { clusterTagKeys: clusterTagKeys(p.cluster) } : {}),
      }),
    }),
  );
  return [
    ...created,
    { id: 'KeeperEniDeleted', pattern: keeperEniDeletedPattern },
    { id: 'KeeperPoolTags', pattern: keeperPoolTagPattern },
    ...(config.pools.some((p) => p.target === 'secondary-ip')
      ? [{ id: 'KeeperPodIps', pattern: keeperPodIpPattern }]
      : []),
  ];
}
