/**
 * The simulated SSM, Route 53 and Price List services, called with the unmodified SDK clients through the sweeper's
 * adapters: the protocols, errors and pagination the sweeper depends on.
 */

import * as pricingSdk from '@aws-sdk/client-pricing';
import { PricingClient } from '@aws-sdk/client-pricing';
import * as route53Sdk from '@aws-sdk/client-route-53';
import { ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SimulatedRegion } from '../../local/region';
import { clientOptions } from '../../shared/aws/clients';
import { PricingApiPrice } from '../../shared/sweeper/adapters/pricing';
import { Route53Adapter } from '../../shared/sweeper/adapters/route53';
import { SsmKillSwitch } from '../../shared/sweeper/adapters/ssm';

let region: SimulatedRegion;
let ssm: SSMClient;
let route53: Route53Client;
let pricing: PricingClient;

beforeAll(async () => {
  region = await SimulatedRegion.start({ dynamoEndpoint: inject('dynamoEndpoint'), functions: [] });
  const conn = { ...region.connection('eip-keeper'), maxAttempts: 1 };
  ssm = new SSMClient(clientOptions(conn, 'ssm'));
  route53 = new Route53Client(clientOptions(conn, 'route53'));
  pricing = new PricingClient(clientOptions(conn, 'pricing'));
});

afterAll(async () => {
  for (const c of [ssm, route53, pricing]) c?.destroy();
  await region?.stop();
});

describe('simulated SSM', () => {
  it('stores parameters with versions and refuses to overwrite without Overwrite', async () => {
    const first = await ssm.send(
      new PutParameterCommand({ Name: '/t/switch', Value: 'off', Type: 'String' }),
    );
    const second = await ssm.send(
      new PutParameterCommand({ Name: '/t/switch', Value: 'on', Overwrite: true }),
    );
    const got = await ssm.send(new GetParameterCommand({ Name: '/t/switch' }));

    expect([first.Version, second.Version]).toEqual([1, 2]);
    expect(got.Parameter).toMatchObject({ Name: '/t/switch', Value: 'on', Version: 2, Type: 'String' });
    expect(got.Parameter?.ARN).toBe('arn:aws:ssm:eu-west-1:111122223333:parameter/t/switch');
    await expect(ssm.send(new PutParameterCommand({ Name: '/t/switch', Value: 'x' }))).rejects.toMatchObject({
      name: 'ParameterAlreadyExists',
    });
  });

  it('answers ParameterNotFound, which the kill-switch adapter reads as missing', async () => {
    await expect(ssm.send(new GetParameterCommand({ Name: '/t/none' }))).rejects.toMatchObject({
      name: 'ParameterNotFound',
    });
    expect(await new SsmKillSwitch(ssm).read('/t/none')).toBeUndefined();
    expect(await new SsmKillSwitch(ssm).read('/t/switch')).toBe('on');
  });
});

describe('simulated Route 53', () => {
  it('lists every record of every zone through both paginations', async () => {
    for (let z = 0; z < 105; z++) region.route53.addZone({ name: `zone${z}.example` });
    region.route53.addZone({
      id: 'ZBIG0000000000000001',
      name: 'big.example',
      privateZone: true,
      records: Array.from({ length: 250 }, (_, i) => ({
        name: `host${i}.big.example`,
        type: 'A',
        values: [`192.0.2.${i % 250}`],
      })),
    });

    const zones = await new Route53Adapter(route53, route53Sdk).listZoneRecords();

    expect(zones).toHaveLength(106);
    const big = zones.find((z) => z.zone === 'big.example.');
    expect(big?.privateZone).toBe(true);
    expect(big?.records.filter((r) => r.type === 'A')).toHaveLength(250);
    expect(big?.records.filter((r) => r.type === 'NS' || r.type === 'SOA')).toHaveLength(2);
    expect(region.server.callCounts('route53').ListHostedZones).toBe(2);
    expect(region.server.callCounts('route53').ListResourceRecordSets).toBe(105 + 3);
  });

  it('accepts zone ids with the /hostedzone/ prefix and answers NoSuchHostedZone for unknown ones', async () => {
    const out = await route53.send(
      new ListResourceRecordSetsCommand({ HostedZoneId: '/hostedzone/ZBIG0000000000000001', MaxItems: 1 }),
    );
    expect(out.ResourceRecordSets?.[0]?.Name).toBe('big.example.');
    expect(out.IsTruncated).toBe(true);
    await expect(
      route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: 'ZNOPE' })),
    ).rejects.toMatchObject({ name: 'NoSuchHostedZone' });
  });
});

describe('simulated Price List API', () => {
  it("returns the region's idle public IPv4 price, and nothing for a region it does not list", async () => {
    region.pricing.setIdleAddressPrice('eu-west-1', 0.005);
    const price = new PricingApiPrice(pricing, pricingSdk);

    expect(await price.hourlyRate('eu-west-1')).toBe(0.005);
    expect(await price.hourlyRate('ap-south-2')).toBeUndefined();
  });
});
