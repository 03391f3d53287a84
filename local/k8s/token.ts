/**
 * How the simulated Kubernetes API checks an EKS bearer token, as EKS does: `k8s-aws-v1.` + base64url of a
 * presigned STS GetCallerIdentity URL whose signature covers `x-k8s-aws-id: <cluster>`, younger than 15 minutes
 * (https://docs.aws.amazon.com/eks/latest/userguide/cluster-auth.html). STS verifies a presigned URL by computing
 * its signature again with the caller's secret; so does this, with the SDK's SigV4 signer.
 */
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';

const TOKEN_PREFIX = 'k8s-aws-v1.';
const MAX_TOKEN_AGE_MS = 15 * 60_000;

export type Verified = { ok: true; accessKeyId: string; date: Date } | { ok: false; reason: string };

/** `20150830T123600Z` → Date. */
function parseAmzDate(stamp: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(stamp);
  return m ? new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`) : new Date(Number.NaN);
}

/** Checks a presigned URL's signature with the secret the caller's access key maps to. */
export async function verifyPresignedUrl(
  url: URL,
  headers: Record<string, string>,
  secretFor: (accessKeyId: string) => string | undefined,
): Promise<Verified> {
  const q = url.searchParams;
  const [accessKeyId = '', , region, service] = (q.get('X-Amz-Credential') ?? '').split('/');
  const date = parseAmzDate(q.get('X-Amz-Date') ?? '');
  const expiresIn = Number(q.get('X-Amz-Expires') ?? '');
  const given = q.get('X-Amz-Signature');
  const secret = secretFor(accessKeyId);
  if (!secret || !region || !service || !given || Number.isNaN(date.getTime()) || !(expiresIn > 0))
    return { ok: false, reason: 'incomplete presigned URL' };
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const signedHeaders: Record<string, string> = {};
  for (const h of (q.get('X-Amz-SignedHeaders') ?? '').split(';').filter(Boolean)) {
    const value = h === 'host' ? url.host : lower[h];
    if (value === undefined) return { ok: false, reason: `signed header ${h} missing` };
    signedHeaders[h] = value;
  }
  const query: Record<string, string> = {};
  for (const [k, v] of q) if (!k.startsWith('X-Amz-')) query[k] = v;
  const sessionToken = q.get('X-Amz-Security-Token') ?? undefined;
  const signer = new SignatureV4({
    service,
    region,
    credentials: { accessKeyId, secretAccessKey: secret, ...(sessionToken ? { sessionToken } : {}) },
    sha256: Sha256,
  });
  let expected: unknown;
  try {
    const again = await signer.presign(
      {
        method: 'GET',
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        path: url.pathname,
        query,
        headers: signedHeaders,
      },
      { signingDate: date, expiresIn },
    );
    expected = again.query?.['X-Amz-Signature'];
  } catch {
    return { ok: false, reason: 'presigned URL cannot be signed again (expiry over a week?)' };
  }
  if (expected !== given) return { ok: false, reason: 'signature does not match' };
  return { ok: true, accessKeyId, date };
}

/** The access key id behind an `Authorization: Bearer k8s-aws-v1.…` header for `cluster`, or why it is refused. */
export async function verifyEksToken(
  authorization: string | undefined,
  cluster: string,
  secretFor: (accessKeyId: string) => string | undefined,
  now: Date,
): Promise<{ accessKeyId: string } | { refused: string }> {
  const token = authorization?.startsWith('Bearer ') ? authorization.slice(7) : '';
  if (!token.startsWith(TOKEN_PREFIX)) return { refused: 'no k8s-aws-v1 bearer token' };
  let url: URL;
  try {
    url = new URL(Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    return { refused: 'token is not a presigned URL' };
  }
  if (url.searchParams.get('Action') !== 'GetCallerIdentity')
    return { refused: 'token does not call GetCallerIdentity' };
  const verified = await verifyPresignedUrl(url, { 'x-k8s-aws-id': cluster }, secretFor);
  if (!verified.ok) return { refused: verified.reason };
  if (Math.abs(now.getTime() - verified.date.getTime()) > MAX_TOKEN_AGE_MS)
    return { refused: 'token expired' };
  return { accessKeyId: verified.accessKeyId };
}
