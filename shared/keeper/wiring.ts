/**
 * Builds the keeper from a RuntimeContext: the adapters it needs (EC2, EKS, the Kubernetes API when a pool has access,
 * the table, the alert topic) and nothing else. The identity checker lives as long as the runtime, so the slowly
 * changing facts it reads (the cluster, trunk ENIs, nodes) are shared by the invocations of one warm runtime.
 *
 * EKS, the Kubernetes reader, the alert topic and Security Hub (when enabled) are built on first use
 * (`onFirstUse`): the cluster is described once per warm runtime and cached, the Kubernetes API is read for a few
 * pools only, and most invocations send no alert and import no finding, so a cold start loads none of them.
 */
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { onFirstUse } from '../aws/clients';
import { importRuntimeSdk } from '../aws/runtime-sdk';
import { DynamoInventoryStore } from '../inventory/dynamo-inventory-store';
import { notificationsFromContext } from '../notify/wiring';
import type { RuntimeContext } from '../runtime/context';
import { findingsFromContext } from '../securityhub/wiring';
import { createDocumentClient } from '../store/client';
import { InventoryCreationRecords } from './adapters/creation-records';
import { SdkKeeperEc2 } from './adapters/ec2';
import type { SdkKeeperCluster } from './adapters/eks';
import { DynamoClaimStore } from './dynamo-claim-store';
import { IdentityChecker } from './identity';
import { createKeeper, type Keeper } from './keeper';
import type { ClusterPort, KubernetesPort } from './ports';

export function keeperFromContext(ctx: RuntimeContext): Keeper {
  const findings = findingsFromContext(ctx);
  const ec2 = new SdkKeeperEc2(ctx.aws);
  const doc = createDocumentClient(ctx.aws);
  let eks: SdkKeeperCluster | undefined;
  const sdkCluster = async (): Promise<SdkKeeperCluster> => {
    if (!eks) {
      const [sdk, { SdkKeeperCluster }] = await Promise.all([
        importRuntimeSdk('@aws-sdk/client-eks'),
        import('./adapters/eks'),
      ]);
      eks ??= new SdkKeeperCluster(ctx.aws, sdk);
    }
    return eks;
  };
  const clusters = onFirstUse<ClusterPort>({ describeCluster: true }, sdkCluster);
  // The Kubernetes token is signed with the function's own credentials: the SDK's default chain, as the EKS client has it.
  const credentials = async (): Promise<AwsCredentialIdentity> =>
    ctx.aws.credentials ?? (await (await sdkCluster()).client.config.credentials());
  const kubernetes = ctx.config.pools.some((p) => p.kubernetesAccess)
    ? onFirstUse<KubernetesPort>({ nodes: true, pods: true }, async () => {
        const { KeeperKubernetes } = await import('./adapters/kubernetes');
        return new KeeperKubernetes({
          region: ctx.aws.region,
          credentials,
          ...(ctx.aws.endpoints?.sts ? { stsEndpoint: ctx.aws.endpoints.sts } : {}),
        });
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
