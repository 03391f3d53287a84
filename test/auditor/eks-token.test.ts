import { describe, expect, it } from 'vitest';
import { verifyEksToken } from '../../local/k8s/token';
import { eksToken, TOKEN_PREFIX } from '../../shared/kubernetes/eks-token';

const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'token/with+chars=',
};
const SIGNED_AT = new Date('2015-08-30T12:36:00Z');
const secretFor = (key: string) =>
  key === CREDENTIALS.accessKeyId ? CREDENTIALS.secretAccessKey : undefined;

const tokenFor = (cluster: string) =>
  eksToken(cluster, {
    region: 'eu-west-1',
    credentials: CREDENTIALS,
    stsEndpoint: 'https://sts.eu-west-1.amazonaws.com',
    now: SIGNED_AT,
  });

const urlOf = (token: string) =>
  new URL(Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url').toString('utf8'));
const tokenOf = (url: URL) => `${TOKEN_PREFIX}${Buffer.from(url.toString()).toString('base64url')}`;

describe('the EKS token', () => {
  it('is a presigned STS GetCallerIdentity URL that also signs the cluster header, valid 60 s', async () => {
    const url = urlOf(await tokenFor('prod'));

    expect(url.origin).toBe('https://sts.eu-west-1.amazonaws.com');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      Action: 'GetCallerIdentity',
      Version: '2011-06-15',
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': 'AKIDEXAMPLE/20150830/eu-west-1/sts/aws4_request',
      'X-Amz-Date': '20150830T123600Z',
      'X-Amz-Expires': '60',
      'X-Amz-SignedHeaders': 'host;x-k8s-aws-id',
      'X-Amz-Security-Token': 'token/with+chars=',
    });
  });

  it('is accepted by the simulated EKS for its cluster, with the signer secret', async () => {
    const token = await tokenFor('prod');

    expect(await verifyEksToken(`Bearer ${token}`, 'prod', secretFor, SIGNED_AT)).toEqual({
      accessKeyId: 'AKIDEXAMPLE',
    });
  });

  it('is refused once tampered with', async () => {
    const url = urlOf(await tokenFor('prod'));
    url.searchParams.set('X-Amz-Expires', '900');

    expect(await verifyEksToken(`Bearer ${tokenOf(url)}`, 'prod', secretFor, SIGNED_AT)).toEqual({
      refused: 'signature does not match',
    });
  });

  it('is refused by another cluster, with another secret, or 15 minutes later', async () => {
    const token = `Bearer ${await tokenFor('prod')}`;

    expect(await verifyEksToken(token, 'staging', secretFor, SIGNED_AT)).toEqual({
      refused: 'signature does not match',
    });
    expect(await verifyEksToken(token, 'prod', () => 'another secret', SIGNED_AT)).toEqual({
      refused: 'signature does not match',
    });
    expect(
      await verifyEksToken(token, 'prod', secretFor, new Date(SIGNED_AT.getTime() + 16 * 60_000)),
    ).toEqual({ refused: 'token expired' });
  });
});
