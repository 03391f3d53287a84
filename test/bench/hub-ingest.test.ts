/** The hubIngest bench keeps one record per event it sends and one alert per member, and counts them honestly. */
import { describe, expect, inject, it } from 'vitest';
import { runHubIngest } from '../../bench/hub-ingest';

describe('the hubIngest bench', () => {
  it('ingests every member event once, and alerts once per member account and region', async () => {
    const r = await runHubIngest({
      accounts: 3,
      addressesPerMember: 2,
      dynamoEndpoint: inject('dynamoEndpoint'),
      log: () => {},
    });
    // 3 accounts × 2 regions × (2 episodes + 1 alert).
    expect(r.events).toBe(18);
    expect(r.keptRecords).toBe(18);
    expect(r.alertsSent).toBe(6);
    expect(r.failedInvocations).toBe(0);
    expect(r.eventsPerSecond).toBeGreaterThan(0);
  }, 60_000);
});
