/**
 * Builds the keeper from a RuntimeContext: the adapters it needs (EC2, EKS, the Kubernetes API when a pool has access,
 * the table, the alert topic) and nothing else. The identity checker lives as long as the runtime, so the slowly
 * changing facts it reads (the cluster, trunk ENIs, nodes) are shared by the invocations of one warm runtime.
 */
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { DynamoInventoryStore } from '../inventory/dynamo-inventory-store';
import { notificationsFromContext } from '../notify/wiring';
import type { RuntimeContext } from '../runtime/context';
import { findingsFromContext } from '../securityhub/wiring';
import { createDocumentClient } from '../store/client';
import { InventoryCreationRecords } from './adapters/creation-records';
import { SdkKeeperEc2 } from './adapters/ec2';
import { SdkKeeperCluster } from './adapters/eks';
import { KeeperKubernetes } from './adapters/kubernetes';
import { DynamoClaimStore } from './dynamo-claim-store';
import { IdentityChecker } from './identity';
import { createKeeper, type Keeper } from './keeper';

export function keeperFromContext(ctx: RuntimeContext): Keeper {
  const findings = findingsFromContext(ctx);
  const ec2 = new SdkKeeperEc2(ctx.aws);
  const doc = createDocumentClient(ctx.aws);
  const clusters = new SdkKeeperCluster(ctx.aws);
  const credentials = async (): Promise<AwsCredentialIdentity> =>
    ctx.aws.credentials ?? (await clusters.client.config.credentials());
  const kubernetes = ctx.config.pools.some((p) => p.kubernetesAccess)
    ? new KeeperKubernetes({
        region: ctx.aws.region,
        credentials,
        ...(ctx.aws.endpoints?.sts ? { stsEndpoint: ctx.aws.endpoints.sts } : {}),
      })
    : undefined;
  return createKeeper({
    ...(findings ? { findings } : {}),
    pools: ctx.config.pools,
    ec2,
    store: new DynamoClaimStore(doc, ctx.env.tableName),
    identity: new IdentityChecker({
      ec2,
      clusters,
      ...(kubernetes ? { kubernetes } : {}),
      creations: new InventoryCreationRecords(new DynamoInventoryStore(doc, ctx.env.tableName)),
      clock: ctx.clock,
      log: ctx.log,
    }),
    alerts: notificationsFromContext(ctx),
    clock: ctx.clock,
    log: ctx.log,
    metrics: ctx.metrics,
    origin: { accountId: ctx.env.accountId, region: ctx.env.region },
    subjectPrefix: ctx.config.alerts.subjectPrefix,
  });
}
