/**
 * The catalog of eip-keeper's Lambda functions: entry, triggers, sizing and the IAM they need, as plain data.
 * The CDK stack deploys one hardened function per entry from it, and the local simulated region routes events and
 * schedules to the same handler modules from it: one list, so local runs prove what the stack deploys.
 */
import type { AppConfig } from '../config/schema';
import {
  addressTagEventPattern,
  auditorEksApiPattern,
  auditorEksNativePattern,
  auditorIpExhaustionMessagePattern,
  auditorIpExhaustionPattern,
  inventoryEventPattern,
} from '../events/patterns';
import { HUB_FORWARD_PERMISSIONS, OWN_EVENT_SOURCE_ONLY } from '../hub/permissions';
import { SECURITY_HUB_PERMISSIONS } from '../securityhub/permissions';
import { PREFIX } from '../store/keys';
import { type FunctionSpec, type PermissionSpec, tableAccess } from './function-spec';
import { KEEPER_PERMISSIONS, keeperRules } from './keeper-catalog';

export {
  type ConditionArns,
  type Conditions,
  conditionsFor,
  type FunctionSpec,
  type PermissionSpec,
  type ResourceRef,
  type RuleSpec,
  rulesFor,
  type SidecarModule,
  tableAccess,
} from './function-spec';

export const inventoryRecorder: FunctionSpec = {
  id: 'InventoryRecorder',
  entry: 'functions/inventory-recorder.ts',
  description:
    'Records every EIP/ENI CloudTrail event, and pool-tag changes on EIPs, into the EIP inventory and its history',
  rules: [
    { id: 'InventoryEvents', pattern: inventoryEventPattern },
    // Pool-tag additions and removals (who, when): a former pool member is never released by the sweeper.
    { id: 'AddressTagEvents', pattern: addressTagEventPattern },
  ],
  timeoutSeconds: 30,
  memoryMb: 256,
  // Bounded, so a flood of ENI events cannot take the account's unreserved concurrency: events beyond it wait in
  // Lambda's asynchronous queue (up to the 6 h event age) and are recorded in turn.
  reservedConcurrency: 10,
  permissions: [
    tableAccess(
      ['GetItem', 'BatchGetItem', 'Query', 'PutItem', 'UpdateItem'],
      true,
      'EIP state and history, ENI records, association links (GSI1 lists every EIP state)',
    ),
  ],
  ownKeyPrefixes: [PREFIX.eip, PREFIX.eni, PREFIX.association],
  load: () => import('../../functions/inventory-recorder'),
};

export const sweeper: FunctionSpec = {
  id: 'Sweeper',
  entry: 'functions/sweeper.ts',
  description:
    'Sweeps orphaned Elastic IPs: idle tracking, security alerts, releases only when enabled, reclaimed-cost ledger',
  rules: [],
  scheduleMinutes: (c) => c.sweeper.scheduleMinutes,
  timeoutSeconds: 300,
  memoryMb: 512,
  // One sweep at a time: releases are capped per run and leased per address.
  reservedConcurrency: 1,
  permissions: [
    tableAccess(
      ['GetItem', 'BatchGetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'],
      true,
      'the sweep ledger (tracks, idle episodes, releases, alert claims) and reads of the EIP inventory',
    ),
    {
      sid: 'DescribeAddresses',
      actions: ['ec2:DescribeAddresses'],
      resources: ['*'],
      why: 'one DescribeAddresses per sweep, and a live re-read of an address right before releasing it',
    },
    {
      sid: 'ReleaseUntaggedAddresses',
      actions: ['ec2:ReleaseAddress'],
      resources: ['elastic-ip'],
      // Null "true" = the tag is absent: an address tagged as a pool member or to keep cannot be released by this
      // role, even by a bug in the sweeper.
      conditions: {
        Null: { 'aws:ResourceTag/eip-keeper:pool': 'true', 'aws:ResourceTag/eip-keeper:keep': 'true' },
      },
      why: 'release orphaned addresses (only when sweeper.release.enabled); never pool or keep-tagged ones',
      when: (c) => c.sweeper.release.enabled,
    },
    {
      sid: 'ReadKillSwitch',
      actions: ['ssm:GetParameter'],
      resources: ['kill-switch-parameter'],
      why: 'the kill switch is read on every sweep',
    },
    {
      sid: 'ListHostedZones',
      actions: ['route53:ListHostedZones'],
      resources: ['*'],
      why: "find the account's hosted zones, to see which DNS records point at an address",
    },
    {
      sid: 'ListRecords',
      actions: ['route53:ListResourceRecordSets'],
      resources: ['hosted-zone'],
      why: 'a DNS record pointing at an address blocks its release (dangling DNS) and is named in its alerts',
    },
    {
      sid: 'PublishAlerts',
      actions: ['sns:Publish'],
      resources: ['topic'],
      why: 'security alerts: orphan, pre-release notice, released, release blocked, daily digest',
    },
    {
      sid: 'ReadPrices',
      actions: ['pricing:GetProducts'],
      resources: ['*'],
      why: 'the public IPv4 hourly price, only called when sweeper.usePricingApi is true',
      when: (c) => c.sweeper.usePricingApi,
    },
    ...SECURITY_HUB_PERMISSIONS,
    ...HUB_FORWARD_PERMISSIONS,
  ],
  ownKeyPrefixes: [PREFIX.sweep],
  load: () => import('../../functions/sweeper'),
};

// --- Auditor --------------------------------------------------------------------------------------------------
const proofOn = (c: AppConfig) => c.audit.egressProof.enabled;

/**
 * VPC Reachability Analyzer, only while `audit.egressProof.enabled`: its own calls, and what the analysis reads with
 * the caller's permissions ("Required API permissions for Reachability Analyzer": the describe calls of the network
 * components on an ENI-to-internet-gateway path, and AWS Tiros, which runs the analysis).
 */
const EGRESS_PROOF_PERMISSIONS: PermissionSpec[] = [
  {
    sid: 'ManageEgressPaths',
    actions: ['ec2:CreateNetworkInsightsPath', 'ec2:DeleteNetworkInsightsPath'],
    resources: ['network-insights-path'],
    why: "one path per pool subnet from the ENI holding the pool's EIP to the internet gateway; superseded paths are deleted",
    when: proofOn,
  },
  {
    // EC2 authorizes the path's source and destination as well as the path (both resource types of
    // CreateNetworkInsightsPath in the Service Authorization Reference).
    sid: 'EgressPathEnds',
    actions: ['ec2:CreateNetworkInsightsPath'],
    resources: ['network-interface', 'internet-gateway'],
    why: "a path's source (the ENI holding the pool's EIP) and destination (the VPC's internet gateway)",
    when: proofOn,
  },
  {
    sid: 'StartEgressAnalyses',
    actions: ['ec2:StartNetworkInsightsAnalysis'],
    resources: ['network-insights-path', 'network-insights-analysis'],
    why: "an analysis ($0.10 each) only when a pool's ENIs, subnets, routes or security groups changed",
    when: proofOn,
  },
  {
    sid: 'ReadEgressAnalyses',
    actions: [
      'ec2:DescribeNetworkInsightsAnalyses',
      'ec2:DescribeSecurityGroups',
      'ec2:DescribeNetworkAcls',
      'ec2:DescribeInternetGateways',
      'ec2:DescribeNatGateways',
      'ec2:DescribeVpcs',
      'ec2:DescribeAddresses',
    ],
    resources: ['*'],
    why: 'the answers of the analyses, and the components the analysis reads with the caller permissions',
    when: proofOn,
  },
  {
    sid: 'RunReachabilityQueries',
    actions: ['tiros:CreateQuery', 'tiros:GetQueryAnswer', 'tiros:GetQueryExplanation'],
    resources: ['*'],
    why: 'AWS Tiros runs the reachability analysis with the caller permissions',
    when: proofOn,
  },
];

export const auditor: FunctionSpec = {
  id: 'Auditor',
  entry: 'functions/auditor.ts',
  // Only for add-on configurationValues written in YAML (shared/auditor/adapters/configuration-values.ts).
  sidecarModules: ['yaml'],
  description:
    'Audits EKS node groups for security groups for pods, custom networking, pod-EIP egress and IP headroom; alerts on new and resolved findings',
  rules: [
    { id: 'EksChanges', pattern: auditorEksApiPattern },
    { id: 'EksAddonEvents', pattern: auditorEksNativePattern },
    { id: 'PodSubnetExhaustion', pattern: auditorIpExhaustionPattern },
    { id: 'PodSubnetExhaustionMessage', pattern: auditorIpExhaustionMessagePattern },
  ],
  scheduleMinutes: (c) => c.audit.scheduleHours * 60,
  timeoutSeconds: 300,
  memoryMb: 512,
  // One audit at a time: a finding is opened, resolved and announced by exactly one run.
  reservedConcurrency: 1,
  permissions: [
    tableAccess(
      ['Query', 'PutItem', 'UpdateItem', 'DeleteItem'],
      false,
      'open findings and their history, signals between audits',
    ),
    {
      sid: 'ListClusters',
      actions: ['eks:ListClusters'],
      resources: ['*'],
      why: 'audit every cluster of the region when audit.clusters is empty',
    },
    {
      sid: 'ReadClusters',
      actions: ['eks:DescribeCluster', 'eks:ListNodegroups'],
      resources: ['eks-cluster'],
      why: 'cluster role, VPC, endpoint and node groups of each audited cluster',
    },
    {
      sid: 'ReadNodegroups',
      actions: ['eks:DescribeNodegroup'],
      resources: ['eks-nodegroup'],
      why: 'instance types, subnets, AMI type, scaling and health of each node group',
    },
    {
      sid: 'ReadAddons',
      actions: ['eks:DescribeAddon'],
      resources: ['eks-addon'],
      why: 'vpc-cni version and configurationValues; kube-proxy mode',
    },
    {
      sid: 'ReadClusterRolePolicies',
      actions: ['iam:ListAttachedRolePolicies'],
      resources: ['iam-role'],
      why: 'security groups for pods needs AmazonEKSVPCResourceController on the cluster role',
    },
    {
      sid: 'DescribeNetwork',
      actions: [
        'ec2:DescribeSubnets',
        'ec2:DescribeRouteTables',
        'ec2:DescribeInstanceTypes',
        'ec2:DescribeInstances',
        'ec2:DescribeNetworkInterfaces',
      ],
      resources: ['*'],
      why: 'subnet free IPs and routes, max pods per instance type, nodes and their trunk/CNI ENIs, pool ENIs',
    },
    ...EGRESS_PROOF_PERMISSIONS,
    {
      sid: 'PublishFindings',
      actions: ['sns:Publish'],
      resources: ['topic'],
      why: 'one alert per audit whose findings changed (new or resolved)',
    },
    {
      sid: 'PutFindingEvents',
      actions: ['events:PutEvents'],
      resources: ['event-bus'],
      conditions: OWN_EVENT_SOURCE_ONLY,
      why: 'an eip-keeper custom event per new or resolved finding',
    },
    ...SECURITY_HUB_PERMISSIONS,
  ],
  ownKeyPrefixes: [PREFIX.audit],
  load: () => import('../../functions/auditor'),
};

// --- Keeper ---------------------------------------------------------------------------------------------------
export const keeperEvents: FunctionSpec = {
  id: 'KeeperEvents',
  entry: 'functions/keeper-events.ts',
  description:
    'Keeps pool EIPs on proven pod ENIs: claims and associates on ENI creation, frees on deletion, tells pool tag changes',
  rules: [],
  configRules: keeperRules,
  timeoutSeconds: 60,
  memoryMb: 256,
  // Caps parallel EC2 mutations below AssociateAddress's refill of 5/s: more handlers only add throttled calls (which
  // also throttle everyone else in the account) and starve some past the SDK's retries (docs/performance.md).
  // Claims make any concurrency safe.
  reservedConcurrency: 3,
  permissions: KEEPER_PERMISSIONS,
  ownKeyPrefixes: [PREFIX.pool],
  load: () => import('../../functions/keeper-events'),
};

export const keeperReconciler: FunctionSpec = {
  id: 'KeeperReconciler',
  entry: 'functions/keeper-reconciler.ts',
  description:
    'Keeper backstop: serves waiting ENIs, frees claims of deleted ENIs, repairs unfinished claims',
  rules: [],
  scheduleMinutes: (c) => c.reconcile.scheduleMinutes,
  timeoutSeconds: 300,
  memoryMb: 256,
  // One reconcile at a time (it is safe next to the event path, and next to itself, but one is enough).
  reservedConcurrency: 1,
  permissions: KEEPER_PERMISSIONS,
  ownKeyPrefixes: [PREFIX.pool],
  load: () => import('../../functions/keeper-reconciler'),
};

/** Every function the stack deploys. */
export const FUNCTIONS: FunctionSpec[] = [
  inventoryRecorder,
  sweeper,
  auditor,
  keeperEvents,
  keeperReconciler,
];
