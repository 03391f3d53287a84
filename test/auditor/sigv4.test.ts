import { describe, expect, it } from 'vitest';
import {
  canonicalRequest,
  presignUrl,
  sha256Hex,
  signRequest,
  verifyPresignedUrl,
} from '../../shared/auditor/sigv4';

// The worked example of AWS's "Signature Version 4 signing process" documentation (IAM ListUsers).
const EXAMPLE = {
  url: new URL('https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08'),
  headers: {
    'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8',
    Host: 'iam.amazonaws.com',
  },
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
  date: new Date('2015-08-30T12:36:00Z'),
};

describe('SigV4 signing', () => {
  it('builds the canonical request of the AWS example', () => {
    const { request } = canonicalRequest(
      'GET',
      EXAMPLE.url,
      { ...EXAMPLE.headers, 'X-Amz-Date': '20150830T123600Z' },
      sha256Hex(''),
    );
    expect(sha256Hex(request)).toBe('f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59');
  });

  it('produces the signature of the AWS example', () => {
    const headers = signRequest({
      method: 'GET',
      url: EXAMPLE.url,
      headers: EXAMPLE.headers,
      body: '',
      service: 'iam',
      region: 'us-east-1',
      credentials: EXAMPLE.credentials,
      date: EXAMPLE.date,
    });
    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7',
    );
  });

  it('presigns a URL that verifies with the same secret and fails with another', () => {
    const url = presignUrl({
      url: new URL('https://sts.eu-west-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15'),
      headers: { 'x-k8s-aws-id': 'prod' },
      service: 'sts',
      region: 'eu-west-1',
      credentials: { ...EXAMPLE.credentials, sessionToken: 'token/with+chars=' },
      date: EXAMPLE.date,
      expiresSeconds: 60,
    });
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host;x-k8s-aws-id');
    const ok = verifyPresignedUrl(url, { 'x-k8s-aws-id': 'prod' }, () => EXAMPLE.credentials.secretAccessKey);
    expect(ok).toMatchObject({ ok: true, accessKeyId: 'AKIDEXAMPLE', expiresSeconds: 60 });
    expect(verifyPresignedUrl(url, { 'x-k8s-aws-id': 'prod' }, () => 'other').ok).toBe(false);
    expect(
      verifyPresignedUrl(url, { 'x-k8s-aws-id': 'staging' }, () => EXAMPLE.credentials.secretAccessKey).ok,
    ).toBe(false);
  });
});
