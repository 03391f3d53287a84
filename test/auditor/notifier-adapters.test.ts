/** Where the auditor announces: the alert topic (through the one SNS publisher) and EventBridge, against mocked SDK clients. */

import * as eventbridge from '@aws-sdk/client-eventbridge';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import * as snsSdk from '@aws-sdk/client-sns';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EventBridgeFindingNotifier, EventPublishError } from '../../shared/auditor/adapters/eventbridge';
import type { ChangeNotice } from '../../shared/auditor/alerts';
import { topicAnnouncer } from '../../shared/auditor/announce';
import type { Finding } from '../../shared/auditor/checks/result';
import { SnsNotifications } from '../../shared/notify/adapters/sns';

const eventBridge = mockClient(EventBridgeClient);
const sns = mockClient(SNSClient);

const CLUSTER_ARN = 'arn:aws:eks:eu-west-1:111122223333:cluster/prod';
const AT = '2026-01-05T09:00:00.000Z';

const finding = (id: string, nodegroup = 'burst'): Finding => ({
  id,
  status: 'fail',
  severity: 'high',
  cluster: 'prod',
  nodegroup,
  title: `${id} is not ready`,
  evidence: ['t3.medium is burstable'],
  fix: `fix ${id}`,
});

const notice = (opened: Finding[], resolved: Finding[] = []): ChangeNotice => ({
  cluster: 'prod',
  clusterArn: CLUSTER_ARN,
  region: 'eu-west-1',
  accountId: '111122223333',
  at: AT,
  opened,
  resolved: resolved.map((f) => ({ ...f, firstSeenAt: '2026-01-04T09:00:00.000Z', lastSeenAt: AT })),
});

const noSleep = async () => undefined;
const notifier = (maxAttempts?: number) =>
  new EventBridgeFindingNotifier(
    new EventBridgeClient({ region: 'eu-west-1' }),
    { eventBusName: 'audit-bus', sleep: noSleep, ...(maxAttempts ? { maxAttempts } : {}) },
    eventbridge,
  );

/** The entries of the nth PutEvents call, with their details parsed. */
const putEntries = (n: number) =>
  (eventBridge.commandCalls(PutEventsCommand)[n]?.args[0].input.Entries ?? []).map((e) => ({
    ...e,
    Detail: JSON.parse(e.Detail ?? '{}'),
  }));

describe('the EventBridge finding notifier', () => {
  beforeEach(() => {
    eventBridge.reset();
  });

  it('puts one eip-keeper event per new and resolved finding on the configured bus', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }, { EventId: '2' }] });

    await notifier().publish(
      notice([finding('sgp-instance-type')], [finding('cn-eniconfig-per-az', 'general')]),
    );

    expect(eventBridge).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [
        expect.objectContaining({
          Source: 'eip-keeper',
          DetailType: 'Node Group Readiness Finding',
          EventBusName: 'audit-bus',
          Resources: [CLUSTER_ARN],
          Time: new Date(AT),
        }),
        expect.objectContaining({ Source: 'eip-keeper', DetailType: 'Node Group Readiness Finding' }),
      ],
    });
    expect(putEntries(0).map((e) => e.Detail)).toEqual([
      {
        change: 'new',
        cluster: 'prod',
        nodegroup: 'burst',
        checkId: 'sgp-instance-type',
        status: 'fail',
        severity: 'high',
        title: 'sgp-instance-type is not ready',
        evidence: ['t3.medium is burstable'],
        fix: 'fix sgp-instance-type',
        at: AT,
      },
      expect.objectContaining({
        change: 'resolved',
        nodegroup: 'general',
        checkId: 'cn-eniconfig-per-az',
        status: 'resolved',
        firstSeenAt: '2026-01-04T09:00:00.000Z',
      }),
    ]);
  });

  it('puts more than 10 changes in calls of at most 10 entries', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0 });

    await notifier().publish(
      notice(Array.from({ length: 12 }, (_, i) => finding('sgp-instance-type', `ng-${i}`))),
    );

    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 2);
    expect([putEntries(0).length, putEntries(1).length]).toEqual([10, 2]);
  });

  it('puts again only the entries that EventBridge failed', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [{ EventId: '1' }, { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }],
      })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: '2' }] });

    await notifier().publish(
      notice([finding('sgp-instance-type')], [finding('cn-eniconfig-per-az', 'general')]),
    );

    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 2);
    expect(putEntries(1).map((e) => [e.Detail.change, e.Detail.checkId])).toEqual([
      ['resolved', 'cn-eniconfig-per-az'],
    ]);
  });

  it('fails, naming the error, when entries stay unpublished after every attempt', async () => {
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }],
    });

    const published = notifier(3).publish(notice([finding('sgp-instance-type')]));

    await expect(published).rejects.toThrow(EventPublishError);
    await expect(published).rejects.toThrow(
      'PutEvents left 1 entries unpublished: InternalFailure: try again',
    );
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 3);
  });
  it.each(['NotAuthorizedForSourceException', 'AccessDeniedException', 'MalformedDetail'])(
    'fails at once, without putting again, when EventBridge refuses an entry for good (%s)',
    async (code) => {
      eventBridge.on(PutEventsCommand).resolves({
        FailedEntryCount: 1,
        Entries: [{ EventId: '1' }, { ErrorCode: code, ErrorMessage: 'refused' }],
      });

      const published = notifier().publish(
        notice([finding('sgp-instance-type')], [finding('cn-eniconfig-per-az', 'general')]),
      );

      await expect(published).rejects.toThrow(`PutEvents refused 1 entries: ${code}: refused`);
      expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    },
  );
});

describe('the announcement on the alert topic', () => {
  beforeEach(() => {
    sns.reset();
  });

  it('publishes one JSON-structured message per audit, with the subject and the cluster attribute', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const topicArn = 'arn:aws:sns:eu-west-1:111122223333:alerts';

    await topicAnnouncer(
      new SnsNotifications(new SNSClient({ region: 'eu-west-1' }), topicArn, snsSdk),
      '[eip-keeper]',
    ).publish(notice([finding('sgp-instance-type')]));

    expect(sns).toHaveReceivedCommandExactlyOnceWith(PublishCommand, {
      TopicArn: topicArn,
      Subject: '[eip-keeper] prod: 1 new readiness finding',
      MessageStructure: 'json',
      MessageAttributes: {
        source: { DataType: 'String', StringValue: 'auditor' },
        kind: { DataType: 'String', StringValue: 'audit-finding' },
        severity: { DataType: 'String', StringValue: 'high' },
        cluster: { DataType: 'String', StringValue: 'prod' },
      },
    });
    const message = JSON.parse(sns.commandCalls(PublishCommand)[0]?.args[0].input.Message ?? '{}');
    expect(Object.keys(message).sort()).toEqual(['default', 'email', 'https', 'sms']);
    expect(message.email).toContain('[HIGH] sgp-instance-type - node group burst');
  });
});
