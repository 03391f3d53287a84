/**
 * AWS Signature Version 4, for the two calls the auditor makes without an SDK client (the project ships neither
 * @aws-sdk/client-eventbridge nor @aws-sdk/client-sts): EventBridge PutEvents (signed headers) and the presigned
 * STS GetCallerIdentity URL inside an EKS token (signed query). Node's crypto only.
 */
import { createHash, createHmac } from 'node:crypto';
import type { AwsCredentialIdentity } from '@aws-sdk/types';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');

export function sha256Hex(data: string): string {
  return createHash('sha256').update(data, 'utf8').digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** RFC 3986 encoding, as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
export function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `20150830T123600Z`. */
export function amzDate(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

export interface SignInput {
  method: string;
  url: URL;
  /** Header names in any case; `host` is added from the URL when absent. */
  headers: Record<string, string>;
  body: string;
  service: string;
  region: string;
  credentials: AwsCredentialIdentity;
  date: Date;
}

function canonicalQuery(params: URLSearchParams): string {
  return [...params]
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function canonicalPath(path: string): string {
  // Non-S3 services: every segment URI-encoded twice (the URL already holds it encoded once).
  return (
    path
      .split('/')
      .map((seg) => uriEncode(seg))
      .join('/') || '/'
  );
}

export function canonicalRequest(
  method: string,
  url: URL,
  headers: Record<string, string>,
  payloadHash: string,
): { request: string; signedHeaders: string } {
  const lower = Object.entries(headers).map(
    ([k, v]) => [k.toLowerCase(), v.trim().replace(/\s+/g, ' ')] as const,
  );
  lower.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const signedHeaders = lower.map(([k]) => k).join(';');
  const request = [
    method.toUpperCase(),
    canonicalPath(url.pathname),
    canonicalQuery(url.searchParams),
    lower.map(([k, v]) => `${k}:${v}\n`).join(''),
    signedHeaders,
    payloadHash,
  ].join('\n');
  return { request, signedHeaders };
}

function signingKey(secret: string, day: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, day), region), service), 'aws4_request');
}

function signature(
  input: Pick<SignInput, 'date' | 'region' | 'service' | 'credentials'>,
  canonical: string,
): string {
  const stamp = amzDate(input.date);
  const day = stamp.slice(0, 8);
  const scope = `${day}/${input.region}/${input.service}/aws4_request`;
  const toSign = [ALGORITHM, stamp, scope, sha256Hex(canonical)].join('\n');
  return hmac(
    signingKey(input.credentials.secretAccessKey, day, input.region, input.service),
    toSign,
  ).toString('hex');
}

/** Headers to send: the input's plus host, x-amz-date, x-amz-security-token and authorization. */
export function signRequest(input: SignInput): Record<string, string> {
  const stamp = amzDate(input.date);
  const headers: Record<string, string> = { ...input.headers };
  if (!Object.keys(headers).some((k) => k.toLowerCase() === 'host')) headers.host = input.url.host;
  headers['x-amz-date'] = stamp;
  if (input.credentials.sessionToken) headers['x-amz-security-token'] = input.credentials.sessionToken;
  const { request, signedHeaders } = canonicalRequest(
    input.method,
    input.url,
    headers,
    sha256Hex(input.body),
  );
  const scope = `${stamp.slice(0, 8)}/${input.region}/${input.service}/aws4_request`;
  headers.authorization = `${ALGORITHM} Credential=${input.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature(input, request)}`;
  return headers;
}

/** A presigned GET URL (query authentication) whose signature also covers `signedHeaders`. */
export function presignUrl(input: Omit<SignInput, 'body' | 'method'> & { expiresSeconds: number }): URL {
  const url = new URL(input.url.toString());
  const stamp = amzDate(input.date);
  const scope = `${stamp.slice(0, 8)}/${input.region}/${input.service}/aws4_request`;
  const headers: Record<string, string> = { host: url.host, ...input.headers };
  const signedHeaderNames = Object.keys(headers)
    .map((k) => k.toLowerCase())
    .sort()
    .join(';');
  url.searchParams.set('X-Amz-Algorithm', ALGORITHM);
  url.searchParams.set('X-Amz-Credential', `${input.credentials.accessKeyId}/${scope}`);
  url.searchParams.set('X-Amz-Date', stamp);
  url.searchParams.set('X-Amz-Expires', String(input.expiresSeconds));
  url.searchParams.set('X-Amz-SignedHeaders', signedHeaderNames);
  if (input.credentials.sessionToken)
    url.searchParams.set('X-Amz-Security-Token', input.credentials.sessionToken);
  const { request } = canonicalRequest('GET', url, headers, EMPTY_SHA256);
  url.searchParams.set('X-Amz-Signature', signature(input, request));
  return url;
}

/** Checks a presigned URL's signature with the secret the caller's access key maps to (the simulated STS). */
export function verifyPresignedUrl(
  url: URL,
  headers: Record<string, string>,
  secretFor: (accessKeyId: string) => string | undefined,
): { ok: true; accessKeyId: string; date: Date; expiresSeconds: number } | { ok: false; reason: string } {
  const credential = url.searchParams.get('X-Amz-Credential') ?? '';
  const [accessKeyId = '', day, region, service] = credential.split('/');
  const stamp = url.searchParams.get('X-Amz-Date') ?? '';
  const given = url.searchParams.get('X-Amz-Signature') ?? '';
  const signed = (url.searchParams.get('X-Amz-SignedHeaders') ?? '').split(';').filter(Boolean);
  const secret = secretFor(accessKeyId);
  if (!secret || !day || !region || !service || !stamp || !given)
    return { ok: false, reason: 'incomplete presigned URL' };
  const unsigned = new URL(url.toString());
  unsigned.searchParams.delete('X-Amz-Signature');
  const lowerHeaders = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const picked: Record<string, string> = {};
  for (const h of signed) {
    const v = h === 'host' ? url.host : lowerHeaders[h];
    if (v === undefined) return { ok: false, reason: `signed header ${h} missing` };
    picked[h] = v;
  }
  const date = new Date(
    `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}Z`,
  );
  const { request } = canonicalRequest('GET', unsigned, picked, EMPTY_SHA256);
  const expected = signature(
    { service, region, credentials: { accessKeyId, secretAccessKey: secret }, date },
    request,
  );
  if (expected !== given) return { ok: false, reason: 'signature does not match' };
  return {
    ok: true,
    accessKeyId,
    date,
    expiresSeconds: Number(url.searchParams.get('X-Amz-Expires') ?? '0'),
  };
}
