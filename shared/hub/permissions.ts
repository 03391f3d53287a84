/**
 * What sending to the organization hub needs in IAM, deployed only while `hub.eventBusArn` is set: PutEvents on the
 * member's default bus, for eip-keeper's own source only (a rule there forwards the events to the hub's bus). The
 * auditor has this statement already for its finding events (shared/app/functions.ts `PutFindingEvents`).
 */
import type { PermissionSpec } from '../app/function-spec';
import { EVENT_SOURCE } from './model';

/**
 * Only events with eip-keeper's own source: a role cannot pose as another producer on the bus. events:source is
 * multivalued (ArrayOfString, Service Authorization Reference), so it needs a set operator (a plain StringEquals never
 * matches it and denies every PutEvents); Null: a request naming no source fails.
 */
export const OWN_EVENT_SOURCE_ONLY = {
  'ForAllValues:StringEquals': { 'events:source': [EVENT_SOURCE] },
  Null: { 'events:source': 'false' },
};

export const HUB_FORWARD_PERMISSIONS: PermissionSpec[] = [
  {
    sid: 'PutHubEvents',
    actions: ['events:PutEvents'],
    resources: ['event-bus'],
    conditions: OWN_EVENT_SOURCE_ONLY,
    why: 'alerts and cost-ledger changes as eip-keeper events, forwarded to the organization hub',
    when: (c) => c.hub.eventBusArn !== undefined,
  },
];
