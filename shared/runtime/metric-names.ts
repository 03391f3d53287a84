/**
 * Every CloudWatch metric eip-keeper emits, in one namespace. The code, the dashboards, the alarms and the tests name
 * metrics through these constants, so a renamed metric cannot leave a dashboard graphing nothing.
 */
export const METRICS_NAMESPACE = 'EipKeeper';

export const METRIC = {
  // Keeper
  AssociationsMade: 'AssociationsMade',
  AddressesAllocated: 'AddressesAllocated',
  PoolExhausted: 'PoolExhausted',
  PoolManuallyHeld: 'PoolManuallyHeld',
  PoolSize: 'PoolSize',
  PoolFree: 'PoolFree',
  ReconcileRepairs: 'ReconcileRepairs',
  KeeperEventsSkipped: 'KeeperEventsSkipped',
  KeeperEventsRejected: 'KeeperEventsRejected',
  /** A DeleteNetworkInterface or UnassignPrivateIpAddresses event EC2 contradicts (the ENI or IP is still there). */
  KeeperEventsContradicted: 'KeeperEventsContradicted',
  /** ENIs that matched a pool's selector and were not proven pods of its cluster. */
  UnprovenEnis: 'UnprovenEnis',
  KeeperSecurityAlerts: 'KeeperSecurityAlerts',
  // Sweeper
  IdleAddresses: 'IdleAddresses',
  OrphanAddresses: 'OrphanAddresses',
  IdleCostUsd: 'IdleCostUsd',
  ReclaimedUsd: 'ReclaimedUsd',
  ReclaimedMonthlyUsd: 'ReclaimedMonthlyUsd',
  AddressesReleased: 'AddressesReleased',
  ReleasesBlocked: 'ReleasesBlocked',
  AlertsSent: 'AlertsSent',
  /** A due release the sweeper refused: no confirmed notice on record for it (the notice is sent again). */
  ReleasesRefused: 'ReleasesRefused',
  /** A track whose idle start nothing confirms (edited, or history lost): its idle time starts again. */
  TracksRejected: 'TracksRejected',
  FormerPoolMembers: 'FormerPoolMembers',
  // Auditor
  AuditFindingsOpened: 'AuditFindingsOpened',
  AuditFindingsResolved: 'AuditFindingsResolved',
  AuditChecksFailing: 'AuditChecksFailing',
  AuditChecksUnknown: 'AuditChecksUnknown',
  // Inventory
  InventoryEventsRecorded: 'InventoryEventsRecorded',
  InventoryEventsSkipped: 'InventoryEventsSkipped',
  InventoryEventsRejected: 'InventoryEventsRejected',
  InventoryDuplicateEvents: 'InventoryDuplicateEvents',
  InventoryRefoldConflicts: 'InventoryRefoldConflicts',
  // Security Hub (securityHub.enabled)
  /** Findings Security Hub accepted (created, updated or archived). */
  SecurityHubFindingsImported: 'SecurityHubFindingsImported',
  /** Findings that did not reach Security Hub (a refused finding, or a call that failed): the next run tries again. */
  SecurityHubImportFailures: 'SecurityHubImportFailures',
  // Organization hub (dimension `kind`: episode, release, finding, alert; no account or region, see docs/hub.md)
  /** Member events the hub kept (a new record, or a newer version of one). */
  HubEventsKept: 'HubEventsKept',
  /** Member events that were repeated or late deliveries: a newer record was already kept. */
  HubEventsStale: 'HubEventsStale',
  /** Events on the hub's bus the hub refused to keep (not eip-keeper's, or not of the declared shape). */
  HubEventsIgnored: 'HubEventsIgnored',
  /** Members' alerts the hub sent again on its own topic. */
  HubAlertsSent: 'HubAlertsSent',
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];
