/** Builds the keeper from a RuntimeContext: the adapters it needs (EC2, the table, the alert topic) and nothing else. */
import { notificationsFromContext } from '../notify/wiring';
import type { RuntimeContext } from '../runtime/context';
import { findingsFromContext } from '../securityhub/wiring';
import { createDocumentClient } from '../store/client';
import { SdkKeeperEc2 } from './adapters/ec2';
import { DynamoClaimStore } from './dynamo-claim-store';
import { createKeeper, type Keeper } from './keeper';

export function keeperFromContext(ctx: RuntimeContext): Keeper {
  const findings = findingsFromContext(ctx);
  return createKeeper({
    ...(findings ? { findings } : {}),
    pools: ctx.config.pools,
    ec2: new SdkKeeperEc2(ctx.aws),
    store: new DynamoClaimStore(createDocumentClient(ctx.aws), ctx.env.tableName),
    alerts: notificationsFromContext(ctx),
    clock: ctx.clock,
    log: ctx.log,
    metrics: ctx.metrics,
    origin: { accountId: ctx.env.accountId, region: ctx.env.region },
    subjectPrefix: ctx.config.alerts.subjectPrefix,
  });
}
