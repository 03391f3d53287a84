/**
 * What a reconcile may do to a pool, one action at a time (planned by `decide-reconcile.ts`, applied by
 * `reconcile.ts`), and which actions count as repairs. Pure: no AWS import.
 */
import type { ManualHold, Target } from './model';

export type ReconcileAction =
  /** A pool member without a claim item: create it (free). */
  | { kind: 'register'; allocationId: string; publicIp: string }
  /** A claim item whose EIP is no longer a pool member (untagged or released): release it and delete it. */
  | { kind: 'retire'; allocationId: string; holder?: Target }
  /**
   * The holder's ENI (or its private IP) is gone and the event was missed, or it no longer matches or is no longer a
   * proven pod: the EIP is free again. `disassociate`: the association to take off first (a holder no longer proven
   * keeps its IP: a secondary IP whose pod went, an ENI that was never a pod's).
   */
  | {
      kind: 'free';
      allocationId: string;
      holder: Target;
      reason: 'eni-gone' | 'ip-gone' | 'no-longer-matches' | 'not-proven';
      disassociate?: string;
    }
  /** Another address was put on the holder's IP by someone else: the EIP went back to the pool. Alerted. */
  | { kind: 'displaced'; allocationId: string; publicIp: string; holder: Target; nowHolds?: string }
  /** EC2 shows the claim's association but the claim does not record it (crash after AssociateAddress). */
  | {
      kind: 'record-association';
      allocationId: string;
      holder: Target;
      associationId: string;
      repair: boolean;
    }
  /** The claim holds an EIP that is not associated: associate it (crash before AssociateAddress, or disassociated). */
  | {
      kind: 'associate';
      allocationId: string;
      holder: Target;
      reason: 'never-associated' | 'disassociated';
    }
  /** Associated with something other than its claim holder: record it, alert, never take it back. */
  | {
      kind: 'manual-hold';
      allocationId: string;
      publicIp: string;
      hold: Omit<ManualHold, 'detectedAt'>;
      /** The claim holder this displaces (its claim is released; the ENI is then served again). */
      displaced?: Target;
    }
  /** A manual hold is over (the EIP is unassociated again): the EIP returns to the pool. */
  | { kind: 'clear-manual'; allocationId: string; associationId: string }
  /** Associated (by hand or before eip-keeper) with an ENI of the pool that has no claim: record the claim. */
  | { kind: 'adopt'; allocationId: string; target: Target; associationId: string }
  /** A matching ENI target without a pool EIP: serve it (oldest waiter first). */
  | { kind: 'serve'; target: Target; waitingSince?: string }
  /** A waiter that no longer waits (its ENI is gone, no longer matches, or was served). */
  | { kind: 'drop-waiter'; target: Target; reason: string };

/** Whether an action counts as a repair (something an event should have done, or a crash left undone). */
export function isRepair(action: ReconcileAction): boolean {
  switch (action.kind) {
    case 'free':
    case 'displaced':
    case 'associate':
    case 'adopt':
      return true;
    case 'record-association':
      return action.repair;
    case 'serve':
      // A waiting ENI is served as an EIP frees; one that never waited was missed by the event path.
      return action.waitingSince === undefined;
    default:
      return false;
  }
}
