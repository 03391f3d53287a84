import { describe, expect, it } from 'vitest';
import { configurationValuesAsJson } from '../../shared/auditor/adapters/configuration-values';
import { readYaml } from '../../shared/auditor/adapters/yaml';
import {
  cniSettings,
  InvalidAddonConfigurationError,
  parseAddonConfiguration,
} from '../../shared/auditor/cni-settings';
import { mergedAddonConfiguration, shellQuote } from '../../shared/auditor/fixes';
import { availableValue } from '../../shared/auditor/model';
import { eniMatchesSelector, poolsForCluster } from '../../shared/auditor/pools';
import { clusterFromEksArn, parseTrigger } from '../../shared/auditor/triggers';
import { branchEni, eni, K8S_OFF, k8sState, pool, readyCluster } from './support/snapshots';

const origin = { accountId: '111122223333', region: 'eu-west-1' };
const cloudTrail = (source: string, detail: Record<string, unknown>) => ({
  version: '0',
  id: 'e1',
  'detail-type': 'AWS API Call via CloudTrail',
  source,
  account: '111122223333',
  time: '2026-01-05T09:00:00Z',
  region: 'eu-west-1',
  resources: [],
  detail: {
    eventID: 'ev-1',
    eventTime: '2026-01-05T09:00:00Z',
    awsRegion: 'eu-west-1',
    recipientAccountId: '111122223333',
    userIdentity: { type: 'IAMUser', userName: 'alice' },
    eventSource: source === 'aws.eks' ? 'eks.amazonaws.com' : 'ec2.amazonaws.com',
    ...detail,
  },
});

describe('parseTrigger', () => {
  it('reads the schedule', () => {
    expect(
      parseTrigger({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} }, origin),
    ).toEqual({ kind: 'schedule' });
  });

  it('reads the cluster of an EKS API call', () => {
    const t = parseTrigger(
      cloudTrail('aws.eks', {
        eventName: 'UpdateAddon',
        requestParameters: { clusterName: 'prod', addonName: 'vpc-cni' },
      }),
      origin,
    );
    expect(t).toEqual({ kind: 'cluster-change', cluster: 'prod', what: 'UpdateAddon' });
  });

  it('reads CreateCluster by its name parameter', () => {
    const t = parseTrigger(
      cloudTrail('aws.eks', { eventName: 'CreateCluster', requestParameters: { name: 'new' } }),
      origin,
    );
    expect(t).toMatchObject({ kind: 'cluster-change', cluster: 'new' });
  });

  it('ignores a failed EKS call: it changed nothing', () => {
    const t = parseTrigger(
      cloudTrail('aws.eks', {
        eventName: 'UpdateAddon',
        errorCode: 'InvalidParameterException',
        requestParameters: { clusterName: 'prod' },
      }),
      origin,
    );
    expect(t.kind).toBe('ignored');
  });

  it('reads a native add-on event by the ARN in resources', () => {
    const t = parseTrigger(
      {
        source: 'aws.eks',
        'detail-type': 'EKS Addon Update Succeeded',
        resources: ['arn:aws:eks:eu-west-1:111122223333:addon/prod/vpc-cni/1a2b'],
        detail: {},
      },
      origin,
    );
    expect(t).toEqual({ kind: 'cluster-change', cluster: 'prod', what: 'EKS Addon Update Succeeded' });
  });

  it('reads a CreateNetworkInterface that ran out of addresses as an exhaustion signal', () => {
    const t = parseTrigger(
      cloudTrail('aws.ec2', {
        eventName: 'CreateNetworkInterface',
        errorCode: 'Client.InsufficientFreeAddressesInSubnet',
        errorMessage: 'insufficient free address in subnet',
        requestParameters: { subnetId: 'subnet-a' },
      }),
      origin,
    );
    expect(t).toMatchObject({
      kind: 'ip-exhaustion',
      subnetId: 'subnet-a',
      eventName: 'CreateNetworkInterface',
      eventId: 'ev-1',
    });
  });

  // What the VPC CNI sees when the subnet is out: Client.InvalidParameterValue "There aren't sufficient free Ipv4
  // addresses or prefixes", and Client.InsufficientCidrBlocks for prefixes in a fragmented subnet.
  it.each([
    ['Client.InvalidParameterValue', "There aren't sufficient free Ipv4 addresses or prefixes"],
    ['Client.InsufficientCidrBlocks', 'There are not enough free cidr blocks in the specified subnet'],
  ])('reads AssignPrivateIpAddresses failing with %s as an exhaustion signal', (errorCode, errorMessage) => {
    const t = parseTrigger(
      cloudTrail('aws.ec2', {
        eventName: 'AssignPrivateIpAddresses',
        errorCode,
        errorMessage,
        requestParameters: { networkInterfaceId: 'eni-0a1' },
      }),
      origin,
    );
    expect(t).toMatchObject({ kind: 'ip-exhaustion', errorCode, networkInterfaceId: 'eni-0a1' });
  });

  it('ignores an InvalidParameterValue that is not about free addresses', () => {
    const t = parseTrigger(
      cloudTrail('aws.ec2', {
        eventName: 'CreateNetworkInterface',
        errorCode: 'Client.InvalidParameterValue',
        errorMessage: 'Invalid security group id',
      }),
      origin,
    );
    expect(t).toMatchObject({ kind: 'ignored' });
  });

  it('ignores other EC2 failures and events from other accounts', () => {
    expect(
      parseTrigger(
        cloudTrail('aws.ec2', {
          eventName: 'CreateNetworkInterface',
          errorCode: 'Client.UnauthorizedOperation',
        }),
        origin,
      ).kind,
    ).toBe('ignored');
    expect(
      parseTrigger(
        cloudTrail('aws.eks', { eventName: 'UpdateAddon', recipientAccountId: '999999999999' }),
        origin,
      ).kind,
    ).toBe('ignored');
  });

  it('finds clusters in every EKS ARN form', () => {
    expect(clusterFromEksArn('arn:aws:eks:eu-west-1:111122223333:nodegroup/prod/general/uuid')).toBe('prod');
    expect(clusterFromEksArn('arn:aws-cn:eks:cn-north-1:111122223333:cluster/cn-prod')).toBe('cn-prod');
    expect(clusterFromEksArn('arn:aws:ec2:eu-west-1:1:instance/i-1')).toBeUndefined();
  });
});

describe('VPC CNI settings', () => {
  it('parses add-on configuration given as JSON or YAML (converted by the EKS adapter), booleans included', async () => {
    expect(
      parseAddonConfiguration(
        '{"env":{"ENABLE_POD_ENI":"true"},"init":{"env":{"DISABLE_TCP_EARLY_DEMUX":true}}}',
      ),
    ).toEqual({
      env: { ENABLE_POD_ENI: 'true' },
      initEnv: { DISABLE_TCP_EARLY_DEMUX: 'true' },
    });
    const yaml = await configurationValuesAsJson('env:\n  ENABLE_POD_ENI: true\n', readYaml);
    expect(parseAddonConfiguration(yaml.configurationValues).env).toEqual({ ENABLE_POD_ENI: 'true' });
    expect(() => parseAddonConfiguration('[1, 2]')).toThrow(InvalidAddonConfigurationError);
  });

  it('knows a CNI default only when it read the DaemonSet', () => {
    const s = readyCluster();
    expect(cniSettings(s).flag('AWS_VPC_K8S_CNI_EXTERNALSNAT')).toMatchObject({ known: true, value: false });
    s.kubernetes = K8S_OFF;
    expect(cniSettings(s).flag('AWS_VPC_K8S_CNI_EXTERNALSNAT')).toMatchObject({ known: false });
  });

  it('reports unreadable add-on configuration as unknown, naming the problem', () => {
    const s = readyCluster();
    s.kubernetes = K8S_OFF;
    s.vpcCni = { name: 'vpc-cni', version: 'v1.19.2', configurationValues: '{env: [' };
    const v = cniSettings(s).flag('ENABLE_POD_ENI');
    expect(v.known).toBe(false);
    if (!v.known) expect(v.reason).toContain('cannot be read');
  });

  it('takes the DaemonSet over the add-on configuration', () => {
    const s = readyCluster();
    s.kubernetes = availableValue(
      k8sState({
        awsNode: availableValue({
          image: 'r/amazon-k8s-cni:v1.19.2',
          env: { ENABLE_POD_ENI: 'false' },
          initEnv: {},
        }),
      }),
    );
    expect(cniSettings(s).flag('ENABLE_POD_ENI')).toMatchObject({
      known: true,
      value: false,
      source: 'aws-node DaemonSet',
    });
  });
});

describe('fix commands', () => {
  it('keep the rest of the add-on configuration, written in YAML or JSON', async () => {
    const { configurationValues: current } = await configurationValuesAsJson(
      'resources:\n  requests:\n    cpu: 25m\nenv:\n  WARM_IP_TARGET: "5"\n',
      readYaml,
    );
    expect(mergedAddonConfiguration(current, { env: { ENABLE_POD_ENI: 'true' } })).toBe(
      '{"resources":{"requests":{"cpu":"25m"}},"env":{"WARM_IP_TARGET":"5","ENABLE_POD_ENI":"true"}}',
    );
  });

  it('quote what the shell would split', () => {
    expect(shellQuote('prod')).toBe('prod');
    expect(shellQuote(`{"a":"it's"}`)).toBe(`'{"a":"it'\\''s"}'`);
  });
});

describe('pools of a cluster', () => {
  it('match ENIs carrying all of the selector security groups', () => {
    const e = branchEni('subnet-a');
    expect(eniMatchesSelector(e, { securityGroupIds: ['sg-0partner000000001'] })).toBe(true);
    expect(eniMatchesSelector(e, { securityGroupIds: ['sg-0partner000000001', 'sg-0other0000000001'] })).toBe(
      false,
    );
    expect(
      eniMatchesSelector(e, { tags: { 'eks:eni:owner': [] }, descriptionPrefix: 'aws-k8s-branch' }),
    ).toBe(true);
  });

  it('apply pools naming the cluster, and cluster-less pools whose ENIs belong to it', () => {
    const enis = [
      branchEni('subnet-a'),
      eni({
        networkInterfaceId: 'eni-other',
        subnetId: 'subnet-a',
        securityGroupIds: ['sg-0partner000000001'],
        tags: { 'kubernetes.io/cluster/staging': 'owned' },
      }),
    ];
    const views = poolsForCluster(
      [
        pool(),
        pool({ name: 'other-cluster', cluster: 'staging' }),
        pool({ name: 'anywhere', cluster: undefined }),
      ],
      'prod',
      enis,
      new Set(['subnet-a']),
    );
    expect(views.map((v) => [v.pool.name, v.enis.map((e) => e.networkInterfaceId)])).toEqual([
      ['partner-api', ['eni-branch-1']],
      ['anywhere', ['eni-branch-1']],
    ]);
  });
});

describe('add-on configurationValues from the EKS API, read with the yaml package', () => {
  it("keeps JSON as it is, converts YAML to JSON, and keeps text that is neither with YAML's reason", async () => {
    const json = ' {"env": {"ENABLE_POD_ENI": "true"}} ';
    expect(await configurationValuesAsJson(json, readYaml)).toEqual({ configurationValues: json });
    const yaml = await configurationValuesAsJson(
      'env:\n  ENABLE_POD_ENI: true\ninit:\n  env: {}\n',
      readYaml,
    );
    expect(JSON.parse(yaml.configurationValues)).toEqual({
      env: { ENABLE_POD_ENI: true },
      init: { env: {} },
    });
    expect(await configurationValuesAsJson('# nothing set\n', readYaml)).toEqual({
      configurationValues: 'null',
    });
    const neither = await configurationValuesAsJson('{env: [', readYaml);
    expect(neither).toEqual({
      configurationValues: '{env: [',
      configurationValuesProblem: expect.stringMatching(/ at line 1, column 8$/),
    });
    expect(() =>
      parseAddonConfiguration(neither.configurationValues, neither.configurationValuesProblem),
    ).toThrow(`configurationValues is neither JSON nor YAML: ${neither.configurationValuesProblem}`);
  });
});
