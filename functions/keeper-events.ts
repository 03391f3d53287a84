/**
 * Keeper, event path (rule `KeeperEvents`): a matching ENI created → it gets a free pool EIP; an ENI deleted → its
 * EIP is free again and goes to whoever waits. Rejected events and failed calls return normally (logged); AWS or
 * DynamoDB failures throw, so Lambda retries and the DLQ catches what still fails.
 */
import type { KeeperEventResult } from '../shared/keeper/keeper';
import { keeperFromContext } from '../shared/keeper/wiring';
import type { HandlerFactory } from '../shared/runtime/context';
import { lambdaHandler } from '../shared/runtime/lambda';

export const createHandler: HandlerFactory<unknown, KeeperEventResult> = (ctx) => {
  const keeper = keeperFromContext(ctx);
  return (event) => keeper.handleEvent(event);
};

export const handler = lambdaHandler('keeper-events', createHandler);
