/**
 * Builds the auditor from a RuntimeContext (the Lambda handler, the local simulated region and the CLI): one client
 * per service it reads or tells, built once per cold start.
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { clientOptions, onFirstUse } from '../aws/clients';
import { importRuntimeSdk } from '../aws/runtime-sdk';
import { notificationsFromContext } from '../notify/wiring';
import type { RuntimeContext } from '../runtime/context';
import { findingsFromContext } from '../securityhub/wiring';
import { createDocumentClient } from '../store/client';
import { Ec2Reader } from './adapters/ec2';
import { EksReader } from './adapters/eks';
import { ReachabilityAnalyzer } from './adapters/reachability';
import { topicAnnouncer } from './announce';
import type { AuditorDeps } from './auditor';
import { DynamoFindingStore } from './dynamo-finding-store';
import { DynamoProofStore } from './dynamo-proof-store';
import { type GatherDeps, gatherCluster } from './gather';
import type { IamPort, KubernetesPort, NotifierPort } from './ports';
import { proveEgress } from './prove';

/**
 * The readers a snapshot is gathered through (all the `audit` CLI needs: it stores and sends nothing). EKS and EC2
 * are read by every audit; IAM only for a cluster with a role, Kubernetes only when configured: those two are built
 * on first use, so that a cold start does not evaluate their code.
 */
export function auditorReadersFromContext(ctx: Pick<RuntimeContext, 'aws'>): GatherDeps {
  const eksClient = new EKSClient(clientOptions(ctx.aws, 'eks'));
  const credentials = async (): Promise<AwsCredentialIdentity> =>
    ctx.aws.credentials ?? (await eksClient.config.credentials());
  return {
    eks: new EksReader(eksClient),
    iam: onFirstUse<IamPort>({ attachedPolicyArns: true }, async () => {
      const [sdk, { IamReader }] = await Promise.all([
        importRuntimeSdk('@aws-sdk/client-iam'),
        import('./adapters/iam'),
      ]);
      return new IamReader(new sdk.IAMClient(clientOptions(ctx.aws, 'iam')), sdk);
    }),
    ec2: new Ec2Reader(new EC2Client(clientOptions(ctx.aws, 'ec2'))),
    k8s: onFirstUse<KubernetesPort>({ read: true }, async () => {
      const { KubernetesReader } = await import('./adapters/kubernetes');
      return new KubernetesReader({
        region: ctx.aws.region,
        credentials,
        ...(ctx.aws.endpoints?.sts ? { stsEndpoint: ctx.aws.endpoints.sts } : {}),
        // Signing time is real time, whatever the domain clock says.
        now: () => new Date(),
      });
    }),
    region: ctx.aws.region,
  };
}

/** Announces on the topic first, then on the bus; a failure of either fails the announcement (it is retried). */
function inTurn(...notifiers: NotifierPort[]): NotifierPort {
  return {
    async publish(notice) {
      for (const n of notifiers) await n.publish(notice);
    },
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function auditorDepsFromContext(ctx: RuntimeContext): AuditorDeps {
  const readers = auditorReadersFromContext(ctx);
  const db = createDocumentClient(ctx.aws);
  const proof = ctx.config.audit.egressProof;
  const findings = findingsFromContext(ctx);
  const reachability = proof.enabled
    ? new ReachabilityAnalyzer(new EC2Client(clientOptions(ctx.aws, 'ec2')))
    : undefined;
  return {
    config: ctx.config,
    region: ctx.env.region,
    accountId: ctx.env.accountId,
    clock: ctx.clock,
    log: ctx.log,
    metrics: ctx.metrics,
    listClusters: () => readers.eks.listClusters(),
    gather: (cluster, signals) =>
      gatherCluster(readers, cluster, { config: ctx.config, now: ctx.clock.now(), signals }),
    subnetOfEni: async (id) =>
      (await readers.ec2.networkInterfaces([{ Name: 'network-interface-id', Values: [id] }]))[0]?.subnetId,
    store: new DynamoFindingStore(db, ctx.env.tableName, ctx.config.history.retentionDays),
    ...(findings ? { findings } : {}),
    ...(reachability
      ? {
          proveEgress: (snapshot) =>
            proveEgress(
              {
                reachability,
                proofs: new DynamoProofStore(db, ctx.env.tableName),
                config: proof,
                clock: ctx.clock,
                log: ctx.log,
                sleep,
              },
              snapshot,
            ),
        }
      : {}),
    notifier: inTurn(
      topicAnnouncer(notificationsFromContext(ctx), ctx.config.alerts.subjectPrefix),
      // Built on the first finding that changes, as the topic's publisher is.
      onFirstUse<NotifierPort>({ publish: true }, async () => {
        const [sdk, { EventBridgeFindingNotifier }] = await Promise.all([
          importRuntimeSdk('@aws-sdk/client-eventbridge'),
          import('./adapters/eventbridge'),
        ]);
        return new EventBridgeFindingNotifier(
          new sdk.EventBridgeClient(clientOptions(ctx.aws, 'eventbridge')),
          { eventBusName: ctx.env.eventBusName },
          sdk,
        );
      }),
    ),
  };
}
