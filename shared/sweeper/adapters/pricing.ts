/**
 * The AWS Price List API for the sweeper: the price of an idle public IPv4 address-hour in the region
 * (ServiceCode `AmazonVPC`, usage type `…PublicIPv4:IdleAddress`). The Pricing endpoint is in us-east-1.
 */
import type { PricingClient } from '@aws-sdk/client-pricing';
import type { RuntimeSdk } from '../../aws/runtime-sdk';
import type { PricePort } from '../ports';

/** The hourly USD price in one price-list entry (a JSON document), or undefined. */
export function idleAddressPrice(entry: unknown): number | undefined {
  // The SDK returns each entry as a JSON string (or a LazyJsonString wrapping one).
  let doc: unknown = entry;
  if (typeof entry !== 'object' || entry === null || !('product' in entry)) {
    try {
      doc = JSON.parse(String(entry));
    } catch {
      return undefined;
    }
  }
  const d = doc as {
    product?: { attributes?: { usagetype?: string } };
    terms?: {
      OnDemand?: Record<
        string,
        { priceDimensions?: Record<string, { unit?: string; pricePerUnit?: { USD?: string } }> }
      >;
    };
  };
  if (!d?.product?.attributes?.usagetype?.includes('PublicIPv4:IdleAddress')) return undefined;
  for (const term of Object.values(d.terms?.OnDemand ?? {})) {
    for (const dim of Object.values(term.priceDimensions ?? {})) {
      const usd = Number(dim.pricePerUnit?.USD);
      if (Number.isFinite(usd) && usd > 0 && (dim.unit ?? 'Hrs').toLowerCase().startsWith('hr')) return usd;
    }
  }
  return undefined;
}

export class PricingApiPrice implements PricePort {
  constructor(
    private readonly pricing: PricingClient,
    private readonly sdk: Pick<RuntimeSdk['@aws-sdk/client-pricing'], 'GetProductsCommand'>,
  ) {}

  async hourlyRate(region: string): Promise<number | undefined> {
    let token: string | undefined;
    for (let page = 0; page < 20; page++) {
      const out = await this.pricing.send(
        new this.sdk.GetProductsCommand({
          ServiceCode: 'AmazonVPC',
          Filters: [
            { Type: 'TERM_MATCH', Field: 'regionCode', Value: region },
            { Type: 'CONTAINS', Field: 'usagetype', Value: 'PublicIPv4:IdleAddress' },
          ],
          NextToken: token,
        }),
      );
      for (const entry of out.PriceList ?? []) {
        const usd = idleAddressPrice(entry);
        if (usd !== undefined) return usd;
      }
      token = out.NextToken;
      if (!token) break;
    }
    return undefined;
  }
}
