/**
 * Reads from an EKS cluster's Kubernetes API: one authenticated GET (`getJson`) and every page of a list
 * (`listAll`, with `limit`/`continue`), over HTTPS with the cluster's CA (plain HTTP only for the simulated API). The
 * token is an EKS bearer token (eks-token.ts); the caller's role needs an access entry on the cluster. Used by the
 * auditor and the keeper.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface HttpResult {
  status: number;
  body: unknown;
}

/** One GET with the bearer token; the body parsed as JSON when it is JSON, else its text. Network errors reject. */
export function getJson(
  url: URL,
  token: string,
  ca: string | undefined,
  timeoutMs: number,
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const options = {
      method: 'GET',
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      timeout: timeoutMs,
      ...(ca ? { ca: Buffer.from(ca, 'base64').toString('utf8') } : {}),
    };
    const req = (url.protocol === 'http:' ? httpRequest : httpsRequest)(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON: keep the text for the message
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

const asObject = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** A list the API answered with something else than 200: its status (401, 403, 404, ...). */
export class KubernetesListError extends Error {
  override readonly name = 'KubernetesListError';
  constructor(
    readonly path: string,
    readonly status: number,
  ) {
    super(`GET ${path} answered HTTP ${status}`);
  }
}

/** Every item of a collection, page by page (`limit`, `continue`); throws KubernetesListError on a non-200 page. */
export async function listAll(
  base: string,
  path: string,
  token: string,
  opts: { ca?: string; timeoutMs: number; pageSize?: number },
): Promise<unknown[]> {
  const items: unknown[] = [];
  let cont: string | undefined;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page = `${path}${sep}limit=${opts.pageSize ?? 500}${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`;
    const res = await getJson(new URL(`${base}${page}`), token, opts.ca, opts.timeoutMs);
    if (res.status !== 200) throw new KubernetesListError(path, res.status);
    const body = asObject(res.body);
    if (Array.isArray(body.items)) items.push(...body.items);
    const next = asObject(body.metadata).continue;
    cont = typeof next === 'string' && next !== '' ? next : undefined;
  } while (cont);
  return items;
}
