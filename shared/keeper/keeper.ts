/**
 * The EIP keeper: keeps a pool's allowlisted EIPs on the ENIs of its workload. Events first (an ENI is created →
 * claim a free pool EIP and associate it; an ENI is deleted → free its claim and serve whoever waits), the
 * reconciler as the backstop (desired vs actual from EC2, repaired).
 *
 * Why concurrent handlers cannot give one EIP to two ENIs, nor two EIPs to one ENI: see `ClaimsStore.claim` (one
 * transaction over the EIP's claim item and the target's holder item) and docs/data-model.md. EC2 is only ever
 * asked to associate an EIP this handler's claim holds, with `AllowReassociation=false`, so an EIP associated by
 * anyone else is never taken back: AWS refuses, and the keeper records the address as manually held and alerts.
 *
 * The parts: `handle-event.ts` (the event path, planned by `decide-event.ts`), `reconcile.ts` (planned by
 * `decide-reconcile.ts`), `serve.ts` and `associate.ts` (claiming and associating), `announce.ts` (manual holds and
 * exhaustion), `story.ts` (the invocation's narrative and deferred holder tags), all over `core.ts`.
 */
import { type KeeperDeps, keeperCore } from './core';
import { handleEvent, type KeeperEventResult } from './handle-event';
import { type KeeperReconcileResult, reconcile } from './reconcile';

export type { KeeperDeps } from './core';
export type { KeeperEventResult } from './handle-event';
export type { KeeperReconcileResult, PoolReconcileReport } from './reconcile';

export interface Keeper {
  handleEvent(event: unknown): Promise<KeeperEventResult>;
  reconcile(): Promise<KeeperReconcileResult>;
}

export function createKeeper(deps: KeeperDeps): Keeper {
  const core = keeperCore(deps);
  return {
    handleEvent: (event) => handleEvent(core, event),
    reconcile: () => reconcile(core),
  };
}
