/**
 * Which DNS records point at an address. Pure: the Route 53 adapter lists the account's hosted zones and their
 * record sets; this decides which records name which IPv4 address:
 * - `A` records whose values include the address;
 * - `CNAME` records to the address's EC2 public host name (`ec2-203-0-113-25.eu-west-1.compute.amazonaws.com`);
 * - `TXT`/`SPF` records that authorise it for mail (`ip4:203.0.113.25` or `ip4:203.0.113.25/32`).
 */
import type { DnsReference } from './model';

export interface ZoneRecords {
  /** Zone name, e.g. `example.com.`. */
  zone: string;
  privateZone: boolean;
  records: { name: string; type: string; values: string[] }[];
}

const EC2_HOST = /^ec2-(\d{1,3})-(\d{1,3})-(\d{1,3})-(\d{1,3})\.(?:[a-z0-9-]+\.)*amazonaws\.com\.?$/i;
const SPF_IP4 = /(?:^|[\s"])ip4:(\d{1,3}(?:\.\d{1,3}){3})(?:\/32)?(?=$|[\s"])/gi;

/** The IPv4 addresses one record's values name. */
export function addressesNamedBy(type: string, values: readonly string[]): string[] {
  const out = new Set<string>();
  const t = type.toUpperCase();
  for (const raw of values) {
    const v = raw.trim();
    if (t === 'A') out.add(v);
    else if (t === 'CNAME') {
      const m = EC2_HOST.exec(v);
      if (m) out.add(`${m[1]}.${m[2]}.${m[3]}.${m[4]}`);
    } else if (t === 'TXT' || t === 'SPF') {
      for (const m of v.matchAll(SPF_IP4)) out.add(m[1] as string);
    }
  }
  return [...out];
}

/** Indexes every record by the addresses it names. */
export function indexDnsReferences(zones: readonly ZoneRecords[]): Map<string, DnsReference[]> {
  const byIp = new Map<string, DnsReference[]>();
  for (const z of zones) {
    for (const r of z.records) {
      for (const ip of addressesNamedBy(r.type, r.values)) {
        const list = byIp.get(ip) ?? [];
        if (!list.some((x) => x.name === r.name && x.type === r.type && x.zone === z.zone)) {
          list.push({ name: r.name, type: r.type.toUpperCase(), zone: z.zone, privateZone: z.privateZone });
        }
        byIp.set(ip, list);
      }
    }
  }
  return byIp;
}
