/**
 * The keeper's runtime dies part-way — between its claim and its AssociateAddress, between the association and its
 * record, between opening a pool-exhaustion episode and alerting — and no clean-up code runs (Lambda stops the
 * process). Lambda's retries and the reconciler must finish the job, and the failure must show.
 */
import { describe, expect, it } from 'vitest';
import { regionPerTest } from '../support/region';
import { FaultRegion } from './support/region';

const startRegion = regionPerTest(FaultRegion.start);

describe('crashes of the keeper’s runtime', () => {
  it('leaves claims unassociated, sends the events to the DLQ, and the next reconcile associates them', async () => {
    const rig = await startRegion({
      eips: 6,
      faults: { handlerCrash: { function: 'KeeperEvents', probability: 1, before: 'AssociateAddress' } },
    });
    const pods = await rig.createPods(4);

    // Every attempt claims (or finds its claim) and dies before associating; the third goes to the DLQ.
    await rig.advanceTo(4);
    expect(rig.unserved(pods)).toEqual(pods);
    const claims = (await rig.region.tableItemsByKind())['pool-eip'] ?? [];
    expect(claims.filter((c) => pods.includes(String(c.holderEniId)))).toHaveLength(4);
    // Nothing after the crash point ran: the handler's "release the claim on failure" never happened.
    expect(claims.filter((c) => c.lastReleaseReason === 'associate-failed')).toEqual([]);
    expect(rig.region.bus.dlq.map((d) => [d.functionId, d.reason, d.error])).toEqual(
      pods.map(() => [
        'KeeperEvents',
        'retries-exhausted',
        'Runtime.ExitError: Runtime exited with error: signal: killed',
      ]),
    );
    expect(rig.metric('Errors', { FunctionName: 'KeeperEvents' })).toBe(12);

    // The first reconcile, five minutes in: the claims are past their two-minute grace.
    await rig.advanceTo(5);

    expect(rig.unserved(pods)).toEqual([]);
    expect(rig.metric('ReconcileRepairs')).toBe(4);
    expect(await rig.problems()).toEqual([]);
    expect(rig.poolReleasesOrAllocations()).toEqual([]);
    expect(rig.silentlyLost()).toEqual([]);
  });

  it('associates, on Lambda’s retry a minute later, the claim its crashed first attempt left', async () => {
    const rig = await startRegion({
      eips: 3,
      faults: { handlerCrash: { function: 'KeeperEvents', probability: 1, before: 'AssociateAddress' } },
    });
    const pods = await rig.createPods(2);
    rig.setFaults({ handlerCrash: false });
    expect(rig.unserved(pods)).toEqual(pods);

    await rig.advanceTo(1);

    expect(rig.unserved(pods)).toEqual([]);
    expect(rig.failedInvocations().map((i) => i.attempt)).toEqual([1, 1]);
    expect(await rig.problems()).toEqual([]);
    expect(rig.region.bus.dlq).toEqual([]);
  });

  it('records, and never repeats, an association a crash kept the claim from recording', async () => {
    const rig = await startRegion({ eips: 4 });
    // The first table update after AssociateAddress is the claim recording its association id.
    rig.setFaults({ handlerCrash: { function: 'KeeperEvents', probability: 1, before: 'UpdateItem' } });
    const pods = await rig.createPods(3);
    await rig.advanceTo(4);
    expect(rig.unserved(pods)).toEqual([]);
    expect(await rig.problems({ inventory: false })).toEqual(
      expect.arrayContaining([expect.stringMatching(/^claim of .* records association undefined, EC2 has/)]),
    );

    await rig.advanceTo(5);

    expect(await rig.problems()).toEqual([]);
    const associates = rig.region.server.calls.filter(
      (c) => c.actor === 'eip-keeper' && c.action === 'AssociateAddress',
    );
    expect(associates.map((c) => c.outcome)).toEqual(['ok', 'ok', 'ok']);
    expect(rig.metric('ReconcileRepairs')).toBe(3);
    expect(rig.region.bus.dlq).toHaveLength(3);
    expect(rig.silentlyLost()).toEqual([]);
    expect(rig.poolReleasesOrAllocations()).toEqual([]);
  });

  it('loses no association when the runtime dies at the holder tag call; the next reconcile writes the tag', async () => {
    const rig = await startRegion({
      eips: 3,
      faults: { handlerCrash: { function: 'KeeperEvents', probability: 1, before: 'CreateTags' } },
    });
    const pods = await rig.createPods(2);

    // Every attempt dies at its CreateTags, after the association and its record; the third goes to the DLQ.
    await rig.advanceTo(4);
    expect(rig.unserved(pods)).toEqual([]);
    expect(await rig.problems()).toEqual([]);
    expect(rig.holderTags()).toEqual(new Map());
    expect(rig.region.bus.dlq).toHaveLength(2);

    await rig.advanceTo(5);

    expect(rig.holderTags()).toEqual(new Map(pods.map((p) => [rig.eipOf(p) as string, p])));
    const associates = rig.region.server.calls.filter(
      (c) => c.actor === 'eip-keeper' && c.action === 'AssociateAddress',
    );
    expect(associates.map((c) => c.outcome)).toEqual(['ok', 'ok']);
    expect(rig.metric('ReconcileRepairs')).toBe(0);
    expect(rig.silentlyLost()).toEqual([]);
  });

  it('announces the exhaustion whose alert a crash swallowed, by the first reconcile after the grace', async () => {
    const rig = await startRegion({ eips: 2 });
    await rig.createPods(2);
    rig.setFaults({ handlerCrash: { function: 'KeeperEvents', probability: 1, before: 'Publish' } });
    const [waiting] = await rig.createPods(1);
    rig.setFaults({ handlerCrash: false });
    expect(rig.failedInvocations('KeeperEvents')).toHaveLength(1);

    await rig.advanceTo(5);

    expect(rig.unserved([waiting as string])).toEqual([waiting]);
    expect(rig.region.sns.messages.filter((m) => m.subject?.includes('exhausted'))).toHaveLength(1);
    expect(rig.metric('PoolExhausted')).toBe(1);
    expect(await rig.problems()).toEqual([]);
    expect(rig.silentlyLost()).toEqual([]);
    expect(rig.poolReleasesOrAllocations()).toEqual([]);
  });

  it('announces, once, the manual hold whose alert a crash swallowed, by the first reconcile after the grace', async () => {
    const rig = await startRegion({ eips: 2 });
    const eip = rig.pool[0] as string;
    const bastion = await rig.associateByHand(eip);
    const heldAlerts = () =>
      rig.region.sns.messages.filter((m) => m.subject?.includes('associated outside eip-keeper'));
    // The reconcile at minute 5 finds the association, records the hold, and dies before its Publish.
    rig.setFaults({ handlerCrash: { function: 'KeeperReconciler', probability: 1, before: 'Publish' } });
    await rig.advanceTo(5);
    rig.setFaults({ handlerCrash: false });
    expect(rig.failedInvocations('KeeperReconciler')).toHaveLength(1);

    // Lambda's retry a minute later finds the hold recorded; its alert is claimed but unsent, within the grace.
    await rig.advanceTo(9);
    expect(heldAlerts()).toEqual([]);

    await rig.advanceTo(10);
    expect(heldAlerts()).toHaveLength(1);
    expect(heldAlerts()[0]?.message).toContain(bastion);

    await rig.advanceTo(20);
    expect(heldAlerts()).toHaveLength(1);
    expect(rig.metric('PoolManuallyHeld')).toBe(1);
    expect(rig.region.ec2.addressById.get(eip)?.association?.networkInterfaceId).toBe(bastion);
    expect(rig.silentlyLost()).toEqual([]);
    expect(rig.poolReleasesOrAllocations()).toEqual([]);
  });
});
