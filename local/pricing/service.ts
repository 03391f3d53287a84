/**
 * The AWS Price List API in the simulated region: GetProducts (JSON 1.1, `AWSPriceListService.GetProducts`, signing
 * name `pricing`) for the public IPv4 idle-address price, with TERM_MATCH / EQUALS / CONTAINS filters. Each price
 * list entry is a JSON document in a string, as the real API returns it.
 */
import type { CallOutcome, ServiceModule, SimRequest, SimResponse } from '../core/types';
import type { Denial, IamCheck } from '../iam/policy';

const JSON_TYPE = 'application/x-amz-json-1.1';

/** Usage-type prefixes of the regions (the price list names usage types by them). */
const USAGE_PREFIX: Record<string, string> = {
  'us-east-1': 'USE1',
  'us-east-2': 'USE2',
  'us-west-1': 'USW1',
  'us-west-2': 'USW2',
  'eu-west-1': 'EU',
  'eu-west-2': 'EUW2',
  'eu-central-1': 'EUC1',
  'ap-southeast-1': 'APS1',
  'ap-northeast-1': 'APN1',
};

function json(status: number, body: unknown): SimResponse {
  return { status, headers: { 'content-type': JSON_TYPE }, body: JSON.stringify(body) };
}

export class PricingService implements ServiceModule {
  readonly signingName = 'pricing';
  /** USD per idle public IPv4 address-hour, by region; `fail` makes GetProducts answer with an error. */
  readonly prices = new Map<string, number>();
  fail = false;

  setIdleAddressPrice(region: string, usdPerHour: number): void {
    this.prices.set(region, usdPerHour);
  }

  actionOf(req: SimRequest): string | undefined {
    const target = req.headers['x-amz-target'] ?? '';
    return target.startsWith('AWSPriceListService.')
      ? target.slice('AWSPriceListService.'.length)
      : undefined;
  }

  throttled(): SimResponse {
    return json(400, { __type: 'ThrottlingException', Message: 'Rate exceeded' });
  }

  /** The Price List API has no resources (`pricing:GetProducts` on `*`). */
  iamChecks(_req: SimRequest, action: string): IamCheck[] {
    return [{ action: `pricing:${action}`, resource: '*' }];
  }

  accessDenied(_req: SimRequest, action: string, denial: Denial): CallOutcome {
    return {
      action,
      response: json(400, { __type: 'AccessDeniedException', Message: denial.message }),
      errorCode: 'AccessDeniedException',
    };
  }

  handle(req: SimRequest): CallOutcome {
    const action = this.actionOf(req) ?? 'Unknown';
    if (action !== 'GetProducts') {
      return {
        action,
        response: json(400, { __type: 'InvalidParameterException', Message: `${action} is not simulated` }),
      };
    }
    if (this.fail) {
      return {
        action,
        response: json(500, { __type: 'InternalErrorException', Message: 'simulated failure' }),
      };
    }
    const input = JSON.parse(req.body || '{}') as {
      ServiceCode?: string;
      Filters?: { Type?: string; Field?: string; Value?: string }[];
    };
    const products = [...this.prices.entries()].map(([region, usd]) => ({
      region,
      usd,
      attributes: {
        servicecode: 'AmazonVPC',
        regionCode: region,
        usagetype: `${USAGE_PREFIX[region] ?? region.toUpperCase()}-PublicIPv4:IdleAddress`,
        operation: 'IdleAddress',
        group: 'VPCPublicIPv4Address',
      } as Record<string, string>,
    }));
    const matches = products.filter(
      (p) =>
        input.ServiceCode === 'AmazonVPC' &&
        (input.Filters ?? []).every((f) => {
          const v = p.attributes[f.Field ?? ''];
          if (v === undefined) return false;
          if (f.Type === 'CONTAINS') return v.toLowerCase().includes((f.Value ?? '').toLowerCase());
          return v.toLowerCase() === (f.Value ?? '').toLowerCase();
        }),
    );
    const PriceList = matches.map((p) =>
      JSON.stringify({
        product: { productFamily: 'IP Address', attributes: p.attributes, sku: `SKU${p.region}` },
        serviceCode: 'AmazonVPC',
        terms: {
          OnDemand: {
            [`SKU${p.region}.JRTCKXETXF`]: {
              priceDimensions: {
                [`SKU${p.region}.JRTCKXETXF.6YS6EN2CT7`]: {
                  unit: 'Hrs',
                  description: `$${p.usd} per Idle public IPv4 address per hour`,
                  pricePerUnit: { USD: p.usd.toFixed(10) },
                },
              },
            },
          },
        },
      }),
    );
    return { action, response: json(200, { FormatVersion: 'aws_v1', PriceList }) };
  }
}
