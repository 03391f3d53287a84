import {
  DescribeAddonCommand,
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  EKSClient,
  ListClustersCommand,
  ListNodegroupsCommand,
  UpdateAddonCommand,
} from '@aws-sdk/client-eks';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import * as iamSdk from '@aws-sdk/client-iam';
import { AttachRolePolicyCommand, IAMClient, ListAttachedRolePoliciesCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SimulatedRegion } from '../../local/region';
import { parseScenario } from '../../local/scenario/schema';
import { seedRegion } from '../../local/scenario/seed';
import { EksReader } from '../../shared/auditor/adapters/eks';
import { IamReader } from '../../shared/auditor/adapters/iam';
import { KubernetesReader } from '../../shared/auditor/adapters/kubernetes';
import { clientOptions } from '../../shared/aws/clients';

const STATE = {
  vpcs: [{ id: 'vpc-0a1', cidr: '10.0.0.0/16' }],
  subnets: [
    { id: 'subnet-a', vpcId: 'vpc-0a1', az: 'eu-west-1a', cidr: '10.0.0.0/19' },
    { id: 'subnet-b', vpcId: 'vpc-0a1', az: 'eu-west-1b', cidr: '10.0.32.0/19' },
  ],
  eks: {
    clusters: [
      {
        name: 'prod',
        vpcId: 'vpc-0a1',
        clusterRolePolicies: ['AmazonEKSClusterPolicy'],
        accessEntries: ['eip-keeper'],
        addons: [
          {
            name: 'vpc-cni',
            version: 'v1.19.2-eksbuild.1',
            configurationValues: { env: { ENABLE_POD_ENI: 'true' } },
          },
        ],
        nodegroups: [
          {
            name: 'general',
            instanceTypes: ['m5.large'],
            subnets: ['subnet-a', 'subnet-b'],
            maxSize: 4,
            labels: { team: 'payments' },
            healthIssues: [
              { code: 'InsufficientFreeAddresses', message: 'subnet-a is full', resourceIds: ['subnet-a'] },
            ],
            nodes: [{ trunk: true }, {}],
          },
        ],
        kubernetes: {
          eniConfigs: [{ name: 'eu-west-1a', subnet: 'subnet-a', securityGroups: ['sg-1'] }],
          daemonSets: ['kube-system/node-local-dns'],
          kubeProxyMode: 'ipvs',
          localTrafficServices: ['web/ingress'],
        },
      },
    ],
  },
  iamRoles: [
    { name: 'locked-role', attachedPolicies: ['AmazonEKSClusterPolicy'], deniedActors: ['eip-keeper'] },
  ],
};

describe('the simulated EKS, IAM, Kubernetes API and EventBridge', () => {
  let region: SimulatedRegion;
  let eks: EKSClient;
  let iam: IAMClient;
  beforeAll(async () => {
    region = await SimulatedRegion.start({ dynamoEndpoint: inject('dynamoEndpoint'), functions: [] });
    const scenario = parseScenario({ name: 'services', state: STATE }, 'test');
    seedRegion(region, scenario.state, new Map());
    eks = new EKSClient(clientOptions(region.connection('eip-keeper'), 'eks'));
    iam = new IAMClient(clientOptions(region.connection('eip-keeper'), 'iam'));
  });
  afterAll(async () => {
    eks.destroy();
    iam.destroy();
    await region.stop();
  });

  it('answers the EKS reads the SDK makes', async () => {
    expect((await eks.send(new ListClustersCommand({}))).clusters).toEqual(['prod']);
    const cluster = (await eks.send(new DescribeClusterCommand({ name: 'prod' }))).cluster;
    expect(cluster?.resourcesVpcConfig?.vpcId).toBe('vpc-0a1');
    expect(cluster?.createdAt).toBeInstanceOf(Date);
    expect((await eks.send(new ListNodegroupsCommand({ clusterName: 'prod' }))).nodegroups).toEqual([
      'general',
    ]);
    const ng = (
      await eks.send(new DescribeNodegroupCommand({ clusterName: 'prod', nodegroupName: 'general' }))
    ).nodegroup;
    expect([ng?.instanceTypes, ng?.scalingConfig?.maxSize, ng?.health?.issues?.[0]?.code]).toEqual([
      ['m5.large'],
      4,
      'InsufficientFreeAddresses',
    ]);
    const addon = (await eks.send(new DescribeAddonCommand({ clusterName: 'prod', addonName: 'vpc-cni' })))
      .addon;
    expect(addon?.configurationValues).toBe('{"env":{"ENABLE_POD_ENI":"true"}}');
  });

  it('raises ResourceNotFoundException for what does not exist, and the reader maps a missing add-on to null', async () => {
    const err = await eks.send(new DescribeClusterCommand({ name: 'nope' })).catch((e: unknown) => e);
    expect((err as Error).name).toBe('ResourceNotFoundException');
    expect(await new EksReader(eks).addon('prod', 'kube-proxy')).toEqual({ available: true, value: null });
  });

  it('reads the node group as the auditor sees it', async () => {
    const [ng] = await new EksReader(eks).nodegroups('prod');
    expect(ng).toMatchObject({
      name: 'general',
      labels: { team: 'payments' },
      scaling: { minSize: 1, maxSize: 4, desiredSize: 1 },
    });
  });

  it('writes a CloudTrail record for UpdateAddon that the auditor rule matches', async () => {
    const admin = new EKSClient(clientOptions(region.connection('admin'), 'eks'));
    try {
      await admin.send(
        new UpdateAddonCommand({
          clusterName: 'prod',
          addonName: 'vpc-cni',
          configurationValues: '{"env":{"ENABLE_POD_ENI":"true","X":"1"}}',
        }),
      );
    } finally {
      admin.destroy();
    }
    const event = region.bus.events.at(-1);
    expect(event?.source).toBe('aws.eks');
    expect(event?.detail).toMatchObject({
      eventSource: 'eks.amazonaws.com',
      eventName: 'UpdateAddon',
      requestParameters: { clusterName: 'prod' },
    });
  });

  it('lists the cluster role policies, and denies them to an actor as configured', async () => {
    const reader = new IamReader(iam, iamSdk);
    expect(await reader.attachedPolicyArns('arn:aws:iam::111122223333:role/prod-cluster-role')).toEqual({
      available: true,
      value: ['arn:aws:iam::aws:policy/AmazonEKSClusterPolicy'],
    });
    expect((await reader.attachedPolicyArns('arn:aws:iam::111122223333:role/locked-role')).available).toBe(
      false,
    );
    const admin = new IAMClient(clientOptions(region.connection('admin'), 'iam'));
    await admin.send(
      new AttachRolePolicyCommand({
        RoleName: 'prod-cluster-role',
        PolicyArn: 'arn:aws:iam::aws:policy/AmazonEKSVPCResourceController',
      }),
    );
    admin.destroy();
    const after = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'prod-cluster-role' }));
    expect(after.AttachedPolicies?.map((p) => p.PolicyName)).toEqual([
      'AmazonEKSClusterPolicy',
      'AmazonEKSVPCResourceController',
    ]);
  });

  it('serves the Kubernetes objects to a caller with an access entry and its signed token', async () => {
    const conn = region.connection('eip-keeper');
    const reader = new KubernetesReader({
      region: region.regionName,
      credentials: async () => conn.credentials,
      stsEndpoint: conn.endpoints.sts,
      now: () => new Date(),
    });
    const cluster = await new EksReader(eks).describeCluster('prod');
    const k = await reader.read(cluster);
    if (!k.available) throw new Error(k.reason);
    expect(k.value.eniConfigs).toEqual({
      available: true,
      value: [{ name: 'eu-west-1a', subnet: 'subnet-a', securityGroups: ['sg-1'] }],
    });
    expect(k.value.awsNode.available && k.value.awsNode.value.env).toEqual({
      ENABLE_POD_ENI: 'true',
      X: '1',
    });
    expect(
      k.value.nodes.available &&
        k.value.nodes.value.map((n) => [
          n.labels['eks.amazonaws.com/nodegroup'],
          n.podsCapacity,
          n.labels['vpc.amazonaws.com/has-trunk-attached'],
        ]),
    ).toEqual([
      ['general', 29, 'true'],
      ['general', 29, undefined],
    ]);
    expect(k.value.daemonSets.available && k.value.daemonSets.value).toContain('kube-system/node-local-dns');
    expect(k.value.kubeProxyMode).toEqual({ available: true, value: 'ipvs' });
    expect(k.value.localTrafficServices).toEqual({ available: true, value: ['web/ingress'] });
  });

  it('refuses a caller without an access entry (401), which the reader reports as unavailable', async () => {
    const conn = region.connection('alice');
    const reader = new KubernetesReader({
      region: region.regionName,
      credentials: async () => conn.credentials,
      now: () => new Date(),
    });
    const k = await reader.read(await new EksReader(eks).describeCluster('prod'));
    expect(k.available).toBe(false);
    if (!k.available) expect(k.enable).toContain('aws eks create-access-entry --cluster-name prod');
    expect(region.auditor.kubernetes.requests.at(-1)).toMatchObject({ status: 401 });
  });

  it('turns the PutEvents entries the SDK sends into events on the local bus', async () => {
    const events = new EventBridgeClient(clientOptions(region.connection('eip-keeper'), 'eventbridge'));
    try {
      await events.send(
        new PutEventsCommand({
          Entries: [
            {
              Source: 'eip-keeper',
              DetailType: 'Node Group Readiness Finding',
              Detail: '{"change":"new"}',
              Resources: [],
              Time: new Date('2026-01-05T09:00:00Z'),
              EventBusName: 'default',
            },
          ],
        }),
      );
    } finally {
      events.destroy();
    }
    expect(region.bus.events.at(-1)).toMatchObject({
      source: 'eip-keeper',
      'detail-type': 'Node Group Readiness Finding',
      detail: { change: 'new' },
    });
    expect(region.auditor.events.published).toHaveLength(1);
    expect(region.bus.events.at(-1)?.time).toBe('2026-01-05T09:00:00Z');
  });
});
