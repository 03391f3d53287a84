/**
 * Route 53 in the simulated region: ListHostedZones and ListResourceRecordSets (REST-XML, signing name `route53`),
 * paginated as Route 53 paginates (`marker`/`maxitems`; `name`/`type`/`identifier`), records ordered as Route 53
 * orders them (by reversed labels, then type), with `NoSuchHostedZone` for an unknown zone.
 */
import type { CallOutcome, ServiceEnv, ServiceModule, SimRequest, SimResponse } from '../core/types';
import type { Denial, IamCheck } from '../iam/policy';

export interface SimRecord {
  name: string;
  type: string;
  ttl?: number;
  values: string[];
  setIdentifier?: string;
}

export interface SimHostedZone {
  /** Without the `/hostedzone/` prefix, e.g. `Z0123456789ABCDEFGHIJ`. */
  id: string;
  /** Fully qualified, with the trailing dot. */
  name: string;
  privateZone: boolean;
  records: SimRecord[];
}

const XMLNS = 'https://route53.amazonaws.com/doc/2013-04-01/';
const DEFAULT_MAX_ITEMS = 100;

function x(s: string): string {
  return s.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c,
  );
}

function fqdn(name: string): string {
  return name.endsWith('.') ? name.toLowerCase() : `${name.toLowerCase()}.`;
}

/** Route 53's record order: labels compared right to left, then type. */
function orderKey(r: { name: string; type: string }): string {
  return `${fqdn(r.name).split('.').reverse().join('\u0001')}\u0000${r.type}`;
}

function errorResponse(status: number, code: string, message: string, requestId: string): SimResponse {
  return {
    status,
    headers: { 'content-type': 'text/xml' },
    body: `<?xml version="1.0"?>\n<ErrorResponse xmlns="${XMLNS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${x(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  };
}

function xml(body: string): SimResponse {
  return {
    status: 200,
    headers: { 'content-type': 'text/xml' },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}`,
  };
}

function maxItems(q: URLSearchParams): number {
  const n = Number(q.get('maxitems') ?? DEFAULT_MAX_ITEMS);
  return Number.isInteger(n) && n > 0 ? Math.min(n, 300) : DEFAULT_MAX_ITEMS;
}

export class Route53Service implements ServiceModule {
  readonly signingName = 'route53';
  private readonly zones = new Map<string, SimHostedZone>();
  private counter = 0;

  /** Adds a hosted zone (scenario state, tests); returns it. */
  addZone(input: { id?: string; name: string; privateZone?: boolean; records?: SimRecord[] }): SimHostedZone {
    this.counter += 1;
    const id =
      input.id?.replace(/^\/hostedzone\//, '') ?? `Z${String(this.counter).padStart(20, '0')}`.slice(0, 21);
    const name = fqdn(input.name);
    const zone: SimHostedZone = {
      id,
      name,
      privateZone: input.privateZone ?? false,
      records: [
        { name, type: 'NS', ttl: 172800, values: ['ns-1.awsdns-01.org.', 'ns-2.awsdns-02.co.uk.'] },
        {
          name,
          type: 'SOA',
          ttl: 900,
          values: ['ns-1.awsdns-01.org. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400'],
        },
      ],
    };
    this.zones.set(id, zone);
    for (const r of input.records ?? []) this.upsertRecord(id, r);
    return zone;
  }

  /** Creates or replaces a record (by name, type and set identifier). */
  upsertRecord(zoneId: string, record: SimRecord): void {
    const zone = this.zones.get(zoneId);
    if (!zone) return;
    const r = { ...record, name: fqdn(record.name), type: record.type.toUpperCase() };
    const i = zone.records.findIndex(
      (x) => x.name === r.name && x.type === r.type && x.setIdentifier === r.setIdentifier,
    );
    if (i >= 0) zone.records[i] = r;
    else zone.records.push(r);
  }

  /** Deletes a record; true when there was one. */
  deleteRecord(zoneId: string, name: string, type: string): boolean {
    const zone = this.zones.get(zoneId);
    if (!zone) return false;
    const before = zone.records.length;
    zone.records = zone.records.filter((r) => !(r.name === fqdn(name) && r.type === type.toUpperCase()));
    return zone.records.length < before;
  }

  snapshot(): SimHostedZone[] {
    return [...this.zones.values()].map((z) => ({ ...z, records: z.records.map((r) => ({ ...r })) }));
  }

  actionOf(req: SimRequest): string | undefined {
    const p = req.path.replace(/\/+$/, '');
    if (req.method === 'GET' && p === '/2013-04-01/hostedzone') return 'ListHostedZones';
    if (req.method === 'GET' && /^\/2013-04-01\/hostedzone\/[^/]+\/rrset$/.test(p))
      return 'ListResourceRecordSets';
    if (req.method === 'GET' && /^\/2013-04-01\/hostedzone\/[^/]+$/.test(p)) return 'GetHostedZone';
    return undefined;
  }

  throttled(_action: string, requestId: string): SimResponse {
    return errorResponse(400, 'Throttling', 'Rate exceeded', requestId);
  }

  /** `route53:ListHostedZones` is not scoped; a zone's reads are on `hostedzone/<id>` (no region or account). */
  iamChecks(req: SimRequest, action: string): IamCheck[] {
    if (action === 'ListHostedZones') return [{ action: 'route53:ListHostedZones', resource: '*' }];
    const zoneId = decodeURIComponent(req.path.split('/')[3] ?? '');
    return [{ action: `route53:${action}`, resource: `arn:aws:route53:::hostedzone/${zoneId}` }];
  }

  accessDenied(_req: SimRequest, action: string, denial: Denial, env: ServiceEnv): CallOutcome {
    return {
      action,
      response: errorResponse(403, 'AccessDenied', denial.message, env.ids.uuid()),
      errorCode: 'AccessDenied',
    };
  }

  handle(req: SimRequest, env: ServiceEnv): CallOutcome {
    const action = this.actionOf(req) ?? 'Unknown';
    const requestId = env.ids.uuid();
    const p = req.path.replace(/\/+$/, '');
    if (action === 'ListHostedZones') {
      const all = [...this.zones.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
      const marker = req.query.get('marker');
      const start = marker ? all.findIndex((z) => z.id === marker) : 0;
      if (start < 0) {
        return {
          action,
          response: errorResponse(400, 'InvalidInput', `Invalid marker ${marker}`, requestId),
        };
      }
      const max = maxItems(req.query);
      const page = all.slice(start, start + max);
      const next = all[start + max];
      const zones = page
        .map(
          (z) =>
            `<HostedZone><Id>/hostedzone/${z.id}</Id><Name>${x(z.name)}</Name><CallerReference>sim-${z.id}</CallerReference><Config><PrivateZone>${z.privateZone}</PrivateZone></Config><ResourceRecordSetCount>${z.records.length}</ResourceRecordSetCount></HostedZone>`,
        )
        .join('');
      return {
        action,
        response: xml(
          `<ListHostedZonesResponse xmlns="${XMLNS}"><HostedZones>${zones}</HostedZones>${marker ? `<Marker>${x(marker)}</Marker>` : ''}<IsTruncated>${next ? 'true' : 'false'}</IsTruncated>${next ? `<NextMarker>${next.id}</NextMarker>` : ''}<MaxItems>${max}</MaxItems></ListHostedZonesResponse>`,
        ),
      };
    }
    const zoneId = decodeURIComponent(p.split('/')[3] ?? '').replace(/^hostedzone\//, '');
    const zone = this.zones.get(zoneId);
    if (!zone) {
      return {
        action,
        response: errorResponse(
          404,
          'NoSuchHostedZone',
          `No hosted zone found with ID: ${zoneId}`,
          requestId,
        ),
      };
    }
    if (action === 'GetHostedZone') {
      return {
        action,
        response: xml(
          `<GetHostedZoneResponse xmlns="${XMLNS}"><HostedZone><Id>/hostedzone/${zone.id}</Id><Name>${x(zone.name)}</Name><CallerReference>sim-${zone.id}</CallerReference><Config><PrivateZone>${zone.privateZone}</PrivateZone></Config><ResourceRecordSetCount>${zone.records.length}</ResourceRecordSetCount></HostedZone></GetHostedZoneResponse>`,
        ),
      };
    }
    if (action !== 'ListResourceRecordSets') {
      return {
        action,
        response: errorResponse(400, 'InvalidAction', `${req.method} ${p} is not simulated`, requestId),
      };
    }
    const sorted = [...zone.records].sort((a, b) =>
      orderKey(a) < orderKey(b) ? -1 : orderKey(a) > orderKey(b) ? 1 : 0,
    );
    const startName = req.query.get('name');
    const startType = req.query.get('type');
    if (startType && !startName) {
      return {
        action,
        response: errorResponse(400, 'InvalidInput', 'The input is not valid: type requires name', requestId),
      };
    }
    let start = 0;
    if (startName) {
      const key = orderKey({ name: startName, type: startType ?? '' });
      start = sorted.findIndex((r) => orderKey(r) >= key);
      if (start < 0) start = sorted.length;
    }
    const max = maxItems(req.query);
    const page = sorted.slice(start, start + max);
    const next = sorted[start + max];
    const sets = page
      .map(
        (r) =>
          `<ResourceRecordSet><Name>${x(r.name)}</Name><Type>${x(r.type)}</Type>${r.setIdentifier ? `<SetIdentifier>${x(r.setIdentifier)}</SetIdentifier>` : ''}<TTL>${r.ttl ?? 300}</TTL><ResourceRecords>${r.values.map((v) => `<ResourceRecord><Value>${x(v)}</Value></ResourceRecord>`).join('')}</ResourceRecords></ResourceRecordSet>`,
      )
      .join('');
    return {
      action,
      response: xml(
        `<ListResourceRecordSetsResponse xmlns="${XMLNS}"><ResourceRecordSets>${sets}</ResourceRecordSets><IsTruncated>${next ? 'true' : 'false'}</IsTruncated>${next ? `<NextRecordName>${x(next.name)}</NextRecordName><NextRecordType>${x(next.type)}</NextRecordType>${next.setIdentifier ? `<NextRecordIdentifier>${x(next.setIdentifier)}</NextRecordIdentifier>` : ''}` : ''}<MaxItems>${max}</MaxItems></ListResourceRecordSetsResponse>`,
      ),
    };
  }
}
