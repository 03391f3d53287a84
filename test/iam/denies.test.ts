/**
 * The IAM guarantees docs/security.md lists, proven on the simulated region: each test calls AWS through the
 * function's own adapter or client, signing as the function's role as the stack synthesizes it, and so bypasses
 * every check the function's code makes before the call. What stops the call is IAM alone.
 */
import {
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import {
  AssociateAddressCommand,
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeAddressesCommand,
  DisassociateAddressCommand,
  ReleaseAddressCommand,
} from '@aws-sdk/client-ec2';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand } from '@aws-sdk/client-sns';
import { GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialsFor, functionActor, resolveCaller } from '../../local/core/identities';
import type { RegionIam } from '../../local/iam/authorizer';
import { FUNCTIONS } from '../../shared/app/functions';
import { SdkKeeperEc2 } from '../../shared/keeper/adapters/ec2';
import { SdkEc2Adapter } from '../../shared/sweeper/adapters/ec2';
import { SsmKillSwitch } from '../../shared/sweeper/adapters/ssm';
import { paymentsPool } from '../support/world';
import { decodedFailure, type IamRegion, podEni, refusal, startIamRegion } from './support';

const KILL_SWITCH = '/eip-keeper/kill-switch';

describe('the Sweeper role (release enabled, one exempt tag key)', () => {
  let r: IamRegion;
  let sweeper: SdkEc2Adapter;
  beforeAll(async () => {
    r = await startIamRegion({
      config: {
        pools: [paymentsPool()],
        sweeper: { release: { enabled: true }, exemptTagKeys: ['do-not-release'] },
      },
    });
    sweeper = new SdkEc2Adapter(r.as({ fn: 'Sweeper' }).ec2);
  });
  afterAll(() => r.stop());

  const address = (tags: Record<string, string>) => r.region.ec2.addAddress({ tags }).allocationId;

  it('cannot release a pool member: an explicit Deny, whatever the sweeper decided', async () => {
    const member = r.labels.get('partner-ip-1') as string;
    const err = await refusal(sweeper.releaseAddress(member));

    expect(err.name).toBe('AwsCallError');
    expect(err.message).toMatch(
      /^UnauthorizedOperation: You are not authorized to perform this operation\. User: arn:aws:sts::111122223333:assumed-role\/EipKeeper-SweeperRole\/EipKeeper-Sweeper is not authorized to perform: ec2:ReleaseAddress on resource: arn:aws:ec2:eu-west-1:111122223333:elastic-ip\/eipalloc-\w+ with an explicit deny in an identity-based policy\. Encoded authorization failure message: /,
    );
    expect(r.region.ec2.addressById.has(member)).toBe(true);
  });

  it('cannot release an address tagged eip-keeper:keep, nor one with an exempt tag key', async () => {
    const protectedTags: Record<string, string>[] = [{ 'eip-keeper:keep': 'yes' }, { 'do-not-release': '' }];
    for (const tags of protectedTags) {
      const id = address(tags);
      const err = await refusal(sweeper.releaseAddress(id));
      expect(decodedFailure(err.message)).toMatchObject({
        explicitDeny: true,
        context: {
          action: 'ec2:ReleaseAddress',
          resource: `arn:aws:ec2:eu-west-1:111122223333:elastic-ip/${id}`,
        },
      });
      expect(r.region.ec2.addressById.has(id)).toBe(true);
    }
  });

  it('releases an untagged orphan (the statement the Denies carve out of)', async () => {
    const id = address({ Name: 'batch egress' });
    await sweeper.releaseAddress(id);
    expect(r.region.ec2.addressById.has(id)).toBe(false);
  });

  it('records the refused release in CloudTrail as a failed call, which changes nothing downstream', async () => {
    const member = r.labels.get('partner-ip-2') as string;
    await refusal(sweeper.releaseAddress(member));
    await r.region.settle();
    const record = r.region.bus.events
      .map(
        (e) =>
          e.detail as {
            eventName?: string;
            errorCode?: string;
            requestParameters?: { allocationId?: string };
          },
      )
      .find((d) => d.eventName === 'ReleaseAddress' && d.requestParameters?.allocationId === member);
    expect(record?.errorCode).toBe('Client.UnauthorizedOperation');
  });

  it('reads the kill switch but cannot turn it off', async () => {
    const { ssm } = r.as({ fn: 'Sweeper' });
    r.region.ssm.put(KILL_SWITCH, 'on');
    expect(await new SsmKillSwitch(ssm).read(KILL_SWITCH)).toBe('on');

    const err = await refusal(
      ssm.send(new PutParameterCommand({ Name: KILL_SWITCH, Value: 'off', Overwrite: true })),
    );
    expect(err.name).toBe('AccessDeniedException');
    expect(err.message).toContain(
      `ssm:PutParameter on resource: arn:aws:ssm:eu-west-1:111122223333:parameter${KILL_SWITCH}`,
    );
    expect(r.region.ssm.get(KILL_SWITCH)?.value).toBe('on');
  });
});

describe('the Sweeper role with release off (the default)', () => {
  let r: IamRegion;
  beforeAll(async () => {
    r = await startIamRegion();
  });
  afterAll(() => r.stop());

  it('cannot release anything: no statement allows ReleaseAddress', async () => {
    const id = r.region.ec2.addAddress({ tags: { Name: 'orphan' } }).allocationId;
    const err = await refusal(new SdkEc2Adapter(r.as({ fn: 'Sweeper' }).ec2).releaseAddress(id));
    expect(err.message).toContain('because no identity-based policy allows the ec2:ReleaseAddress action');
    expect(decodedFailure(err.message).explicitDeny).toBe(false);
  });

  it('releases an orphan once a redeploy turns release on: the stack deploys the new policies with the functions', async () => {
    const id = r.region.ec2.addAddress({ tags: { Name: 'orphan' } }).allocationId;
    await r.region.redeploy({ sweeper: { release: { enabled: true } } });
    await new SdkEc2Adapter(r.as({ fn: 'Sweeper' }).ec2).releaseAddress(id);
    expect(r.region.ec2.addressById.has(id)).toBe(false);
  });
});

describe('the keeper roles', () => {
  let r: IamRegion;
  let keeper: SdkKeeperEc2;
  beforeAll(async () => {
    r = await startIamRegion({ config: { pools: [paymentsPool()] }, others: ['batch egress'] });
    keeper = new SdkKeeperEc2(r.as({ fn: 'KeeperEvents' }).conn);
  });
  afterAll(() => r.stop());

  const eniIp = (eni: string) => r.region.ec2.eniById.get(eni)?.privateIpAddress as string;

  it('cannot associate an address without the pool tag, and can a pool member', async () => {
    const eni = await podEni(r, 11);
    const stranger = r.labels.get('batch egress') as string;
    const refused = await keeper.associate(stranger, { eniId: eni, privateIp: eniIp(eni) });
    expect(refused).toMatchObject({ kind: 'rejected', code: 'UnauthorizedOperation' });
    expect(r.region.ec2.addressById.get(stranger)?.association).toBeUndefined();

    const member = r.labels.get('partner-ip-1') as string;
    const done = await keeper.associate(member, { eniId: eni, privateIp: eniIp(eni) });
    expect(done.kind).toBe('associated');
  });

  it('writes and removes only the holder tag, only on pool members', async () => {
    const { ec2 } = r.as({ fn: 'KeeperReconciler' });
    const member = r.labels.get('partner-ip-2') as string;
    const stranger = r.labels.get('batch egress') as string;
    const tag = (id: string, Key: string) =>
      ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key, Value: 'x' }] }));

    await tag(member, 'eip-keeper:holder');
    for (const call of [
      tag(member, 'Name'),
      tag(member, 'eip-keeper:pool'),
      tag(stranger, 'eip-keeper:holder'),
      // No keys deletes every tag, the pool tag included: the Null condition refuses it.
      ec2.send(new DeleteTagsCommand({ Resources: [member] })),
      ec2.send(new DeleteTagsCommand({ Resources: [member], Tags: [{ Key: 'eip-keeper:pool' }] })),
    ]) {
      expect((await refusal(call)).name).toBe('UnauthorizedOperation');
    }
    await ec2.send(new DeleteTagsCommand({ Resources: [member], Tags: [{ Key: 'eip-keeper:holder' }] }));
    expect(
      r.region.ec2.addressById
        .get(member)
        ?.tags.map((t) => t.key)
        .sort(),
    ).toEqual(['Name', 'eip-keeper:pool']);
  });

  it('never disassociates an address outside the pools, releases, reads the kill switch or allocates (no pool allocates on exhaustion)', async () => {
    const { ec2, ssm } = r.as({ fn: 'KeeperEvents' });
    const member = r.labels.get('partner-ip-1') as string;
    const stranger = r.labels.get('batch egress') as string;
    const eni = await podEni(r, 12);
    await r
      .as({ actor: 'admin' })
      .ec2.send(new AssociateAddressCommand({ AllocationId: stranger, NetworkInterfaceId: eni }));
    const association = r.region.ec2Association(stranger) as string;
    r.region.ssm.put(KILL_SWITCH, 'off');
    expect(
      (await refusal(ec2.send(new DisassociateAddressCommand({ AssociationId: association })))).name,
    ).toBe('UnauthorizedOperation');
    expect((await refusal(ec2.send(new ReleaseAddressCommand({ AllocationId: member })))).name).toBe(
      'UnauthorizedOperation',
    );
    expect((await refusal(keeper.allocate('payments'))).name).toBe('UnauthorizedOperation');
    expect((await refusal(ssm.send(new GetParameterCommand({ Name: KILL_SWITCH })))).name).toBe(
      'AccessDeniedException',
    );
  });

  it('describes without a resource: Describe* actions are not scoped', async () => {
    const { ec2 } = r.as({ fn: 'KeeperEvents' });
    const out = await ec2.send(new DescribeAddressesCommand({}));
    expect(out.Addresses?.length).toBeGreaterThan(0);
  });
});

describe('the Auditor role', () => {
  let r: IamRegion;
  beforeAll(async () => {
    r = await startIamRegion();
  });
  afterAll(() => r.stop());

  const entry = (Source: string) => ({ Source, DetailType: 'Node Group Readiness Finding', Detail: '{}' });

  it('puts events with its own source only: another source fails that entry', async () => {
    const { events } = r.as({ fn: 'Auditor' });
    const out = await events.send(
      new PutEventsCommand({ Entries: [entry('eip-keeper'), entry('aws.ec2'), entry('partner.app')] }),
    );

    expect(out.FailedEntryCount).toBe(2);
    expect(out.Entries?.map((e) => e.ErrorCode)).toEqual([
      undefined,
      'NotAuthorizedForSourceException',
      'NotAuthorizedForSourceException',
    ]);
    expect(r.region.auditor.events.published.map((e) => e.source)).toEqual(['eip-keeper']);
  });

  it('cannot call PutEvents at all as a role without the statement', async () => {
    const err = await refusal(
      r.as({ fn: 'Sweeper' }).events.send(new PutEventsCommand({ Entries: [entry('eip-keeper')] })),
    );
    expect(err.name).toBe('AccessDeniedException');
    expect(err.message).toContain(
      'events:PutEvents on resource: arn:aws:events:eu-west-1:111122223333:event-bus/default',
    );
  });

  it('reads findings from the table without its index and cannot read items one by one', async () => {
    const { dynamodb } = r.as({ fn: 'Auditor' });
    const table = r.region.tableName;
    await dynamodb.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': { S: 'FINDING#prod' } },
      }),
    );
    const byIndex = refusal(
      dynamodb.send(
        new QueryCommand({
          TableName: table,
          IndexName: 'GSI1',
          KeyConditionExpression: 'GSI1PK = :pk',
          ExpressionAttributeValues: { ':pk': { S: 'EIP' } },
        }),
      ),
    );
    expect(await byIndex).toMatchObject({ name: 'AccessDeniedException' });
    expect((await byIndex).message).toContain(
      `dynamodb:Query on resource: arn:aws:dynamodb:eu-west-1:111122223333:table/${table}/index/GSI1`,
    );
    const get = dynamodb.send(
      new GetItemCommand({ TableName: table, Key: { PK: { S: 'x' }, SK: { S: 'y' } } }),
    );
    expect((await refusal(get)).name).toBe('AccessDeniedException');
  });
});

describe('the table: each role writes only its own partitions (dynamodb:LeadingKeys), reads any', () => {
  let r: IamRegion;
  beforeAll(async () => {
    r = await startIamRegion();
  });
  afterAll(() => r.stop());

  const key = (pk: string) => ({ PK: { S: pk }, SK: { S: 'x' } });
  const put = (fn: string, pk: string) =>
    r.as({ fn }).dynamodb.send(new PutItemCommand({ TableName: r.region.tableName, Item: key(pk) }));

  it('lets the Sweeper write its ledger, refuses it every other capability’s items, and lets it read them', async () => {
    await put('Sweeper', 'SWEEP#eipalloc-1');
    for (const pk of ['POOL#payments', 'EIP#eipalloc-1', 'AUDIT#prod']) {
      const err = await refusal(put('Sweeper', pk));
      expect(err.name).toBe('AccessDeniedException');
      expect(err.message).toContain('dynamodb:PutItem');
    }
    const { dynamodb } = r.as({ fn: 'Sweeper' });
    const read = await dynamodb.send(
      new GetItemCommand({ TableName: r.region.tableName, Key: key('POOL#payments') }),
    );
    expect(read.Item).toBeUndefined();
  });

  it('refuses a transaction with one item outside the role’s partitions, and writes none of it', async () => {
    const TableName = r.region.tableName;
    const tx = r.as({ fn: 'KeeperEvents' }).dynamodb.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName, Item: key('POOL#payments#claim') } },
          { Delete: { TableName, Key: key('SWEEP#eipalloc-2') } },
        ],
      }),
    );
    expect((await refusal(tx)).message).toContain('dynamodb:DeleteItem');
    const items = Object.values(await r.region.tableItemsByKind()).flat();
    expect(items.map((i) => i.PK)).not.toContain('POOL#payments#claim');
  });

  it('lets the keeper query the index, whose requests carry no leading keys', async () => {
    const out = await r.as({ fn: 'KeeperReconciler' }).dynamodb.send(
      new QueryCommand({
        TableName: r.region.tableName,
        IndexName: 'GSI1',
        KeyConditionExpression: 'GSI1PK = :pk',
        ExpressionAttributeValues: { ':pk': { S: 'POOL#payments#FREE' } },
      }),
    );
    expect(out.Items).toEqual([]);
  });
});

describe('the topic and its key', () => {
  let r: IamRegion;
  beforeAll(async () => {
    const publish = { Effect: 'Allow' as const, Action: 'sns:Publish', Resource: '*' };
    r = await startIamRegion({
      actorPolicies: {
        'publisher-without-key': { Version: '2012-10-17', Statement: [publish] },
        publisher: {
          Version: '2012-10-17',
          Statement: [
            publish,
            {
              Effect: 'Allow',
              Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
              Resource: '*',
              Condition: { StringEquals: { 'kms:ViaService': 'sns.eu-west-1.amazonaws.com' } },
            },
          ],
        },
      },
    });
  });
  afterAll(() => r.stop());

  const publish = (who: Parameters<IamRegion['as']>[0]) =>
    r.as(who).sns.send(new PublishCommand({ TopicArn: r.region.topicArn, Message: 'hello' }));

  it('lets the functions with a publish statement publish through the key policy, and no other function', async () => {
    await publish({ fn: 'KeeperEvents' });
    // SNS's AuthorizationError, as the SDK names it.
    expect((await refusal(publish({ fn: 'InventoryRecorder' }))).name).toBe('AuthorizationErrorException');
  });

  it('needs the key as well as the topic: the key policy delegates to IAM, so an identity without kms fails', async () => {
    const err = await refusal(publish({ actor: 'publisher-without-key' }));
    expect(err.name).toBe('KMSAccessDeniedException');
    expect(err.message).toMatch(/kms:GenerateDataKey on resource: arn:aws:kms:eu-west-1:111122223333:key\//);
    await publish({ actor: 'publisher' });
  });
});

describe('scenario actors', () => {
  let r: IamRegion;
  beforeAll(async () => {
    r = await startIamRegion({
      others: ['scratch-1', 'scratch-2'],
      actorPolicies: {
        bob: {
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: 'ec2:Describe*', Resource: '*' },
            {
              Effect: 'Allow',
              Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
              Resource: '*',
              Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['BOB#*'] } },
            },
          ],
        },
      },
    });
  });
  afterAll(() => r.stop());

  it('lets admin (no policy) do anything, and limits a user to its policy', async () => {
    await r
      .as({ actor: 'admin' })
      .ec2.send(new ReleaseAddressCommand({ AllocationId: r.labels.get('scratch-1') }));
    const bob = r.as({ actor: 'bob' });
    await bob.ec2.send(new DescribeAddressesCommand({}));
    const err = await refusal(
      bob.ec2.send(new ReleaseAddressCommand({ AllocationId: r.labels.get('scratch-2') })),
    );
    expect(err.message).toContain(
      'User: arn:aws:iam::111122223333:user/bob is not authorized to perform: ec2:ReleaseAddress',
    );
    expect(
      r.region.server.calls.filter((c) => c.actor === 'bob').map((c) => `${c.action} ${c.outcome}`),
    ).toEqual(['DescribeAddresses ok', 'ReleaseAddress Client.UnauthorizedOperation']);
  });

  it('confines a user to its partition keys with dynamodb:LeadingKeys, item by item in a transaction', async () => {
    const { dynamodb } = r.as({ actor: 'bob' });
    const TableName = r.region.tableName;
    const key = (pk: string) => ({ PK: { S: pk }, SK: { S: 'x' } });
    await dynamodb.send(new GetItemCommand({ TableName, Key: key('BOB#1') }));
    expect(
      (await refusal(dynamodb.send(new GetItemCommand({ TableName, Key: key('POOL#payments') })))).name,
    ).toBe('AccessDeniedException');
    const tx = dynamodb.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName, Item: key('BOB#2') } },
          { Put: { TableName, Item: key('EIP#x') } },
        ],
      }),
    );
    expect((await refusal(tx)).message).toContain('dynamodb:PutItem');
    expect(await r.region.tableItemsByKind()).toEqual({});
  });
});

describe('the on-failure queues', () => {
  let r: IamRegion;
  beforeAll(async () => {
    r = await startIamRegion();
  });
  afterAll(() => r.stop());

  const caller = (functionId: string) =>
    resolveCaller('111122223333', credentialsFor(functionActor(functionId)).accessKeyId);

  it('let each function put its failed invocations in its own queue, through the key, and in no other', async () => {
    const iam = r.region.iam as RegionIam;
    for (const fn of FUNCTIONS) {
      const own = await iam.deadLetterChecks(fn.id);
      expect(own.map((c) => c.action)).toEqual(['sqs:SendMessage', 'kms:GenerateDataKey', 'kms:Decrypt']);
      expect((await iam.authorize(caller(fn.id), own)).denial).toBeUndefined();
    }
    const keepersQueue = (await iam.deadLetterChecks('KeeperEvents')).slice(0, 1);
    const { denial } = await iam.authorize(caller('Sweeper'), keepersQueue);
    expect(denial?.message).toMatch(
      /EipKeeper-Sweeper is not authorized to perform: sqs:SendMessage on resource: arn:aws:sqs:eu-west-1:111122223333:EipKeeper-KeeperEventsAsyncDlq\w+ because/,
    );
  });
});
