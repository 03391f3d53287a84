/**
 * Keeper, backstop (schedule `reconcile.scheduleMinutes`): desired vs actual from DescribeNetworkInterfaces and
 * DescribeAddresses; serves waiting ENIs, frees claims whose ENI is gone, repairs claims whose association never
 * happened, records addresses associated outside eip-keeper. Safe to run concurrently with the event path.
 */
import type { KeeperReconcileResult } from '../shared/keeper/keeper';
import { keeperFromContext } from '../shared/keeper/wiring';
import type { HandlerFactory } from '../shared/runtime/context';
import { lambdaHandler } from '../shared/runtime/lambda';

export const createHandler: HandlerFactory<unknown, KeeperReconcileResult> = (ctx) => {
  const keeper = keeperFromContext(ctx);
  return () => keeper.reconcile();
};

export const handler = lambdaHandler('keeper-reconciler', createHandler);
