/** The claim protocol on DynamoDB Local: conditional writes decide, so concurrent callers cannot both win. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DynamoClaimStore } from '../../shared/keeper/dynamo-claim-store';
import { createTestTable, type TestTable } from '../support/dynamo';

const POOL = 'payments';
const A = 'eipalloc-0aaaaaaaaaaaaaaa1';
const B = 'eipalloc-0bbbbbbbbbbbbbbb2';
const T1 = { eniId: 'eni-01111111111111111', privateIp: '10.0.1.11' };
const T2 = { eniId: 'eni-02222222222222222', privateIp: '10.0.1.12' };
const AT = '2026-01-05T09:00:00.000Z';

let table: TestTable;
let store: DynamoClaimStore;

beforeEach(async () => {
  table = await createTestTable('claims');
  store = new DynamoClaimStore(table.doc, table.tableName);
  await store.registerMember(POOL, A, '203.0.113.1');
  await store.registerMember(POOL, B, '203.0.113.2');
});

afterEach(async () => {
  await table.drop();
});

const claim = (allocationId: string, target: typeof T1, at = AT) =>
  store.claim({ pool: POOL, allocationId, target, at, via: 'event', selectorKey: 'k', provenAt: at });

describe('claim', () => {
  it('gives a free EIP to a target and records the target as its holder', async () => {
    expect(await claim(A, T1)).toEqual({ kind: 'claimed' });
    const snap = await store.loadPool(POOL);
    expect(snap.claims.find((c) => c.allocationId === A)?.holder).toMatchObject({
      ...T1,
      claimedAt: AT,
      via: 'event',
    });
    expect(await store.claimsOfEni(POOL, T1.eniId)).toEqual([{ target: T1, allocationId: A }]);
  });

  it('refuses an EIP another target holds', async () => {
    await claim(A, T1);
    expect(await claim(A, T2)).toEqual({ kind: 'taken' });
  });

  it('answers a target that already holds an EIP with that EIP (re-running is harmless)', async () => {
    await claim(A, T1);
    expect(await claim(A, T1)).toEqual({ kind: 'target-holds', allocationId: A });
    expect(await claim(B, T1)).toEqual({ kind: 'target-holds', allocationId: A });
    expect((await store.loadPool(POOL)).claims.find((c) => c.allocationId === B)?.holder).toBeUndefined();
  });

  it('refuses an EIP that is not registered in the pool', async () => {
    expect(await claim('eipalloc-0ccccccccccccccc3', T1)).toEqual({ kind: 'taken' });
  });

  it('lets exactly one of twenty concurrent claimants win one EIP', async () => {
    const targets = Array.from({ length: 20 }, (_, i) => ({ eniId: `eni-0${i}`, privateIp: `10.0.2.${i}` }));
    const results = await Promise.all(targets.map((t) => claim(A, t)));
    expect(results.filter((r) => r.kind === 'claimed')).toHaveLength(1);
    const holders = (await store.loadPool(POOL)).claims.filter((c) => c.holder);
    expect(holders).toHaveLength(1);
  });

  it('gives one target at most one EIP when it claims two at once', async () => {
    const results = await Promise.all([claim(A, T1), claim(B, T1), claim(A, T1), claim(B, T1)]);
    expect(results.filter((r) => r.kind === 'claimed')).toHaveLength(1);
    expect((await store.loadPool(POOL)).claims.filter((c) => c.holder)).toHaveLength(1);
    expect(await store.claimsOfEni(POOL, T1.eniId)).toHaveLength(1);
  });

  it('removes the target from the waiters when it gets its EIP', async () => {
    await store.addWaiter(POOL, T1, AT);
    await claim(A, T1);
    expect((await store.loadPool(POOL)).waiters).toEqual([]);
  });
});

describe('release', () => {
  it('frees the EIP, remembers its last holder and since when it is idle', async () => {
    await claim(A, T1);
    const ok = await store.release({
      pool: POOL,
      allocationId: A,
      holder: T1,
      at: '2026-01-05T09:41:00.000Z',
      reason: 'eni-deleted',
      idle: true,
    });
    expect(ok).toBe(true);
    const c = (await store.loadPool(POOL)).claims.find((x) => x.allocationId === A);
    expect(c).toMatchObject({
      lastReleasedAt: '2026-01-05T09:41:00.000Z',
      lastHolder: T1,
      lastSelectorKey: 'k',
    });
    expect(c?.holder).toBeUndefined();
    expect(await store.claimsOfEni(POOL, T1.eniId)).toEqual([]);
  });

  it('does nothing when someone else holds the EIP by now (a late duplicate cannot free a new holder)', async () => {
    await claim(A, T1);
    await store.release({
      pool: POOL,
      allocationId: A,
      holder: T1,
      at: AT,
      reason: 'eni-deleted',
      idle: true,
    });
    await claim(A, T2);
    expect(
      await store.release({
        pool: POOL,
        allocationId: A,
        holder: T1,
        at: AT,
        reason: 'eni-deleted',
        idle: true,
      }),
    ).toBe(false);
    expect((await store.loadPool(POOL)).claims.find((c) => c.allocationId === A)?.holder?.eniId).toBe(
      T2.eniId,
    );
  });

  it('keeps the idle-since time of a claim undone before its association was made', async () => {
    await claim(A, T1);
    await store.release({
      pool: POOL,
      allocationId: A,
      holder: T1,
      at: '2026-01-05T09:10:00.000Z',
      reason: 'eni-deleted',
      idle: true,
    });
    await claim(A, T2, '2026-01-05T09:20:00.000Z');
    await store.release({
      pool: POOL,
      allocationId: A,
      holder: T2,
      at: '2026-01-05T09:20:01.000Z',
      reason: 'eni-gone',
      idle: false,
    });
    expect((await store.getClaim(POOL, A))?.lastReleasedAt).toBe('2026-01-05T09:10:00.000Z');
  });

  it('records the association only for the holder that still holds the claim', async () => {
    await claim(A, T1);
    expect(await store.recordAssociation(POOL, A, T1, 'eipassoc-1', AT)).toBe(true);
    expect(await store.recordAssociation(POOL, A, T2, 'eipassoc-2', AT)).toBe(false);
    expect((await store.getClaim(POOL, A))?.holder?.associationId).toBe('eipassoc-1');
  });
});

describe('manual holds', () => {
  const hold = { associationId: 'eipassoc-9', eniId: 'eni-09', privateIp: '10.0.9.9', detectedAt: AT };

  it('records a manual hold once per association, so one alert is sent', async () => {
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => store.markManualHold(POOL, A, hold)));
    expect(results.filter((r) => r === 'recorded')).toHaveLength(1);
    expect(results.filter((r) => r === 'unchanged')).toHaveLength(4);
  });

  it('releases the displaced holder in the same write', async () => {
    await claim(A, T1);
    expect(await store.markManualHold(POOL, A, hold, T1)).toBe('recorded');
    const c = await store.getClaim(POOL, A);
    expect(c?.holder).toBeUndefined();
    expect(c?.manualHold).toEqual({ ...hold, displaced: T1, alertClaimedAt: AT });
    expect(await store.claimsOfEni(POOL, T1.eniId)).toEqual([]);
  });

  it('lets exactly one of many callers claim an unsent alert again, and none once it was confirmed', async () => {
    const LATER = '2026-01-05T09:10:00.000Z';
    await store.markManualHold(POOL, A, hold);
    const again = await Promise.all(
      Array.from({ length: 5 }, () => store.reclaimManualHoldAlert(POOL, A, 'eipassoc-9', AT, LATER)),
    );
    expect(again.filter(Boolean)).toHaveLength(1);
    expect((await store.getClaim(POOL, A))?.manualHold?.alertClaimedAt).toBe(LATER);

    await store.confirmManualHoldAlert(POOL, A, 'eipassoc-9', LATER);

    expect((await store.getClaim(POOL, A))?.manualHold?.alertedAt).toBe(LATER);
    expect(await store.reclaimManualHoldAlert(POOL, A, 'eipassoc-9', LATER, LATER)).toBe(false);
  });

  it('starts a new association unannounced, whatever the previous one was', async () => {
    await store.markManualHold(POOL, A, hold);
    await store.confirmManualHoldAlert(POOL, A, 'eipassoc-9', AT);
    expect(await store.markManualHold(POOL, A, { ...hold, associationId: 'eipassoc-10' })).toBe('recorded');

    const next = (await store.getClaim(POOL, A))?.manualHold;
    expect(next).toMatchObject({ associationId: 'eipassoc-10', alertClaimedAt: AT });
    expect(next?.alertedAt).toBeUndefined();
  });

  it('keeps a manually held EIP out of reach of claims until the hold is cleared', async () => {
    await store.markManualHold(POOL, A, hold);
    expect(await claim(A, T1)).toEqual({ kind: 'taken' });
    expect(await store.clearManualHold(POOL, A, 'eipassoc-other')).toBe(false);
    expect(await store.clearManualHold(POOL, A, 'eipassoc-9')).toBe(true);
    expect(await claim(A, T1)).toEqual({ kind: 'claimed' });
  });
});

describe('exhaustion episodes', () => {
  it('opens an episode for exactly one of many concurrent callers', async () => {
    const opened = await Promise.all(Array.from({ length: 10 }, () => store.openExhaustion(POOL, AT)));
    expect(opened.filter((e) => e !== undefined)).toEqual([1]);
  });

  it('closes once and numbers the next episode', async () => {
    await store.openExhaustion(POOL, AT);
    expect(await Promise.all([store.closeExhaustion(POOL, AT), store.closeExhaustion(POOL, AT)])).toEqual(
      expect.arrayContaining([true, false]),
    );
    expect(await store.openExhaustion(POOL, AT)).toBe(2);
  });

  it('reopens an episode whose alert could not be sent', async () => {
    const ep = await store.openExhaustion(POOL, AT);
    await store.abandonExhaustion(POOL, ep as number);
    expect(await store.openExhaustion(POOL, AT)).toBe(1);
    await store.markExhaustionAlerted(POOL, 1, AT);
    await store.abandonExhaustion(POOL, 1);
    expect(await store.openExhaustion(POOL, AT)).toBeUndefined();
  });
});

describe('waiters and membership', () => {
  it('keeps the first waiting time of a target', async () => {
    await store.addWaiter(POOL, T1, '2026-01-05T09:00:00.000Z');
    await store.addWaiter(POOL, T1, '2026-01-05T09:05:00.000Z');
    expect((await store.loadPool(POOL)).waiters).toEqual([
      { pool: POOL, ...T1, since: '2026-01-05T09:00:00.000Z' },
    ]);
    expect(await store.waitersOfEni(POOL, T1.eniId)).toEqual([T1]);
  });

  it('lets one duplicate allocate for a waiter', async () => {
    await store.addWaiter(POOL, T1, AT);
    expect(
      await Promise.all([store.markAllocating(POOL, T1, AT), store.markAllocating(POOL, T1, AT)]),
    ).toEqual(expect.arrayContaining([true, false]));
  });

  it('retires a free claim item but never a held one', async () => {
    await claim(A, T1);
    expect(await store.retire(POOL, A)).toBe(false);
    expect(await store.retire(POOL, B)).toBe(true);
    expect((await store.loadPool(POOL)).claims.map((c) => c.allocationId)).toEqual([A]);
  });
});
