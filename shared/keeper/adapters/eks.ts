/**
 * The keeper's EKS port (`ports.ts`) on the AWS SDK: DescribeCluster's role, VPC and Kubernetes endpoint. A cluster
 * that does not exist is `undefined`; any other failure is thrown (Lambda retries the event).
 */
import type { DescribeClusterCommandOutput, EKSClient } from '@aws-sdk/client-eks';
import { type AwsConnection, clientOptions } from '../../aws/clients';
import type { RuntimeSdk } from '../../aws/runtime-sdk';
import type { ClusterView } from '../model';
import type { ClusterPort } from '../ports';

export class SdkKeeperCluster implements ClusterPort {
  readonly client: EKSClient;

  constructor(
    conn: AwsConnection,
    private readonly sdk: Pick<RuntimeSdk['@aws-sdk/client-eks'], 'EKSClient' | 'DescribeClusterCommand'>,
  ) {
    this.client = new sdk.EKSClient(clientOptions(conn, 'eks'));
  }

  async describeCluster(name: string): Promise<ClusterView | undefined> {
    let out: DescribeClusterCommandOutput;
    try {
      out = await this.client.send(new this.sdk.DescribeClusterCommand({ name }));
    } catch (err) {
      if ((err as Error).name === 'ResourceNotFoundException') return undefined;
      throw err;
    }
    const c = out.cluster;
    const vpcId = c?.resourcesVpcConfig?.vpcId;
    if (!c?.roleArn || !vpcId) return undefined;
    return {
      name: c.name ?? name,
      roleArn: c.roleArn,
      vpcId,
      ...(c.endpoint ? { endpoint: c.endpoint } : {}),
      ...(c.certificateAuthority?.data ? { certificateAuthority: c.certificateAuthority.data } : {}),
    };
  }
}
