import { describe, expect, it } from 'vitest';
import { availableValue } from '../../shared/auditor/model';
import { must, resultOf } from './support/results';
import { branchEni, eni, K8S_OFF, k8sState, pool, readyCluster, withAwsNode } from './support/snapshots';

describe('egress-route', () => {
  it('passes a pool whose branch ENIs sit in a subnet routed to an internet gateway', () => {
    const s = readyCluster();
    s.pools = [{ pool: pool(), enis: [branchEni('subnet-a')] }];
    const r = resultOf(s, 'egress-route', { pool: 'partner-api' });
    expect(r.status).toBe('pass');
    expect(r.evidence).toContain('subnet-a (eu-west-1a) → rtb-public: 0.0.0.0/0 → igw-0a1');
  });

  it('fails a pool whose ENIs sit in a NAT-routed subnet: partners would see the NAT address', () => {
    const s = readyCluster();
    s.pools = [{ pool: pool(), enis: [branchEni('subnet-private-a')] }];
    const r = resultOf(s, 'egress-route', { pool: 'partner-api' });
    expect([r.status, r.severity]).toEqual(['fail', 'high']);
    expect(r.title).toContain('partners see the NAT’s address');
    expect(r.evidence).toContain('subnet-private-a (eu-west-1a) → rtb-private: 0.0.0.0/0 → nat-0a1');
    expect(r.fix).toContain(
      'aws ec2 replace-route-table-association --association-id rtbassoc-private-a --route-table-id rtb-public',
    );
  });

  it('uses the main route table for a subnet without an explicit association', () => {
    const s = readyCluster();
    s.subnets['subnet-loose'] = {
      subnetId: 'subnet-loose',
      vpcId: 'vpc-0a1',
      availabilityZone: 'eu-west-1b',
      cidrBlock: '10.0.128.0/20',
      availableIpAddressCount: 4000,
    };
    s.pools = [{ pool: pool(), enis: [branchEni('subnet-loose')] }];
    const r = resultOf(s, 'egress-route', { pool: 'partner-api' });
    expect(r.evidence).toContain('subnet-loose (eu-west-1b) → rtb-main (main): 0.0.0.0/0 → no default route');
    expect(r.fix).toContain(
      'aws ec2 associate-route-table --subnet-id subnet-loose --route-table-id rtb-public',
    );
  });

  it('checks the node group subnets where pods will get ENIs when the pool has none yet', () => {
    const s = readyCluster();
    s.pools = [{ pool: pool(), enis: [] }];
    const r = resultOf(s, 'egress-route', { pool: 'partner-api' });
    expect(r.status).toBe('pass');
    expect(r.evidence[0]).toContain('no matching ENI yet; checked the node group subnets');
  });

  it('is unknown for a pool without ENIs when custom networking may move pods elsewhere', () => {
    const s = readyCluster();
    s.kubernetes = K8S_OFF;
    s.pools = [{ pool: pool(), enis: [] }];
    expect(resultOf(s, 'egress-route', { pool: 'partner-api' }).status).toBe('unknown');
  });

  it('checks the selector subnets of the pool', () => {
    const s = readyCluster();
    s.pools = [{ pool: pool({ selector: { subnetIds: ['subnet-0private00000001'] } }), enis: [] }];
    s.subnets['subnet-0private00000001'] = {
      subnetId: 'subnet-0private00000001',
      vpcId: 'vpc-0a1',
      availabilityZone: 'eu-west-1a',
      cidrBlock: '10.0.200.0/24',
      availableIpAddressCount: 200,
    };
    must(s.routeTables.find((t) => t.routeTableId === 'rtb-private')).subnetIds.push(
      'subnet-0private00000001',
    );
    expect(resultOf(s, 'egress-route', { pool: 'partner-api' }).status).toBe('fail');
  });
});

describe('egress-external-snat (pools on secondary IPs)', () => {
  it('fails when the CNI SNATs pod egress to the node IP', () => {
    const s = readyCluster();
    s.pools = [
      {
        pool: pool({ target: 'secondary-ip' }),
        enis: [eni({ networkInterfaceId: 'eni-node', subnetId: 'subnet-a' })],
      },
    ];
    const r = resultOf(s, 'egress-external-snat', { pool: 'partner-api' });
    expect(r.status).toBe('fail');
    expect(r.fix).toContain('"AWS_VPC_K8S_CNI_EXTERNALSNAT":"true"');
  });

  // amazon-vpc-cni-k8s README (AWS_VPC_K8S_CNI_EXTERNALSNAT) and EKS user guide (external-snat): the setting is
  // node-wide, and a pod in an internet-gateway subnet without a public address of its own has no internet egress.
  it('says first that every other pod on IGW-routed nodes loses internet egress, and how to keep it', () => {
    const s = readyCluster();
    s.pools = [{ pool: pool({ target: 'secondary-ip' }), enis: [] }];
    const fix = resultOf(s, 'egress-external-snat', { pool: 'partner-api' }).fix ?? '';
    const [warning, command] = fix.split('\n');
    expect(warning).toContain(
      'applies to every pod on every node: pods without an EIP of their own on nodes in subnets routed to an internet gateway (subnet-a, subnet-b) lose internet egress',
    );
    expect(warning).toContain('dedicated node group');
    expect(command).toMatch(/^aws eks update-addon .*AWS_VPC_K8S_CNI_EXTERNALSNAT/);
  });

  it('passes with AWS_VPC_K8S_CNI_EXTERNALSNAT=true', () => {
    const s = readyCluster();
    s.kubernetes = availableValue(
      k8sState({
        awsNode: availableValue({
          image: 'r/amazon-k8s-cni:v1.19.2',
          env: { ENABLE_POD_ENI: 'true', AWS_VPC_K8S_CNI_EXTERNALSNAT: 'true' },
          initEnv: {},
        }),
      }),
    );
    s.pools = [{ pool: pool({ target: 'secondary-ip' }), enis: [] }];
    expect(resultOf(s, 'egress-external-snat', { pool: 'partner-api' }).status).toBe('pass');
  });

  it('is unknown when neither the DaemonSet nor the add-on configuration says', () => {
    const s = readyCluster();
    s.kubernetes = K8S_OFF;
    s.pools = [{ pool: pool({ target: 'secondary-ip' }), enis: [] }];
    expect(resultOf(s, 'egress-external-snat', { pool: 'partner-api' }).status).toBe('unknown');
  });
});

describe('egress-enforcing-mode (pools on branch ENIs)', () => {
  it('passes strict mode', () => {
    const s = readyCluster();
    s.pools = [{ pool: pool(), enis: [branchEni('subnet-a')] }];
    expect(resultOf(s, 'egress-enforcing-mode', { pool: 'partner-api' }).status).toBe('pass');
  });

  it('fails standard mode without external SNAT', () => {
    const s = readyCluster();
    s.kubernetes = availableValue(
      k8sState({
        awsNode: availableValue({
          image: 'r/amazon-k8s-cni:v1.19.2',
          env: { ENABLE_POD_ENI: 'true', POD_SECURITY_GROUP_ENFORCING_MODE: 'standard' },
          initEnv: {},
        }),
      }),
    );
    s.pools = [{ pool: pool(), enis: [branchEni('subnet-a')] }];
    const r = resultOf(s, 'egress-enforcing-mode', { pool: 'partner-api' });
    expect(r.status).toBe('fail');
    expect(r.fix).toContain('applies to every pod on every node');
  });

  // POD_SECURITY_GROUP_ENFORCING_MODE exists from VPC CNI 1.11.0: an older CNI enforces strictly, no SNAT.
  it('passes standard set on a CNI before 1.11, which ignores it', () => {
    const s = withAwsNode('r/amazon-k8s-cni:v1.10.4', { POD_SECURITY_GROUP_ENFORCING_MODE: 'standard' });
    s.pools = [{ pool: pool(), enis: [branchEni('subnet-a')] }];
    const r = resultOf(s, 'egress-enforcing-mode', { pool: 'partner-api' });
    expect(r.status).toBe('pass');
    expect(r.evidence[0]).toContain('predates POD_SECURITY_GROUP_ENFORCING_MODE');
  });
});
