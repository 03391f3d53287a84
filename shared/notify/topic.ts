/** The alert topic's SNS publisher from a RuntimeContext, alone (wiring.ts adds the hub's copy of each alert). */
import { clientOptions, onFirstUse } from '../aws/clients';
import { importRuntimeSdk } from '../aws/runtime-sdk';
import type { RuntimeContext } from '../runtime/context';
import type { NotificationPort } from './ports';

/** Built on the first alert: most invocations send none, so their cold start need not load the SNS client. */
export function topicFromContext(ctx: Pick<RuntimeContext, 'aws' | 'env'>): NotificationPort {
  return onFirstUse<NotificationPort>({ publish: true }, async () => {
    const [sdk, { SnsNotifications }] = await Promise.all([
      importRuntimeSdk('@aws-sdk/client-sns'),
      import('./adapters/sns'),
    ]);
    return new SnsNotifications(new sdk.SNSClient(clientOptions(ctx.aws, 'sns')), ctx.env.topicArn, sdk);
  });
}
