/**
 * The ledger's own items: idle episodes (an episode ends once, `attribute_not_exists(end)`, and an ended one is never
 * reopened) and releases (recorded once, `attribute_not_exists(PK)`). Written with the track they belong to.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { CorruptItemError } from '../../store/errors';
import { type Item, queryAll } from '../../store/query';
import { TABLE_KEYS } from '../../store/table';
import { idleKey, releaseKey, SWEEP_ITEM_TYPE, SWEEP_KIND, SWEEP_SK, sweepPk } from '../keys';
import type { IdleEpisodeRecord, ReleaseRecord } from '../model';
import { queryKind, type SweepTable } from './table';

/** An update that creates or updates an episode unless it has ended (the first end wins). */
export function episodeUpdate(
  table: SweepTable,
  e: IdleEpisodeRecord,
  end?: { end: string; endReason: string },
) {
  const attrs: Item = {
    [TABLE_KEYS.gsi1.partitionKey]: SWEEP_KIND.idle,
    [TABLE_KEYS.gsi1.sortKey]: `${e.start}#${e.allocationId}`,
    itemType: SWEEP_ITEM_TYPE.idle,
    allocationId: e.allocationId,
    publicIp: e.publicIp,
    key: e.key,
    start: e.start,
    source: e.source,
    rateUsd: e.rateUsd,
    classification: e.classification,
    ...(end ?? {}),
  };
  const names: Record<string, string> = { '#end': 'end' };
  const values: Item = {};
  const sets: string[] = [];
  for (const [i, [k, v]] of Object.entries(attrs).entries()) {
    names[`#a${i}`] = k;
    values[`:a${i}`] = v;
    sets.push(`#a${i} = :a${i}`);
  }
  return {
    TableName: table.tableName,
    Key: idleKey(e.allocationId, e.key),
    UpdateExpression: `SET ${sets.join(', ')}`,
    ConditionExpression: 'attribute_not_exists(#end)',
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

export function releasePut(table: SweepTable, release: ReleaseRecord) {
  return {
    TableName: table.tableName,
    Item: {
      ...releaseKey(release.allocationId),
      [TABLE_KEYS.gsi1.partitionKey]: SWEEP_KIND.release,
      [TABLE_KEYS.gsi1.sortKey]: `${release.releasedAt}#${release.allocationId}`,
      itemType: SWEEP_ITEM_TYPE.release,
      ...release,
    },
    ConditionExpression: 'attribute_not_exists(PK)',
  };
}

export async function listEpisodes(table: SweepTable, allocationId?: string): Promise<IdleEpisodeRecord[]> {
  if (allocationId === undefined) return (await queryKind(table, SWEEP_KIND.idle)).map(decodeEpisode);
  const items = await queryAll(table.doc, {
    TableName: table.tableName,
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :idle)',
    ExpressionAttributeValues: { ':pk': sweepPk(allocationId), ':idle': SWEEP_SK.idle },
    ConsistentRead: true,
  });
  return items.map(decodeEpisode);
}

export async function getEpisode(
  table: SweepTable,
  allocationId: string,
  episodeKey: string,
): Promise<IdleEpisodeRecord | undefined> {
  const out = await table.doc.send(
    new GetCommand({
      TableName: table.tableName,
      Key: idleKey(allocationId, episodeKey),
      ConsistentRead: true,
    }),
  );
  return out.Item ? decodeEpisode(out.Item) : undefined;
}

export async function listReleases(table: SweepTable): Promise<ReleaseRecord[]> {
  return (await queryKind(table, SWEEP_KIND.release)).map(decodeRelease);
}

function decodeEpisode(item: Item): IdleEpisodeRecord {
  if (
    typeof item.allocationId !== 'string' ||
    typeof item.start !== 'string' ||
    typeof item.key !== 'string'
  ) {
    throw new CorruptItemError({ PK: item.PK, SK: item.SK }, 'idle episode lacks allocationId, key or start');
  }
  return {
    allocationId: item.allocationId,
    publicIp: String(item.publicIp ?? ''),
    key: item.key,
    start: item.start,
    source: item.source === 'history' ? 'history' : 'first-observation',
    rateUsd: typeof item.rateUsd === 'number' ? item.rateUsd : 0,
    end: typeof item.end === 'string' ? item.end : null,
    endReason: (item.endReason as IdleEpisodeRecord['endReason'] | undefined) ?? null,
    classification: (item.classification as IdleEpisodeRecord['classification'] | undefined) ?? 'idle',
  };
}

function decodeRelease(item: Item): ReleaseRecord {
  if (typeof item.allocationId !== 'string' || typeof item.releasedAt !== 'string') {
    throw new CorruptItemError({ PK: item.PK, SK: item.SK }, 'release lacks allocationId or releasedAt');
  }
  return {
    allocationId: item.allocationId,
    publicIp: String(item.publicIp ?? ''),
    releasedAt: item.releasedAt,
    runId: String(item.runId ?? ''),
    rateUsd: typeof item.rateUsd === 'number' ? item.rateUsd : 0,
    idleSince: String(item.idleSince ?? item.releasedAt),
    idleSource: item.idleSource === 'history' ? 'history' : 'first-observation',
    idleHours: typeof item.idleHours === 'number' ? item.idleHours : 0,
    idleCostUsd: typeof item.idleCostUsd === 'number' ? item.idleCostUsd : 0,
    tags: (item.tags as Record<string, string> | undefined) ?? {},
  };
}
