/** Route 53 for the sweeper: every record of every hosted zone of the account (ListHostedZones, ListResourceRecordSets). */
import type { ListResourceRecordSetsCommandInput, Route53Client } from '@aws-sdk/client-route-53';
import type { RuntimeSdk } from '../../aws/runtime-sdk';
import type { ZoneRecords } from '../dns';
import type { DnsPort } from '../ports';

/** Route 53 allows 5 requests per second per account; stay well below it. */
const MAX_PAGES = 10_000;

export class Route53Adapter implements DnsPort {
  constructor(
    private readonly route53: Route53Client,
    private readonly sdk: Pick<
      RuntimeSdk['@aws-sdk/client-route-53'],
      'ListHostedZonesCommand' | 'ListResourceRecordSetsCommand'
    >,
  ) {}

  async listZoneRecords(): Promise<ZoneRecords[]> {
    const zones: ZoneRecords[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const out = await this.route53.send(new this.sdk.ListHostedZonesCommand({ Marker: marker }));
      for (const z of out.HostedZones ?? []) {
        if (!z.Id || !z.Name) continue;
        zones.push({
          zone: z.Name,
          privateZone: z.Config?.PrivateZone ?? false,
          records: await this.records(z.Id),
        });
      }
      marker = out.IsTruncated ? out.NextMarker : undefined;
    } while (marker && ++pages < MAX_PAGES);
    return zones;
  }

  private async records(zoneId: string): Promise<ZoneRecords['records']> {
    const records: ZoneRecords['records'] = [];
    let next: ListResourceRecordSetsCommandInput = { HostedZoneId: zoneId };
    for (let pages = 0; pages < MAX_PAGES; pages++) {
      const out = await this.route53.send(new this.sdk.ListResourceRecordSetsCommand(next));
      for (const r of out.ResourceRecordSets ?? []) {
        if (!r.Name || !r.Type) continue;
        records.push({
          name: r.Name,
          type: r.Type,
          values: (r.ResourceRecords ?? []).map((v) => v.Value ?? '').filter((v) => v !== ''),
        });
      }
      if (!out.IsTruncated) break;
      next = {
        HostedZoneId: zoneId,
        StartRecordName: out.NextRecordName,
        StartRecordType: out.NextRecordType,
        StartRecordIdentifier: out.NextRecordIdentifier,
      };
    }
    return records;
  }
}
