/**
 * The claim store on the single DynamoDB table (keys in `../keys.ts`, layouts in docs/data-model.md), one module per
 * concern: claims (`claims.ts`, with the claim protocol), manual holds, waiters and exhaustion episodes, over one
 * table (`base.ts`).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type {
  ClaimStore,
  ClaimsStore,
  ExhaustionStore,
  ManualHoldStore,
  SecurityAlertStore,
  WaiterStore,
} from '../claim-store';
import { DynamoSecurityAlerts } from './alerts';
import { ClaimTable } from './base';
import { DynamoClaims } from './claims';
import { DynamoExhaustion } from './exhaustion';
import { DynamoManualHolds } from './manual-holds';
import { DynamoWaiters } from './waiters';

export class DynamoClaimStore implements ClaimStore {
  private readonly claims: DynamoClaims;
  private readonly holds: DynamoManualHolds;
  private readonly waiters: DynamoWaiters;
  private readonly episodes: DynamoExhaustion;
  private readonly securityAlerts: DynamoSecurityAlerts;

  constructor(doc: DynamoDBDocumentClient, tableName: string) {
    const table = new ClaimTable(doc, tableName);
    this.claims = new DynamoClaims(table);
    this.holds = new DynamoManualHolds(table);
    this.waiters = new DynamoWaiters(table);
    this.episodes = new DynamoExhaustion(table);
    this.securityAlerts = new DynamoSecurityAlerts(table);
  }

  loadPool: ClaimsStore['loadPool'] = (...a) => this.claims.loadPool(...a);
  freeCandidates: ClaimsStore['freeCandidates'] = (...a) => this.claims.freeCandidates(...a);
  heldBy: ClaimsStore['heldBy'] = (...a) => this.claims.heldBy(...a);
  registerMember: ClaimsStore['registerMember'] = (...a) => this.claims.registerMember(...a);
  retire: ClaimsStore['retire'] = (...a) => this.claims.retire(...a);
  claim: ClaimsStore['claim'] = (...a) => this.claims.claim(...a);
  recordAssociation: ClaimsStore['recordAssociation'] = (...a) => this.claims.recordAssociation(...a);
  release: ClaimsStore['release'] = (...a) => this.claims.release(...a);
  claimsOfEni: ClaimsStore['claimsOfEni'] = (...a) => this.claims.claimsOfEni(...a);
  getClaim: ClaimsStore['getClaim'] = (...a) => this.claims.getClaim(...a);

  markManualHold: ManualHoldStore['markManualHold'] = (...a) => this.holds.markManualHold(...a);
  clearManualHold: ManualHoldStore['clearManualHold'] = (...a) => this.holds.clearManualHold(...a);
  confirmManualHoldAlert: ManualHoldStore['confirmManualHoldAlert'] = (...a) =>
    this.holds.confirmManualHoldAlert(...a);
  reclaimManualHoldAlert: ManualHoldStore['reclaimManualHoldAlert'] = (...a) =>
    this.holds.reclaimManualHoldAlert(...a);

  addWaiter: WaiterStore['addWaiter'] = (...a) => this.waiters.addWaiter(...a);
  removeWaiter: WaiterStore['removeWaiter'] = (...a) => this.waiters.removeWaiter(...a);
  waitersOfEni: WaiterStore['waitersOfEni'] = (...a) => this.waiters.waitersOfEni(...a);
  markAllocating: WaiterStore['markAllocating'] = (...a) => this.waiters.markAllocating(...a);

  openExhaustion: ExhaustionStore['openExhaustion'] = (...a) => this.episodes.openExhaustion(...a);
  markExhaustionAlerted: ExhaustionStore['markExhaustionAlerted'] = (...a) =>
    this.episodes.markExhaustionAlerted(...a);
  abandonExhaustion: ExhaustionStore['abandonExhaustion'] = (...a) => this.episodes.abandonExhaustion(...a);
  closeExhaustion: ExhaustionStore['closeExhaustion'] = (...a) => this.episodes.closeExhaustion(...a);

  claimAlert: SecurityAlertStore['claimAlert'] = (...a) => this.securityAlerts.claimAlert(...a);
  confirmAlert: SecurityAlertStore['confirmAlert'] = (...a) => this.securityAlerts.confirmAlert(...a);
  releaseAlert: SecurityAlertStore['releaseAlert'] = (...a) => this.securityAlerts.releaseAlert(...a);
  reclaimAlert: SecurityAlertStore['reclaimAlert'] = (...a) => this.securityAlerts.reclaimAlert(...a);
}
