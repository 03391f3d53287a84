/**
 * The bearer token `aws eks get-token --cluster-name <cluster>` prints, which the Kubernetes API of an EKS cluster
 * accepts: `k8s-aws-v1.` + base64url of a presigned STS GetCallerIdentity URL whose signature also covers the
 * `x-k8s-aws-id: <cluster>` header (https://docs.aws.amazon.com/eks/latest/userguide/cluster-auth.html,
 * https://github.com/kubernetes-sigs/aws-iam-authenticator#api-authorization-from-outside-a-cluster). The URL is
 * presigned by the SDK's SigV4 signer.
 */
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';

export const TOKEN_PREFIX = 'k8s-aws-v1.';
/** The header naming the cluster, signed so that a token for one cluster is refused by another. */
export const CLUSTER_ID_HEADER = 'x-k8s-aws-id';
/** EKS accepts tokens whose presigned URL is younger than 15 minutes; the CLI's `get-token` uses 60 s expiry. */
export const TOKEN_EXPIRES_SECONDS = 60;

export interface TokenOptions {
  region: string;
  credentials: AwsCredentialIdentity;
  /** STS endpoint override (simulated region); default the regional STS endpoint. */
  stsEndpoint?: string;
  /** Signing time. */
  now: Date;
}

export function stsEndpointFor(region: string): string {
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://sts.${region}.${suffix}`;
}

/** The token for one cluster. */
export async function eksToken(cluster: string, opts: TokenOptions): Promise<string> {
  const endpoint = new URL(opts.stsEndpoint ?? stsEndpointFor(opts.region));
  const signer = new SignatureV4({
    service: 'sts',
    region: opts.region,
    credentials: opts.credentials,
    sha256: Sha256,
  });
  const presigned = await signer.presign(
    {
      method: 'GET',
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      ...(endpoint.port ? { port: Number(endpoint.port) } : {}),
      path: '/',
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      headers: { host: endpoint.host, [CLUSTER_ID_HEADER]: cluster },
    },
    { signingDate: opts.now, expiresIn: TOKEN_EXPIRES_SECONDS },
  );
  const url = new URL('/', endpoint);
  for (const [name, value] of Object.entries(presigned.query ?? {}))
    if (typeof value === 'string') url.searchParams.set(name, value);
  return `${TOKEN_PREFIX}${Buffer.from(url.toString()).toString('base64url')}`;
}
