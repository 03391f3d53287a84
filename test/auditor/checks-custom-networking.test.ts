import { describe, expect, it } from 'vitest';
import { runChecks } from '../../shared/auditor/checks';
import { availableValue, type KubernetesNode } from '../../shared/auditor/model';
import { findingsOf, idsOf, must, resultOf } from './support/results';
import { customNetworkingCluster, eni, K8S_OFF, k8sState, readyCluster } from './support/snapshots';

function withAzC() {
  const s = customNetworkingCluster();
  s.subnets['subnet-c'] = {
    subnetId: 'subnet-c',
    vpcId: 'vpc-0a1',
    availabilityZone: 'eu-west-1c',
    cidrBlock: '10.0.96.0/19',
    availableIpAddressCount: 8000,
  };
  must(s.nodegroups[0]).subnets = ['subnet-a', 'subnet-b', 'subnet-c'];
  return s;
}

function node(name: string, instanceId: string, extra: Partial<KubernetesNode> = {}): KubernetesNode {
  return {
    name,
    instanceId,
    labels: {
      'eks.amazonaws.com/nodegroup': 'general',
      'kubernetes.io/os': 'linux',
      'node.kubernetes.io/instance-type': 'm5.large',
    },
    podsCapacity: 20,
    ...extra,
  };
}

describe('custom networking ready', () => {
  it('has no findings when every AZ has its ENIConfig', () => {
    expect(findingsOf(customNetworkingCluster())).toEqual([]);
  });
});

describe('cn-eniconfig', () => {
  it('fails a node group AZ without an ENIConfig and writes the ENIConfig to apply, with a pod subnet of that AZ', () => {
    const r = resultOf(withAzC(), 'cn-eniconfig', { nodegroup: 'general' });
    expect(r.status).toBe('fail');
    expect(r.evidence[0]).toBe(
      'no ENIConfig named eu-west-1c (needed by nodes with topology.kubernetes.io/zone=eu-west-1c)',
    );
    expect(r.fix).toBe(
      [
        "kubectl apply -f - <<'EOF'",
        'apiVersion: crd.k8s.amazonaws.com/v1alpha1',
        'kind: ENIConfig',
        'metadata:',
        '  name: eu-west-1c',
        'spec:',
        '  subnet: subnet-pods-c',
        '  securityGroups:',
        '    - sg-pods',
        'EOF',
      ].join('\n'),
    );
  });

  it('fails an ENIConfig whose subnet is in another AZ', () => {
    const s = customNetworkingCluster();
    s.kubernetes = availableValue(
      k8sState({
        ...(s.kubernetes.available ? s.kubernetes.value : {}),
        eniConfigs: availableValue([
          { name: 'eu-west-1a', subnet: 'subnet-pods-a', securityGroups: [] },
          { name: 'eu-west-1b', subnet: 'subnet-pods-a', securityGroups: [] },
        ]),
      }),
    );
    const r = resultOf(s, 'cn-eniconfig', { nodegroup: 'general' });
    expect(r.status).toBe('fail');
    expect(r.evidence).toContain(
      'ENIConfig eu-west-1b names subnet-pods-a in eu-west-1a, but its nodes are in eu-west-1b',
    );
    expect(r.fix).toBe(
      `kubectl patch eniconfig eu-west-1b --type merge -p '{"spec":{"subnet":"subnet-pods-b"}}'`,
    );
  });

  it('fails an ENIConfig whose subnet is in another VPC or does not exist', () => {
    const s = customNetworkingCluster();
    s.subnets['subnet-other-vpc'] = {
      subnetId: 'subnet-other-vpc',
      vpcId: 'vpc-other',
      availabilityZone: 'eu-west-1a',
      cidrBlock: '172.16.0.0/20',
      availableIpAddressCount: 4000,
    };
    s.kubernetes = availableValue(
      k8sState({
        ...(s.kubernetes.available ? s.kubernetes.value : {}),
        eniConfigs: availableValue([
          { name: 'eu-west-1a', subnet: 'subnet-other-vpc', securityGroups: [] },
          { name: 'eu-west-1b', subnet: 'subnet-gone', securityGroups: [] },
        ]),
      }),
    );
    const r = resultOf(s, 'cn-eniconfig', { nodegroup: 'general' });
    expect(r.evidence).toEqual([
      'ENIConfig eu-west-1a names subnet-other-vpc of vpc-other, not the cluster VPC vpc-0a1',
      'ENIConfig eu-west-1b names subnet-gone, which does not exist',
    ]);
  });

  it('is unknown without Kubernetes access (ENIConfigs are custom resources)', () => {
    const s = withAzC();
    s.kubernetes = K8S_OFF;
    const r = resultOf(s, 'cn-eniconfig', { nodegroup: 'general' });
    expect(r.status).toBe('unknown');
    expect(r.evidence).toContain('node group AZs: eu-west-1a, eu-west-1b, eu-west-1c');
  });

  it('follows the node group label when ENI_CONFIG_LABEL_DEF is the default label', () => {
    const s = customNetworkingCluster();
    s.kubernetes = availableValue(
      k8sState({
        awsNode: availableValue({
          image: 'r/amazon-k8s-cni:v1.19.2',
          env: { AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: 'true' },
          initEnv: {},
        }),
        eniConfigs: availableValue([{ name: 'pods', subnet: 'subnet-pods-a', securityGroups: [] }]),
        nodes: availableValue([]),
      }),
    );
    must(s.nodegroups[0]).subnets = ['subnet-a'];
    must(s.nodegroups[0]).labels = { 'k8s.amazonaws.com/eniConfig': 'pods' };
    expect(resultOf(s, 'cn-eniconfig', { nodegroup: 'general' }).status).toBe('pass');
    expect(resultOf(s, 'cn-label-def').status).toBe('pass');
  });
});

describe('cn-label-def', () => {
  it('fails the default label when nodes do not carry it, and recommends the zone label', () => {
    const s = customNetworkingCluster();
    s.kubernetes = availableValue(
      k8sState({
        awsNode: availableValue({
          image: 'r/amazon-k8s-cni:v1.19.2',
          env: { AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: 'true' },
          initEnv: {},
        }),
        nodes: availableValue([node('n1', 'i-1')]),
      }),
    );
    const r = resultOf(s, 'cn-label-def');
    expect(r.status).toBe('fail');
    expect(r.fix).toContain('"ENI_CONFIG_LABEL_DEF":"topology.kubernetes.io/zone"');
  });
});

describe('cn-stale-nodes', () => {
  it('fails a node launched before custom networking, whose pods still sit on its primary ENI', () => {
    const s = customNetworkingCluster();
    s.instances = [
      {
        instanceId: 'i-old',
        instanceType: 'm5.large',
        nodegroup: 'general',
        launchTime: '2025-12-01T00:00:00.000Z',
        subnetId: 'subnet-a',
        availabilityZone: 'eu-west-1a',
        state: 'running',
      },
    ];
    s.nodeEnis = [
      eni({
        networkInterfaceId: 'eni-old-0',
        subnetId: 'subnet-a',
        attachedInstanceId: 'i-old',
        deviceIndex: 0,
        privateIp: '10.0.0.5',
        secondaryIpCount: 9,
      }),
      eni({
        networkInterfaceId: 'eni-old-1',
        subnetId: 'subnet-a',
        attachedInstanceId: 'i-old',
        deviceIndex: 1,
        description: 'aws-K8S-i-old',
        secondaryIpCount: 9,
      }),
    ];
    const r = resultOf(s, 'cn-stale-nodes', { nodegroup: 'general' });
    expect(r.status).toBe('fail');
    expect(r.evidence[0]).toBe(
      'i-old launched 2025-12-01T00:00:00.000Z: 9 pod IP(s) on its primary ENI eni-old-0; CNI ENI eni-old-1 in the node subnet subnet-a',
    );
    expect(r.fix).toContain('aws ec2 terminate-instances --instance-ids i-old');
  });

  it('passes nodes whose CNI ENIs are in the ENIConfig subnet', () => {
    const s = customNetworkingCluster();
    s.instances = [
      {
        instanceId: 'i-new',
        instanceType: 'm5.large',
        nodegroup: 'general',
        subnetId: 'subnet-a',
        availabilityZone: 'eu-west-1a',
        state: 'running',
      },
    ];
    s.nodeEnis = [
      eni({
        networkInterfaceId: 'eni-new-0',
        subnetId: 'subnet-a',
        attachedInstanceId: 'i-new',
        deviceIndex: 0,
        privateIp: '10.0.0.6',
      }),
      eni({
        networkInterfaceId: 'eni-new-1',
        subnetId: 'subnet-pods-a',
        attachedInstanceId: 'i-new',
        deviceIndex: 1,
        description: 'aws-K8S-i-new',
        secondaryIpCount: 9,
      }),
    ];
    expect(resultOf(s, 'cn-stale-nodes', { nodegroup: 'general' }).status).toBe('pass');
  });
});

describe('cn-max-pods', () => {
  function withNode(podsCapacity: number) {
    const s = customNetworkingCluster();
    s.instances = [
      {
        instanceId: 'i-1',
        instanceType: 'm5.large',
        nodegroup: 'general',
        subnetId: 'subnet-a',
        availabilityZone: 'eu-west-1a',
        state: 'running',
      },
    ];
    s.nodeEnis = [
      eni({
        networkInterfaceId: 'eni-1',
        subnetId: 'subnet-a',
        attachedInstanceId: 'i-1',
        deviceIndex: 0,
        privateIp: '10.0.0.7',
      }),
    ];
    const k = s.kubernetes.available ? s.kubernetes.value : k8sState();
    s.kubernetes = availableValue({
      ...k,
      nodes: availableValue([node('ip-10-0-0-7', 'i-1', { podsCapacity })]),
    });
    return s;
  }

  it('fails m5.large nodes left at 29 pods (custom networking leaves IPs for 20) and says how to set 20', () => {
    const r = resultOf(withNode(29), 'cn-max-pods', { nodegroup: 'general' });
    expect(r.status).toBe('fail');
    expect(r.evidence[0]).toBe(
      'ip-10-0-0-7 (m5.large): kubelet max pods 29, custom networking allows 20 ((3 − 1) × (10 − 1) + 2 = 20)',
    );
    expect(r.fix).toContain('spec.kubelet.config.maxPods: 20');
  });

  it('passes nodes lowered to 20', () => {
    expect(resultOf(withNode(20), 'cn-max-pods', { nodegroup: 'general' }).status).toBe('pass');
  });

  it('is unknown without Kubernetes access', () => {
    const s = withNode(29);
    s.kubernetes = K8S_OFF;
    expect(resultOf(s, 'cn-max-pods', { nodegroup: 'general' }).status).toBe('unknown');
  });
});

describe('cn-enabled', () => {
  it('is unknown without Kubernetes access when the add-on does not set it', () => {
    const s = readyCluster();
    s.kubernetes = K8S_OFF;
    const r = resultOf(s, 'cn-enabled');
    expect(r.status).toBe('unknown');
    expect(r.fix).toContain('audit.kubernetesAccess');
  });

  it('infers custom networking from CNI ENIs outside the node subnets, and then checks ENIConfigs', () => {
    const s = readyCluster();
    s.kubernetes = K8S_OFF;
    s.nodeEnis.push(
      eni({
        networkInterfaceId: 'eni-cni',
        subnetId: 'subnet-pods-a',
        attachedInstanceId: 'i-0000000000000000a',
        deviceIndex: 2,
        description: 'aws-K8S-i-0000000000000000a',
      }),
    );
    expect(resultOf(s, 'cn-enabled').status).toBe('pass');
    expect(idsOf(runChecks(s).filter((r) => r.id.startsWith('cn-') && r.status === 'unknown'))).toEqual([
      'unknown:cn-eniconfig@general',
      'unknown:cn-label-def',
      'unknown:cn-max-pods@general',
    ]);
  });
});
