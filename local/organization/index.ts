/**
 * A simulated AWS Organization: member accounts, each with eip-keeper in one or more regions (a SimulatedRegion per
 * account and region), and the hub account running the hub's ingestion. Each member's eip-keeper events reach its
 * own bus as in AWS; the forwarding rule the member stack deploys (`hub.eventBusArn`) sends them to the hub, and
 * each cross-account PutEvents is evaluated, as EventBridge does, against the hub bus's policy as the hub stack
 * deploys it (`aws:PrincipalOrgID`): an account outside the organization is refused and nothing of it is kept.
 */

import type { AppConfigInput } from '../../shared/config/schema';
import { hubIngest } from '../../shared/hub/function-spec';
import { EVENT_SOURCE } from '../../shared/hub/model';
import type { EventBridgeEvent } from '../core/types';
import { evaluate } from '../iam/evaluator';
import type { PolicyDocument } from '../iam/policy';
import { SimulatedRegion } from '../region';
import { hubBusPolicy } from './hub-policy';

export interface AccountRegion {
  accountId: string;
  region: string;
}

export interface OrganizationOptions {
  organizationId: string;
  hub: AccountRegion;
  /** Accounts of the organization running eip-keeper, one entry per account and region. */
  members: AccountRegion[];
  /** Accounts outside the organization that point their eip-keeper at the hub anyway. */
  outsiders?: AccountRegion[];
  /** The members' configuration (hub.eventBusArn is set to the hub's bus). */
  config?: AppConfigInput;
  start?: string;
  dynamoEndpoint?: string;
  seed?: number;
}

/** A cross-account PutEvents the hub's bus refused. */
export interface RefusedPut {
  account: string;
  region: string;
  eventId: string;
  detailType: string;
  statements: string[];
}

/** The member stack's forwarding rule, and its role's one statement (infra/constructs/hub-forwarding.ts). */
const FORWARD_RULE = 'HubForward';

export class SimulatedOrganization {
  readonly refused: RefusedPut[] = [];
  /** Events the hub's bus accepted, as they arrived. */
  readonly accepted: EventBridgeEvent[] = [];

  private constructor(
    readonly organizationId: string,
    readonly hub: SimulatedRegion,
    readonly members: SimulatedRegion[],
    readonly outsiders: SimulatedRegion[],
    readonly hubBusArn: string,
    private readonly busPolicy: PolicyDocument,
  ) {}

  static async start(opts: OrganizationOptions): Promise<SimulatedOrganization> {
    const hubBusArn = `arn:aws:events:${opts.hub.region}:${opts.hub.accountId}:event-bus/eip-keeper-hub`;
    const common = { start: opts.start, dynamoEndpoint: opts.dynamoEndpoint };
    const busPolicy = await hubBusPolicy(opts.hub, opts.organizationId, hubBusArn);
    // The hub's own function is not in the member stack the simulated IAM reads: its statements are proven by the
    // hub stack's tests (test/infra/hub.test.ts), not evaluated here.
    const hub = await SimulatedRegion.start({
      ...common,
      accountId: opts.hub.accountId,
      region: opts.hub.region,
      functions: [hubIngest],
      iam: false,
      seed: opts.seed,
    });
    const config = { ...opts.config, hub: { eventBusArn: hubBusArn } };
    const startMember = (m: AccountRegion, i: number) =>
      SimulatedRegion.start({
        ...common,
        accountId: m.accountId,
        region: m.region,
        config,
        seed: (opts.seed ?? 1) + i + 1,
      });
    const members: SimulatedRegion[] = [];
    const outsiders: SimulatedRegion[] = [];
    try {
      for (const [i, m] of opts.members.entries()) members.push(await startMember(m, i));
      for (const [i, m] of (opts.outsiders ?? []).entries()) outsiders.push(await startMember(m, 100 + i));
    } catch (err) {
      for (const r of [hub, ...members, ...outsiders]) await r.stop();
      throw err;
    }
    const org = new SimulatedOrganization(opts.organizationId, hub, members, outsiders, hubBusArn, busPolicy);
    for (const r of [...members, ...outsiders])
      org.deployForwarding(
        r,
        opts.members.some((m) => m.accountId === r.accountId),
      );
    return org;
  }

  /** The rule the member stack deploys on its default bus: every eip-keeper event, to the hub's bus. */
  private deployForwarding(member: SimulatedRegion, inOrganization: boolean): void {
    member.bus.addTarget({
      functionId: FORWARD_RULE,
      ruleId: `${FORWARD_RULE}Rule`,
      pattern: { source: [EVENT_SOURCE] },
      invoke: (event) => this.putOnHub(member, event, inOrganization),
    });
  }

  /**
   * EventBridge's cross-account put with the forwarding role: allowed by the role's own statement and by the hub
   * bus's policy, whose `aws:PrincipalOrgID` is the organization of the account the role is in (none outside it).
   * The event keeps its envelope: the hub sees the member's account and region.
   */
  private async putOnHub(
    member: SimulatedRegion,
    event: EventBridgeEvent,
    inOrganization: boolean,
  ): Promise<void> {
    const decision = await evaluate({
      principalArn: `arn:aws:iam::${member.accountId}:role/EipKeeper-${FORWARD_RULE}Role`,
      accountId: this.hub.accountId,
      identityPolicies: [
        {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: this.hubBusArn }],
        },
      ],
      resourcePolicy: this.busPolicy,
      check: {
        action: 'events:PutEvents',
        resource: this.hubBusArn,
        context: inOrganization ? { 'aws:PrincipalOrgID': this.organizationId } : {},
      },
    });
    if (!decision.allowed) {
      this.refused.push({
        account: member.accountId,
        region: member.regionName,
        eventId: event.id,
        detailType: event['detail-type'],
        statements: decision.statements,
      });
      return;
    }
    this.accepted.push(event);
    this.hub.bus.put(event);
  }

  get regions(): SimulatedRegion[] {
    return [...this.members, ...this.outsiders, this.hub];
  }

  /** Runs what every region has due, members first (their forwarding feeds the hub), until nothing is left. */
  async settle(): Promise<void> {
    for (const r of [...this.members, ...this.outsiders]) await r.settle();
    await this.hub.settle();
  }

  /** Moves every region's clock on by `ms`, running what falls due, then the hub's deliveries. */
  async advance(ms: number): Promise<void> {
    for (const r of [...this.members, ...this.outsiders]) await r.advance(ms);
    await this.hub.advance(ms);
    await this.settle();
  }

  async stop(): Promise<void> {
    for (const r of this.regions) await r.stop();
  }
}
