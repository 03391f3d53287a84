/**
 * The release rules under crashes, retries, tag changes, edited state and volume, on the simulated region with the
 * Sweeper on its own hourly schedule (Lambda's retries of a run carry its event id; a run that fails three times goes
 * to the DLQ). Release is on with the production periods (24 h grace, 24 h notice). Each story ends with no release
 * the rules forbid, and every alert delivered exactly once: no dedup key twice, none missing.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import type { PublishedMessage } from '../../local/sns/service';
import { sweeper } from '../../shared/app/functions';
import type { AppConfigInput } from '../../shared/config/schema';
import { createDocumentClient } from '../../shared/store/client';
import { encodeTrack } from '../../shared/sweeper/dynamo-sweep-store/track-codec';
import { packBody, unpackBody } from '../../shared/sweeper/dynamo-sweep-store/track-index';
import { trackIndexKey, trackShard } from '../../shared/sweeper/keys';
import type { AddressTrack } from '../../shared/sweeper/model';
import {
  at,
  documentOf,
  emailOf,
  SWEEPER_FUNCTIONS,
  type SweeperRegion,
  startSweeperRegion,
  VPC_STATE,
} from './support/region';
import { putUnstampedTrack } from './support/track-items';

const KILL_SWITCH_OFF = [{ name: '/eip-keeper/kill-switch', value: 'off' }];
const RELEASE_ON: AppConfigInput = { sweeper: { release: { enabled: true, maxPerRun: 5 } } };
const id = (n: number) => `eipalloc-0000000000000c${String(n).padStart(3, '0')}`;
const ip = (n: number) => `198.51.100.${n}`;

const rigs: SweeperRegion[] = [];
async function region(opts: {
  config?: AppConfigInput;
  addresses: unknown[];
  addressLimit?: number;
}): Promise<SweeperRegion> {
  const r = await startSweeperRegion({
    config: opts.config ?? RELEASE_ON,
    state: {
      ...VPC_STATE,
      addressLimit: opts.addressLimit ?? VPC_STATE.addressLimit,
      addresses: opts.addresses,
      ssmParameters: KILL_SWITCH_OFF,
    },
    functions: SWEEPER_FUNCTIONS,
    faultLayer: true,
  });
  rigs.push(r);
  return r;
}
afterEach(async () => {
  await Promise.all(rigs.splice(0).map((r) => r.stop()));
});

interface Alert {
  at: string;
  kind: string;
  allocationId: string;
  dedupKey: string;
  messageId: string;
  message: PublishedMessage;
}

/** Every alert but the daily digests. */
const findings = (r: SweeperRegion) => alerts(r).filter((a) => a.kind !== 'digest');

function alerts(r: SweeperRegion): Alert[] {
  return r.messages().map((m) => {
    const doc = documentOf(m);
    return {
      at: m.at,
      kind: doc.kind,
      allocationId: String(doc.facts.allocationId ?? 'DIGEST'),
      dedupKey: doc.dedupKey,
      messageId: m.messageId,
      message: m,
    };
  });
}

/** Every alert once: no dedup key published twice. */
function expectEachOnce(r: SweeperRegion): void {
  const keys = alerts(r).map((a) => a.dedupKey);
  expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
}

/** When each ReleaseAddress that went through happened, from CloudTrail. */
const releases = (r: SweeperRegion) =>
  r.region.bus.events
    .map((e) => e.detail as { eventName?: string; errorCode?: string; eventTime?: string })
    .filter((d) => d.eventName === 'ReleaseAddress' && d.errorCode === undefined)
    .map((d) => ({ at: new Date(String(d.eventTime)).toISOString() }));
const sweepsFailed = (r: SweeperRegion) =>
  r.region.bus.invocations.filter((i) => i.functionId === sweeper.id && i.outcome === 'error');

describe('a sweep that dies before SNS Publish, and its retries too', () => {
  it('sends the orphan alert at the next sweep, and releases only 24 h after that confirmed publish', async () => {
    const r = await region({ addresses: [{ allocationId: id(1), publicIp: ip(1) }] });
    // First seen at +1 h: an orphan (idle > 24 h) at +26 h, whose sweep dies before Publish, three times.
    await r.advanceTo(25.5);
    r.region.setFaults({ handlerCrash: { function: sweeper.id, probability: 1, before: 'Publish' } });
    await r.advanceTo(26.5);
    r.region.setFaults({ handlerCrash: false });

    expect(sweepsFailed(r)).toHaveLength(3);
    expect(r.region.bus.dlq.map((d) => [d.functionId, d.reason])).toEqual([
      [sweeper.id, 'retries-exhausted'],
    ]);
    expect(alerts(r)).toEqual([]);

    await r.advanceTo(52);

    expect(findings(r).map((a) => [a.at, a.kind])).toEqual([
      [at(27), 'orphan'],
      [at(51), 'released'],
    ]);
    expect(releases(r).map((c) => c.at)).toEqual([at(51)]);
    expectEachOnce(r);
  });
});

describe('a sweep that dies right after ReleaseAddress', () => {
  it('releases once in that run, however often Lambda retries it, and announces it once', async () => {
    const r = await region({
      config: { sweeper: { release: { enabled: true, maxPerRun: 1 } } },
      addresses: [1, 2, 3].map((n) => ({ allocationId: id(n), publicIp: ip(n) })),
    });
    // Due at +50 h (notice at +26 h): the first release kills the invocation before anything is recorded.
    await r.advanceTo(49.5);
    r.region.setFaults({ handlerCrash: { function: sweeper.id, probability: 1, after: 'ReleaseAddress' } });
    await r.advanceTo(50.5);
    r.region.setFaults({ handlerCrash: false });

    expect(releases(r).map((c) => c.at)).toEqual([at(50)]);
    expect(sweepsFailed(r)).toHaveLength(1);

    await r.advanceTo(53);

    expect(releases(r).map((c) => c.at)).toEqual([at(50), at(51), at(52)]);
    const released = alerts(r).filter((a) => a.kind === 'released');
    expect(released.map((a) => a.allocationId).sort()).toEqual([id(1), id(2), id(3)]);
    // Recorded and announced by Lambda's retry of the run, a minute later.
    expect(released.find((a) => a.allocationId === id(1))?.at).toBe('2026-01-07T11:01:00.000Z');
    expectEachOnce(r);
  });

  it('delivers the released alert from the outbox at the next sweep when every attempt dies before Publish', async () => {
    const r = await region({ addresses: [{ allocationId: id(1), publicIp: ip(1) }] });
    await r.advanceTo(49.5);
    r.region.setFaults({ handlerCrash: { function: sweeper.id, probability: 1, before: 'Publish' } });
    await r.advanceTo(50.5);
    r.region.setFaults({ handlerCrash: false });

    expect(releases(r).map((c) => c.at)).toEqual([at(50)]);
    expect(sweepsFailed(r)).toHaveLength(3);
    expect(await r.store.listOutbox()).toHaveLength(1);
    expect(findings(r).map((a) => a.kind)).toEqual(['orphan']);

    await r.advanceTo(52);

    expect(findings(r).map((a) => [a.at, a.kind])).toEqual([
      [at(26), 'orphan'],
      [at(51), 'released'],
    ]);
    expect(await r.store.listOutbox()).toEqual([]);
    expect((await r.store.listReleases()).map((x) => x.releasedAt)).toEqual([at(50)]);
    expectEachOnce(r);
  });
});

describe('a pool member whose pool tag is removed, release on for 7 days', () => {
  const POOLED = { allocationId: id(7), publicIp: ip(7), tags: { 'eip-keeper:pool': 'payments' } };

  it('is never released, and is alerted once as a former pool member, naming who removed the tag and when', async () => {
    const r = await region({ addresses: [POOLED] });
    await r.advanceTo(0.5);
    await r.untag(id(7), 'eip-keeper:pool');
    await r.advanceTo(7 * 24);

    expect(releases(r)).toEqual([]);
    expect(r.region.ec2.addressById.has(id(7))).toBe(true);
    const sent = alerts(r);
    expect(findings(r).map((a) => [a.at, a.kind])).toEqual([[at(26), 'former-pool-member']]);
    const email = emailOf(sent[0]?.message as PublishedMessage);
    expect(email).toContain('pool tag removed by alice at 2026-01-05 09:30 UTC');
    expect(email).toContain('eip-keeper never releases a former pool member on its own.');
    expect(sent.filter((a) => a.kind === 'digest')).toHaveLength(6);
    expectEachOnce(r);
  });

  it('is released once the configuration approves it with its public IP, after its own notice', async () => {
    const r = await region({
      config: {
        sweeper: {
          release: { enabled: true, approvedFormerPoolMembers: [{ allocationId: id(7), publicIp: ip(7) }] },
        },
      },
      addresses: [POOLED],
    });
    await r.advanceTo(0.5);
    await r.untag(id(7), 'eip-keeper:pool');
    await r.advanceTo(51);

    expect(findings(r).map((a) => [a.at, a.kind])).toEqual([
      [at(26), 'former-pool-member'],
      [at(26), 'release-notice'],
      [at(50), 'released'],
    ]);
    expect(releases(r).map((c) => c.at)).toEqual([at(50)]);
    expectEachOnce(r);
  });

  it('is never released when the DeleteTags event never reaches the inventory: a sweep saw the tag', async () => {
    const r = await region({ addresses: [POOLED] });
    r.region.setFaults({ delivery: { drop: 1, dropEventNames: ['DeleteTags'] } });
    await r.advanceTo(2.5);
    await r.untag(id(7), 'eip-keeper:pool');
    await r.advanceTo(3 * 24);

    expect(releases(r)).toEqual([]);
    const former = alerts(r).filter((a) => a.kind === 'former-pool-member');
    // Untagged between the +2 h and +3 h sweeps: the grace counts from +3 h.
    expect(former.map((a) => a.at)).toEqual([at(28)]);
    expect(documentOf(former[0]?.message as PublishedMessage).facts).toMatchObject({
      formerPool: 'payments',
      formerPoolEvidence: 'seen-tagged',
    });
    expect(alerts(r).filter((a) => a.kind === 'orphan')).toEqual([]);
    expectEachOnce(r);
  });
});

/** Rewrites the address's track as someone with write access to the table would, outside the sweeper. */
async function editTrackItem(r: SweeperRegion, change: (t: AddressTrack) => AddressTrack): Promise<void> {
  const stored = (await r.store.listTracks()).find((s) => s.track.allocationId === id(1));
  if (!stored) throw new Error('no track to edit');
  const t = change(stored.track);
  const doc = createDocumentClient(r.region.connection('admin'));
  await putUnstampedTrack(doc, r.region.tableName, t, stored.version + 1);
  doc.destroy();
}

/**
 * Rewrites the address's entry in the index of tracks instead, at the version the track item has: the item itself
 * is untouched, so the next sweep takes the entry for the stored track.
 */
async function editIndexEntry(r: SweeperRegion, change: (t: AddressTrack) => AddressTrack): Promise<void> {
  const stored = (await r.store.listTracks()).find((s) => s.track.allocationId === id(1));
  if (!stored) throw new Error('no track to edit');
  const doc = createDocumentClient(r.region.connection('admin'));
  const key = trackIndexKey(trackShard(id(1)));
  const index = (await doc.send(new GetCommand({ TableName: r.region.tableName, Key: key }))).Item;
  if (!index) throw new Error('no index to edit');
  const edited = new Map([[id(1), { version: stored.version, state: encodeTrack(change(stored.track)) }]]);
  await doc.send(
    new PutCommand({
      TableName: r.region.tableName,
      Item: { ...index, body: packBody(unpackBody(index.body as Uint8Array), edited) },
    }),
  );
  doc.destroy();
}

describe.each([
  ['an edited track item', editTrackItem],
  ['an edited entry in the index of tracks', editIndexEntry],
])('%s', (_, edit) => {
  const LONG_AGO = '2025-12-01T00:00:00.000Z';

  /** "Idle since long ago, notice sent long ago": what it takes to make the next sweep release it. */
  const forged = (t: AddressTrack, firstSeenAt = t.firstSeenAt): AddressTrack => ({
    ...t,
    firstSeenAt,
    episode: { ...(t.episode as NonNullable<AddressTrack['episode']>), start: LONG_AGO, source: 'history' },
    classification: 'orphan',
    alerts: { orphan: LONG_AGO },
    notice: {
      sentAt: LONG_AGO,
      releaseAfter: LONG_AGO,
      messageId: 'forged-message-id',
      alert: { scope: t.allocationId, id: `${t.episode?.key}#orphan` },
    },
  });

  it('is rejected at the next sweep: the idle time starts again, then the alert and its 24 h notice', async () => {
    const r = await region({ addresses: [{ allocationId: id(1), publicIp: ip(1) }] });
    await r.advanceTo(2.5);
    await edit(r, (t) => forged(t));

    await r.advanceTo(53);

    expect(releases(r).map((c) => c.at)).toEqual([at(52)]);
    expect(findings(r).map((a) => [a.at, a.kind])).toEqual([
      [at(28), 'orphan'],
      [at(52), 'released'],
    ]);
    expect(r.region.metrics.some((m) => m.name === 'TracksRejected' && m.value === 1 && m.at === at(3))).toBe(
      true,
    );
    expectEachOnce(r);
  });

  it('with the first sight forged too, is refused at release: no confirmed notice, no such idle time on the ledger', async () => {
    const r = await region({ addresses: [{ allocationId: id(1), publicIp: ip(1) }] });
    await r.advanceTo(2.5);
    await edit(r, (t) => forged(t, LONG_AGO));

    await r.advanceTo(51.5);

    // Refused at +3 h; its idle time from the ledger (+1 h): an orphan at +26 h, released 24 h after that alert.
    expect(releases(r).map((c) => c.at)).toEqual([at(50)]);
    expect(findings(r).map((a) => [a.at, a.kind])).toEqual([
      [at(26), 'orphan'],
      [at(50), 'released'],
    ]);
    expect(r.region.metrics.filter((m) => m.name === 'ReleasesRefused').map((m) => m.at)).toEqual([at(3)]);
    expectEachOnce(r);
  });
});

describe('200 orphans at once', () => {
  it('alerts 10 one by one and the 190 others in one summary; the digest lists all 200, each once', async () => {
    const n = 200;
    const r = await region({
      addresses: Array.from({ length: n }, (_, i) => ({ allocationId: id(i + 1), publicIp: ip(i + 1) })),
      addressLimit: 250,
    });

    await r.advanceTo(26);

    const first = alerts(r);
    expect(first.filter((a) => a.kind === 'orphan')).toHaveLength(10);
    const summaries = first.filter((a) => a.kind === 'orphan-summary');
    expect(summaries).toHaveLength(1);
    const summarized = documentOf(summaries[0]?.message as PublishedMessage).resources;
    const oneByOne = first.filter((a) => a.kind === 'orphan').map((a) => a.allocationId);
    expect(new Set([...summarized, ...oneByOne]).size).toBe(n);
    expect(summarized).toHaveLength(190);

    await r.advanceTo(52);

    const digest = alerts(r).filter((a) => a.kind === 'digest' && a.at === '2026-01-07T00:00:00.000Z');
    expect(digest).toHaveLength(10);
    const listed = digest.flatMap((d) => documentOf(d.message).resources);
    expect(listed).toHaveLength(n);
    expect(new Set(listed).size).toBe(n);
    for (const d of digest) {
      const chat = JSON.parse(JSON.parse(d.message.message).https);
      expect(chat.content.description).not.toContain('more line');
    }
    // 5 per sweep from +50 h, each 24 h after its notice: the summary was the notice of the third five.
    expect(releases(r)).toHaveLength(15);
    const released = alerts(r).filter((a) => a.kind === 'released');
    expect(released).toHaveLength(15);
    expect(released.filter((a) => summarized.includes(a.allocationId)).map((a) => a.at)).toEqual(
      Array(5).fill(at(52)),
    );
    expect(releases(r).every((c) => c.at >= at(50))).toBe(true);
    expectEachOnce(r);
  });
});
