import { describe, expect, it } from 'vitest';
import { runChecks } from '../../shared/auditor/checks';
import { availableValue, unavailable } from '../../shared/auditor/model';
import { findingsOf, must, resultOf } from './support/results';
import { branchEni, eni, K8S_OFF, k8sState, NOW, pool, readyCluster, withAwsNode } from './support/snapshots';

describe('a cluster ready for security groups for pods', () => {
  it('has no findings at all', () => {
    expect(findingsOf(readyCluster())).toEqual([]);
  });

  it('never reports an unknown as a pass: every result is pass, fail, unknown or not applicable with a reason', () => {
    for (const r of runChecks(readyCluster())) expect(r.title.length).toBeGreaterThan(10);
  });
});

describe('sgp-instance-type', () => {
  it('fails a t3 node group, names the reason and the replacement node group command', () => {
    const s = readyCluster();
    s.nodegroups[0] = { ...must(s.nodegroups[0]), name: 'burst', instanceTypes: ['t3.medium'] };
    for (const i of s.instances) i.nodegroup = 'burst';
    const r = resultOf(s, 'sgp-instance-type', { nodegroup: 'burst' });
    expect(r.status).toBe('fail');
    expect(r.severity).toBe('high');
    expect(r.evidence.join('\n')).toContain(
      't3.medium: the VPC resource controller marks t3.medium not trunking-compatible (t3 is a burstable family)',
    );
    expect(r.fix).toContain('aws eks create-nodegroup --cluster-name prod --nodegroup-name burst-sgp');
    expect(r.fix).toContain('--instance-types m5.large');
    expect(r.fix).toContain('--node-role NODE_ROLE_ARN_OF_BURST');
    expect(r.fix).not.toMatch(/[<>]/);
  });

  it("names the node group's own role in the replacement command when DescribeNodegroup gave it", () => {
    const s = readyCluster();
    const role = 'arn:aws:iam::111122223333:role/prod-node-role';
    s.nodegroups[0] = {
      ...must(s.nodegroups[0]),
      name: 'burst',
      instanceTypes: ['t3.medium'],
      nodeRole: role,
    };
    for (const i of s.instances) i.nodegroup = 'burst';
    expect(resultOf(s, 'sgp-instance-type', { nodegroup: 'burst' }).fix).toContain(`--node-role ${role}`);
  });

  it('fails an old Xen family (m4) and passes bare metal', () => {
    const s = readyCluster();
    must(s.nodegroups[0]).instanceTypes = ['m4.large', 'm5.metal'];
    const r = resultOf(s, 'sgp-instance-type', { nodegroup: 'general' });
    expect(r.status).toBe('fail');
    expect(r.evidence).toContain(
      'm4.large: the VPC resource controller marks m4.large not trunking-compatible (a Xen-based type): no trunk ENI, no branch ENIs',
    );
    expect(r.evidence).toContain(
      'm5.metal: trunking-compatible, 120 branch ENIs per node (vpc.amazonaws.com/pod-eni)',
    );
  });

  // The controller's pkg/aws/vpc/limits.go marks these Nitro types IsTrunkingCompatible: false; the old
  // "Nitro and not t" rule passed them.
  it.each(['i4i.large', 'u-6tb1.56xlarge'])(
    'fails %s, a Nitro type the VPC resource controller does not trunk (limits.go)',
    (type) => {
      const s = readyCluster();
      must(s.nodegroups[0]).instanceTypes = [type];
      const r = resultOf(s, 'sgp-instance-type', { nodegroup: 'general' });
      expect(r.status).toBe('fail');
      expect(r.evidence[0]).toContain(`marks ${type} not trunking-compatible`);
    },
  );

  it('suggests a type the controller trunks as the replacement (i4i.large → i4i.xlarge)', () => {
    const s = readyCluster();
    must(s.nodegroups[0]).instanceTypes = ['i4i.large'];
    expect(resultOf(s, 'sgp-instance-type', { nodegroup: 'general' }).fix).toContain(
      '--instance-types i4i.xlarge',
    );
  });

  it('does not report missing trunk ENIs on top of an incompatible type', () => {
    const s = readyCluster();
    must(s.nodegroups[0]).instanceTypes = ['t3.medium'];
    s.nodeEnis = s.nodeEnis.filter((e) => e.interfaceType !== 'trunk');
    expect(resultOf(s, 'sgp-trunk-eni', { nodegroup: 'general' }).status).toBe('not-applicable');
  });

  it('takes the types of running nodes when the node group uses a launch template', () => {
    const s = readyCluster();
    s.nodegroups[0] = { ...must(s.nodegroups[0]), instanceTypes: [], launchTemplate: { name: 'lt-general' } };
    expect(resultOf(s, 'sgp-instance-type', { nodegroup: 'general' }).status).toBe('pass');
    s.instances = [];
    const r = resultOf(s, 'sgp-instance-type', { nodegroup: 'general' });
    expect(r.status).toBe('unknown');
    expect(r.evidence[0]).toContain('lt-general');
  });

  it("is unknown, not a pass, for a type missing from this copy of the controller's table (it may be newer)", () => {
    const s = readyCluster();
    must(s.nodegroups[0]).instanceTypes = ['m5.large', 'z9.mystery'];
    const r = resultOf(s, 'sgp-instance-type', { nodegroup: 'general' });
    expect(r.status).toBe('unknown');
    expect(r.evidence[0]).toContain("z9.mystery is not in the VPC resource controller's limits table");
  });
});

describe('sgp-enabled', () => {
  it('is unknown without Kubernetes access when the add-on configuration does not set ENABLE_POD_ENI', () => {
    const s = readyCluster();
    s.kubernetes = K8S_OFF;
    s.vpcCni = { name: 'vpc-cni', version: 'v1.19.2-eksbuild.1' };
    s.nodeEnis = s.nodeEnis.filter((e) => e.interfaceType !== 'trunk');
    const r = resultOf(s, 'sgp-enabled');
    expect(r.status).toBe('unknown');
    expect(r.severity).toBe('info');
    expect(r.fix).toContain('audit.kubernetesAccess');
    expect(r.evidence[0]).toContain('do not set ENABLE_POD_ENI');
  });

  it('reads ENABLE_POD_ENI from the add-on configuration without Kubernetes access', () => {
    const s = readyCluster();
    s.kubernetes = K8S_OFF;
    expect(resultOf(s, 'sgp-enabled').status).toBe('pass');
  });

  it('fails when a pool needs branch ENIs and ENABLE_POD_ENI is false, with the merged add-on command', () => {
    const s = readyCluster();
    s.vpcCni = {
      name: 'vpc-cni',
      version: 'v1.19.2-eksbuild.1',
      configurationValues: '{"env":{"ENABLE_POD_ENI":"false","WARM_IP_TARGET":"5"}}',
    };
    s.kubernetes = K8S_OFF;
    s.pools = [{ pool: pool(), enis: [] }];
    const r = resultOf(s, 'sgp-enabled');
    expect(r.status).toBe('fail');
    expect(r.fix).toBe(
      `aws eks update-addon --cluster-name prod --addon-name vpc-cni --resolve-conflicts PRESERVE --configuration-values '{"env":{"ENABLE_POD_ENI":"true","WARM_IP_TARGET":"5"}}'`,
    );
  });

  it('uses kubectl set env when vpc-cni is self-managed', () => {
    const s = readyCluster();
    s.vpcCni = null;
    s.kubernetes = availableValue(
      k8sState({ awsNode: availableValue({ image: 'x/amazon-k8s-cni:v1.19.2', env: {}, initEnv: {} }) }),
    );
    s.pools = [{ pool: pool(), enis: [] }];
    expect(resultOf(s, 'sgp-enabled').fix).toBe(
      'kubectl set env daemonset aws-node -n kube-system ENABLE_POD_ENI=true',
    );
  });

  it('runs no other security-group checks when the feature is off and nothing needs it', () => {
    const s = readyCluster();
    s.kubernetes = availableValue(
      k8sState({ awsNode: availableValue({ image: 'x/amazon-k8s-cni:v1.19.2', env: {}, initEnv: {} }) }),
    );
    s.nodeEnis = s.nodeEnis.filter((e) => e.interfaceType !== 'trunk');
    const sgp = runChecks(s).filter((r) => r.id.startsWith('sgp-'));
    expect(sgp.map((r) => [r.id, r.status])).toEqual([['sgp-enabled', 'not-applicable']]);
  });
});

describe('sgp-cni-version and sgp-tcp-early-demux', () => {
  it('fails VPC CNI 1.7.5 and below 1.11 also needs DISABLE_TCP_EARLY_DEMUX', () => {
    const s = readyCluster();
    s.kubernetes = K8S_OFF;
    s.vpcCni = {
      ...must(s.vpcCni),
      version: 'v1.7.5-eksbuild.1',
      configurationValues: '{"env":{"ENABLE_POD_ENI":"true"}}',
    };
    expect(resultOf(s, 'sgp-cni-version').status).toBe('fail');
    expect(resultOf(s, 'sgp-cni-version').fix).toContain(
      'describe-addon-versions --addon-name vpc-cni --kubernetes-version 1.31',
    );
    const demux = resultOf(s, 'sgp-tcp-early-demux');
    expect(demux.status).toBe('unknown');
  });

  it('passes 1.7.7 exactly', () => {
    const s = readyCluster();
    s.kubernetes = K8S_OFF;
    s.vpcCni = { ...must(s.vpcCni), version: 'v1.7.7' };
    expect(resultOf(s, 'sgp-cni-version').status).toBe('pass');
  });

  it('prefers the aws-node image tag over the add-on version', () => {
    const s = readyCluster();
    s.vpcCni = { ...must(s.vpcCni), version: 'v1.19.2-eksbuild.1' };
    s.kubernetes = availableValue(
      k8sState({
        awsNode: availableValue({
          image: 'r/amazon-k8s-cni:v1.7.0',
          env: { ENABLE_POD_ENI: 'true' },
          initEnv: {},
        }),
      }),
    );
    expect(resultOf(s, 'sgp-cni-version').status).toBe('fail');
  });

  it('fails 1.10 without DISABLE_TCP_EARLY_DEMUX on the init container and passes with it', () => {
    const s = readyCluster();
    const image = 'r/amazon-k8s-cni:v1.10.4';
    s.kubernetes = availableValue(
      k8sState({ awsNode: availableValue({ image, env: { ENABLE_POD_ENI: 'true' }, initEnv: {} }) }),
    );
    const r = resultOf(s, 'sgp-tcp-early-demux');
    expect(r.status).toBe('fail');
    expect(r.fix).toContain('"init":{"env":{"DISABLE_TCP_EARLY_DEMUX":"true"}}');
    s.kubernetes = availableValue(
      k8sState({
        awsNode: availableValue({
          image,
          env: { ENABLE_POD_ENI: 'true' },
          initEnv: { DISABLE_TCP_EARLY_DEMUX: 'true' },
        }),
      }),
    );
    expect(resultOf(s, 'sgp-tcp-early-demux').status).toBe('pass');
  });
});

// EKS user guide, security-groups-pods-deployment: TCP probes of pods with security groups need
// DISABLE_TCP_EARLY_DEMUX=true unless the VPC CNI is 1.11 or later AND POD_SECURITY_GROUP_ENFORCING_MODE=standard.
describe('sgp-tcp-early-demux by the EKS rule (CNI ≥ 1.11 and standard mode, or the flag)', () => {
  it('fails CNI 1.19 in the default strict mode without the flag: probes fail there too', () => {
    const r = resultOf(withAwsNode('r/amazon-k8s-cni:v1.19.2', {}), 'sgp-tcp-early-demux');
    expect(r.status).toBe('fail');
    expect(r.title).toContain('In strict enforcing mode');
    expect(r.evidence[0]).toBe('enforcing mode strict (aws-node DaemonSet (unset: CNI default))');
  });

  it('does not apply to CNI 1.11 or later in standard mode', () => {
    const s = withAwsNode('r/amazon-k8s-cni:v1.11.0', { POD_SECURITY_GROUP_ENFORCING_MODE: 'standard' });
    expect(resultOf(s, 'sgp-tcp-early-demux').status).toBe('not-applicable');
  });

  it('still needs the flag when standard is set on a CNI before 1.11, which has no such mode', () => {
    const s = withAwsNode('r/amazon-k8s-cni:v1.10.4', { POD_SECURITY_GROUP_ENFORCING_MODE: 'standard' });
    const r = resultOf(s, 'sgp-tcp-early-demux');
    expect(r.status).toBe('fail');
    expect(r.evidence[0]).toContain('VPC CNI v1.10.4 predates POD_SECURITY_GROUP_ENFORCING_MODE (1.11.0)');
  });

  it('is unknown when the flag cannot be read without Kubernetes access', () => {
    const s = readyCluster();
    s.kubernetes = K8S_OFF;
    s.vpcCni = { ...must(s.vpcCni), configurationValues: '{"env":{"ENABLE_POD_ENI":"true"}}' };
    expect(resultOf(s, 'sgp-tcp-early-demux').status).toBe('unknown');
  });
});

describe('sgp-cluster-role-policy', () => {
  it('fails without AmazonEKSVPCResourceController and gives the attach command', () => {
    const s = readyCluster();
    s.clusterRolePolicies = availableValue(['arn:aws:iam::aws:policy/AmazonEKSClusterPolicy']);
    const r = resultOf(s, 'sgp-cluster-role-policy');
    expect([r.status, r.severity]).toEqual(['fail', 'critical']);
    expect(r.fix).toBe(
      'aws iam attach-role-policy --role-name prod-cluster-role --policy-arn arn:aws:iam::aws:policy/AmazonEKSVPCResourceController',
    );
  });

  it('is unknown when IAM denies the read, with what to allow', () => {
    const s = readyCluster();
    s.clusterRolePolicies = unavailable(
      'IAM denied ListAttachedRolePolicies on prod-cluster-role',
      'allow iam:ListAttachedRolePolicies',
    );
    const r = resultOf(s, 'sgp-cluster-role-policy');
    expect(r.status).toBe('unknown');
    expect(r.fix).toBe('allow iam:ListAttachedRolePolicies');
  });
});

describe('sgp-linux-ami', () => {
  it('fails Windows node groups', () => {
    const s = readyCluster();
    must(s.nodegroups[0]).amiType = 'WINDOWS_CORE_2022_x86_64';
    expect(resultOf(s, 'sgp-linux-ami', { nodegroup: 'general' }).status).toBe('fail');
  });

  it('reads the OS label of nodes for CUSTOM AMIs, and is unknown without Kubernetes access', () => {
    const s = readyCluster();
    must(s.nodegroups[0]).amiType = 'CUSTOM';
    expect(resultOf(s, 'sgp-linux-ami', { nodegroup: 'general' }).status).toBe('pass');
    s.kubernetes = K8S_OFF;
    expect(resultOf(s, 'sgp-linux-ami', { nodegroup: 'general' }).status).toBe('unknown');
  });
});

describe('sgp-enforcing-mode', () => {
  it('fails NodeLocal DNSCache in strict mode and names the fix', () => {
    const s = readyCluster();
    s.kubernetes = availableValue(
      k8sState({ daemonSets: availableValue(['kube-system/aws-node', 'kube-system/node-local-dns']) }),
    );
    const r = resultOf(s, 'sgp-enforcing-mode');
    expect(r.status).toBe('fail');
    expect(r.title).toContain('NodeLocal DNSCache');
    expect(r.fix).toContain('"POD_SECURITY_GROUP_ENFORCING_MODE":"standard"');
  });

  it('finds kube-proxy IPVS in the kube-proxy add-on without Kubernetes access, but needs the mode to judge', () => {
    const s = readyCluster();
    s.kubernetes = K8S_OFF;
    s.kubeProxy = { name: 'kube-proxy', version: 'v1.31.2', configurationValues: '{"mode":"ipvs"}' };
    const unread = resultOf(s, 'sgp-enforcing-mode');
    expect([unread.status, unread.title]).toEqual([
      'unknown',
      'Found kube-proxy add-on configured with mode ipvs, which need POD_SECURITY_GROUP_ENFORCING_MODE=standard, but cannot read the mode',
    ]);
    s.vpcCni = {
      ...must(s.vpcCni),
      configurationValues: '{"env":{"ENABLE_POD_ENI":"true","POD_SECURITY_GROUP_ENFORCING_MODE":"strict"}}',
    };
    expect(resultOf(s, 'sgp-enforcing-mode').status).toBe('fail');
  });

  it('passes standard mode whatever is installed', () => {
    const s = readyCluster();
    s.kubernetes = availableValue(
      k8sState({
        awsNode: availableValue({
          image: 'r/amazon-k8s-cni:v1.19.2',
          env: {
            ENABLE_POD_ENI: 'true',
            POD_SECURITY_GROUP_ENFORCING_MODE: 'standard',
            AWS_VPC_K8S_CNI_EXTERNALSNAT: 'true',
          },
          initEnv: {},
        }),
        daemonSets: availableValue(['calico-system/calico-node']),
        localTrafficServices: availableValue(['web/ingress']),
      }),
    );
    expect(resultOf(s, 'sgp-enforcing-mode').status).toBe('pass');
  });

  it('is unknown when the cluster cannot be inspected', () => {
    const s = readyCluster();
    s.kubernetes = K8S_OFF;
    expect(resultOf(s, 'sgp-enforcing-mode').status).toBe('unknown');
  });

  // POD_SECURITY_GROUP_ENFORCING_MODE exists from VPC CNI 1.11.0 (amazon-vpc-cni-k8s README): before, strict.
  it('does not trust standard on a CNI before 1.11, and says to upgrade first', () => {
    const s = withAwsNode(
      'r/amazon-k8s-cni:v1.10.4',
      { POD_SECURITY_GROUP_ENFORCING_MODE: 'standard' },
      { DISABLE_TCP_EARLY_DEMUX: 'true' },
      { daemonSets: availableValue(['kube-system/node-local-dns']) },
    );
    const r = resultOf(s, 'sgp-enforcing-mode');
    expect(r.status).toBe('fail');
    expect(r.title).toContain('in strict enforcing mode');
    expect(r.fix).toMatch(/^upgrade the VPC CNI to 1\.11\.0 or later first/);
  });
});

describe('sgp-trunk-eni', () => {
  it('fails nodes without a trunk ENI and gives the drain and terminate commands', () => {
    const s = readyCluster();
    s.nodeEnis = s.nodeEnis.filter((e) => e.networkInterfaceId !== 'eni-trunk-b');
    const r = resultOf(s, 'sgp-trunk-eni', { nodegroup: 'general' });
    expect(r.status).toBe('fail');
    expect(r.evidence[0]).toContain('i-0000000000000000b (ip-10-0-32-10.eu-west-1.compute.internal)');
    expect(r.fix).toBe(
      'kubectl drain ip-10-0-32-10.eu-west-1.compute.internal --ignore-daemonsets --delete-emptydir-data && aws ec2 terminate-instances --instance-ids i-0000000000000000b',
    );
  });

  it('gives a node launched minutes ago time to get its trunk ENI', () => {
    const s = readyCluster();
    must(s.instances[1]).launchTime = new Date(Date.parse(NOW) - 3 * 60_000).toISOString();
    s.nodeEnis = s.nodeEnis.filter((e) => e.networkInterfaceId !== 'eni-trunk-b');
    expect(resultOf(s, 'sgp-trunk-eni', { nodegroup: 'general' }).status).toBe('pass');
  });

  it('counts a trunk ENI identified only by its description', () => {
    const s = readyCluster();
    s.nodeEnis = s.nodeEnis.map((e) =>
      e.interfaceType === 'trunk' ? { ...e, interfaceType: 'interface' } : e,
    );
    expect(resultOf(s, 'sgp-trunk-eni', { nodegroup: 'general' }).status).toBe('pass');
  });

  it('treats trunk ENIs as proof that the feature is in use when the setting cannot be read', () => {
    const s = readyCluster();
    s.kubernetes = K8S_OFF;
    s.vpcCni = { name: 'vpc-cni', version: 'v1.19.2-eksbuild.1' };
    const results = runChecks(s);
    expect(results.find((r) => r.id === 'sgp-enabled')?.evidence).toContain(
      '2 node(s) have a trunk ENI (i-0000000000000000a, i-0000000000000000b)',
    );
    expect(results.some((r) => r.id === 'sgp-instance-type')).toBe(true);
  });
});

describe('sgp-auto-mode', () => {
  it('fails Auto Mode before Kubernetes 1.36 and passes from 1.36', () => {
    const s = readyCluster();
    s.cluster.autoMode = true;
    expect(resultOf(s, 'sgp-auto-mode').status).toBe('fail');
    s.cluster.version = '1.36';
    expect(resultOf(s, 'sgp-auto-mode').status).toBe('pass');
  });
});

describe('branch ENIs of a pool', () => {
  it('bring the security-group checks into scope', () => {
    const s = readyCluster();
    s.kubernetes = K8S_OFF;
    s.vpcCni = { name: 'vpc-cni', version: 'v1.19.2-eksbuild.1' };
    s.nodeEnis = [eni({ networkInterfaceId: 'eni-x', subnetId: 'subnet-a' })];
    s.pools = [{ pool: pool(), enis: [branchEni('subnet-a')] }];
    expect(runChecks(s).some((r) => r.id === 'sgp-cluster-role-policy')).toBe(true);
  });
});
