/**
 * The organization on the simulated region: three member accounts × two regions run eip-keeper's sweeper on their
 * own addresses and forward to the hub through the simulated EventBridge, each cross-account put evaluated against
 * the hub bus's policy. The hub's alerts name account and region; an account outside the organization is refused
 * and nothing of it is kept.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SimulatedOrganization } from '../../local/organization';
import { DynamoHubRecords } from '../../shared/hub/dynamo-hub-records';
import { createDocumentClient } from '../../shared/store/client';

const HOUR = 3_600_000;
const HUB = { accountId: '999988887777', region: 'eu-west-1' };
const ACCOUNTS = ['111111111111', '222222222222', '333333333333'];
const REGIONS = ['eu-west-1', 'us-east-1'];
const OUTSIDER = '555566667777';

let org: SimulatedOrganization;
const saved = { ...process.env };

beforeAll(async () => {
  org = await SimulatedOrganization.start({
    organizationId: 'o-exampleorg1',
    hub: HUB,
    members: ACCOUNTS.flatMap((accountId) => REGIONS.map((region) => ({ accountId, region }))),
    outsiders: [{ accountId: OUTSIDER, region: 'eu-west-1' }],
    config: {
      sweeper: {
        graceHours: 2,
        release: { enabled: true, noticeHours: 1, maxPerRun: 1, allowShortPeriods: true },
      },
    },
    start: '2026-03-01T00:00:00Z',
    dynamoEndpoint: inject('dynamoEndpoint'),
  });
  // Each member a different number of idle addresses, so a row summed twice or left out shows in the totals.
  for (const [i, r] of [...org.members, ...org.outsiders].entries()) {
    r.ssm.put('/eip-keeper/kill-switch', 'off', 'String');
    for (let n = 0; n <= i % 3; n++) r.ec2.addAddress({});
  }
  await org.advance(6 * HOUR);
}, 300_000);

afterAll(async () => {
  process.env = { ...saved };
  await org?.stop();
});

describe('an organization of three accounts in two regions each, and its hub', () => {
  it('sends the hub alerts naming the account and region they come from', () => {
    const subjects = org.hub.sns.messages.map((m) => m.subject ?? '');
    expect(subjects.length).toBeGreaterThan(0);
    const named = new Set(subjects.map((s) => /^\[(\d{12}) ([a-z0-9-]+)\] /.exec(s)?.slice(1, 3).join(' ')));
    expect(named).toEqual(new Set(ACCOUNTS.flatMap((a) => REGIONS.map((r) => `${a} ${r}`))));
  });

  it('refuses the account outside the organization, and keeps nothing of it', async () => {
    expect(org.refused.length).toBeGreaterThan(0);
    expect(new Set(org.refused.map((r) => r.account))).toEqual(new Set([OUTSIDER]));
    const records = new DynamoHubRecords(createDocumentClient(org.hub.connection()), org.hub.tableName);
    const kept = [
      ...(await records.list('episode')),
      ...(await records.list('release')),
      ...(await records.list('alert')),
    ];
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.some((r) => r.account === OUTSIDER)).toBe(false);
  });
});
