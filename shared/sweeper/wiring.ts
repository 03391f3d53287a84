/**
 * Builds the sweeper's adapters from a RuntimeContext: the Lambda handler, the local simulated region and the CLI
 * all sweep through the same code, with only the context different.
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import { SSMClient } from '@aws-sdk/client-ssm';
import { clientOptions, onFirstUse } from '../aws/clients';
import { importRuntimeSdk } from '../aws/runtime-sdk';
import { forwardingLedger } from '../hub/forward';
import { hubEventsFromContext } from '../hub/forward-wiring';
import { DynamoInventoryStore } from '../inventory/dynamo-inventory-store';
import { notificationsFromContext } from '../notify/wiring';
import type { RuntimeContext } from '../runtime/context';
import { findingsFromContext } from '../securityhub/wiring';
import { createDocumentClient } from '../store/client';
import { SdkEc2Adapter } from './adapters/ec2';
import { SsmKillSwitch } from './adapters/ssm';
import { DynamoSweepStore } from './dynamo-sweep-store';
import type { DnsPort, PricePort } from './ports';
import type { SweeperDeps } from './sweeper';

/**
 * EC2, the table and the kill switch are read by every run; Route 53 only when an alert or a release needs its
 * records, the Pricing API once a day at most, the topic only for an alert: those three are built on first use.
 */

export function sweeperDepsFromContext(ctx: RuntimeContext): SweeperDeps {
  const doc = createDocumentClient(ctx.aws);
  const store = new DynamoSweepStore(doc, ctx.env.tableName, ctx.config.history.retentionDays, ctx.clock);
  const hub = hubEventsFromContext(ctx);
  const deps: SweeperDeps = {
    ec2: new SdkEc2Adapter(new EC2Client(clientOptions(ctx.aws, 'ec2'))),
    dns: onFirstUse<DnsPort>({ listZoneRecords: true }, async () => {
      const [sdk, { Route53Adapter }] = await Promise.all([
        importRuntimeSdk('@aws-sdk/client-route-53'),
        import('./adapters/route53'),
      ]);
      return new Route53Adapter(new sdk.Route53Client(clientOptions(ctx.aws, 'route53')), sdk);
    }),
    killSwitch: new SsmKillSwitch(new SSMClient(clientOptions(ctx.aws, 'ssm'))),
    alerts: notificationsFromContext(ctx),
    inventory: new DynamoInventoryStore(doc, ctx.env.tableName),
    // With a hub configured, every committed ledger change also goes to it (shared/hub/forward.ts).
    store: hub ? forwardingLedger(store, hub, () => ctx.clock.now().toISOString(), ctx.log) : store,
    config: ctx.config,
    accountId: ctx.env.accountId,
    region: ctx.env.region,
    clock: ctx.clock,
    log: ctx.log,
    metrics: ctx.metrics,
  };
  const findings = findingsFromContext(ctx);
  if (findings) deps.findings = findings;
  if (ctx.config.sweeper.usePricingApi) {
    deps.price = onFirstUse<PricePort>({ hourlyRate: true }, async () => {
      const [sdk, { PricingApiPrice }] = await Promise.all([
        importRuntimeSdk('@aws-sdk/client-pricing'),
        import('./adapters/pricing'),
      ]);
      return new PricingApiPrice(new sdk.PricingClient(clientOptions(ctx.aws, 'pricing')), sdk);
    });
  }
  return deps;
}
