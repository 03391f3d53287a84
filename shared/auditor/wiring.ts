/**
 * Wires the auditor's adapters from a RuntimeContext: one client per service it reads, built once per cold start.
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import { IAMClient } from '@aws-sdk/client-iam';
import { SNSClient } from '@aws-sdk/client-sns';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { clientOptions } from '../aws/clients';
import type { RuntimeContext } from '../runtime/context';
import { createDocumentClient } from '../store/client';
import { Ec2Reader } from './adapters/ec2';
import { EksReader } from './adapters/eks';
import { IamReader } from './adapters/iam';
import { KubernetesReader } from './adapters/kubernetes';
import type { AuditorDeps } from './audit';
import { DynamoFindingStore } from './dynamo-finding-store';
import { gatherCluster } from './gather';
import { SignedEventBridge, SnsAndEventsNotifier } from './notifier';

export function auditorDepsFromContext(ctx: RuntimeContext): AuditorDeps {
  const eksClient = new EKSClient(clientOptions(ctx.aws, 'eks'));
  const eks = new EksReader(eksClient);
  const iam = new IamReader(new IAMClient(clientOptions(ctx.aws, 'iam')));
  const ec2 = new Ec2Reader(new EC2Client(clientOptions(ctx.aws, 'ec2')));
  const sns = new SNSClient(clientOptions(ctx.aws, 'sns'));
  const credentials = async (): Promise<AwsCredentialIdentity> =>
    ctx.aws.credentials ?? (await eksClient.config.credentials());
  const k8s = new KubernetesReader({
    region: ctx.aws.region,
    credentials,
    ...(ctx.aws.endpoints?.sts ? { stsEndpoint: ctx.aws.endpoints.sts } : {}),
    // Signing time is real time, whatever the domain clock says.
    now: () => new Date(),
  });
  const events = new SignedEventBridge({
    region: ctx.aws.region,
    ...(ctx.aws.endpoints?.eventbridge ? { endpoint: ctx.aws.endpoints.eventbridge } : {}),
    credentials,
  });
  const store = new DynamoFindingStore(
    createDocumentClient(ctx.aws),
    ctx.env.tableName,
    ctx.config.history.retentionDays,
  );
  return {
    config: ctx.config,
    region: ctx.env.region,
    accountId: ctx.env.accountId,
    clock: ctx.clock,
    log: ctx.log,
    metrics: ctx.metrics,
    listClusters: () => eks.listClusters(),
    gather: (cluster, signals) =>
      gatherCluster({ eks, iam, ec2, k8s, region: ctx.env.region }, cluster, {
        config: ctx.config,
        now: ctx.clock.now(),
        signals,
      }),
    subnetOfEni: async (id) =>
      (await ec2.networkInterfaces([{ Name: 'network-interface-id', Values: [id] }]))[0]?.subnetId,
    store,
    notifier: new SnsAndEventsNotifier(sns, events, {
      topicArn: ctx.env.topicArn,
      eventBusName: ctx.env.eventBusName,
      subjectPrefix: ctx.config.alerts.subjectPrefix,
    }),
  };
}
