/**
 * Calls the code made that its own policy denied, found when the simulated region started evaluating IAM: each test
 * runs the functions as deployed (their roles, as the stack synthesizes them) and fails if IAM refuses one of their
 * calls on the path it drives.
 */
import { DeleteTagsCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { KeeperRegion } from '../keeper/support/region';
import { regionPerTest } from '../support/region';

const startRegion = regionPerTest(KeeperRegion.start);

/** IAM's refusals of the functions' calls, as `function: message`. */
function refusals(k: KeeperRegion): string[] {
  return (k.region.iam?.denials ?? [])
    .filter((d) => d.functionId)
    .map((d) => `${d.functionId}: ${d.message}`);
}

describe('the keeper', () => {
  it('leaves the holder tag of an address that left the pool while a pod held it, instead of a DeleteTags IAM refuses', async () => {
    const k = await startRegion({ eips: 2 });
    const [pod] = await k.createPods(1);
    const held = k.eipOf(pod as string) as string;
    expect(k.holderTagOf(held)).toBe(pod);

    await k
      .ec2As('admin')
      .send(new DeleteTagsCommand({ Resources: [held], Tags: [{ Key: 'eip-keeper:pool' }] }));
    await k.deletePods([pod as string]);
    await k.reconcile();

    expect(refusals(k)).toEqual([]);
    expect(k.keeperCalls('DeleteTags').byOutcome).toEqual({});
    // docs/keeper.md: an address that leaves the pool keeps whatever holder tag it had.
    expect(k.holderTagOf(held)).toBe(pod);
  });
});
