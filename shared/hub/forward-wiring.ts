/**
 * A member's hub events from a RuntimeContext: present only when the configuration names a hub (`hub.eventBusArn`).
 * The EventBridge client is built on the first put, so a function with nothing to send loads none.
 */
import { clientOptions, onFirstUse } from '../aws/clients';
import { importRuntimeSdk } from '../aws/runtime-sdk';
import type { RuntimeContext } from '../runtime/context';
import type { EventPutPort } from './forward';

export function hubEventsFromContext(
  ctx: Pick<RuntimeContext, 'aws' | 'env' | 'config'>,
): EventPutPort | undefined {
  if (!ctx.config.hub.eventBusArn) return undefined;
  return onFirstUse<EventPutPort>({ put: true }, async () => {
    const [sdk, { EventBridgePut }] = await Promise.all([
      importRuntimeSdk('@aws-sdk/client-eventbridge'),
      import('./adapters/eventbridge'),
    ]);
    return new EventBridgePut(
      new sdk.EventBridgeClient(clientOptions(ctx.aws, 'eventbridge')),
      ctx.env.eventBusName,
      sdk,
    );
  });
}
