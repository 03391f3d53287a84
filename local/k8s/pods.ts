/**
 * Pods of the simulated Kubernetes API: what scenarios start and stop (the simulated VPC resource controller for
 * branch-ENI pods, the CNI's warm IPs for the others), listed at `/api/v1/pods` and `/api/v1/namespaces/<ns>/pods`
 * with equality-based `labelSelector`, `fieldSelector` (`status.podIP`, `spec.nodeName`, `status.phase`,
 * `metadata.name`, `metadata.namespace`) and `limit`/`continue` pages, as the API server does.
 */

export interface SimPod {
  name: string;
  namespace: string;
  uid: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  nodeName: string;
  podIP?: string;
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  /** ISO 8601. */
  createdAt: string;
}

export function podJson(p: SimPod): Record<string, unknown> {
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: {
      name: p.name,
      namespace: p.namespace,
      uid: p.uid,
      labels: p.labels,
      annotations: p.annotations,
      creationTimestamp: p.createdAt.replace(/\.\d{3}Z$/, 'Z'),
    },
    spec: { nodeName: p.nodeName },
    status: {
      phase: p.phase,
      ...(p.podIP ? { podIP: p.podIP, podIPs: [{ ip: p.podIP }] } : {}),
    },
  };
}

const FIELDS: Record<string, (p: SimPod) => string> = {
  'status.podIP': (p) => p.podIP ?? '',
  'spec.nodeName': (p) => p.nodeName,
  'status.phase': (p) => p.phase,
  'metadata.name': (p) => p.name,
  'metadata.namespace': (p) => p.namespace,
};

/** `a=b,c!=d,e` (equality-based requirements, ANDed); `==` is `=`. */
function requirements(selector: string | null): { key: string; op: '=' | '!=' | 'exists'; value: string }[] {
  if (!selector) return [];
  return selector
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean)
    .map((r) => {
      const m = /^([^!=]+?)\s*(==|=|!=)\s*(.*)$/.exec(r);
      if (!m) return { key: r, op: 'exists' as const, value: '' };
      return { key: m[1] as string, op: m[2] === '!=' ? ('!=' as const) : ('=' as const), value: m[3] ?? '' };
    });
}

/** An unknown field selector is an error, as the API server answers 400 for it. */
export class UnknownFieldSelectorError extends Error {}

/** The pods a list request selects (in one namespace when given), ordered by namespace and name. */
export function selectPods(pods: readonly SimPod[], query: URLSearchParams, namespace?: string): SimPod[] {
  const labels = requirements(query.get('labelSelector'));
  const fields = requirements(query.get('fieldSelector'));
  for (const f of fields) if (!FIELDS[f.key]) throw new UnknownFieldSelectorError(f.key);
  return pods
    .filter((p) => namespace === undefined || p.namespace === namespace)
    .filter((p) =>
      labels.every((r) =>
        r.op === 'exists'
          ? r.key in p.labels
          : r.op === '='
            ? p.labels[r.key] === r.value
            : p.labels[r.key] !== r.value,
      ),
    )
    .filter((p) =>
      fields.every((r) => {
        const v = (FIELDS[r.key] as (p: SimPod) => string)(p);
        return r.op === '!=' ? v !== r.value : v === r.value;
      }),
    )
    .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
}

/** One page of a list: `limit` items after the `continue` token, and the next token when more remain. */
export function pageOf<T>(items: readonly T[], query: URLSearchParams): { items: T[]; continue?: string } {
  const limit = Number(query.get('limit') ?? '0');
  const start = Number(Buffer.from(query.get('continue') ?? '', 'base64url').toString('utf8') || '0');
  if (!(limit > 0)) return { items: items.slice(start) };
  const end = start + limit;
  return {
    items: items.slice(start, end),
    ...(end < items.length ? { continue: Buffer.from(String(end)).toString('base64url') } : {}),
  };
}
